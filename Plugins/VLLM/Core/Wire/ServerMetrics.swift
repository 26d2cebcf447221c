import ToolHostJSON

/// The few numbers from `/metrics` worth a status report, under vLLM's current and older names
/// and llama.cpp's. Values are summed over label sets (several models or engines), except the
/// cache usage, which is the fullest cache.
package struct ServerMetrics: Sendable, Equatable {
    /// Which naming the server used: `vllm` or `llamacpp`.
    package var family: String
    package var requestsRunning: Double?
    package var requestsWaiting: Double?
    /// KV-cache usage, 0–1.
    package var kvCacheUsage: Double?
    package var promptTokensTotal: Double?
    package var generationTokensTotal: Double?
    package var preemptionsTotal: Double?
    /// Finished requests by reason (`stop`, `length`, `abort` …); vLLM only.
    package var requestsFinished: [String: Double]?

    /// As the status tool's structured result shows it; absent numbers (and NaN, infinities)
    /// are null; finished requests by reason in the order of the reasons' names.
    package var json: JSON {
        func number(_ value: Double?) -> JSON { value.map(JSON.finite) ?? .null }
        return .object([
            "family": .string(family),
            "requests_running": number(requestsRunning),
            "requests_waiting": number(requestsWaiting),
            "kv_cache_usage": number(kvCacheUsage),
            "prompt_tokens_total": number(promptTokensTotal),
            "generation_tokens_total": number(generationTokensTotal),
            "preemptions_total": number(preemptionsTotal),
            "requests_finished": requestsFinished.map { finished in
                .object(JSONObject(finished.sorted { $0.key < $1.key }.map { (key: $0.key, value: JSON.finite($0.value)) }))
            } ?? .null,
        ])
    }

    /// The numbers the server reported, one `- label: value` line each, for people (the status
    /// report and `vllm://metrics`).
    package var lines: [String] {
        var lines: [String] = []
        func add(_ label: String, _ value: Double?) {
            if let value { lines.append("- \(label): \(Self.number(value))") }
        }
        add("Requests running", requestsRunning)
        add("Requests waiting", requestsWaiting)
        if let usage = kvCacheUsage { lines.append("- KV-cache usage: \(Self.number(usage * 100))%") }
        add("Prompt tokens (total)", promptTokensTotal)
        add("Generation tokens (total)", generationTokensTotal)
        add("Preemptions (total)", preemptionsTotal)
        if let finished = requestsFinished {
            lines.append("- Finished requests: " + finished.sorted { $0.key < $1.key }.map { "\($0.key) \(Self.number($0.value))" }.joined(separator: ", "))
        }
        return lines
    }

    /// Whole numbers as integers, others to one decimal.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        let rounded = (value * 10).rounded() / 10
        return String(rounded)
    }

    /// The key metrics in `samples`, or nil when none of the known names is there.
    package static func summarize(_ samples: [PrometheusSample]) -> ServerMetrics? {
        var byName: [String: [PrometheusSample]] = [:]
        for sample in samples { byName[sample.name, default: []].append(sample) }
        func sum(_ names: String...) -> Double? {
            for name in names {
                if let list = byName[name], !list.isEmpty { return list.reduce(0) { $0 + $1.value } }
            }
            return nil
        }
        func maximum(_ names: String...) -> Double? {
            for name in names {
                if let list = byName[name], !list.isEmpty { return list.map(\.value).max() }
            }
            return nil
        }

        if samples.contains(where: { $0.name.hasPrefix("vllm:") }) {
            var metrics = ServerMetrics(family: "vllm")
            metrics.requestsRunning = sum("vllm:num_requests_running")
            metrics.requestsWaiting = sum("vllm:num_requests_waiting")
            // Renamed in 0.12; the old name was a percentage of 1 as well.
            metrics.kvCacheUsage = maximum("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc")
            metrics.promptTokensTotal = sum("vllm:prompt_tokens_total")
            metrics.generationTokensTotal = sum("vllm:generation_tokens_total")
            metrics.preemptionsTotal = sum("vllm:num_preemptions_total")
            var finished: [String: Double] = [:]
            for sample in byName["vllm:request_success_total"] ?? [] {
                finished[sample.labels["finished_reason"] ?? "unknown", default: 0] += sample.value
            }
            metrics.requestsFinished = finished.isEmpty ? nil : finished
            return metrics
        }
        if samples.contains(where: { $0.name.hasPrefix("llamacpp:") }) {
            var metrics = ServerMetrics(family: "llamacpp")
            metrics.requestsRunning = sum("llamacpp:requests_processing")
            metrics.requestsWaiting = sum("llamacpp:requests_deferred")
            metrics.kvCacheUsage = maximum("llamacpp:kv_cache_usage_ratio")
            metrics.promptTokensTotal = sum("llamacpp:prompt_tokens_total")
            metrics.generationTokensTotal = sum("llamacpp:tokens_predicted_total")
            return metrics
        }
        return nil
    }

    init(family: String) {
        self.family = family
    }
}
