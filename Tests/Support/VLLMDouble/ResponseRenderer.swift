import ToolHostJSON

/// Builds the JSON bodies of one generation's response, for chat or completions.
protocol ResponseRenderer {
    /// The whole non-streamed response.
    func response(plan: GenerationPlan) -> JSON
    /// The chunk sent before the first token (the chat role chunk), if any.
    func openingChunk(usage: Usage?) -> JSON?
    /// The chunk carrying one token; `finish` is set on the last one when it ends the choice
    /// (by length or at a stop string).
    func tokenChunk(_ piece: GenerationPlan.Piece, finish: StreamFinish?, usage: Usage?) -> JSON
    /// The chunk that ends a choice which stopped at a stop token (end of sequence): no text.
    func finalChunk(_ finish: StreamFinish, usage: Usage?) -> JSON
    /// The trailing usage chunk of `stream_options.include_usage`.
    func usageChunk(_ usage: Usage) -> JSON
}

/// How a streamed choice ends; its last chunk carries this.
struct StreamFinish {
    /// `stop` or `length`.
    var reason: String
    /// The stop string that ended it, or null.
    var stopReason: JSON
    /// Whether the usage chunk of `include_usage` follows (it then carries the fingerprint).
    var usageFollows: Bool
}

/// What vLLM identifies a response by.
struct ResponseIdentity {
    var id: String
    var created: Int
    var model: String
    /// `system_fingerprint`: `vllm-<version>-<8 hex digits>`, the same for every response.
    var fingerprint: String
}

/// Token counts of a response.
struct Usage {
    var promptTokens: Int
    var completionTokens: Int

    /// As in a complete response.
    var fullJSON: JSON {
        [
            "prompt_tokens": .int(promptTokens), "total_tokens": .int(promptTokens + completionTokens),
            "completion_tokens": .int(completionTokens), "prompt_tokens_details": nil,
            "completion_tokens_details": nil,
        ]
    }

    /// As in the trailing usage chunk of a stream.
    var streamJSON: JSON {
        [
            "prompt_tokens": .int(promptTokens), "total_tokens": .int(promptTokens + completionTokens),
            "completion_tokens": .int(completionTokens),
        ]
    }

    /// As in every chunk with `continuous_usage_stats`.
    var continuousJSON: JSON {
        [
            "prompt_tokens": .int(promptTokens), "total_tokens": .int(promptTokens + completionTokens),
            "completion_tokens": .int(completionTokens), "completion_tokens_details": nil,
        ]
    }
}
