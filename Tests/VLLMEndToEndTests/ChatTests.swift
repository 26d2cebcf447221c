import Foundation
import TestSupport
import Testing
import VLLMDouble

/// vllm_chat and vllm_complete through the real binary against the vLLM double: parity with the
/// Python server, then what goes beyond it.
@Suite struct ChatTests {
    @Test func toolsListHasTheTwelveToolsWithThePythonArguments() async throws {
        let session = try await VLLMSession.start()
        defer { Task { await session.stop() } }
        let tools = try await session.client { try $0.result("tools/list") }["tools"] as? [JSONDict] ?? []
        #expect(tools.compactMap { $0["name"] as? String } == ["vllm_chat", "vllm_complete", "list_models", "get_model_info", "vllm_status", "start_vllm", "stop_vllm", "restart_vllm", "list_vllm_containers", "get_vllm_logs", "get_platform_status", "run_benchmark"])
        let chat = try #require(tools.first)
        #expect(chat["description"] as? String == "Send a chat message to the vLLM server. Supports multi-turn conversations.")
        #expect(chat[path: "inputSchema", "properties", "temperature", "default"] as? Double == 0.7)
        #expect(chat[path: "inputSchema", "properties", "max_tokens", "default"] as? Int == 1024)
        #expect(chat[path: "inputSchema", "properties", "model", "description"] as? String == "Model to use (optional, uses default if not specified)")
        #expect(chat[path: "inputSchema", "required"] as? [String] == ["messages"])
        #expect(chat[path: "outputSchema", "properties", "finish_reason"] != nil)
    }

    @Test func chatReturnsTheAnswerAndTheUsageFooter() async throws {
        let session = try await VLLMSession.start()
        defer { Task { await session.stop() } }
        let result = try await session.chat("Hello there, double!")
        #expect(!result.isError)
        let blocks = result["content"] as? [JSONDict] ?? []
        let usage = try #require(result["structuredContent"] as? JSONDict)["usage"] as? JSONDict
        let p = try #require(usage?["prompt_tokens"] as? Int), c = try #require(usage?["completion_tokens"] as? Int)
        #expect(blocks.first?["text"] as? String == "Hello there, double!\n\n---\nTokens: \(p) prompt + \(c) completion = \(p + c) total")
        #expect(result[path: "structuredContent", "content"] as? String == "Hello there, double!")
        #expect(result[path: "structuredContent", "model"] as? String == "test-model")
        #expect(result[path: "structuredContent", "finish_reason"] as? String == "stop")
        #expect(blocks.last?["text"] as? String == "model: test-model\nfinish_reason: stop", "the rest mirrored in text")

        // What went upstream: the first served model, the defaults, no streaming.
        let request = try #require(session.generationRequests.last?.json)
        #expect(request["model"]?.stringValue == "test-model")
        #expect(request["temperature"]?.doubleValue == 0.7)
        #expect(request["max_tokens"]?.intValue == 1024)
        #expect(request["stream"] == nil)
        #expect(request["messages"]?[0]?["content"]?.stringValue == "Hello there, double!")
    }

    @Test func explicitValuesWinTemperatureZeroIncluded() async throws {
        let session = try await VLLMSession.start(settings: ["DEFAULT_TEMPERATURE": "0.9", "DEFAULT_MAX_TOKENS": "77"])
        defer { Task { await session.stop() } }
        _ = try await session.chat("first")
        var request = try #require(session.generationRequests.last?.json)
        #expect(request["temperature"]?.doubleValue == 0.9, "configured default")
        #expect(request["max_tokens"]?.intValue == 77)

        _ = try await session.chat("second", ["temperature": 0, "max_tokens": 5, "top_k": 3, "seed": 42, "stop": ["\n"], "chat_template_kwargs": ["enable_thinking": false]])
        request = try #require(session.generationRequests.last?.json)
        #expect(request["temperature"]?.doubleValue == 0, "0 means 0, not the default")
        #expect(request["max_tokens"]?.intValue == 5)
        #expect(request["top_k"]?.intValue == 3)
        #expect(request["seed"]?.intValue == 42)
        #expect(request["stop"]?[0]?.stringValue == "\n")
        #expect(request["chat_template_kwargs"]?["enable_thinking"]?.boolValue == false)
        #expect(request["top_p"] == nil, "unset options are not sent")
    }

    @Test func modelComesFromTheCallThenVLLMModelThenTheServer() async throws {
        let config = Configuration(models: [ServedModel(name: "first"), ServedModel(name: "second")])
        let session = try await VLLMSession.start(config, settings: ["MODEL": "second"])
        defer { Task { await session.stop() } }
        #expect(try await session.chat("a")[path: "structuredContent", "model"] as? String == "second")
        #expect(try await session.chat("b", ["model": "first"])[path: "structuredContent", "model"] as? String == "first")
        #expect(session.double!.recordedRequests.filter { $0.path == "/v1/models" }.isEmpty, "no list needed")
    }

    @Test func theModelListIsReadOnceAndReReadWhenStale() async throws {
        let session = try await VLLMSession.start(Configuration(models: [ServedModel(name: "old-model")]))
        defer { Task { await session.stop() } }
        let double = try #require(session.double)
        #expect(try await session.chat("one")[path: "structuredContent", "model"] as? String == "old-model")
        #expect(try await session.chat("two")[path: "structuredContent", "model"] as? String == "old-model")
        #expect(double.recordedRequests.filter { $0.path == "/v1/models" }.count == 1, "cached")

        // The server is restarted with another model: the 404 makes the plugin read the list again.
        double.update { $0.models = [ServedModel(name: "new-model")] }
        let result = try await session.chat("three")
        #expect(!result.isError, "\(MCPTestClient.text(of: result))")
        #expect(result[path: "structuredContent", "model"] as? String == "new-model")
        #expect(double.recordedRequests.filter { $0.path == "/v1/models" }.count == 2)
        #expect(session.generationRequests.suffix(2).map { $0.status } == [404, 200])
    }

    @Test func anUnknownModelListsTheServedOnes() async throws {
        let session = try await VLLMSession.start(Configuration(models: [ServedModel(name: "alpha"), ServedModel(name: "beta")]))
        defer { Task { await session.stop() } }
        let result = try await session.chat("hi", ["model": "gamma"])
        #expect(result.isError)
        let text = MCPTestClient.text(of: result)
        #expect(text.contains("`gamma` is not served"))
        #expect(text.contains("Served models: alpha, beta"))
        #expect(session.generationRequests.count == 1, "an explicit model is never swapped for another")
    }

    @Test func aWrongVLLMModelSaysSo() async throws {
        let session = try await VLLMSession.start(settings: ["MODEL": "typo-model"])
        defer { Task { await session.stop() } }
        let text = MCPTestClient.text(of: try await session.chat("hi"))
        #expect(text.contains("VLLM_MODEL"))
        #expect(text.contains("Served models: test-model"))
    }

    @Test func parityErrorMessages() async throws {
        let session = try await VLLMSession.start()
        defer { Task { await session.stop() } }
        let empty = try await session.call("vllm_chat", ["messages": [] as [Any]])
        #expect(empty.isError)
        #expect(MCPTestClient.text(of: empty) == "Error: No messages provided")
        let noPrompt = try await session.call("vllm_complete", ["prompt": ""])
        #expect(MCPTestClient.text(of: noPrompt) == "Error: No prompt provided")
        // A message without content never reaches the plugin: the host checks the schema first.
        let noContent = try await session.call("vllm_chat", ["messages": [["role": "user"]]])
        #expect(noContent.isError)
        #expect(MCPTestClient.text(of: noContent).contains("content"))
        #expect(session.generationRequests.isEmpty)
    }

    @Test func completionReturnsTextAndUsage() async throws {
        let session = try await VLLMSession.start()
        defer { Task { await session.stop() } }
        let result = try await session.call("vllm_complete", ["prompt": "def fib(n):", "max_tokens": 20, "stop": ["\n\n"]])
        #expect(!result.isError)
        #expect(MCPTestClient.text(of: result).hasPrefix("def fib(n):\n\n---\nTokens: "))
        let request = try #require(session.generationRequests.last)
        #expect(request.path == "/v1/completions")
        #expect(request.json?["prompt"]?.stringValue == "def fib(n):")
        #expect(request.json?["stop"]?[0]?.stringValue == "\n\n")
    }

    @Test(arguments: ["reasoning", "reasoning_content"])
    func reasoningIsReadFromEitherField(field: String) async throws {
        let session = try await VLLMSession.start()
        defer { Task { await session.stop() } }
        let result = try await session.chat("[[double: reasoning=on, reasoning-field=\(field), reasoning-text=\"Because.\"]] Why?")
        #expect(result[path: "structuredContent", "reasoning"] as? String == "Because.")
        #expect(result[path: "structuredContent", "content"] as? String == "Why?")
        #expect(MCPTestClient.text(of: result).contains("reasoning:\nBecause."))
    }

    @Test func anAnswerThatWentIntoReasoningIsNeverSilentlyEmpty() async throws {
        let session = try await VLLMSession.start()
        defer { Task { await session.stop() } }
        let result = try await session.chat("[[double: reasoning=only]] Think only")
        #expect(!result.isError)
        #expect(result[path: "structuredContent", "content"] as? String == "")
        let first = (result["content"] as? [JSONDict])?.first?["text"] as? String ?? ""
        #expect(first.hasPrefix("(No answer text: the model put all its output into its reasoning"))
        #expect(result[path: "structuredContent", "reasoning"] as? String == "Think only")
    }

    @Test func oldProtocolVersionsGetTextOnly() async throws {
        let session = try await VLLMSession.start(version: "2025-03-26")
        defer { Task { await session.stop() } }
        let tools = try await session.client { try $0.result("tools/list") }["tools"] as? [JSONDict] ?? []
        #expect(tools.first?["outputSchema"] == nil)
        let result = try await session.chat("old client")
        #expect(result["structuredContent"] == nil)
        #expect(MCPTestClient.text(of: result).contains("model: test-model\nfinish_reason: stop"))
    }

    @Test func manyConcurrentCallsAllSucceed() async throws {
        let session = try await VLLMSession.start(Configuration(behavior: Behavior(latency: .milliseconds(50))))
        defer { Task { await session.stop() } }
        var ids: [Unchecked<Any>] = []
        for i in 0..<64 {
            ids.append(Unchecked(session.client.sendRequest("tools/call", ["name": "vllm_chat", "arguments": ["messages": [["role": "user", "content": "call \(i)"]]]])))
        }
        for (i, id) in ids.enumerated() {
            let response = try await session.client { try $0.response(to: id.value, timeout: 60) }
            let result = try #require(response["result"] as? JSONDict)
            #expect(result[path: "structuredContent", "content"] as? String == "call \(i)")
        }
        #expect(session.double!.stats.maxInFlight > 1, "the calls ran concurrently")
    }
}

/// The settings can also come from toolhost's configuration file; environment variables win.
@Suite struct ConfigurationFileTests {
    @Test func theConfigurationFileConfiguresThePluginAndTheEnvironmentWins() async throws {
        let config = Configuration(models: [ServedModel(name: "first"), ServedModel(name: "second")])
        let double = try await VLLMDouble.start(config)
        defer { Task { try? await double.shutdown() } }
        let path = NSTemporaryDirectory() + "toolhost-vllm-\(UUID().uuidString).json"
        let file = #"{"plugins": {"vllm": {"base_url": "\#(double.baseURL)/v1", "model": "second", "default_temperature": 0.25, "default_max_tokens": 33}}}"#
        try file.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }

        let session = try await VLLMSession.start(baseURL: "", settings: ["DEFAULT_MAX_TOKENS": "44"], arguments: ["--config", path])
        defer { Task { await session.stop() } }
        let result = try await session.chat("from the file")
        #expect(!result.isError, "\(MCPTestClient.text(of: result))")
        #expect(result[path: "structuredContent", "model"] as? String == "second")
        let request = try #require(double.recordedRequests.last { $0.path == "/v1/chat/completions" }?.json)
        #expect(request["temperature"]?.doubleValue == 0.25)
        #expect(request["max_tokens"]?.intValue == 44, "the environment wins over the file")
        #expect(session.client.process.stderr.contains("base_url ends with /v1"), "the /v1 was dropped, with a notice")
    }
}
