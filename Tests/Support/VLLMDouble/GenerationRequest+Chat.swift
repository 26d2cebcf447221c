import ToolHostJSON

extension GenerationRequest {
    /// Reads a `/v1/chat/completions` body.
    ///
    /// - Throws: A validation `APIError` as vLLM's request model would raise it.
    static func chat(_ reader: RequestReader) throws(APIError) -> GenerationRequest {
        let messages = try readMessages(reader)
        let addGenerationPrompt = try reader.bool("add_generation_prompt") ?? true
        let promptTokens = Tokenizer.chatPromptTokens(messages, addGenerationPrompt: addGenerationPrompt).count
        let lastUser = messages.last(where: { $0.role == "user" })?.text ?? ""
        let (marker, echo) = Scenario.extract(from: lastUser)
        var request = GenerationRequest(
            kind: .chat, requestedModel: nil, promptTokens: promptTokens, echoText: echo, scenarioMarker: marker
        )
        try request.readCommonFields(reader)
        return request
    }

    /// The conversation as role and text pairs; content parts of type `text` are joined by newlines.
    static func readMessages(_ reader: RequestReader) throws(APIError) -> [(role: String, text: String)] {
        guard let value = reader.object["messages"] else {
            throw RequestReader.issue(
                type: "missing", loc: ["body", "messages"], msg: "Field required", input: .object(reader.object)
            )
        }
        guard let array = value.arrayValue else {
            throw RequestReader.issue(
                type: "list_type", loc: ["body", "messages"], msg: "Input should be a valid list", input: value
            )
        }
        var messages: [(role: String, text: String)] = []
        for (index, element) in array.enumerated() {
            let location = ["body", "messages", String(index)]
            guard let message = element.objectValue else {
                throw RequestReader.issue(
                    type: "model_type", loc: location, msg: "Input should be a valid dictionary", input: element
                )
            }
            guard let role = message["role"]?.stringValue else {
                throw RequestReader.issue(
                    type: "missing", loc: location + ["role"], msg: "Field required", input: element
                )
            }
            messages.append((role, try text(of: message["content"], location: location + ["content"])))
        }
        return messages
    }

    private static func text(of content: JSON?, location: [String]) throws(APIError) -> String {
        switch content {
        case nil, .null?: return ""
        case .string(let text)?: return text
        case .array(let parts)?:
            var texts: [String] = []
            for part in parts {
                if let text = part.stringValue {
                    texts.append(text)
                } else if part["type"]?.stringValue == "text", let text = part["text"]?.stringValue {
                    texts.append(text)
                }
            }
            return texts.joined(separator: "\n")
        case let other?:
            throw RequestReader.issue(
                type: "string_type", loc: location, msg: "Input should be a valid string", input: other)
        }
    }
}
