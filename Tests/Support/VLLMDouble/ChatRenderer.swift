import ToolHostJSON

/// Bodies of `/v1/chat/completions`, in vLLM's field order.
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
            "stop_reason": .optional(plan.stopReason), "token_ids": nil,
        ]
        let usage = Usage(promptTokens: plan.promptTokens, completionTokens: plan.pieces.count)
        return [
            "id": .string(identity.id), "object": "chat.completion", "created": .int(identity.created),
            "model": .string(identity.model), "choices": [choice], "service_tier": nil, "system_fingerprint": nil,
            "usage": usage.fullJSON, "prompt_logprobs": nil, "prompt_token_ids": nil, "kv_transfer_params": nil,
        ]
    }

    func openingChunk(usage: Usage?) -> JSON? {
        chunk(
            choices: [
                ["index": 0, "delta": ["role": "assistant", "content": ""], "logprobs": nil, "finish_reason": nil]
            ],
            usage: usage
        )
    }

    func tokenChunk(_ piece: GenerationPlan.Piece, finishReason: String?, usage: Usage?) -> JSON {
        let field = piece.channel == .content ? "content" : reasoningField.rawValue
        let delta: JSON = [field: .string(piece.text)]
        let choice: JSON
        if let finishReason {
            choice = [
                "index": 0, "delta": delta, "logprobs": nil, "finish_reason": .string(finishReason), "stop_reason": nil,
            ]
        } else {
            choice = ["index": 0, "delta": delta, "logprobs": nil, "finish_reason": nil]
        }
        return chunk(choices: [choice], usage: usage)
    }

    func finalChunk(finishReason: String, stopReason: String?, usage: Usage?) -> JSON {
        let choice: JSON = [
            "index": 0, "delta": [:], "logprobs": nil, "finish_reason": .string(finishReason),
            "stop_reason": .optional(stopReason),
        ]
        return chunk(choices: [choice], usage: usage)
    }

    func usageChunk(_ usage: Usage) -> JSON {
        chunk(choices: [], usage: usage)
    }

    private func chunk(choices: [JSON], usage: Usage?) -> JSON {
        var body: JSON = [
            "id": .string(identity.id), "object": "chat.completion.chunk", "created": .int(identity.created),
            "model": .string(identity.model), "choices": .array(choices),
        ]
        if let usage, case .object(var object) = body {
            object.members.append(("usage", usage.streamJSON))
            body = .object(object)
        }
        return body
    }
}
