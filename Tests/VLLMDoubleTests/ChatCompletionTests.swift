import Testing
import VLLMDouble

@Suite("Non-streaming chat and completions")
struct ChatCompletionTests {
    @Test("A chat completion has vLLM's shape and echoes the last user message")
    func shape() async throws {
        try await withDouble { double in
            let body =
                #"{"model":"test-model","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hello, world!"}],"temperature":0.2,"top_k":5,"whatever":{"x":1}}"#
            let response = try await double.post("/v1/chat/completions", body)
            #expect(response.status == 200)
            #expect(response.headers.first(name: "content-type") == "application/json")
            let json = try response.json()
            let object = try #require(json.objectValue)
            #expect(
                object.keys == [
                    "id", "object", "created", "model", "choices", "service_tier", "system_fingerprint", "usage",
                    "prompt_logprobs", "prompt_token_ids", "prompt_text", "kv_transfer_params", "ec_transfer_params",
                    "metrics",
                ])
            #expect(json["id"]?.stringValue?.hasPrefix("chatcmpl-") == true)
            #expect(json["id"]?.stringValue?.count == 25, "16 hex digits, as vLLM 0.32")
            #expect(json["system_fingerprint"]?.stringValue?.hasPrefix("vllm-0.32.0-") == true)
            #expect(json["object"] == "chat.completion")
            #expect(json["model"] == "test-model")
            let choice = try #require(json["choices"]?[0])
            #expect(choice["index"] == 0)
            #expect(choice["finish_reason"] == "stop")
            #expect(choice["stop_reason"] == .null)
            #expect(choice["logprobs"] == .null)
            #expect(choice["message"]?["role"] == "assistant")
            #expect(choice["message"]?["content"] == "Hello, world!")
            #expect(choice["message"]?["reasoning"] == .null)
            #expect(choice["message"]?["tool_calls"] == nil)
            // "Hello" "," " world" "!" = 4 tokens; prompt: (4 markers + role + content) per turn, + 3.
            #expect(
                json["usage"] == [
                    "prompt_tokens": 20, "total_tokens": 24, "completion_tokens": 4, "prompt_tokens_details": nil,
                    "completion_tokens_details": nil,
                ])
        }
    }

    @Test("Responses are compact JSON with UTF-8 left as is")
    func compactJSON() async throws {
        try await withDouble { double in
            let response = try await double.post("/v1/chat/completions", chatBody("Grüße \"quoted\"\n"))
            #expect(response.body.contains(#""content":"Grüße \"quoted\"\n""#))
            #expect(!response.body.contains(": "))
        }
    }

    @Test("An omitted model means the first served model")
    func omittedModel() async throws {
        try await withDouble(Configuration(models: [ServedModel(name: "first"), ServedModel(name: "second")])) {
            double in
            let json = try await double.post("/v1/chat/completions", #"{"messages":[{"role":"user","content":"hi"}]}"#)
                .json()
            #expect(json["model"] == "first")
            let named = try await double.post(
                "/v1/chat/completions", #"{"model":"second","messages":[{"role":"user","content":"hi"}]}"#
            ).json()
            #expect(named["model"] == "second")
        }
    }

    @Test("max_tokens cuts the answer with finish_reason length; max_completion_tokens wins")
    func maxTokens() async throws {
        try await withDouble { double in
            let json = try await double.post(
                "/v1/chat/completions", chatBody("one two three four five", extra: #""max_tokens":2"#)
            ).json()
            #expect(json["choices"]?[0]?["message"]?["content"] == "one two")
            #expect(json["choices"]?[0]?["finish_reason"] == "length")
            #expect(json["usage"]?["completion_tokens"] == 2)

            let both = try await double.post(
                "/v1/chat/completions",
                chatBody("one two three four five", extra: #""max_tokens":2,"max_completion_tokens":3"#)
            ).json()
            #expect(both["choices"]?[0]?["message"]?["content"] == "one two three")
        }
    }

    @Test("A stop string ends the answer before it, with stop_reason set")
    func stop() async throws {
        try await withDouble { double in
            let json = try await double.post(
                "/v1/chat/completions", chatBody("alpha beta. gamma", extra: #""stop":[".","zzz"]"#)
            ).json()
            #expect(json["choices"]?[0]?["message"]?["content"] == "alpha beta")
            #expect(json["choices"]?[0]?["finish_reason"] == "stop")
            #expect(json["choices"]?[0]?["stop_reason"] == ".")
            #expect(json["usage"]?["completion_tokens"] == 2)
        }
    }

    @Test("Fixed and lorem replies")
    func replies() async throws {
        try await withDouble(Configuration(behavior: Behavior(reply: .fixed("Fixed answer.")))) { double in
            let fixed = try await double.post("/v1/chat/completions", chatBody("anything")).json()
            #expect(fixed["choices"]?[0]?["message"]?["content"] == "Fixed answer.")
            let lorem = try await double.post("/v1/chat/completions", chatBody("x [[double: reply-tokens=5]]")).json()
            #expect(lorem["choices"]?[0]?["message"]?["content"] == "lorem ipsum dolor sit amet")
            #expect(lorem["usage"]?["completion_tokens"] == 5)
        }
    }

    @Test("Multi-part content is read")
    func contentParts() async throws {
        try await withDouble { double in
            let body =
                #"{"messages":[{"role":"user","content":[{"type":"text","text":"part one"},{"type":"image_url","image_url":{"url":"x"}}]}]}"#
            let json = try await double.post("/v1/chat/completions", body).json()
            #expect(json["choices"]?[0]?["message"]?["content"] == "part one")
        }
    }

    @Test("A completion has vLLM's shape and a default budget of 16 tokens")
    func completion() async throws {
        try await withDouble { double in
            let long = GenerationWords.make(30)
            let json = try await double.post("/v1/completions", #"{"model":"test-model","prompt":"\#(long)"}"#).json()
            let object = try #require(json.objectValue)
            #expect(
                object.keys == [
                    "id", "object", "created", "model", "choices", "service_tier", "system_fingerprint", "usage",
                    "kv_transfer_params", "ec_transfer_params", "metrics",
                ])
            #expect(json["id"]?.stringValue?.hasPrefix("cmpl-") == true)
            #expect(json["object"] == "text_completion")
            #expect(json["choices"]?[0]?["finish_reason"] == "length")
            #expect(json["choices"]?[0]?["text"]?.stringValue == GenerationWords.make(16))
            #expect(json["usage"]?["prompt_tokens"] == 31)
            #expect(json["usage"]?["completion_tokens"] == 16)
        }
    }
}

/// Space-separated one-token words.
enum GenerationWords {
    static func make(_ count: Int) -> String {
        (0..<count).map { "w\($0)" }.joined(separator: " ")
    }
}
