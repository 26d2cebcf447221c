import Testing
import VLLMDouble

@Suite("Streaming")
struct StreamingTests {
    @Test("A chat stream: role chunk, content deltas, finish chunk, usage chunk, [DONE]")
    func chatStream() async throws {
        try await withDouble { double in
            let (head, events, complete) = try await double.stream(
                "/v1/chat/completions",
                chatBody("Hello, world!", extra: #""stream":true,"stream_options":{"include_usage":true}"#)
            )
            #expect(head.status.code == 200)
            #expect(head.headers.first(name: "content-type") == "text/event-stream; charset=utf-8")
            #expect(complete)
            #expect(events.last == "data: [DONE]")
            let chunks = try payloads(events)
            #expect(chunks.count == 7)
            let first = try #require(chunks.first)
            #expect(
                first.objectValue?.keys == [
                    "id", "object", "created", "model", "choices", "prompt_token_ids", "prompt_text",
                ])
            #expect(first["object"] == "chat.completion.chunk")
            #expect(
                first["choices"]?[0] == [
                    "index": 0, "delta": ["role": "assistant", "content": ""], "logprobs": nil, "finish_reason": nil,
                ])
            #expect(chunks[1]["choices"]?[0]?["delta"] == ["content": "Hello"])
            #expect(chunks[1]["choices"]?[0]?.objectValue?.keys == ["index", "delta", "logprobs", "finish_reason", "token_ids"])
            #expect(deltaText(chunks) == "Hello, world!")
            #expect(Set(chunks.compactMap { $0["id"]?.stringValue }).count == 1)
            let finish = chunks[5]
            #expect(finish["choices"]?[0]?["finish_reason"] == "stop")
            #expect(finish["choices"]?[0]?["stop_reason"] == .null)
            #expect(finish["choices"]?[0]?["delta"] == ["content": ""], "the end-of-sequence token has no text")
            #expect(finish["system_fingerprint"] == nil, "the usage chunk carries it")
            let usage = chunks[6]
            #expect(usage["choices"] == [])
            #expect(usage["usage"] == ["prompt_tokens": 12, "total_tokens": 16, "completion_tokens": 4])
            #expect(usage["system_fingerprint"]?.stringValue?.hasPrefix("vllm-0.32.0-") == true)
            // Every event is compact `data: {json}`.
            #expect(events.allSatisfy { $0.hasPrefix("data: ") && !$0.contains("\n") })
        }
    }

    @Test("Without include_usage there is no usage chunk")
    func noUsage() async throws {
        try await withDouble { double in
            let (_, events, _) = try await double.stream(
                "/v1/chat/completions", chatBody("a b", extra: #""stream":true"#))
            let chunks = try payloads(events)
            #expect(chunks.allSatisfy { $0["usage"] == nil })
            #expect(chunks.last?["choices"]?[0]?["finish_reason"] == "stop")
            #expect(chunks.last?["system_fingerprint"] != nil, "the last chunk names the system")
            #expect(chunks.dropLast().allSatisfy { $0["system_fingerprint"] == nil })
        }
    }

    @Test("continuous_usage_stats puts usage on every chunk")
    func continuousUsage() async throws {
        try await withDouble { double in
            let (_, events, _) = try await double.stream(
                "/v1/chat/completions",
                chatBody(
                    "a b",
                    extra: #""stream":true,"stream_options":{"include_usage":true,"continuous_usage_stats":true}"#)
            )
            let chunks = try payloads(events)
            #expect(chunks.allSatisfy { $0["usage"] != nil })
            #expect(chunks[2]["usage"]?["completion_tokens"] == 2)
            #expect(chunks[2]["usage"]?["completion_tokens_details"] == .null)
            #expect(chunks.last?["usage"]?["completion_tokens_details"] == nil, "not in the final usage chunk")
        }
    }

    @Test("A stream cut by max_tokens ends with finish_reason length on the last token")
    func lengthStream() async throws {
        try await withDouble { double in
            let (_, events, _) = try await double.stream(
                "/v1/chat/completions", chatBody("one two three", extra: #""stream":true,"max_tokens":2"#)
            )
            let chunks = try payloads(events)
            #expect(deltaText(chunks) == "one two")
            #expect(chunks.last?["choices"]?[0]?["delta"] == ["content": " two"])
            #expect(chunks.last?["choices"]?[0]?["finish_reason"] == "length")
        }
    }

    @Test("A stop string ends the stream on the last token's chunk, with its stop_reason")
    func stopStringStream() async throws {
        try await withDouble { double in
            let (_, events, _) = try await double.stream(
                "/v1/chat/completions", chatBody("one two three", extra: #""stream":true,"stop":[" three"]"#)
            )
            let chunks = try payloads(events)
            #expect(deltaText(chunks) == "one two")
            #expect(chunks.last?["choices"]?[0]?["delta"] == ["content": " two"])
            #expect(chunks.last?["choices"]?[0]?["finish_reason"] == "stop")
            #expect(chunks.last?["choices"]?[0]?["stop_reason"] == " three")
        }
    }

    @Test("stream_options without stream is a 400")
    func streamOptionsWithoutStream() async throws {
        try await withDouble { double in
            let response = try await double.post(
                "/v1/chat/completions", chatBody("x", extra: #""stream_options":{"include_usage":true}"#)
            )
            #expect(response.status == 400)
            let message = try response.json()["error"]?["message"]?.stringValue ?? ""
            #expect(message == "Stream options can only be defined when `stream=True`. (parameter=stream_options)")
        }
    }

    @Test("A completion stream has text chunks, a usage chunk and [DONE]")
    func completionStream() async throws {
        try await withDouble { double in
            let (_, events, complete) = try await double.stream(
                "/v1/completions",
                #"{"prompt":"a b c","max_tokens":5,"stream":true,"stream_options":{"include_usage":true}}"#
            )
            #expect(complete)
            let chunks = try payloads(events)
            #expect(chunks.first?["object"] == "text_completion")
            #expect(chunks.first?["choices"]?[0]?["text"] == "a")
            #expect(chunks.first?["usage"] == nil, "no usage member without continuous_usage_stats")
            let text = chunks.compactMap { $0["choices"]?[0]?["text"]?.stringValue }.joined()
            #expect(text == "a b c")
            #expect(chunks[chunks.count - 2]["choices"]?[0]?["finish_reason"] == "stop")
            #expect(chunks.last?["usage"] == ["prompt_tokens": 4, "total_tokens": 7, "completion_tokens": 3])
            #expect(events.last == "data: [DONE]")
        }
    }

    @Test(
        "Streamed deltas join to the non-streamed content",
        arguments: ["", "x", "Ünïcødé 🙂 text, with: punctuation!", "  spaced  out  "])
    func deltasMatchContent(_ message: String) async throws {
        try await withDouble { double in
            let whole = try await double.post("/v1/chat/completions", chatBody(message)).json()
            let (_, events, _) = try await double.stream(
                "/v1/chat/completions", chatBody(message, extra: #""stream":true"#))
            let content = whole["choices"]?[0]?["message"]?["content"]?.stringValue
            #expect(deltaText(try payloads(events)) == content)
        }
    }
}
