import Foundation
import TestSupport
import Testing
import VLLMDouble

/// Failures are tool results with isError and a cause a person can act on.
@Suite struct FailureTests {
    /// A port nothing listens on: bind one, note it, close it.
    static func closedPortURL() throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
    }

    @Test func cannotConnectNamesTheURL() async throws {
        let url = try Self.closedPortURL()
        let session = try await VLLMSession.start(baseURL: url)
        defer { Task { await session.stop() } }
        for tool in ["vllm_chat", "list_models"] {
            let arguments: JSONDict = tool == "vllm_chat" ? ["messages": [["role": "user", "content": "hi"]], "model": "m"] : [:]
            let result = try await session.call(tool, arguments)
            #expect(result.isError)
            let text = MCPTestClient.text(of: result)
            #expect(text.contains("Cannot connect to the vLLM server at \(url)"), "\(text)")
            #expect(text.contains("connection refused"))
            #expect(text.contains("VLLM_BASE_URL"))
        }
    }

    @Test func aRefusedKeyIsSaidButNeverShown() async throws {
        let secret = "sk-e2e-SECRET-7f3a9c"
        let session = try await VLLMSession.start(Configuration(apiKey: "the-right-key"), settings: ["API_KEY": secret], arguments: ["--log-level", "debug"])
        defer { Task { await session.stop() } }
        let result = try await session.chat("hi", ["model": "test-model"])
        #expect(result.isError)
        let text = MCPTestClient.text(of: result)
        #expect(text.contains("refused the API key (HTTP 401)"))
        #expect(text.contains("VLLM_API_KEY"))
        let listed = try await session.call("list_models")
        #expect(listed.isError)
        _ = try await session.call("vllm_status")
        _ = try await session.chat("again", meta: ["progressToken": "k"])
        // The key went upstream, and nowhere else.
        #expect(session.double!.recordedRequests.contains { $0.authorization == "Bearer \(secret)" })
        try await session.client { $0.drain(for: 0.3) }
        #expect(!session.everythingVisible.contains(secret))
        #expect(!MCPTestClient.text(of: result).contains(secret))
        #expect(!MCPTestClient.text(of: listed).contains(secret))
    }

    @Test func theRightKeyIsSentAsBearer() async throws {
        let session = try await VLLMSession.start(Configuration(apiKey: "k-123456"), settings: ["API_KEY": "k-123456"])
        defer { Task { await session.stop() } }
        #expect(!(try await session.chat("hi")).isError)
        #expect(session.generationRequests.last?.authorization == "Bearer k-123456")
    }

    @Test func aPromptTooLongForTheContextPassesVLLMsMessage() async throws {
        let session = try await VLLMSession.start(Configuration(models: [ServedModel(name: "tiny", maxModelLen: 48)]))
        defer { Task { await session.stop() } }
        let result = try await session.chat(String(repeating: "word ", count: 100), ["max_tokens": 8])
        #expect(result.isError)
        let text = MCPTestClient.text(of: result)
        #expect(text.contains("does not fit the model's context window"))
        #expect(text.contains("This model's maximum context length is 48 tokens"))
    }

    @Test(arguments: ["nested", "flat"])
    func serverErrorsInEitherShape(style: String) async throws {
        let session = try await VLLMSession.start()
        defer { Task { await session.stop() } }
        let result = try await session.chat("[[double: status=500, errors=\(style), error-message=\"engine step failed\"]] x")
        #expect(result.isError)
        let text = MCPTestClient.text(of: result)
        #expect(text.contains("failed (HTTP 500): engine step failed"), "\(text)")
    }

    @Test func aDeadEngineIsAServerError() async throws {
        let session = try await VLLMSession.start(Configuration(behavior: Behavior(engineDead: true)))
        defer { Task { await session.stop() } }
        let text = MCPTestClient.text(of: try await session.chat("x", ["model": "test-model"]))
        #expect(text.contains("HTTP 500"))
        #expect(text.contains("vllm_status"))
    }

    @Test func aNonStreamedTimeoutSaysItBoundsTheWholeGeneration() async throws {
        let session = try await VLLMSession.start(settings: ["DEFAULT_TIMEOUT": "1"])
        defer { Task { await session.stop() } }
        let result = try await session.chat("[[double: latency=6s]] slow", ["model": "test-model"])
        #expect(result.isError)
        let text = MCPTestClient.text(of: result)
        #expect(text.contains("sent nothing for 1 s (VLLM_DEFAULT_TIMEOUT)"), "\(text)")
        #expect(text.contains("bounds the whole generation"))
    }

    /// The limit is per wait: a generation longer than it passes when tokens keep coming.
    @Test func aStreamedTimeoutBoundsEachWaitNotTheWhole() async throws {
        let session = try await VLLMSession.start(settings: ["DEFAULT_TIMEOUT": "2"])
        defer { Task { await session.stop() } }
        // 12 tokens 0.3 s apart: 3.6 s in all, each wait well under the 2 s limit.
        let fine = try await session.chat("[[double: reply-tokens=12, token-delay=300ms]] ok", ["model": "test-model"], meta: ["progressToken": "t1"])
        #expect(!fine.isError, "\(MCPTestClient.text(of: fine))")
        #expect(fine[path: "structuredContent", "usage", "completion_tokens"] as? Int == 12)
    }

    @Test func aStreamThatStallsSaysAfterHowManyTokens() async throws {
        let session = try await VLLMSession.start(settings: ["DEFAULT_TIMEOUT": "1"])
        defer { Task { await session.stop() } }
        let stalled = try await session.chat("[[double: reply=\"a b c\", token-delay=8s]] stall", ["model": "test-model"], meta: ["progressToken": "t2"])
        #expect(stalled.isError)
        #expect(MCPTestClient.text(of: stalled).contains("stopped sending tokens for 1 s (VLLM_DEFAULT_TIMEOUT) after 1 token"), "\(MCPTestClient.text(of: stalled))")
    }

    @Test func aLongQueueWaitSaysSo() async throws {
        let session = try await VLLMSession.start(settings: ["DEFAULT_TIMEOUT": "1"])
        defer { Task { await session.stop() } }
        let queued = try await session.chat("[[double: queue=8s]] queued", ["model": "test-model"], meta: ["progressToken": "t3"])
        #expect(queued.isError)
        let text = MCPTestClient.text(of: queued)
        #expect(text.contains("sent no token for 1 s"), "\(text)")
        #expect(text.contains("queue"))
    }

    @Test func noModelsServedSaysSo() async throws {
        let session = try await VLLMSession.start(Configuration(models: []))
        defer { Task { await session.stop() } }
        let result = try await session.chat("anyone?")
        #expect(result.isError)
        #expect(MCPTestClient.text(of: result).contains("serves no models"))
    }

    @Test func aBadConfigurationStopsThePluginWithAReason() async throws {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("VLLM_") }
        environment["VLLM_DEFAULT_MAX_TOKENS"] = "lots"
        let run = try await VLLMSession.offPool { try runCommand(ServerProcess.toolhostPath, ["check", "--plugin", ServerProcess.plugin("VLLM")], environment: environment) }
        #expect(run.status != 0)
        #expect((run.stdout + run.stderr).contains("default_max_tokens (VLLM_DEFAULT_MAX_TOKENS) must be a number, not \"lots\""))
    }
}
