import ToolHostJSON

/// Bodies of `/v1/completions`, in vLLM's field order.
struct CompletionRenderer: ResponseRenderer {
    let identity: ResponseIdentity

    func response(plan: GenerationPlan) -> JSON {
        let text = plan.pieces.map(\.text).joined()
        let choice: JSON = [
            "index": 0, "text": .string(text), "logprobs": nil, "finish_reason": .string(plan.finishReason),
            "stop_reason": .optional(plan.stopReason), "prompt_logprobs": nil,
        ]
        let usage = Usage(promptTokens: plan.promptTokens, completionTokens: plan.pieces.count)
        return [
            "id": .string(identity.id), "object": "text_completion", "created": .int(identity.created),
            "model": .string(identity.model), "choices": [choice], "service_tier": nil, "system_fingerprint": nil,
            "usage": usage.fullJSON, "kv_transfer_params": nil,
        ]
    }

    func openingChunk(usage: Usage?) -> JSON? { nil }

    func tokenChunk(_ piece: GenerationPlan.Piece, finishReason: String?, usage: Usage?) -> JSON {
        chunk(text: piece.text, finishReason: finishReason, stopReason: nil, usage: usage)
    }

    func finalChunk(finishReason: String, stopReason: String?, usage: Usage?) -> JSON {
        chunk(text: "", finishReason: finishReason, stopReason: stopReason, usage: usage)
    }

    func usageChunk(_ usage: Usage) -> JSON {
        [
            "id": .string(identity.id), "object": "text_completion", "created": .int(identity.created),
            "model": .string(identity.model), "choices": [], "usage": usage.streamJSON,
        ]
    }

    /// A stream chunk, dumped by vLLM without `exclude_unset`, so `usage` is always present.
    private func chunk(text: String, finishReason: String?, stopReason: String?, usage: Usage?) -> JSON {
        let choice: JSON = [
            "index": 0, "text": .string(text), "logprobs": nil, "finish_reason": .optional(finishReason),
            "stop_reason": .optional(stopReason),
        ]
        return [
            "id": .string(identity.id), "object": "text_completion", "created": .int(identity.created),
            "model": .string(identity.model), "choices": [choice], "usage": usage?.streamJSON ?? nil,
        ]
    }
}
