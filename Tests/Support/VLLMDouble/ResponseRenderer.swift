import ToolHostJSON

/// Builds the JSON bodies of one generation's response, for chat or completions.
protocol ResponseRenderer {
    /// The whole non-streamed response.
    func response(plan: GenerationPlan) -> JSON
    /// The chunk sent before the first token (the chat role chunk), if any.
    func openingChunk(usage: Usage?) -> JSON?
    /// The chunk carrying one token; `finishReason` is set on the last one when cut by length.
    func tokenChunk(_ piece: GenerationPlan.Piece, finishReason: String?, usage: Usage?) -> JSON
    /// The chunk that ends a choice which stopped (end-of-sequence or stop string).
    func finalChunk(finishReason: String, stopReason: String?, usage: Usage?) -> JSON
    /// The trailing usage chunk of `stream_options.include_usage`.
    func usageChunk(_ usage: Usage) -> JSON
}

/// What vLLM identifies a response by.
struct ResponseIdentity {
    var id: String
    var created: Int
    var model: String
}

/// Token counts of a response.
struct Usage {
    var promptTokens: Int
    var completionTokens: Int

    /// As in a complete response (`prompt_tokens_details` present).
    var fullJSON: JSON {
        [
            "prompt_tokens": .int(promptTokens), "total_tokens": .int(promptTokens + completionTokens),
            "completion_tokens": .int(completionTokens), "prompt_tokens_details": nil,
        ]
    }

    /// As in a stream chunk, dumped with `exclude_unset`.
    var streamJSON: JSON {
        [
            "prompt_tokens": .int(promptTokens), "total_tokens": .int(promptTokens + completionTokens),
            "completion_tokens": .int(completionTokens),
        ]
    }
}
