/// The body of `POST /v1/chat/completions` or `POST /v1/completions`.
///
/// Only what the caller set is sent; vLLM fills the rest from the model's
/// `generation_config.json`.
package struct GenerationRequest: Encodable, Sendable {
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

    private enum Key: String, CodingKey {
        case model, messages, prompt, temperature, max_tokens, stream, stream_options
        case top_p, top_k, min_p, stop, seed, presence_penalty, frequency_penalty, repetition_penalty
        case response_format, chat_template_kwargs
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(model, forKey: .model)
        switch input {
        case .messages(let messages): try c.encode(messages, forKey: .messages)
        case .prompt(let prompt): try c.encode(prompt, forKey: .prompt)
        }
        try c.encode(temperature, forKey: .temperature)
        try c.encode(maxTokens, forKey: .max_tokens)
        if stream {
            try c.encode(true, forKey: .stream)
            try c.encode(["include_usage": true], forKey: .stream_options)
        }
        try c.encodeIfPresent(sampling.topP, forKey: .top_p)
        try c.encodeIfPresent(sampling.topK, forKey: .top_k)
        try c.encodeIfPresent(sampling.minP, forKey: .min_p)
        try c.encodeIfPresent(sampling.stop, forKey: .stop)
        try c.encodeIfPresent(sampling.seed, forKey: .seed)
        try c.encodeIfPresent(sampling.presencePenalty, forKey: .presence_penalty)
        try c.encodeIfPresent(sampling.frequencyPenalty, forKey: .frequency_penalty)
        try c.encodeIfPresent(sampling.repetitionPenalty, forKey: .repetition_penalty)
        try c.encodeIfPresent(sampling.responseFormat, forKey: .response_format)
        try c.encodeIfPresent(sampling.chatTemplateKwargs, forKey: .chat_template_kwargs)
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
