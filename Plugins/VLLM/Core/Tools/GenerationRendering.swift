import ToolHostJSON

/// How a finished generation becomes a tool result.
///
/// The first text block is what the Python vllm-mcp-server returns: the answer followed by
/// `\n\n---\nTokens: P prompt + C completion = T total` when the server reported usage. A
/// second block mirrors the rest of the structured result (model, finish reason, reasoning) for
/// clients that ignore structured output. An empty answer is never returned silently.
package enum GenerationRendering {
    package static func outcome(_ generation: Generation) -> ToolOutcome {
        var answer = generation.content
        if answer.isEmpty { answer = emptyAnswerNote(generation) }
        if let usage = generation.usage {
            answer += "\n\n---\nTokens: \(usage.promptTokens) prompt + \(usage.completionTokens) completion = \(usage.totalTokens) total"
        }
        var details = "model: \(generation.model)\nfinish_reason: \(generation.finishReason ?? "null")"
        if generation.finishReason == "length" {
            details += " (max_tokens reached: the answer may be cut off)"
        }
        if let reasoning = generation.reasoning {
            details += "\nreasoning:\n\(reasoning)"
        }
        return ToolOutcome(texts: [answer, details], structured: structured(generation).jsonText)
    }

    /// Says why there is no answer text.
    static func emptyAnswerNote(_ generation: Generation) -> String {
        let stoppedAtLimit = generation.finishReason == "length"
        if let reasoning = generation.reasoning, !reasoning.isEmpty {
            var note = "(No answer text: the model put all its output into its reasoning, shown below"
            if stoppedAtLimit {
                note += ", and stopped at max_tokens before it answered. Raise max_tokens, or turn thinking off with chat_template_kwargs {\"enable_thinking\": false}"
            }
            return note + ".)"
        }
        if stoppedAtLimit { return "(The model returned no text before it reached max_tokens.)" }
        return "(The model returned an empty answer, finish_reason: \(generation.finishReason ?? "null"). If this happens every time, the server's chat template may not suit the model.)"
    }

    /// The structured result: content, reasoning (when present: chat only), model, finish_reason
    /// (null when the server gave none), usage (when reported).
    static func structured(_ generation: Generation) -> JSON {
        var object: JSONObject = [
            "content": .string(generation.content),
            "model": .string(generation.model),
            "finish_reason": .optional(generation.finishReason),
        ]
        if let reasoning = generation.reasoning { object["reasoning"] = .string(reasoning) }
        if let usage = generation.usage { object["usage"] = usage.json }
        return .object(object)
    }
}
