import Testing
import VLLMDouble

@Suite("Prometheus metrics")
struct MetricsTests {
    /// The value of the sample whose name and labels start with `prefix`.
    private func value(_ text: String, _ prefix: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Double($0.split(separator: " ").last!) }
    }

    @Test("Every family vLLM documents is there, with model_name and engine labels")
    func families() async throws {
        try await withDouble { double in
            let response = try await double.request(.GET, "/metrics")
            #expect(response.headers.first(name: "content-type") == "text/plain; version=1.0.0; charset=utf-8")
            let text = response.body
            for (name, type) in [
                ("vllm:num_requests_running", "gauge"), ("vllm:num_requests_waiting", "gauge"),
                ("vllm:kv_cache_usage_perc", "gauge"), ("vllm:prompt_tokens_total", "counter"),
                ("vllm:generation_tokens_total", "counter"), ("vllm:request_success_total", "counter"),
                ("vllm:num_preemptions_total", "counter"), ("vllm:time_to_first_token_seconds", "histogram"),
                ("vllm:inter_token_latency_seconds", "histogram"), ("vllm:e2e_request_latency_seconds", "histogram"),
                ("vllm:request_queue_time_seconds", "histogram"),
            ] {
                #expect(text.contains("# TYPE \(name) \(type)\n"), "\(name)")
            }
            #expect(
                text.contains(
                    #"vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",model_name="test-model"} 0.0"#))
            #expect(!text.contains("gpu_cache_usage_perc"))
        }
    }

    @Test("The pre-0.12 name gpu_cache_usage_perc when configured old")
    func oldNaming() async throws {
        try await withDouble(Configuration(metricsNaming: .old)) { double in
            let text = try await double.request(.GET, "/metrics").body
            #expect(text.contains(#"vllm:gpu_cache_usage_perc{engine="0",model_name="test-model"} 0.0"#))
            #expect(!text.contains("kv_cache_usage_perc"))
        }
    }

    @Test("Gauges follow running requests; counters follow tokens served")
    func valuesMove() async throws {
        try await withDouble { double in
            try await TestConnection.with(double) { connection in
                try await connection.send(.POST, "/v1/chat/completions", json: chatBody("x [[double: latency=10s]]"))
                let running = try await eventually {
                    let during = try await double.request(.GET, "/metrics").body
                    return value(during, "vllm:num_requests_running{") == 1
                        && value(during, "vllm:kv_cache_usage_perc{") ?? 0 > 0
                }
                #expect(running)
            }
            let aborted = try await eventually {
                let text = try await double.request(.GET, "/metrics").body
                return value(
                    text, #"vllm:request_success_total{engine="0",finished_reason="abort",model_name="test-model"}"#)
                    == 1
            }
            #expect(aborted)
            let first = try await double.post("/v1/chat/completions", chatBody("x [[double: latency=100ms]]")).json()
            let second = try await double.post("/v1/completions", #"{"prompt":"one two three","max_tokens":2}"#).json()
            let after = try await double.request(.GET, "/metrics").body
            #expect(value(after, "vllm:num_requests_running{") == 0)
            #expect(value(after, "vllm:kv_cache_usage_perc{") == 0)
            let prompt =
                (first["usage"]?["prompt_tokens"]?.intValue ?? 0) + (second["usage"]?["prompt_tokens"]?.intValue ?? 0)
            let generated =
                (first["usage"]?["completion_tokens"]?.intValue ?? 0)
                + (second["usage"]?["completion_tokens"]?.intValue ?? 0)
            // The aborted request's prompt was processed too.
            let abortedPrompt = try await double.post("/tokenize", chatBody("x [[double: latency=10s]]")).json()[
                "count"]
            #expect(value(after, "vllm:prompt_tokens_total{") == Double(prompt + (abortedPrompt?.intValue ?? 0)))
            #expect(value(after, "vllm:generation_tokens_total{") == Double(generated))
            #expect(
                value(after, #"vllm:request_success_total{engine="0",finished_reason="stop",model_name="test-model"}"#)
                    == 1)
            #expect(
                value(
                    after, #"vllm:request_success_total{engine="0",finished_reason="length",model_name="test-model"}"#)
                    == 1)
            #expect(value(after, "vllm:e2e_request_latency_seconds_count{") == 3)
            #expect(value(after, "vllm:time_to_first_token_seconds_sum{") ?? 0 >= 0.1)
        }
    }
}
