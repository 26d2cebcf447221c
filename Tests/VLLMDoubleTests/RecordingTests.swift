import NIOHTTP1
import Testing
import ToolHostJSON
import VLLMDouble

@Suite("Recording and per-request control")
struct RecordingTests {
    @Test("Each request is recorded with method, path, headers and JSON body")
    func recorded() async throws {
        try await withDouble(Configuration(apiKey: "sk-1")) { double in
            _ = try await double.post(
                "/v1/chat/completions?x=1", chatBody("hello"),
                headers: [("Authorization", "Bearer sk-1"), ("X-Trace", "t1")]
            )
            _ = try await double.request(.GET, "/health")
            let records = double.recordedRequests
            #expect(records.map(\.id) == [1, 2])
            let chat = records[0]
            #expect(chat.method == "POST")
            #expect(chat.path == "/v1/chat/completions?x=1")
            #expect(chat.authorization == "Bearer sk-1")
            #expect(chat.headers.first(name: "x-trace") == "t1")
            #expect(chat.json?["messages"]?[0]?["content"] == "hello")
            #expect(chat.body == chatBody("hello"))
            #expect(chat.status == 200)
            #expect(chat.outcome == .completed)
            #expect(!chat.clientDisconnected)
            #expect(records[1].path == "/health")
            #expect(records[1].json == nil)
            double.resetRecording()
            #expect(double.recordedRequests.isEmpty)
            #expect(double.stats.received == 2)
        }
    }

    @Test("A client that closes mid-stream is recorded as disconnected, and the generation aborts")
    func disconnectMidStream() async throws {
        try await withDouble { double in
            try await TestConnection.with(double) { connection in
                try await connection.send(
                    .POST, "/v1/chat/completions",
                    json: chatBody("x [[double: reply-tokens=100, token-delay=20ms]]", extra: #""stream":true"#)
                )
                _ = try await connection.readHead()
                for _ in 0..<3 { _ = try await connection.nextEvent() }
            }  // leaving the scope closes the connection
            let records = try await double.waitForRecordedRequests { $0.first?.outcome != .inProgress }
            #expect(records[0].clientDisconnected)
            #expect(double.disconnects.map(\.id) == [1])
            #expect(double.stats.clientDisconnects == 1)
            #expect(double.stats.inFlight == 0)
            let metrics = try await double.request(.GET, "/metrics").body
            #expect(
                metrics.contains(
                    #"vllm:request_success_total{engine="0",finished_reason="abort",model_name="test-model"} 1.0"#))
            #expect(metrics.contains(#"vllm:num_requests_running{engine="0",model_name="test-model"} 0.0"#))
        }
    }

    @Test("A client that gives up while a non-streamed answer is pending is recorded as disconnected")
    func disconnectWhileWaiting() async throws {
        try await withDouble { double in
            try await TestConnection.with(double) { connection in
                try await connection.send(.POST, "/v1/chat/completions", json: chatBody("x [[double: latency=5s]]"))
                try await double.waitForRecordedRequests { $0.count == 1 }
            }
            // Had the disconnect gone unnoticed, the 5 s answer would have completed normally.
            let records = try await double.waitForRecordedRequests(timeout: .seconds(10)) {
                $0.first?.outcome != .inProgress
            }
            #expect(records[0].clientDisconnected)
            #expect(records[0].status == nil)
        }
    }

    @Test("A request read to its end is not a disconnect")
    func completedIsNotDisconnect() async throws {
        try await withDouble { double in
            _ = try await double.stream(
                "/v1/chat/completions", chatBody("a b c [[double: token-delay=5ms]]", extra: #""stream":true"#))
            let records = try await double.waitForRecordedRequests { $0.first?.outcome != .inProgress }
            #expect(records[0].outcome == .completed)
            #expect(double.disconnects.isEmpty)
        }
    }

    @Test("Counters: received, completed, in flight, most at once")
    func stats() async throws {
        try await withDouble { double in
            async let first = double.post("/v1/chat/completions", chatBody("x [[double: latency=1s]]"))
            async let second = double.post("/v1/chat/completions", chatBody("x [[double: latency=1s]]"))
            try await double.waitForRecordedRequests { $0.count == 2 }
            #expect(double.stats.inFlight == 2)
            _ = try await (first, second)
            try await double.waitUntilIdle()
            let stats = double.stats
            #expect(stats.received == 2)
            #expect(stats.completed == 2)
            #expect(stats.inFlight == 0)
            #expect(stats.maxInFlight == 2)
        }
    }

    @Test("Scenarios layer: server, then model, then prompt marker, then header")
    func precedence() async throws {
        let configuration = Configuration(
            models: [ServedModel(name: "plain"), ServedModel(name: "canned", scenario: "reply=\"from model\"")],
            behavior: Behavior(reply: .fixed("from server"))
        )
        try await withDouble(configuration) { double in
            func content(_ model: String, _ message: String, header: String? = nil) async throws -> String? {
                let body =
                    #"{"model":"\#(model)","messages":[{"role":"user","content":\#(JSON.string(message).jsonText)}]}"#
                let headers = header.map { [("X-Double-Scenario", $0)] } ?? []
                let json = try await double.post("/v1/chat/completions", body, headers: headers).json()
                return json["choices"]?[0]?["message"]?["content"]?.stringValue
            }
            let result1 = try await content("plain", "hi")
            #expect(result1 == "from server")
            let result2 = try await content("canned", "hi")
            #expect(result2 == "from model")
            let result3 = try await content("canned", "hi [[double: reply=\"from, marker\"]]")
            #expect(result3 == "from, marker")
            let result4 = try await content("canned", "hi [[double: echo]]")
            #expect(result4 == "hi")
            let result5 = try await content("canned", "hi [[double: echo]]", header: "reply=from-header")
            #expect(result5 == "from-header")
        }
    }

    @Test("Only the last user message's marker counts")
    func lastUserMessage() async throws {
        try await withDouble { double in
            let body =
                #"{"messages":[{"role":"user","content":"old [[double: status=500]]"},{"role":"assistant","content":"ok"},{"role":"user","content":"new"}]}"#
            let response = try await double.post("/v1/chat/completions", body)
            #expect(response.status == 200)
            #expect(try response.json()["choices"]?[0]?["message"]?["content"] == "new")
        }
    }
}
