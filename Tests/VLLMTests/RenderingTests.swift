import Testing
import ToolHostJSON
@testable import VLLMCore

@Suite struct RenderingTests {
    private func generation(content: String = "Hello", reasoning: String? = nil, finish: String? = "stop", usage: Usage? = Usage(promptTokens: 5, completionTokens: 3, totalTokens: 8)) -> Generation {
        var g = Generation(model: "m")
        g.content = content
        g.reasoning = reasoning
        g.finishReason = finish
        g.usage = usage
        return g
    }

    @Test func firstBlockIsThePythonServersText() {
        let outcome = GenerationRendering.outcome(generation())
        #expect(outcome.texts.first == "Hello\n\n---\nTokens: 5 prompt + 3 completion = 8 total")
        #expect(outcome.texts.last == "model: m\nfinish_reason: stop")
        #expect(outcome.failure == nil)
    }

    @Test func withoutUsageThereIsNoFooter() {
        #expect(GenerationRendering.outcome(generation(usage: nil)).texts.first == "Hello")
    }

    @Test func structuredResultHasTheDocumentedKeys() throws {
        let outcome = GenerationRendering.outcome(generation(reasoning: "why"))
        let json = try JSON(parsing: Array(try #require(outcome.structured).utf8))
        #expect(json["content"] == .string("Hello"))
        #expect(json["reasoning"] == .string("why"))
        #expect(json["model"] == .string("m"))
        #expect(json["finish_reason"] == .string("stop"))
        #expect(json["usage"]?["total_tokens"] == .integer(8))
        #expect(outcome.texts.last?.contains("reasoning:\nwhy") == true, "mirrored in text")

        let bare = GenerationRendering.outcome(generation(finish: nil, usage: nil))
        let bareJSON = try JSON(parsing: Array(try #require(bare.structured).utf8))
        #expect(bareJSON["finish_reason"] == .null, "present, as null")
        #expect(bareJSON["usage"] == nil)
        #expect(bareJSON["reasoning"] == nil)
    }

    @Test func anAnswerThatWentToReasoningSaysSo() {
        let outcome = GenerationRendering.outcome(generation(content: "", reasoning: "thinking...", finish: "length"))
        let first = outcome.texts[0]
        #expect(first.hasPrefix("(No answer text: the model put all its output into its reasoning"))
        #expect(first.contains("max_tokens"))
        #expect(first.contains("enable_thinking"))
        #expect(first.hasSuffix("Tokens: 5 prompt + 3 completion = 8 total"))
        #expect(outcome.texts[1].contains("thinking..."))
    }

    @Test func anEmptyAnswerIsNeverSilent() {
        let outcome = GenerationRendering.outcome(generation(content: "", usage: nil))
        #expect(outcome.texts[0].contains("empty answer"))
        #expect(GenerationRendering.outcome(generation(content: "", finish: "length", usage: nil)).texts[0].contains("max_tokens"))
    }
}
