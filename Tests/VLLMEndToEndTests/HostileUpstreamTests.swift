import Foundation
import TestSupport
import Testing
import VLLMDouble

/// An upstream that breaks the protocol (the double's `hostile` modes): every call is answered,
/// in bounded time and memory, with an error that says what the server did; nothing secret
/// shows; the session keeps working.
@Suite struct HostileUpstreamTests {
    /// The number in "sent N bytes" of a "sent more than was asked" error.
    static func bytesRead(_ text: String) -> Int? {
        guard let range = text.firstRange(of: /sent (\d+) bytes/) else { return nil }
        return Int(text[range].dropFirst("sent ".count).prefix { $0.isNumber })
    }

    /// Streams 64 KiB chunks without end, ignoring max_tokens (issue 11, item 3): the plugin stops
    /// reading at its cap, closes the connection, and says the server sent more than asked.
    @Test(arguments: [true, false])
    func anUpstreamIgnoringMaxTokensIsCutOff(streamed: Bool) async throws {
        let session = try await VLLMSession.start()
        defer { Task { await session.stop() } }
        let meta: JSONDict? = streamed ? ["progressToken": "endless"] : nil
        let result = try await session.chat("[[double: hostile=endless]] go on", ["max_tokens": 5], meta: meta, timeout: 20)
        #expect(result.isError)
        let text = MCPTestClient.text(of: result)
        #expect(text.contains("sent more than was asked"), "\(text)")
        #expect(text.contains("max_tokens is 5"), "\(text)")
        // Bounded accumulation: what was read before giving up stays far below a megabyte for
        // 5 tokens (the double sends 64 KiB per chunk as fast as it is read).
        let read = try #require(Self.bytesRead(text), "\(text)")
        #expect(read > 0 && read < 1 << 20, "\(read)")
        #expect(text.count < 4000, "the error does not carry what was sent")
        // The plugin stopped reading: the double saw the connection close mid-answer.
        try await session.double!.waitForRecordedRequests { $0.contains { $0.path.hasSuffix("/completions") && $0.clientDisconnected } }

        if streamed {
            let progress = session.client.progressNotifications(token: "endless")
            for note in progress {
                let value = try #require(note[path: "params", "progress"] as? Double)
                #expect(value < 6, "progress past max_tokens: \(note)")
                let message = note[path: "params", "message"] as? String ?? ""
                if let slash = message.firstIndex(of: "/"), let count = Int(message[..<slash]) {
                    #expect(count <= 5, "\(message)")
                }
            }
        }
        // The session is fine afterwards.
        let fine = try await session.chat("still here", ["max_tokens": 5], meta: meta)
        #expect(!fine.isError, "\(MCPTestClient.text(of: fine))")
    }

    /// One chunk (or one response) carrying 2 MB of text for max_tokens 5.
    @Test(arguments: [true, false])
    func anOversizedAnswerIsRefused(streamed: Bool) async throws {
        let session = try await VLLMSession.start()
        defer { Task { await session.stop() } }
        let meta: JSONDict? = streamed ? ["progressToken": "big"] : nil
        let result = try await session.chat("[[double: hostile=oversized, hostile-bytes=2000000]] big", ["max_tokens": 5], meta: meta, timeout: 20)
        #expect(result.isError)
        let text = MCPTestClient.text(of: result)
        #expect(text.contains("sent more than was asked"), "\(text.prefix(500))")
        let read = try #require(Self.bytesRead(text), "\(text.prefix(500))")
        #expect(read < 1 << 20, "\(read)")
        #expect(text.count < 4000)
    }

    /// `Content-Length: 1000`, one byte a second (issue 11, item 5): a request that is not a
    /// generation has an overall deadline of VLLM_DEFAULT_TIMEOUT.
    @Test func aDripFeedingUpstreamMeetsTheOverallDeadline() async throws {
        let session = try await VLLMSession.start(
            Configuration(behavior: Behavior(hostile: .drip, dripInterval: .milliseconds(500))), settings: ["DEFAULT_TIMEOUT": "2"])
        defer { Task { await session.stop() } }
        // Each read comes within 0.5 s, so only an overall deadline ends these; the call timeout
        // (far below the 500 s the body would take) fails the test if none does.
        let listed = try await session.call("list_models", timeout: 15)
        #expect(listed.isError)
        let text = MCPTestClient.text(of: listed)
        #expect(text.contains("did not finish answering GET /v1/models within 2 s (VLLM_DEFAULT_TIMEOUT)"), "\(text)")
        let info = try await session.call("get_model_info", ["model_id": "test-model"], timeout: 15)
        #expect(info.isError)
        let status = try await session.call("vllm_status", timeout: 15)
        #expect(MCPTestClient.text(of: status).contains("within 2 s"), "\(MCPTestClient.text(of: status))")
    }

    /// A streamed call answered with something that is not an event stream (issue 11, item 10)
    /// says so and shows the first bytes, without the API key the page quotes.
    @Test func aStreamThatIsNotAnEventStreamSaysSo() async throws {
        let secret = "sk-hostile-SECRET-41c7"
        let session = try await VLLMSession.start(Configuration(apiKey: secret), settings: ["API_KEY": secret])
        defer { Task { await session.stop() } }
        let result = try await session.chat("[[double: hostile=garbage]] x", ["model": "test-model"], meta: ["progressToken": "g"], timeout: 15)
        #expect(result.isError)
        let text = MCPTestClient.text(of: result)
        #expect(text.contains("did not answer with an event stream: <html><body>vllm-double garbage"), "\(text)")
        #expect(text.contains("text/html"), "\(text)")
        #expect(!text.contains("ended in the middle"))
        #expect(!text.contains(secret))
        #expect(text.contains("[redacted]"))
        #expect(text.count < 1500)

        // Not streamed: not a completion object, the key scrubbed too.
        let plain = try await session.chat("[[double: hostile=garbage]] x", ["model": "test-model"], timeout: 15)
        #expect(plain.isError)
        #expect(MCPTestClient.text(of: plain).contains("not a completion object"), "\(MCPTestClient.text(of: plain))")
        #expect(!MCPTestClient.text(of: plain).contains(secret))
        try await session.client { $0.drain(for: 0.2) }
        #expect(!session.everythingVisible.contains(secret))
    }

    @Test func garbageForAModelListSaysSo() async throws {
        let session = try await VLLMSession.start(Configuration(behavior: Behavior(hostile: .garbage)))
        defer { Task { await session.stop() } }
        let listed = try await session.call("list_models", timeout: 15)
        #expect(listed.isError)
        #expect(MCPTestClient.text(of: listed).contains("not a model list"), "\(MCPTestClient.text(of: listed))")
    }

    /// Redirects are never followed (the API key would go along, and a POST would be replayed
    /// elsewhere): the error names where the server pointed, so the user can fix VLLM_BASE_URL.
    @Test func aRedirectToAnotherServerIsNotFollowed() async throws {
        let elsewhere = try await VLLMDouble.start()
        defer { Task { try? await elsewhere.shutdown() } }
        let target = elsewhere.baseURL + "/v1/models"
        let session = try await VLLMSession.start(
            Configuration(apiKey: "k-redirect-1", behavior: Behavior(hostile: .redirect, redirectLocation: target)),
            settings: ["API_KEY": "k-redirect-1"])
        defer { Task { await session.stop() } }
        let listed = try await session.call("list_models", timeout: 15)
        #expect(listed.isError)
        let text = MCPTestClient.text(of: listed)
        #expect(text.contains("redirected GET /v1/models (HTTP 307) to \(target)"), "\(text)")
        #expect(text.contains("VLLM_BASE_URL"))
        let chat = try await session.chat("[[double: hostile=redirect, redirect-to=\"\(elsewhere.baseURL)/v1/chat/completions\"]] hi", ["model": "test-model"], timeout: 15)
        #expect(chat.isError)
        #expect(MCPTestClient.text(of: chat).contains("(HTTP 307) to \(elsewhere.baseURL)/v1/chat/completions"), "\(MCPTestClient.text(of: chat))")
        #expect(elsewhere.recordedRequests.isEmpty, "the other server was never contacted")
    }

    @Test func aRedirectOnTheSameServerIsNotFollowedEither() async throws {
        let session = try await VLLMSession.start()
        defer { Task { await session.stop() } }
        // The default Location is the request's own target: following it would loop.
        let result = try await session.chat("[[double: hostile=redirect]] hi", ["model": "test-model"], meta: ["progressToken": "r"], timeout: 15)
        #expect(result.isError)
        #expect(MCPTestClient.text(of: result).contains("(HTTP 307) to /v1/chat/completions"), "\(MCPTestClient.text(of: result))")
        #expect(session.generationRequests.count == 1)
    }
}
