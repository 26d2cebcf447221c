/// Everything the double is started with; `VLLMDouble.update(_:)` can change it while it runs.
package struct Configuration: Sendable {
    /// The address to listen on; loopback only.
    package var host: String
    /// The port; 0 picks a free one.
    package var port: Int
    /// When set, `/v1…` paths require `Authorization: Bearer <apiKey>`.
    package var apiKey: String?
    /// The served model names; the first is used when a request omits `model`.
    package var models: [ServedModel]
    /// LoRA adapters listed in `/v1/models` and accepted as `model`.
    package var loraAdapters: [LoRAAdapter]
    /// The behaviour of every request before per-model and per-request scenarios.
    package var behavior: Behavior
    /// Which metric names `/metrics` uses.
    package var metricsNaming: MetricsNaming
    /// The version `/version` reports.
    package var version: String
    /// KV-cache capacity in tokens, from which `kv_cache_usage_perc` is derived.
    package var kvCacheCapacityTokens: Int
    /// How many recent requests are kept for `recordedRequests`; counters stay exact regardless.
    package var recordingLimit: Int

    /// Creates a configuration; the defaults serve `test-model` (4096 tokens) on a free port.
    package init(
        host: String = "127.0.0.1",
        port: Int = 0,
        apiKey: String? = nil,
        models: [ServedModel] = [ServedModel(name: "test-model")],
        loraAdapters: [LoRAAdapter] = [],
        behavior: Behavior = Behavior(),
        metricsNaming: MetricsNaming = .current,
        version: String = "0.32.0",
        kvCacheCapacityTokens: Int = 65_536,
        recordingLimit: Int = 10_000
    ) {
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.models = models
        self.loraAdapters = loraAdapters
        self.behavior = behavior
        self.metricsNaming = metricsNaming
        self.version = version
        self.kvCacheCapacityTokens = kvCacheCapacityTokens
        self.recordingLimit = recordingLimit
    }
}

/// The generation of vLLM metric names to expose.
package enum MetricsNaming: String, Sendable, Equatable {
    /// `vllm:kv_cache_usage_perc` (0.12 and later).
    case current
    /// `vllm:gpu_cache_usage_perc` (before 0.12).
    case old
}
