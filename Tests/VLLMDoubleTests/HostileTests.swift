import NIOHTTP1
import NIOPosix
import Testing
import ToolHostJSON
import VLLMDouble

/// The hostile modes: each breaks the protocol the way it says, and stops when the client goes.
@Suite("Hostile modes", .serialized)
struct HostileTests {
    @Test("Directives choose a mode and its parameters")
    func directives() throws {
        var behavior = Behavior()
        try Scenario.apply("hostile=drip, drip-interval=20ms, drip-length=7, hostile-bytes=10, redirect-to=\"http://x/y\"", to: &behavior)
        #expect(behavior.hostile == .drip)
        #expect(behavior.dripInterval == .milliseconds(20))
        #expect(behavior.dripLength == 7)
        #expect(behavior.hostileBytes == 10)
        #expect(behavior.redirectLocation == "http://x/y")
        try Scenario.apply("hostile=off", to: &behavior)
        #expect(behavior.hostile == nil)
        #expect(throws: ScenarioError.self) { try Scenario.apply("hostile=rude", to: &behavior) }
    }

    @Test("Garbage: 200, HTML quoting the credentials, then bytes that are not UTF-8")
    func garbage() async throws {
        try await withDouble(Configuration(apiKey: "k-1")) { double in
            let response = try await double.post(
                "/v1/chat/completions", chatBody("x", extra: #""stream":true"#),
                headers: [("authorization", "Bearer k-1"), ("X-Double-Scenario", "hostile=garbage")])
            #expect(response.status == 200)
            #expect(response.headers.first(name: "content-type")?.hasPrefix("text/html") == true)
            #expect(response.body.hasPrefix("<html><body>vllm-double garbage; you sent Authorization: Bearer k-1"))
        }
    }

    @Test("Endless: chunks of the given size without a finish, until the client goes")
    func endless() async throws {
        // The double writes as fast as the client reads: on a loop of its own, so that it does
        // not slow the shared loop other suites' doubles run on.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { Task { try? await group.shutdownGracefully() } }
        try await withDouble(eventLoopGroup: group) { double in
            try await TestConnection.with(double) { connection in
                try await connection.send(
                    .POST, "/v1/chat/completions", headers: [("X-Double-Scenario", "hostile=endless, hostile-bytes=16384")],
                    json: chatBody("x", extra: #""stream":true,"max_tokens":1"#))
                _ = try await connection.readHead()
                for _ in 0..<3 {
                    let event = try #require(try await connection.nextEvent())
                    let chunk = try JSON(parsing: String(event.dropFirst("data: ".count)))
                    #expect(chunk["choices"]?[0]?["delta"]?["content"]?.stringValue?.count == 16384)
                    #expect(chunk["choices"]?[0]?["finish_reason"] == .null)
                }
            }
            // Closing the connection ends it.
            try await double.waitForRecordedRequests { $0.first?.clientDisconnected == true }
        }
    }

    @Test("Oversized: one well-formed chunk far past max_tokens, then a proper end")
    func oversized() async throws {
        try await withDouble { double in
            let (_, events, complete) = try await double.stream(
                "/v1/completions", #"{"model":"test-model","prompt":"x","max_tokens":1,"stream":true}"#,
                headers: [("X-Double-Scenario", "hostile=oversized, hostile-bytes=300000")])
            #expect(complete)
            #expect(events.last == "data: [DONE]")
            let chunks = try payloads(events)
            #expect(chunks.first?["choices"]?[0]?["text"]?.stringValue?.count == 300_000)
            let whole = try await double.post(
                "/v1/completions", #"{"model":"test-model","prompt":"x","max_tokens":1}"#,
                headers: [("X-Double-Scenario", "hostile=oversized, hostile-bytes=1000")])
            #expect(try whole.json()["choices"]?[0]?["text"]?.stringValue?.count == 1000)
        }
    }

    @Test("Drip: the announced length, a byte at a time, on every route, until the client goes")
    func drip() async throws {
        try await withDouble(Configuration(behavior: Behavior(hostile: .drip, dripInterval: .milliseconds(1), dripLength: 40))) { double in
            let response = try await double.request(.GET, "/v1/models")
            #expect(response.headers.first(name: "content-length") == "40")
            #expect(try response.json() == ["object": "list", "data": []], "valid once complete")
        }
        // 1000 bytes 10 ms apart: still dripping when the client gives up after the first bytes.
        try await withDouble(Configuration(behavior: Behavior(hostile: .drip, dripInterval: .milliseconds(10)))) { double in
            try await TestConnection.with(double) { connection in
                try await connection.send(.GET, "/health")
                let head = try await connection.readHead()
                #expect(head.headers.first(name: "content-length") == "1000")
                let first = try #require(try await connection.readBodyPart())
                #expect(first.utf8.count < 1000)
            }
            try await double.waitForRecordedRequests { $0.first?.clientDisconnected == true }
        }
    }

    @Test("Redirect: 307 to the given place, or to the request's own target")
    func redirect() async throws {
        try await withDouble(Configuration(behavior: Behavior(hostile: .redirect, redirectLocation: "http://127.0.0.1:1/v1/models"))) { double in
            let response = try await double.request(.GET, "/v1/models")
            #expect(response.status == 307)
            #expect(response.headers.first(name: "location") == "http://127.0.0.1:1/v1/models")
        }
        try await withDouble { double in
            let response = try await double.post(
                "/v1/chat/completions", chatBody("x"), headers: [("X-Double-Scenario", "hostile=redirect")])
            #expect(response.status == 307)
            #expect(response.headers.first(name: "location") == "/v1/chat/completions")
        }
    }
}
