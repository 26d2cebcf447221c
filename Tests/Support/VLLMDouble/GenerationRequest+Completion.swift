import ToolHostJSON

extension GenerationRequest {
    /// Reads a `/v1/completions` body. A list of prompts is answered for its first prompt only.
    ///
    /// - Throws: A validation `APIError` as vLLM's request model would raise it.
    static func completion(_ reader: RequestReader) throws(APIError) -> GenerationRequest {
        guard let prompt = reader.value("prompt") else {
            throw APIError.badRequest(
                "Either prompt or prompt_embeds must be provided and non-empty.", param: "prompt")
        }
        let (text, tokenCount) = try readPrompt(prompt)
        let (marker, echo) = Scenario.extract(from: text)
        var request = GenerationRequest(
            kind: .completion, requestedModel: nil, promptTokens: tokenCount, echoText: echo, scenarioMarker: marker
        )
        try request.readCommonFields(reader)
        return request
    }

    /// The prompt text and its token count: a string gets a beginning-of-sequence token, token ids
    /// count as they are.
    private static func readPrompt(_ prompt: JSON) throws(APIError) -> (String, Int) {
        switch prompt {
        case .string(let text):
            return (text, 1 + Tokenizer.count(text))
        case .array(let elements):
            if let first = elements.first, first.stringValue != nil || first.arrayValue != nil {
                return try readPrompt(first)
            }
            if elements.allSatisfy({ $0.intValue != nil }), !elements.isEmpty {
                return ("", elements.count)
            }
        default:
            break
        }
        throw RequestReader.issue(
            type: "string_type", loc: ["body", "prompt"], msg: "Input should be a valid string", input: prompt
        )
    }
}
