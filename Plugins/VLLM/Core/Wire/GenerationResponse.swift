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
    package init?(json: JSONValue?) {
        guard case .object? = json, let json else { return nil }
        promptTokens = json["prompt_tokens"]?.intValue ?? 0
        completionTokens = json["completion_tokens"]?.intValue ?? 0
        totalTokens = json["total_tokens"]?.intValue ?? promptTokens + completionTokens
    }

    package var json: JSONValue {
        .object([
            "prompt_tokens": .integer(Int64(promptTokens)),
            "completion_tokens": .integer(Int64(completionTokens)),
            "total_tokens": .integer(Int64(totalTokens)),
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

    package struct Message: Sendable {
        package var content: String?
        package var reasoning: String?
        package var reasoningContent: String?
    }

    /// - Throws: when `json` is not an object.
    package init(json: JSONValue) throws(JSONReadError) {
        guard case .object = json else { throw JSONReadError(offset: 0, reason: "not an object") }
        model = json["model"]?.stringValue
        usage = Usage(json: json["usage"])
        if case .array(let list)? = json["choices"] {
            choices = list.map { choice in
                var message: Message?
                if case .object? = choice["message"], let m = choice["message"] {
                    message = Message(content: m["content"]?.stringValue, reasoning: m["reasoning"]?.stringValue, reasoningContent: m["reasoning_content"]?.stringValue)
                }
                return Choice(message: message, text: choice["text"]?.stringValue, finishReason: choice["finish_reason"]?.stringValue)
            }
        }
    }
}

/// One event of a stream: a choice delta, the usage-only last chunk, or an error.
package struct StreamChunk: Sendable {
    package var model: String?
    package var choices: [Choice]?
    package var usage: Usage?
    /// vLLM reports failures after the stream began this way (the status stays 200).
    package var error: JSONValue?

    package struct Choice: Sendable {
        package var delta: Delta?
        /// Completions stream text here.
        package var text: String?
        package var finishReason: String?
    }

    package struct Delta: Sendable {
        package var content: String?
        package var reasoning: String?
        package var reasoningContent: String?
    }

    package init(json: JSONValue) {
        model = json["model"]?.stringValue
        usage = Usage(json: json["usage"])
        error = json["error"]
        if case .array(let list)? = json["choices"] {
            choices = list.map { choice in
                var delta: Delta?
                if case .object? = choice["delta"], let d = choice["delta"] {
                    delta = Delta(content: d["content"]?.stringValue, reasoning: d["reasoning"]?.stringValue, reasoningContent: d["reasoning_content"]?.stringValue)
                }
                return Choice(delta: delta, text: choice["text"]?.stringValue, finishReason: choice["finish_reason"]?.stringValue)
            }
        }
    }
}
