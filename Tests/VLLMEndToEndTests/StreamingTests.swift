import Foundation
import TestSupport
import Testing
import VLLMDouble

/// With a progressToken the plugin streams from the server and reports progress; the result
/// is the same as without.
@Suite struct StreamingTests {
    @Test func aStreamedCallSendsProgressAndTheSameResult() async throws {
        let session = try await VLLMSession.start(Configuration(behavior: Behavior(tokenDelay: .milliseconds(25))))
        defer { Task { await session.stop() } }
        let prompt = "[[double: reply=\"one two three four five six seven eight nine ten eleven twelve\"]] go"
        let plain = try await session.chat(prompt, ["max_tokens": 64])
        let streamed = try await session.chat(prompt, ["max_tokens": 64], meta: ["progressToken": "s1"])
        #expect(!streamed.isError, "\(MCPTestClient.text(of: streamed))")
        #expect(MCPTestClient.text(of: streamed) == MCPTestClient.text(of: plain))
        #expect(sameObject(streamed["structuredContent"], try #require(plain["structuredContent"] as? JSONDict)))

        let requests = session.generationRequests
        #expect(requests.first?.json?["stream"] == nil)
        #expect(requests.last?.json?["stream"]?.boolValue == true)
        #expect(requests.last?.json?["stream_options"]?["include_usage"]?.boolValue == true)

        let progress = session.client.progressNotifications(token: "s1")
        #expect(!progress.isEmpty)
        let values = progress.compactMap { $0[path: "params", "progress"] as? Double }
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 < $1 }, "\(values)")
        #expect(values.first == 1, "the first token is reported at once")
        #expect(values.allSatisfy { $0 <= 12 })
        #expect(progress.allSatisfy { $0[path: "params", "total"] as? Double == 64 })
        #expect((progress.first?[path: "params", "message"] as? String)?.hasPrefix("1/64 tokens: …one") == true)
        #expect(progress.count < 12, "throttled: fewer reports than tokens")
    }

    @Test func heartbeatsWhileTheRequestWaitsInTheQueue() async throws {
        let session = try await VLLMSession.start(settings: ["HEARTBEAT_MS": "150"])
        defer { Task { await session.stop() } }
        let result = try await session.chat("[[double: queue=1200ms]] queued", meta: ["progressToken": "q"])
        #expect(!result.isError)
        let progress = session.client.progressNotifications(token: "q")
        let heartbeats = progress.filter { ($0[path: "params", "message"] as? String)?.hasPrefix("waiting for the first token") == true }
        #expect(heartbeats.count >= 3, "\(progress)")
        let values = progress.compactMap { $0[path: "params", "progress"] as? Double }
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 < $1 })
        #expect(heartbeats.compactMap { $0[path: "params", "progress"] as? Double }.allSatisfy { $0 > 0 && $0 < 1 })
    }

    @Test func alwaysStreamingWorksWithoutAProgressToken() async throws {
        let session = try await VLLMSession.start(settings: ["STREAM": "always"])
        defer { Task { await session.stop() } }
        let result = try await session.chat("streamed anyway")
        #expect(result[path: "structuredContent", "content"] as? String == "streamed anyway")
        #expect(session.generationRequests.last?.json?["stream"]?.boolValue == true)
        #expect(session.client.notifications.filter { $0["method"] as? String == "notifications/progress" }.isEmpty)
    }

    @Test func aStreamCutMidwayIsAnError() async throws {
        let session = try await VLLMSession.start()
        defer { Task { await session.stop() } }
        let result = try await session.chat("[[double: reply-tokens=20, cut-after=3]] cut", meta: ["progressToken": "c"])
        #expect(result.isError)
        let text = MCPTestClient.text(of: result)
        #expect(text.contains("after 3 tokens"), "\(text)")
        #expect(text.contains("in the middle of the answer"))
        #expect(text.contains("The partial answer was"))
    }

    @Test func anErrorInsideTheStreamIsAnError() async throws {
        let session = try await VLLMSession.start()
        defer { Task { await session.stop() } }
        let result = try await session.chat("[[double: reply-tokens=20, error-after=2, error-message=\"GPU fell off\"]] boom", meta: ["progressToken": "e"])
        #expect(result.isError)
        let text = MCPTestClient.text(of: result)
        #expect(text.contains("GPU fell off"))
        #expect(text.contains("after 2 tokens"))
    }

    @Test func reasoningStreamsToo() async throws {
        let session = try await VLLMSession.start()
        defer { Task { await session.stop() } }
        let prompt = "[[double: reasoning=on, reasoning-text=\"Let me see.\"]] The answer"
        let plain = try await session.chat(prompt)
        let streamed = try await session.chat(prompt, meta: ["progressToken": "r"])
        #expect(streamed[path: "structuredContent", "reasoning"] as? String == "Let me see.")
        #expect(MCPTestClient.text(of: streamed) == MCPTestClient.text(of: plain))
    }
}
