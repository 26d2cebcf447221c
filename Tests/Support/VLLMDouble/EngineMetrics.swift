/// The simulated engine's Prometheus metrics, rendered as vLLM's `/metrics` does.
struct EngineMetrics: Sendable {
    /// The finish reasons vLLM pre-registers for `request_success_total` (0.32.0).
    static let finishReasons = ["stop", "length", "abort", "error", "repetition"]

    var running = 0
    var waiting = 0
    var kvTokensInUse = 0
    var promptTokens = 0
    var generationTokens = 0
    var preemptions = 0
    var finished: [String: Int] = [:]
    var timeToFirstToken = Histogram(upperBounds: Histogram.timeToFirstTokenBounds)
    var interTokenLatency = Histogram(upperBounds: Histogram.interTokenBounds)
    var endToEndLatency = Histogram(upperBounds: Histogram.requestLatencyBounds)
    var queueTime = Histogram(upperBounds: Histogram.requestLatencyBounds)

    /// The exposition text, in Prometheus text format (what vLLM 0.32 labels version 1.0.0).
    ///
    /// - Parameters:
    ///   - modelName: The first served model name, vLLM's `model_name` label.
    ///   - naming: Which KV-cache gauge name to use.
    ///   - kvCapacityTokens: The simulated KV-cache size, for the usage ratio.
    func render(modelName: String, naming: MetricsNaming, kvCapacityTokens: Int) -> String {
        // prometheus_client writes labels sorted by name: engine, finished_reason, le, model_name.
        func labels(_ extra: (String, String)? = nil) -> String {
            var pairs = [("engine", "0"), ("model_name", modelName)]
            if let extra { pairs.append(extra) }
            return pairs.sorted { $0.0 < $1.0 }.map { "\($0.0)=\"\(escaped($0.1))\"" }.joined(separator: ",")
        }
        let usage = kvCapacityTokens > 0 ? min(1, Double(kvTokensInUse) / Double(kvCapacityTokens)) : 0
        var text = ""

        func family(_ name: String, _ type: String, _ help: String) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func sample(_ name: String, _ value: Double, extra: (String, String)? = nil) {
            text += "\(name){\(labels(extra))} \(value)\n"
        }

        family("vllm:num_requests_running", "gauge", "Number of requests in model execution batches.")
        sample("vllm:num_requests_running", Double(running))
        family("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.")
        sample("vllm:num_requests_waiting", Double(waiting))
        switch naming {
        case .current:
            family("vllm:kv_cache_usage_perc", "gauge", "KV-cache usage. 1 means 100 percent usage.")
            sample("vllm:kv_cache_usage_perc", usage)
        case .old:
            family("vllm:gpu_cache_usage_perc", "gauge", "GPU KV-cache usage. 1 means 100 percent usage.")
            sample("vllm:gpu_cache_usage_perc", usage)
        }
        family("vllm:num_preemptions_total", "counter", "Cumulative number of preemption from the engine.")
        sample("vllm:num_preemptions_total", Double(preemptions))
        family("vllm:prompt_tokens_total", "counter", "Number of prefill tokens processed.")
        sample("vllm:prompt_tokens_total", Double(promptTokens))
        family("vllm:generation_tokens_total", "counter", "Number of generation tokens processed.")
        sample("vllm:generation_tokens_total", Double(generationTokens))
        family("vllm:request_success_total", "counter", "Count of successfully processed requests.")
        for reason in Self.finishReasons {
            sample(
                "vllm:request_success_total", Double(finished[reason, default: 0]),
                extra: ("finished_reason", reason))
        }
        let histograms: [(String, String, Histogram)] = [
            ("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", timeToFirstToken),
            ("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", interTokenLatency),
            ("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", endToEndLatency),
            ("vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", queueTime),
        ]
        for (name, help, histogram) in histograms {
            family(name, "histogram", help)
            histogram.render(name: name, labels: { labels($0) }, into: &text)
        }
        return text
    }

    private func escaped(_ value: String) -> String {
        var result = ""
        for character in value {
            switch character {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            default: result.append(character)
            }
        }
        return result
    }
}
