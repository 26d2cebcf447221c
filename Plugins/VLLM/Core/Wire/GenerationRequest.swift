import ToolHostJSON

/// The body of `POST /v1/chat/completions` or `POST /v1/completions`.
///
/// Only what the caller set is sent; vLLM fills the rest from the model's
/// `generation_config.json`.
package struct GenerationRequest: Sendable {
    package enum Input: Sendable {
        /// Chat messages, passed through as the client gave them.
        case messages([JSONObject])
        case prompt(String)
    }

    package var model: String
    package var input: Input
    package var temperature: Double
    package var maxTokens: Int
    package var sampling = SamplingOptions()
    /// `stream: true` with `stream_options.include_usage`, so the last chunk carries usage.
    package var stream = false

    package init(model: String, input: Input, temperature: Double, maxTokens: Int) {
        self.model = model
        self.input = input
        self.temperature = temperature
        self.maxTokens = maxTokens
    }

    package var path: String {
        switch input {
        case .messages: "/v1/chat/completions"
        case .prompt: "/v1/completions"
        }
    }

    /// The request body: model, messages or prompt, temperature, max_tokens, then what else
    /// was set.
    package var json: JSON {
        var body: JSONObject = ["model": .string(model)]
        switch input {
        case .messages(let messages): body["messages"] = .array(messages.map(JSON.object))
        case .prompt(let prompt): body["prompt"] = .string(prompt)
        }
        body["temperature"] = .finite(temperature)
        body["max_tokens"] = .int(maxTokens)
        if stream {
            body["stream"] = .bool(true)
            body["stream_options"] = .object(["include_usage": .bool(true)])
        }
        func set(_ key: String, _ value: JSON?) { if let value { body[key] = value } }
        set("top_p", sampling.topP.map(JSON.finite))
        set("top_k", sampling.topK.map(JSON.int))
        set("min_p", sampling.minP.map(JSON.finite))
        set("stop", sampling.stop.map { .array($0.map(JSON.string)) })
        set("seed", sampling.seed.map(JSON.integer))
        set("presence_penalty", sampling.presencePenalty.map(JSON.finite))
        set("frequency_penalty", sampling.frequencyPenalty.map(JSON.finite))
        set("repetition_penalty", sampling.repetitionPenalty.map(JSON.finite))
        set("response_format", sampling.responseFormat)
        set("chat_template_kwargs", sampling.chatTemplateKwargs)
        return .object(body)
    }
}

/// The optional sampling arguments beyond the four every server knows.
package struct SamplingOptions: Sendable, Equatable {
    package var topP: Double?
    package var topK: Int?
    package var minP: Double?
    package var stop: [String]?
    package var seed: Int64?
    package var presencePenalty: Double?
    package var frequencyPenalty: Double?
    package var repetitionPenalty: Double?
    package var responseFormat: JSON?
    package var chatTemplateKwargs: JSON?

    package init() {}
}
