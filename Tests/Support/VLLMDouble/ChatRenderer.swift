import ToolHostJSON

/// Bodies of `/v1/chat/completions`, in vLLM's field order (checked against vLLM 0.32.0).
struct ChatRenderer: ResponseRenderer {
    let identity: ResponseIdentity
    let reasoningField: ReasoningField

    func response(plan: GenerationPlan) -> JSON {
        var content = plan.text(of: .content)
        if content == nil && !plan.reasoningEnabled { content = "" }
        let message: JSON = [
            "role": "assistant", "content": .optional(content), "refusal": nil, "annotations": nil, "audio": nil,
            "function_call": nil, reasoningField.rawValue: .optional(plan.text(of: .reasoning)),
        ]
        let choice: JSON = [
            "index": 0, "message": message, "logprobs": nil, "finish_reason": .string(plan.finishReason),
            "stop_reason": .optional(plan.stopReason), "token_ids": nil, "routed_experts": nil,
        ]
        let usage = Usage(promptTokens: plan.promptTokens, completionTokens: plan.pieces.count)
        return [
            "id": .string(identity.id), "object": "chat.completion", "created": .int(identity.created),
            "model": .string(identity.model), "choices": [choice], "service_tier": nil,
            "system_fingerprint": .string(identity.fingerprint), "usage": usage.fullJSON, "prompt_logprobs": nil,
            "prompt_token_ids": nil, "prompt_text": nil, "kv_transfer_params": nil, "ec_transfer_params": nil,
            "metrics": nil,
        ]
    }

    /// The role chunk; only it carries `prompt_token_ids` and `prompt_text`.
    func openingChunk(usage: Usage?) -> JSON? {
        var body = chunk(
            choices: [
                ["index": 0, "delta": ["role": "assistant", "content": ""], "logprobs": nil, "finish_reason": nil]
            ],
            usage: usage
        )
        body.append("prompt_token_ids", nil)
        body.append("prompt_text", nil)
        return body
    }

    func tokenChunk(_ piece: GenerationPlan.Piece, finish: StreamFinish?, usage: Usage?) -> JSON {
        let field = piece.channel == .content ? "content" : reasoningField.rawValue
        return chunk(choices: [choice(delta: [field: .string(piece.text)], finish: finish)], usage: usage, finish: finish)
    }

    /// The end of a choice that stopped at a stop token (end of sequence): an empty content delta.
    func finalChunk(_ finish: StreamFinish, usage: Usage?) -> JSON {
        chunk(choices: [choice(delta: ["content": ""], finish: finish)], usage: usage, finish: finish)
    }

    func usageChunk(_ usage: Usage) -> JSON {
        var body = chunk(choices: [], usage: usage.streamJSON)
        body.append("system_fingerprint", .string(identity.fingerprint))
        return body
    }

    private func choice(delta: JSON, finish: StreamFinish?) -> JSON {
        guard let finish else {
            return ["index": 0, "delta": delta, "logprobs": nil, "finish_reason": nil, "token_ids": nil]
        }
        return [
            "index": 0, "delta": delta, "logprobs": nil, "finish_reason": .string(finish.reason),
            "stop_reason": finish.stopReason, "token_ids": nil,
        ]
    }

    private func chunk(choices: [JSON], usage: Usage?, finish: StreamFinish? = nil) -> JSON {
        var body = chunk(choices: choices, usage: usage?.continuousJSON)
        // The last chunk names the system when no usage chunk follows.
        if let finish, !finish.usageFollows { body.append("system_fingerprint", .string(identity.fingerprint)) }
        return body
    }

    private func chunk(choices: [JSON], usage: JSON?) -> JSON {
        var body: JSON = [
            "id": .string(identity.id), "object": "chat.completion.chunk", "created": .int(identity.created),
            "model": .string(identity.model), "choices": .array(choices),
        ]
        if let usage { body.append("usage", usage) }
        return body
    }
}
