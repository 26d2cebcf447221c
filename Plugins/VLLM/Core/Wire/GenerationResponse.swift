import ToolHostJSON

/// Token counts as the server reports them.
package struct Usage: Sendable, Equatable {
    package var promptTokens: Int
    package var completionTokens: Int
    package var totalTokens: Int

    package init(promptTokens: Int, completionTokens: Int, totalTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = totalTokens
    }

    /// Missing counts read as 0 (as the Python server shows them); nil when `json` is not an
    /// object (servers send `null`).
    package init?(json: JSON?) {
        guard case .object? = json, let json else { return nil }
        promptTokens = json["prompt_tokens"]?.intValue ?? 0
        completionTokens = json["completion_tokens"]?.intValue ?? 0
        totalTokens = json["total_tokens"]?.intValue ?? promptTokens + completionTokens
    }

    package var json: JSON {
        .object([
            "prompt_tokens": .int(promptTokens),
            "completion_tokens": .int(completionTokens),
            "total_tokens": .int(totalTokens),
        ])
    }
}

/// A non-streamed `chat.completion` or `text_completion`. Servers leave out or null many
/// fields; the plugin reads only these, and a field of an unexpected type reads as absent.
package struct GenerationResponse: Sendable {
    package var model: String?
    package var choices: [Choice]?
    package var usage: Usage?

    package struct Choice: Sendable {
        /// Chat.
        package var message: Message?
        /// Completions.
        package var text: String?
        package var finishReason: String?
    }

    /// A chat choice's `message`, or a streamed choice's `delta`: the same fields.
    package struct Message: Sendable {
        package var content: String?
        /// Reasoning text of reasoning models: `reasoning`, or `reasoning_content` before vLLM ~0.18.
        package var reasoning: String?

        /// Nil when `json` is not an object.
        init?(json: JSON?) {
            guard case .object? = json, let json else { return nil }
            content = json["content"]?.stringValue
            reasoning = json["reasoning"]?.stringValue ?? json["reasoning_content"]?.stringValue
        }
    }

    /// - Throws: ``NotAnObject`` when `json` is not an object.
    package init(json: JSON) throws(NotAnObject) {
        guard case .object = json else { throw NotAnObject() }
        model = json["model"]?.stringValue
        usage = Usage(json: json["usage"])
        if case .array(let list)? = json["choices"] {
            choices = list.map { choice in
                Choice(message: Message(json: choice["message"]), text: choice["text"]?.stringValue, finishReason: choice["finish_reason"]?.stringValue)
            }
        }
    }
}

/// A response body that is JSON, but not the object a completion is.
package struct NotAnObject: Error, Sendable {}

/// One event of a stream: a choice delta, the usage-only last chunk, or an error.
package struct StreamChunk: Sendable {
    package var model: String?
    package var choices: [Choice]?
    package var usage: Usage?
    /// vLLM reports failures after the stream began this way (the status stays 200).
    package var error: JSON?

    package struct Choice: Sendable {
        package var delta: GenerationResponse.Message?
        /// Completions stream text here.
        package var text: String?
        package var finishReason: String?
    }

    package init(json: JSON) {
        model = json["model"]?.stringValue
        usage = Usage(json: json["usage"])
        error = json["error"]
        if case .array(let list)? = json["choices"] {
            choices = list.map { choice in
                Choice(delta: GenerationResponse.Message(json: choice["delta"]), text: choice["text"]?.stringValue, finishReason: choice["finish_reason"]?.stringValue)
            }
        }
    }
}
