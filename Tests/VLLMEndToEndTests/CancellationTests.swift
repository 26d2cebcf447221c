import Foundation
import TestSupport
import Testing
import VLLMDouble

/// notifications/cancelled closes the upstream connection, which is how vLLM learns to abort.
@Suite struct CancellationTests {
    @Test(arguments: [true, false])
    func cancellingClosesTheUpstreamConnection(streamed: Bool) async throws {
        let session = try await VLLMSession.start(Configuration(behavior: Behavior(tokenDelay: .milliseconds(100))))
        defer { Task { await session.stop() } }
        let double = try #require(session.double)
        var params: JSONDict = ["name": "vllm_chat", "arguments": ["messages": [["role": "user", "content": "[[double: reply-tokens=300]] long"]]]]
        if streamed { params["_meta"] = ["progressToken": "long"] }
        let id = Unchecked(session.client.sendRequest("tools/call", params))

        // Wait until the generation is under way upstream.
        if streamed {
            #expect(try await session.client { $0.notification("notifications/progress", timeout: 10) != nil })
        } else {
            try await double.waitForRecordedRequests(timeout: .seconds(10)) { $0.contains { $0.path == "/v1/chat/completions" } }
        }
        session.client.notify("notifications/cancelled", ["requestId": id.value, "reason": "user pressed stop"])

        let records = try await double.waitForRecordedRequests(timeout: .seconds(5)) { records in
            records.contains { $0.path == "/v1/chat/completions" && $0.clientDisconnected }
        }
        #expect(records.filter { $0.path == "/v1/chat/completions" }.allSatisfy { $0.outcome == .clientDisconnected })
        // No answer for a cancelled request, and the server keeps serving.
        #expect(try await !session.client { $0.hasResponse(to: id.value, within: 0.5) })
        let after = try await session.chat("still here")
        #expect(after[path: "structuredContent", "content"] as? String == "still here")
    }

    @Test func aDeadlineCancelsTheUpstreamRequestToo() async throws {
        let session = try await VLLMSession.start(arguments: ["--call-timeout", "0.5"])
        defer { Task { await session.stop() } }
        // The model named (no model lookup first) and a first call that makes the plugin's HTTP
        // client and connection: on a loaded machine the 0.5 s could otherwise pass before the
        // generation was sent, leaving nothing upstream to cancel.
        _ = try await session.chat("warm up", ["model": "test-model"])
        let result = try await session.chat("[[double: latency=30s]] slow", ["model": "test-model"])
        #expect(result.isError)
        try await session.double!.waitForRecordedRequests(timeout: .seconds(5)) { $0.contains(where: \.clientDisconnected) }
    }
}
