import Testing
import ToolHostJSON
@testable import VLLMCore

/// The plugin's resources: the seed server's four URIs, their texts, and that a server that
/// does not answer, or a secret in the settings, is handled in the text.
@Suite struct ResourceTests {
    private func configuration(_ json: String) throws -> VLLMConfiguration {
        try VLLMConfiguration(json: Array(json.utf8))
    }

    private func reply(_ status: Int, _ body: String = "") -> Result<UpstreamClient.Reply, UpstreamError> {
        .success(UpstreamClient.Reply(status: status, headers: ResponseHeaders(), body: Array(body.utf8)))
    }

    @Test func urisAndNamesAreThoseOfThePythonServer() {
        #expect(ResourceCatalog.all.map(\.uri) == ["vllm://status", "vllm://metrics", "vllm://config", "vllm://platform"])
        #expect(ResourceCatalog.all.map(\.name) == ["vLLM Server Status", "vLLM Performance Metrics", "vLLM MCP Configuration", "Platform Information"])
        #expect(ResourceCatalog.all.allSatisfy { $0.mimeType == "text/plain" && !$0.description.isEmpty })
        for resource in ResourceCatalog.Resource.allCases {
            #expect(ResourceCatalog.resource(uri: ResourceCatalog.definition(resource).uri) == resource)
        }
        #expect(ResourceCatalog.resource(uri: "vllm://nothing") == nil)
        #expect(ResourceCatalog.resource(uri: "VLLM://STATUS") == nil, "URIs match exactly")
    }

    /// The secrets appear nowhere: not as values, not inside other settings that quote them,
    /// not in the base URL's user part.
    @Test func configurationNeverShowsTheSecrets() async throws {
        let key = "sk-resource-test-3f9a1c", token = "hf_ResourceTestToken42"
        let settings = try configuration("""
            {"base_url": "http://user:\(token)@vllm.example:8000/v1", "api_key": "\(key)", "hf_token": "\(token)",
             "serve_command": "vllm serve --api-key \(key)", "model": "m", "default_timeout": 0, "heartbeat_ms": 1500}
            """)
        let text = ResourceText.configuration(settings)
        #expect(!text.contains(key))
        #expect(!text.contains(token))
        #expect(!text.contains("3f9a1c"), "no part of the key")
        #expect(text.contains("**API key:** set"))
        #expect(text.contains("**HF token:** set"))
        #expect(text.contains("**Base URL:** http://vllm.example:8000"))
        #expect(text.contains("**Serve command:** `vllm serve --api-key [redacted]`"))
        #expect(text.contains("**Timeout:** none"))
        #expect(text.contains("**Heartbeat:** 1500 ms"))
        #expect(text.contains("**Model:** m"))

        let service = VLLMService(configuration: settings)
        let read = await service.read(.configuration)
        #expect(read.failure == nil)
        #expect(read.texts == [text])
        service.shutdown()
    }

    @Test func configurationSaysWhenSecretsAreNotSet() throws {
        let text = ResourceText.configuration(VLLMConfiguration())
        #expect(text.contains("**API key:** not set"))
        #expect(text.contains("**HF token:** not set"))
        #expect(text.contains("**Base URL:** http://localhost:8000"))
        #expect(text.contains("**Timeout:** 60 s"))
        #expect(text.contains("**Progress interval:** 200 ms"))
        #expect(text.contains("**Default temperature:** 0.7"))
    }

    @Test func metricsAreTheStatusReportsNumbers() {
        let body = "# HELP x\nvllm:num_requests_running{model_name=\"m\"} 2\nvllm:kv_cache_usage_perc{model_name=\"m\"} 0.25\n"
        let text = ResourceText.metrics(baseURL: "http://h:8000", reply: reply(200, body))
        #expect(text.hasPrefix("## vLLM Performance Metrics"))
        #expect(text.contains("- Requests running: 2"))
        #expect(text.contains("- KV-cache usage: 25%"))
        #expect(text.contains("**Base URL:** http://h:8000"))
    }

    @Test func metricsWithoutNumbersSayWhy() {
        #expect(ResourceText.metrics(baseURL: "http://h", reply: reply(404)).contains("no /metrics route"))
        #expect(ResourceText.metrics(baseURL: "http://h", reply: reply(500)).contains("HTTP 500"))
        #expect(ResourceText.metrics(baseURL: "http://h", reply: reply(200, "other_metric 1\n")).contains("1 samples, none of them"))
        let unauthorized = UpstreamError(.unauthorized, status: 401, message: "The server refused the API key.")
        #expect(ResourceText.metrics(baseURL: "http://h", reply: .failure(unauthorized)).contains("Reading the metrics failed: The server refused the API key."))
    }

    @Test func anOfflineStatusSaysTheServerIsNotReachable() {
        let refused = UpstreamError(.cannotConnect, message: "Cannot connect to the vLLM server at http://h:1: connection refused.")
        let report = StatusReport.build(baseURL: "http://h:1", health: .failure(refused), version: .failure(refused), metrics: .failure(refused), models: .failure(refused))
        let text = ResourceText.status(report)
        #expect(text.contains("vLLM at http://h:1 is not reachable"))
        #expect(text.contains("connection refused"))
        let healthy = StatusReport.build(
            baseURL: "http://h:8000", health: reply(200), version: reply(404), metrics: reply(404),
            models: .success(ModelCard.list(from: try! JSON(parsing: #"{"data":[{"id":"m"}]}"#)) ?? []))
        #expect(ResourceText.status(healthy) == healthy.text)
    }

    /// Nothing listens on port 1: both server resources are read successfully, and their text
    /// says the server is not reachable, why, and what to check.
    @Test func unreachableServerIsExplainedNotFailed() async throws {
        let service = VLLMService(configuration: try configuration(#"{"base_url": "http://127.0.0.1:1", "default_timeout": 5}"#))
        defer { service.shutdown() }
        for resource in [ResourceCatalog.Resource.status, .metrics] {
            let read = await service.read(resource)
            #expect(read.failure == nil, "\(resource)")
            let text = try #require(read.texts.first)
            #expect(text.contains("vLLM at http://127.0.0.1:1 is not reachable"), "\(text)")
            #expect(text.contains("VLLM_BASE_URL"), "\(text)")
        }
    }

    @Test func aCancelledReadFails() async {
        let service = VLLMService(configuration: VLLMConfiguration())
        defer { service.shutdown() }
        let task = Task { () async -> ToolOutcome in
            withUnsafeCurrentTask { $0?.cancel() }
            return await service.read(.configuration)
        }
        #expect(await task.value.failure?.kind == .cancelled)
    }
}
