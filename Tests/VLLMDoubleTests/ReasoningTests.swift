import Testing
import VLLMDouble

@Suite("Reasoning output")
struct ReasoningTests {
    @Test("reasoning=on fills `reasoning` before the content (0.33)")
    func reasoningField() async throws {
        try await withDouble(Configuration(behavior: Behavior(reasoning: .on, reasoningText: "Think hard."))) {
            double in
            let json = try await double.post("/v1/chat/completions", chatBody("Answer.")).json()
            let message = try #require(json["choices"]?[0]?["message"])
            #expect(message["reasoning"] == "Think hard.")
            #expect(message["content"] == "Answer.")
            #expect(message["reasoning_content"] == nil)
            #expect(json["usage"]?["completion_tokens"] == 5)

            let (_, events, _) = try await double.stream(
                "/v1/chat/completions", chatBody("Answer.", extra: #""stream":true"#))
            let chunks = try payloads(events)
            #expect(deltaText(chunks, field: "reasoning") == "Think hard.")
            #expect(deltaText(chunks) == "Answer.")
            #expect(chunks[1]["choices"]?[0]?["delta"] == ["reasoning": "Think"])
        }
    }

    @Test("The old `reasoning_content` field, chosen per request")
    func reasoningContent() async throws {
        try await withDouble { double in
            let marker = "[[double: reasoning=on, reasoning-field=reasoning_content, reasoning-text=\"Hmm, yes.\"]]"
            let json = try await double.post("/v1/chat/completions", chatBody("Answer. \(marker)")).json()
            let message = try #require(json["choices"]?[0]?["message"])
            #expect(message["reasoning_content"] == "Hmm, yes.")
            #expect(message["reasoning"] == nil)
            #expect(message["content"] == "Answer.")

            let (_, events, _) = try await double.stream(
                "/v1/chat/completions", chatBody("Answer. \(marker)", extra: #""stream":true"#)
            )
            #expect(deltaText(try payloads(events), field: "reasoning_content") == "Hmm, yes.")
        }
    }

    @Test("reasoning=only puts everything in reasoning and leaves content empty")
    func reasoningOnly() async throws {
        try await withDouble { double in
            let json = try await double.post(
                "/v1/chat/completions", chatBody("All thought. [[double: reasoning=only]]")
            ).json()
            let message = try #require(json["choices"]?[0]?["message"])
            #expect(message["reasoning"] == "All thought.")
            #expect(message["content"] == .null)

            let (_, events, _) = try await double.stream(
                "/v1/chat/completions", chatBody("All thought. [[double: reasoning=only]]", extra: #""stream":true"#)
            )
            let chunks = try payloads(events)
            #expect(deltaText(chunks, field: "reasoning") == "All thought.")
            #expect(deltaText(chunks) == "")  // only the role chunk's empty content
        }
    }
}
