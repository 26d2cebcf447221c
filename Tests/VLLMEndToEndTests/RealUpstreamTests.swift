import Foundation
import TestSupport
import Testing

/// Where the real upstream is: CI runs `scripts/upstream start` (llama-cpp-python with Gemma 3
/// 270M on CPU) and passes its URL in `TOOLHOST_E2E_UPSTREAM`; a real vLLM works too.
enum RealUpstream {
    static var url: String? {
        guard let url = ProcessInfo.processInfo.environment["TOOLHOST_E2E_UPSTREAM"], !url.isEmpty else { return nil }
        return url
    }

    /// The server's log, where llama-cpp-python reports how many tokens each generation ran:
    /// `TOOLHOST_E2E_UPSTREAM_LOG`, else the one `scripts/upstream` writes.
    static var logPath: String? {
        let path = ProcessInfo.processInfo.environment["TOOLHOST_E2E_UPSTREAM_LOG"]
            ?? ServerProcess.packageRoot + "/.cache/upstream/server.log"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    static let skipReason: Comment = "no real upstream: run `scripts/upstream start` and set TOOLHOST_E2E_UPSTREAM to the URL it prints"
}

/// toolhost over stdio against a real OpenAI-compatible server. Serialized: the server runs
/// one generation at a time, and the cancellation test reads its log.
@Suite(.serialized, .enabled(if: RealUpstream.url != nil, RealUpstream.skipReason))
struct RealUpstreamTests {
    private func session() async throws -> VLLMSession {
        // Generous: a CPU server on a busy machine.
        try await VLLMSession.start(baseURL: RealUpstream.url!, settings: ["DEFAULT_TIMEOUT": "120"])
    }

    @Test func chatReturnsTextAndUsage() async throws {
        let session = try await session()
        defer { Task { await session.stop() } }
        let result = try await session.chat("Say hello to the tester in one short sentence.", ["max_tokens": 32, "temperature": 0], timeout: 180)
        #expect(!result.isError, "\(MCPTestClient.text(of: result))")
        let content = try #require(result[path: "structuredContent", "content"] as? String)
        #expect(!content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "the model answered with text")
        let usage = try #require(result[path: "structuredContent", "usage"] as? JSONDict)
        #expect((usage["completion_tokens"] as? Int ?? 0) > 0)
        #expect((usage["prompt_tokens"] as? Int ?? 0) > 0)
        #expect(MCPTestClient.text(of: result).contains("\n\n---\nTokens: "))
    }

    @Test func aStreamedCallSendsProgress() async throws {
        let session = try await session()
        defer { Task { await session.stop() } }
        let result = try await session.chat("Name three colours.", ["max_tokens": 24, "temperature": 0], meta: ["progressToken": "real"], timeout: 180)
        #expect(!result.isError, "\(MCPTestClient.text(of: result))")
        #expect(!(result[path: "structuredContent", "content"] as? String ?? "").isEmpty)
        let progress = session.client.progressNotifications(token: "real")
        #expect(!progress.isEmpty)
        let values = progress.compactMap { $0[path: "params", "progress"] as? Double }
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 < $1 })
        #expect(progress.allSatisfy { $0[path: "params", "total"] as? Double == 24 })
    }

    /// The proof that the upstream stopped: llama-cpp-python's log says it saw the client
    /// disconnect (it then stops pulling tokens from the model) or how many tokens the generation
    /// ran (fewer than asked for); vLLM's (with `--enable-log-requests`) that it aborted the
    /// request. vLLM 0.32 does not count such aborts in its metrics.
    @Test func aCancelledCallStopsTheUpstream() async throws {
        let session = try await session()
        defer { Task { await session.stop() } }
        let maxTokens = 1500
        let logPath = RealUpstream.logPath
        let logOffset = logPath.flatMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int } ?? 0

        let id = Unchecked(session.client.sendRequest("tools/call", [
            "name": "vllm_chat",
            "arguments": ["messages": [["role": "user", "content": "Count from 1 to 3000, one number per line, and nothing else."]],
                          "max_tokens": maxTokens, "temperature": 0],
            "_meta": ["progressToken": "cancel-me"],
        ]))
        // Cancel once tokens are flowing.
        let flowing = try await session.client { client in
            client.notification("notifications/progress", timeout: 180) {
                ($0[path: "params", "progressToken"] as? String) == "cancel-me" && ($0[path: "params", "progress"] as? Double ?? 0) >= 5
            } != nil
        }
        try #require(flowing, "no tokens arrived")
        session.client.notify("notifications/cancelled", ["requestId": id.value, "reason": "test"])
        #expect(try await !session.client { $0.hasResponse(to: id.value, within: 1) }, "a cancelled call gets no answer")

        let path = try #require(logPath, "cannot see whether the upstream stopped: set TOOLHOST_E2E_UPSTREAM_LOG to its log")
        switch try await Self.endOfGeneration(log: path, after: logOffset) {
        case .disconnected: break
        case .ran(let runs): #expect(runs < maxTokens - 1, "the generation stopped after \(runs) of \(maxTokens) tokens")
        }

        // And the server is free for the next call.
        let next = try await session.chat("Say yes.", ["max_tokens": 4], timeout: 180)
        #expect(!next.isError, "\(MCPTestClient.text(of: next))")
    }

    @Test func statusAndModelsOfARealServer() async throws {
        let session = try await session()
        defer { Task { await session.stop() } }
        let status = try await session.call("vllm_status", timeout: 60)
        #expect(!status.isError, "\(MCPTestClient.text(of: status))")
        #expect(status[path: "structuredContent", "status"] as? String == "healthy")
        let models = status[path: "structuredContent", "models"] as? [String] ?? []
        #expect(!models.isEmpty)
        #expect((status[path: "structuredContent", "server"] as? String ?? "unknown") != "unknown")
        let listed = try await session.call("list_models", timeout: 60)
        #expect(MCPTestClient.text(of: listed).hasPrefix("## Available Models ("))
    }

    enum GenerationEnd { case disconnected, ran(Int) }

    /// Waits for the server's log to tell how the generation after `offset` ended:
    /// llama-cpp-python's "Disconnected from client", vLLM's "Aborted request", or llama.cpp's
    /// `eval time = … / N runs`.
    static func endOfGeneration(log path: String, after offset: Int) async throws -> GenerationEnd {
        for _ in 0..<600 {
            if let handle = FileHandle(forReadingAtPath: path) {
                defer { try? handle.close() }
                try handle.seek(toOffset: UInt64(offset))
                let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
                for line in text.split(separator: "\n") {
                    if line.contains("Disconnected from client") || line.contains("Aborted request") { return .disconnected }
                    if line.contains("eval time"), !line.contains("prompt eval time"),
                       let runs = line.split(separator: "/").last?.split(separator: " ").first, let n = Int(runs) {
                        return .ran(n)
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ProcessError("the upstream log \(path) never reported the end of the cancelled generation")
    }
}
