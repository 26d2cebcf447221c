import Foundation
import TestSupport
import Testing
import VLLMDouble

/// list_models, get_model_info and vllm_status.
@Suite struct ModelAndStatusTests {
    @Test func listModelsInThePythonFormat() async throws {
        let config = Configuration(models: [ServedModel(name: "base", maxModelLen: 8192)], loraAdapters: [LoRAAdapter(name: "sql-lora")])
        let session = try await VLLMSession.start(config)
        defer { Task { await session.stop() } }
        let result = try await session.call("list_models")
        let text = MCPTestClient.text(of: result)
        #expect(text.hasPrefix("## Available Models (2 total)\n\n- **base** (owned by: vllm, created: "))
        #expect(text.contains("max_model_len: 8192"))
        #expect(text.contains("- **sql-lora** (owned by: vllm"))
        #expect(text.contains("adapter of: base"))
        let models = result[path: "structuredContent", "models"] as? [JSONDict] ?? []
        #expect(models.compactMap { $0["id"] as? String } == ["base", "sql-lora"])
    }

    @Test func modelInfoShowsTheCard() async throws {
        let session = try await VLLMSession.start()
        defer { Task { await session.stop() } }
        let text = MCPTestClient.text(of: try await session.call("get_model_info", ["model_id": "test-model"]))
        #expect(text.hasPrefix("## Model: test-model\n\n```json\n{"))
        // The card's members in the server's order, as json.dumps keeps them.
        #expect(text.hasPrefix("## Model: test-model\n\n```json\n{\n  \"id\": \"test-model\",\n  \"object\": \"model\",\n  \"created\": "))
        #expect(text.contains("\n  \"max_model_len\": 4096,\n"))
        #expect(text.contains("\"permission\": [\n    {"))
        #expect(text.hasSuffix("}\n```"))
        let missing = try await session.call("get_model_info", ["model_id": "nope"])
        #expect(missing.isError)
        #expect(MCPTestClient.text(of: missing) == "Model 'nope' not found on the server. Served models: test-model.")
    }

    @Test func statusOfAHealthyVLLM() async throws {
        let session = try await VLLMSession.start()
        defer { Task { await session.stop() } }
        _ = try await session.chat("warm up")
        let result = try await session.call("vllm_status")
        #expect(!result.isError)
        let text = MCPTestClient.text(of: result)
        #expect(text.hasPrefix("## vLLM Server Status ✅\n\n**Status:** healthy\n**Base URL:** http://127.0.0.1:"))
        #expect(text.contains("**Server:** vLLM 0.32.0"))
        #expect(text.contains("**Models:** test-model"))
        #expect(text.contains("- Requests running: 0"))
        #expect(text.contains("- Requests waiting: 0"))
        #expect(text.contains("- KV-cache usage: "))
        #expect(text.contains("- Generation tokens (total): "))
        #expect(result[path: "structuredContent", "server"] as? String == "vLLM 0.32.0")
        #expect(result[path: "structuredContent", "metrics", "family"] as? String == "vllm")
        let prompt = try #require(result[path: "structuredContent", "metrics", "prompt_tokens_total"] as? Double)
        #expect(prompt > 0, "the warm-up call was counted")
        #expect(result[path: "structuredContent", "metrics", "requests_finished", "stop"] as? Double == 1)
    }

    @Test func statusReadsTheOldCacheMetric() async throws {
        let session = try await VLLMSession.start(Configuration(metricsNaming: .old))
        defer { Task { await session.stop() } }
        let result = try await session.call("vllm_status")
        #expect(result[path: "structuredContent", "metrics", "kv_cache_usage"] as? Double != nil)
    }

    @Test func statusOfADeadEngine() async throws {
        let session = try await VLLMSession.start(Configuration(behavior: Behavior(engineDead: true)))
        defer { Task { await session.stop() } }
        let result = try await session.call("vllm_status")
        let text = MCPTestClient.text(of: result)
        #expect(result[path: "structuredContent", "status"] as? String == "unhealthy")
        #expect(text.contains("⚠️"))
        #expect(text.contains("GET /health answered 503"))
    }

    @Test func statusOfNothingListening() async throws {
        let url = try FailureTests.closedPortURL()
        let session = try await VLLMSession.start(baseURL: url)
        defer { Task { await session.stop() } }
        let result = try await session.call("vllm_status")
        #expect(result.isError)
        let text = MCPTestClient.text(of: result)
        #expect(text.contains("**Status:** offline"))
        #expect(text.contains("Cannot connect to the vLLM server at \(url)"))
    }
}
