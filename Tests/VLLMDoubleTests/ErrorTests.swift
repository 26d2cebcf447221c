import Testing
import VLLMDouble

@Suite("Errors")
struct ErrorTests {
    @Test("Unknown model: 404 NotFoundError in the nested shape")
    func unknownModel() async throws {
        try await withDouble { double in
            let response = try await double.post(
                "/v1/chat/completions", #"{"model":"gpt-9","messages":[{"role":"user","content":"x"}]}"#
            )
            #expect(response.status == 404)
            #expect(
                try response.json() == [
                    "error": [
                        "message": "The model `gpt-9` does not exist. Valid aliases: test-model.",
                        "type": "NotFoundError", "param": "model",
                        "code": 404,
                    ]
                ])
        }
    }

    @Test("The flat pre-0.10.1 shape, server-wide or per request")
    func flatShape() async throws {
        try await withDouble(Configuration(behavior: .legacy)) { double in
            let response = try await double.post("/v1/completions", #"{"model":"nope","prompt":"x"}"#)
            #expect(response.status == 404)
            let json = try response.json()
            #expect(json.objectValue?.keys == ["object", "message", "type", "param", "code"])
            #expect(json["object"] == "error")
            #expect(json["code"] == 404)
        }
        try await withDouble { double in
            let response = try await double.post(
                "/v1/chat/completions", chatBody("x", extra: #""max_tokens":0"#),
                headers: [("X-Double-Scenario", "errors=flat")]
            )
            #expect(response.status == 400)
            #expect(
                try response.json()["message"] == "max_tokens must be at least 1, got 0. (parameter=max_tokens, value=0)")
        }
    }

    @Test("Body validation failures are 400 `Bad Request`")
    func validation() async throws {
        try await withDouble { double in
            for body in [
                #"{"model":"test-model"}"#, "not json", #"{"messages":"x"}"#, #"{"messages":[],"max_tokens":"many"}"#,
                "[]",
            ] {
                let response = try await double.post("/v1/chat/completions", body)
                #expect(response.status == 400, "\(body)")
                let error = try response.json()["error"]
                #expect(error?["type"] == "Bad Request", "\(body)")
                #expect(error?["code"] == 400)
            }
            let missing = try await double.post("/v1/chat/completions", #"{"model":"test-model"}"#).json()
            #expect(
                missing["error"]?["message"]
                    == "1 validation error:\n  {'type': 'missing', 'loc': 'body.messages', 'msg': 'Field required', 'input': '<dict of 1 items>'}"
            )
            #expect(missing["error"]?["param"] == "body.messages")
        }
    }

    @Test("Sampling parameters out of range are 400 BadRequestError")
    func sampling() async throws {
        try await withDouble { double in
            let response = try await double.post("/v1/chat/completions", chatBody("x", extra: #""temperature":-1"#))
            #expect(response.status == 400)
            #expect(
                try response.json()["error"] == [
                    "message": "temperature must be non-negative, got -1.0. (parameter=temperature, value=-1.0)",
                    "type": "BadRequestError", "param": "temperature", "code": 400,
                ])
        }
    }

    @Test("A prompt longer than max_model_len is vLLM's context-length 400")
    func promptTooLong() async throws {
        try await withDouble(Configuration(models: [ServedModel(name: "test-model", maxModelLen: 20)])) { double in
            let response = try await double.post("/v1/chat/completions", chatBody(GenerationWords.make(30)))
            #expect(response.status == 400)
            let message = try response.json()["error"]?["message"]?.stringValue ?? ""
            #expect(
                message
                    == "This model's maximum context length is 20 tokens. However, your prompt contains at least 21 input tokens, which exceeds this limit even without any output tokens. Please reduce the length of the input prompt. (parameter=input_tokens, value=21)"
            )
        }
    }

    @Test("max_tokens beyond the context: 400 in 0.32, clamped when only prompt + max_tokens overflow")
    func maxTokensBeyondContext() async throws {
        try await withDouble(Configuration(models: [ServedModel(name: "test-model", maxModelLen: 100)])) { double in
            let tooMany = try await double.post("/v1/chat/completions", chatBody("x", extra: #""max_tokens":101"#))
            #expect(tooMany.status == 400)
            #expect(
                try tooMany.json()["error"]?["message"]
                    == "max_tokens=101 cannot be greater than max_model_len=100. Please request fewer output tokens. (parameter=max_tokens, value=101)"
            )

            let clamped = try await double.post(
                "/v1/chat/completions", chatBody("x [[double: reply-tokens=200]]", extra: #""max_tokens":100"#)
            )
            #expect(clamped.status == 200)
            let json = try clamped.json()
            #expect(json["choices"]?[0]?["finish_reason"] == "length")
            #expect(json["usage"]?["total_tokens"] == 100)

            let legacy = try await double.post(
                "/v1/chat/completions", chatBody("x [[double: context-check=legacy]]", extra: #""max_tokens":100"#)
            )
            #expect(legacy.status == 400)
            #expect(try legacy.json()["error"]?["message"]?.stringValue?.contains("However, you requested") == true)
        }
    }

    @Test("Engine dead: /health 503, generation an empty 500")
    func engineDead() async throws {
        try await withDouble { double in
            double.update { $0.behavior.engineDead = true }
            let deadHealth = try await double.request(.GET, "/health")
            #expect(deadHealth.status == 503)
            let response = try await double.post("/v1/chat/completions", chatBody("x"))
            #expect(response.status == 500)
            #expect(response.body.isEmpty)
            double.update { $0.behavior.engineDead = false }
            let liveHealth = try await double.request(.GET, "/health")
            #expect(liveHealth.status == 200)
            let perRequest = try await double.post("/v1/chat/completions", chatBody("x [[double: dead]]"))
            #expect(perRequest.status == 500)
        }
    }

    @Test("Injected 5xx statuses carry an error body", arguments: [500, 502, 503])
    func injectedStatus(_ status: Int) async throws {
        try await withDouble { double in
            let response = try await double.post(
                "/v1/chat/completions", chatBody("x [[double: status=\(status), error-message=\"boom, again\"]]")
            )
            #expect(response.status == status)
            #expect(try response.json()["error"]?["message"] == "boom, again")
            let streamed = try await double.post(
                "/v1/chat/completions", chatBody("x [[double: status=\(status)]]", extra: #""stream":true"#)
            )
            #expect(streamed.status == status)
        }
    }

    @Test("An error mid-stream: HTTP 200, an error event, then [DONE]")
    func midStreamError() async throws {
        try await withDouble { double in
            let (head, events, complete) = try await double.stream(
                "/v1/chat/completions", chatBody("a b c d e [[double: error-after=2]]", extra: #""stream":true"#)
            )
            #expect(head.status.code == 200)
            #expect(complete)
            #expect(events.last == "data: [DONE]")
            let chunks = try payloads(events)
            #expect(deltaText(chunks) == "a b")
            let error = try #require(chunks.last?["error"])
            #expect(error["code"] == 500)
            #expect(error["message"] == "vllm-double: injected failure")
        }
        try await withDouble { double in
            let response = try await double.post("/v1/chat/completions", chatBody("a b c [[double: error-after=1]]"))
            #expect(response.status == 500)
        }
    }

    @Test("A stream cut mid-way closes the connection without [DONE]")
    func cutStream() async throws {
        try await withDouble { double in
            let (_, events, complete) = try await double.stream(
                "/v1/chat/completions", chatBody("a b c d e [[double: cut-after=3]]", extra: #""stream":true"#)
            )
            #expect(!complete)
            #expect(!events.contains("data: [DONE]"))
            #expect(deltaText(try payloads(events)) == "a b c")
            let record = try await double.waitForRecordedRequests { $0.first?.outcome != .inProgress }
            #expect(record.first?.outcome == .cutByServer)
            #expect(record.first?.clientDisconnected == false)
        }
    }

    @Test("An unknown scenario directive is a loud 400")
    func unknownDirective() async throws {
        try await withDouble { double in
            let response = try await double.post("/v1/chat/completions", chatBody("x [[double: latncy=5ms]]"))
            #expect(response.status == 400)
            #expect(
                try response.json()["error"]?["message"]?.stringValue?.contains("unknown directive `latncy`") == true)
        }
    }
}
