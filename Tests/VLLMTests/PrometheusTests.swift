import Testing
@testable import VLLMCore

@Suite struct PrometheusTests {
    static let vllm033 = """
        # HELP vllm:num_requests_running Number of requests in model execution batches.
        # TYPE vllm:num_requests_running gauge
        vllm:num_requests_running{engine="0",model_name="a"} 2.0
        vllm:num_requests_running{engine="1",model_name="a"} 1.0
        vllm:num_requests_waiting{engine="0",model_name="a"} 5.0
        vllm:kv_cache_usage_perc{engine="0",model_name="a"} 0.25
        vllm:kv_cache_usage_perc{engine="1",model_name="a"} 0.5
        # TYPE vllm:prompt_tokens_total counter
        vllm:prompt_tokens_total{engine="0",model_name="a"} 1234.0
        vllm:generation_tokens_total{engine="0",model_name="a"} 567.0
        vllm:num_preemptions_total{engine="0",model_name="a"} 0.0
        vllm:request_success_total{engine="0",finished_reason="stop",model_name="a"} 3.0
        vllm:request_success_total{engine="0",finished_reason="length",model_name="a"} 1.0
        vllm:request_success_total{engine="0",finished_reason="abort",model_name="a"} 2.0
        vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",model_name="a"} 6.0
        """

    @Test func readsTheKeyMetricsOfVLLM033() throws {
        let metrics = try #require(ServerMetrics.summarize(PrometheusText.parse(Self.vllm033)))
        #expect(metrics.family == "vllm")
        #expect(metrics.requestsRunning == 3, "summed over engines")
        #expect(metrics.requestsWaiting == 5)
        #expect(metrics.kvCacheUsage == 0.5, "the fullest cache")
        #expect(metrics.promptTokensTotal == 1234)
        #expect(metrics.generationTokensTotal == 567)
        #expect(metrics.preemptionsTotal == 0)
        #expect(metrics.requestsFinished == ["stop": 3, "length": 1, "abort": 2])
    }

    @Test func readsTheOldCacheName() throws {
        let text = """
            vllm:gpu_cache_usage_perc{model_name="old"} 0.125
            vllm:num_requests_running{model_name="old"} 0.0
            """
        let metrics = try #require(ServerMetrics.summarize(PrometheusText.parse(text)))
        #expect(metrics.kvCacheUsage == 0.125)
        #expect(metrics.requestsRunning == 0)
        #expect(metrics.requestsWaiting == nil)
    }

    @Test func readsLlamaCppNames() throws {
        let text = """
            llamacpp:prompt_tokens_total 10
            llamacpp:tokens_predicted_total 20
            llamacpp:requests_processing 1
            llamacpp:requests_deferred 4
            llamacpp:kv_cache_usage_ratio 0.75
            """
        let metrics = try #require(ServerMetrics.summarize(PrometheusText.parse(text)))
        #expect(metrics.family == "llamacpp")
        #expect(metrics.requestsWaiting == 4)
        #expect(metrics.generationTokensTotal == 20)
        #expect(metrics.kvCacheUsage == 0.75)
    }

    @Test func unknownMetricsGiveNothing() {
        #expect(ServerMetrics.summarize(PrometheusText.parse("process_cpu_seconds_total 1.5\n")) == nil)
    }

    @Test func labelValuesMayHoldQuotesCommasAndBraces() throws {
        let sample = try #require(PrometheusText.parseLine(#"m{a="x,\"y\"}",b="2"} NaN 1700000000"#))
        #expect(sample.labels == ["a": "x,\"y\"}", "b": "2"])
        #expect(sample.value.isNaN)
        #expect(PrometheusText.parseLine("m{a=\"unterminated} 1") == nil)
        #expect(PrometheusText.parseLine("m +Inf")?.value == .infinity)
    }
}
