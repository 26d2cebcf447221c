/// A chat or completion request reduced to what the double's generation needs.
struct GenerationRequest {
    enum Kind {
        case chat
        case completion
    }

    let kind: Kind
    /// The `model` field; nil or empty means the first served model.
    var requestedModel: String?
    /// Tokens of the rendered prompt.
    var promptTokens: Int
    /// What `Reply.echo` answers: the last user message or the prompt, markers removed.
    var echoText: String
    /// Directives found in `[[double: …]]` markers of the echoed text.
    var scenarioMarker: String?
    /// `max_completion_tokens`, else `max_tokens`.
    var maxTokens: Int?
    var stop: [String] = []
    var includeStopString = false
    var stream = false
    var includeUsage = false
    var continuousUsage = false
    /// A sampling-parameter error vLLM raises after the model and context checks.
    var samplingError: APIError?

    /// Reads the fields shared by chat and completion requests.
    mutating func readCommonFields(_ reader: RequestReader) throws(APIError) {
        requestedModel = try reader.string("model")
        stream = try reader.bool("stream") ?? false
        if let options = try reader.object("stream_options") {
            guard stream else {
                throw APIError.badRequest(
                    "Stream options can only be defined when `stream=True`.", param: "stream_options")
            }
            let optionsReader = RequestReader(object: options)
            includeUsage = try optionsReader.bool("include_usage") ?? false
            continuousUsage = try optionsReader.bool("continuous_usage_stats") ?? false
        }
        let maxTokensField = try reader.int("max_tokens")
        let maxCompletionTokens = try reader.int("max_completion_tokens")
        maxTokens = maxCompletionTokens ?? maxTokensField
        stop = try reader.stringList("stop") ?? []
        includeStopString = try reader.bool("include_stop_str_in_output") ?? false

        let n = try reader.int("n")
        let temperature = try reader.double("temperature")
        let topP = try reader.double("top_p")
        _ = try reader.int("top_k")
        _ = try reader.int("seed")
        _ = try reader.double("min_p")
        _ = try reader.double("presence_penalty")
        _ = try reader.double("frequency_penalty")
        _ = try reader.double("repetition_penalty")
        if let n, n < 1 {
            samplingError = .badRequest("n must be at least 1, got \(n).")
        } else if let temperature, temperature < 0 {
            samplingError = .badRequest(
                "temperature must be non-negative, got \(temperature).", param: "temperature", value: "\(temperature)")
        } else if let topP, !(topP > 0 && topP <= 1) {
            samplingError = .badRequest("top_p must be in (0, 1], got \(topP).", param: "top_p", value: "\(topP)")
        } else if let maxTokens, maxTokens < 1 {
            samplingError = .badRequest(
                "max_tokens must be at least 1, got \(maxTokens).", param: "max_tokens", value: "\(maxTokens)")
        }
    }
}
