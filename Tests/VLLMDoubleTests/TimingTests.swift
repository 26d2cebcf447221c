import NIOHTTP1
import Testing
import VLLMDouble

@Suite("Timing behaviours")
struct TimingTests {
    @Test("256 concurrent requests with 100 ms latency finish together, not one after another")
    func concurrentLatency() async throws {
        let configuration = Configuration(behavior: Behavior(latency: .milliseconds(100)))
        try await withDouble(configuration) { double in
            // Connect first, then fire all requests at once, so the measure is the double's, not the
            // time this client takes to open 256 connections.
            let gate = Gate()
            let clock = ContinuousClock()
            let elapsed = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<256 {
                    group.addTask {
                        try await TestConnection.with(double) { connection in
                            await gate.wait()
                            let response = try await connection.request(
                                .POST, "/v1/chat/completions", json: chatBody("request \(index)")
                            )
                            return response.status
                        }
                    }
                }
                while gate.arrived < 256 { try await Task.sleep(for: .milliseconds(5)) }
                let start = clock.now
                gate.open()
                for try await status in group { #expect(status == 200) }
                return clock.now - start
            }
            print("256 concurrent 100 ms requests took \(elapsed)")
            #expect(elapsed >= .milliseconds(100))
            #expect(double.stats.completed == 256)
            // Each request took its 100 ms on the server, however the client spread its sends.
            let records = double.recordedRequests
            let serverTimes = records.compactMap { record in record.finishedAt.map { $0 - record.receivedAt } }
            let arrivalSpread = records.map(\.receivedAt).max()! - records.map(\.receivedAt).min()!
            print(
                "server-side: slowest \(serverTimes.max()!), arrivals spread over \(arrivalSpread), max in flight \(double.stats.maxInFlight)"
            )
            #expect(serverTimes.count == 256)
            #expect(serverTimes.allSatisfy { $0 >= .milliseconds(100) })
            // Concurrency is shown by the requests in flight at once, not by a wall-clock bound
            // (one after another would take 25.6 s; timings are for benchmarks).
            #expect(double.stats.maxInFlight > 64)
        }
    }

    @Test("latency delays a non-streamed answer")
    func latency() async throws {
        try await withDouble { double in
            let clock = ContinuousClock()
            let elapsed = try await clock.measure {
                _ = try await double.post("/v1/chat/completions", chatBody("x [[double: latency=150ms]]"))
            }
            #expect(elapsed >= .milliseconds(150))
        }
    }

    @Test("Slow tokens arrive one per token delay")
    func slowTokens() async throws {
        try await withDouble { double in
            let clock = ContinuousClock()
            let start = clock.now
            try await TestConnection.with(double) { connection in
                try await connection.send(
                    .POST, "/v1/chat/completions",
                    json: chatBody("a b c d e [[double: slow-tokens=60ms]]", extra: #""stream":true"#))
                _ = try await connection.readHead()
                var tokens = 0
                while let event = try await connection.nextEvent() {
                    // The role chunk and the end-of-sequence chunk carry empty content.
                    if event.contains(#""content":"#), !event.contains(#""content":"""#) { tokens += 1 }
                }
                #expect(tokens == 5)
            }
            // First token at once, then four gaps to the last token and one to the end of sequence.
            let elapsed = clock.now - start
            #expect(elapsed >= .milliseconds(300))
        }
    }

    @Test("While queued, a stream has sent its head but no chunk (vLLM: nothing before the first token)")
    func queueWaitHeadersEarly() async throws {
        try await withDouble { double in
            let clock = ContinuousClock()
            try await TestConnection.with(double) { connection in
                let start = clock.now
                try await connection.send(
                    // 3 s in the queue: the metrics below must be read while it waits, even when
                    // the machine is loaded.
                    .POST, "/v1/chat/completions", json: chatBody("x [[double: queue=3s]]", extra: #""stream":true"#)
                )
                let head = try await connection.readHead()
                #expect(head.status == .ok)
                let metrics = try await double.request(.GET, "/metrics").body
                #expect(metrics.contains(#"vllm:num_requests_waiting{engine="0",model_name="test-model"} 1.0"#))
                let first = try await connection.nextEvent()
                #expect(clock.now - start >= .seconds(1))
                #expect(first?.contains(#""role":"assistant""#) == true)
            }
        }
    }

    @Test("stream-headers=late sends nothing at all until the first token")
    func queueWaitHeadersLate() async throws {
        try await withDouble { double in
            let clock = ContinuousClock()
            try await TestConnection.with(double) { connection in
                let start = clock.now
                try await connection.send(
                    .POST, "/v1/chat/completions",
                    json: chatBody("x [[double: queue=200ms, stream-headers=late]]", extra: #""stream":true"#)
                )
                _ = try await connection.readHead()
                #expect(clock.now - start >= .milliseconds(200))
            }
        }
    }

    @Test("keep-alive comments flow while no token has been sent")
    func keepAliveComments() async throws {
        try await withDouble { double in
            let (_, events, complete) = try await double.stream(
                "/v1/chat/completions", chatBody("x [[double: queue=500ms, keep-alive=50ms]]", extra: #""stream":true"#)
            )
            #expect(complete)
            let comments = events.prefix { $0.hasPrefix(":") }
            #expect(comments.count >= 2)
            #expect(comments.allSatisfy { $0 == ": keep-alive" })
            #expect(events.dropFirst(comments.count).allSatisfy { !$0.hasPrefix(":") })
        }
    }
}
