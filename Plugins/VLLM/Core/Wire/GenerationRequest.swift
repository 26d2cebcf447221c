/// The body of `POST /v1/chat/completions` or `POST /v1/completions`.
///
/// Only what the caller set is sent; vLLM fills the rest from the model's
/// `generation_config.json`.
package struct GenerationRequest: Sendable {
    package enum Input: Sendable {
        /// Chat messages, passed through as the client gave them.
        case messages([[String: JSONValue]])
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

    /// The request body.
    package var json: JSONValue {
        var body: [String: JSONValue] = [
            "model": .string(model),
            "temperature": .number(temperature),
            "max_tokens": .integer(Int64(maxTokens)),
        ]
        switch input {
        case .messages(let messages): body["messages"] = .array(messages.map(JSONValue.object))
        case .prompt(let prompt): body["prompt"] = .string(prompt)
        }
        if stream {
            body["stream"] = .bool(true)
            body["stream_options"] = .object(["include_usage": .bool(true)])
        }
        func set(_ key: String, _ value: JSONValue?) { if let value { body[key] = value } }
        set("top_p", sampling.topP.map(JSONValue.number))
        set("top_k", sampling.topK.map { .integer(Int64($0)) })
        set("min_p", sampling.minP.map(JSONValue.number))
        set("stop", sampling.stop.map { .array($0.map(JSONValue.string)) })
        set("seed", sampling.seed.map(JSONValue.integer))
        set("presence_penalty", sampling.presencePenalty.map(JSONValue.number))
        set("frequency_penalty", sampling.frequencyPenalty.map(JSONValue.number))
        set("repetition_penalty", sampling.repetitionPenalty.map(JSONValue.number))
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
    package var responseFormat: JSONValue?
    package var chatTemplateKwargs: JSONValue?

    package init() {}
}
