import ToolHostJSON

/// Bodies of `/v1/completions`, in vLLM's field order (checked against vLLM 0.32.0).
struct CompletionRenderer: ResponseRenderer {
    let identity: ResponseIdentity

    func response(plan: GenerationPlan) -> JSON {
        let text = plan.pieces.map(\.text).joined()
        let choice: JSON = [
            "index": 0, "text": .string(text), "logprobs": nil, "finish_reason": .string(plan.finishReason),
            "stop_reason": .optional(plan.stopReason), "token_ids": nil, "prompt_logprobs": nil,
            "prompt_token_ids": nil, "routed_experts": nil,
        ]
        let usage = Usage(promptTokens: plan.promptTokens, completionTokens: plan.pieces.count)
        return [
            "id": .string(identity.id), "object": "text_completion", "created": .int(identity.created),
            "model": .string(identity.model), "choices": [choice], "service_tier": nil,
            "system_fingerprint": .string(identity.fingerprint), "usage": usage.fullJSON, "kv_transfer_params": nil,
            "ec_transfer_params": nil, "metrics": nil,
        ]
    }

    func openingChunk(usage: Usage?) -> JSON? { nil }

    func tokenChunk(_ piece: GenerationPlan.Piece, finish: StreamFinish?, usage: Usage?) -> JSON {
        chunk(text: piece.text, finish: finish, usage: usage)
    }

    func finalChunk(_ finish: StreamFinish, usage: Usage?) -> JSON {
        chunk(text: "", finish: finish, usage: usage)
    }

    func usageChunk(_ usage: Usage) -> JSON {
        [
            "id": .string(identity.id), "object": "text_completion", "created": .int(identity.created),
            "model": .string(identity.model), "choices": [], "usage": usage.streamJSON,
            "system_fingerprint": .string(identity.fingerprint),
        ]
    }

    /// A stream chunk: `usage` only with `continuous_usage_stats`, the system fingerprint on the
    /// last chunk when no usage chunk follows.
    private func chunk(text: String, finish: StreamFinish?, usage: Usage?) -> JSON {
        let choice: JSON = [
            "index": 0, "text": .string(text), "logprobs": nil, "finish_reason": .optional(finish?.reason),
            "stop_reason": finish?.stopReason ?? nil, "prompt_token_ids": nil, "token_ids": nil,
        ]
        var body: JSON = [
            "id": .string(identity.id), "object": "text_completion", "created": .int(identity.created),
            "model": .string(identity.model), "choices": [choice],
        ]
        if let usage { body.append("usage", usage.continuousJSON) }
        if let finish, !finish.usageFollows { body.append("system_fingerprint", .string(identity.fingerprint)) }
        return body
    }
}
