/// Token counts as the server reports them.
package struct Usage: Codable, Sendable, Equatable {
    package var promptTokens: Int
    package var completionTokens: Int
    package var totalTokens: Int

    package init(promptTokens: Int, completionTokens: Int, totalTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = totalTokens
    }

    private enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
    }

    /// Missing counts read as 0 (as the Python server shows them).
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        promptTokens = (try? c.decodeIfPresent(Int.self, forKey: .promptTokens)) ?? 0
        completionTokens = (try? c.decodeIfPresent(Int.self, forKey: .completionTokens)) ?? 0
        totalTokens = (try? c.decodeIfPresent(Int.self, forKey: .totalTokens)) ?? promptTokens + completionTokens
    }
}

/// A non-streamed `chat.completion` or `text_completion`. Everything is optional: servers leave
/// out or null many fields, and the plugin reads only these.
package struct GenerationResponse: Decodable, Sendable {
    package var model: String?
    package var choices: [Choice]?
    package var usage: Usage?

    package struct Choice: Decodable, Sendable {
        /// Chat.
        package var message: Message?
        /// Completions.
        package var text: String?
        package var finishReason: String?

        private enum CodingKeys: String, CodingKey {
            case message, text, finishReason = "finish_reason"
        }
    }

    package struct Message: Decodable, Sendable {
        package var content: String?
        package var reasoning: String?
        package var reasoningContent: String?
        package var toolCalls: [JSONValue]?

        private enum CodingKeys: String, CodingKey {
            case content, reasoning, reasoningContent = "reasoning_content", toolCalls = "tool_calls"
        }
    }
}

/// One event of a stream: a choice delta, the usage-only last chunk, or an error.
package struct StreamChunk: Decodable, Sendable {
    package var model: String?
    package var choices: [Choice]?
    package var usage: Usage?
    /// vLLM reports failures after the stream began this way (the status stays 200).
    package var error: JSONValue?

    package struct Choice: Decodable, Sendable {
        package var delta: Delta?
        /// Completions stream text here.
        package var text: String?
        package var finishReason: String?

        private enum CodingKeys: String, CodingKey {
            case delta, text, finishReason = "finish_reason"
        }
    }

    package struct Delta: Decodable, Sendable {
        package var content: String?
        package var reasoning: String?
        package var reasoningContent: String?

        private enum CodingKeys: String, CodingKey {
            case content, reasoning, reasoningContent = "reasoning_content"
        }
    }
}
