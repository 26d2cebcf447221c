import ToolHostJSON

/// A finished generation, the same whether it was streamed or not.
package struct Generation: Sendable, Equatable {
    /// The answer; empty when the server sent none (null content).
    package var content: String = ""
    /// Reasoning text of reasoning models (`reasoning`, or `reasoning_content` before vLLM ~0.18).
    package var reasoning: String?
    package var model: String
    package var finishReason: String?
    package var usage: Usage?
    /// Tokens seen while streaming (0 when not streamed).
    package var streamedTokens = 0

    package init(model: String) {
        self.model = model
    }

    /// Reads a non-streamed response. Returns nil when it has no choice.
    package init?(response: GenerationResponse, requestedModel: String) {
        guard let choice = response.choices?.first else { return nil }
        model = response.model ?? requestedModel
        content = choice.message?.content ?? choice.text ?? ""
        let reasoning = choice.message?.reasoning
        self.reasoning = (reasoning?.isEmpty ?? true) ? nil : reasoning
        finishReason = choice.finishReason
        usage = response.usage
    }
}

/// Builds a ``Generation`` from stream chunks.
package struct StreamAccumulator: Sendable {
    package private(set) var generation: Generation
    package private(set) var sawChoice = false
    package private(set) var finished = false
    package private(set) var done = false
    private var reasoning = ""

    package init(requestedModel: String) {
        generation = Generation(model: requestedModel)
    }

    /// What one chunk added, for progress.
    package struct Delta: Sendable {
        package var text = ""
        package var tokens = 0
        package var reasoning = false
    }

    /// Applies one `data:` event. `[DONE]` ends the stream.
    /// - Throws: the error event the server sent, or a chunk that is not JSON.
    package mutating func apply(_ data: [UInt8], errors: ErrorMapper) throws(UpstreamError) -> Delta {
        if data.elementsEqual("[DONE]".utf8) {
            done = true
            return Delta()
        }
        let chunk: StreamChunk
        do {
            chunk = StreamChunk(json: try JSON(parsing: data, invalidUnicode: .replace))
        } catch {
            throw errors.invalidResponse("the streamed request", "an event that is not a JSON chunk: \(ErrorMapper.shorten(String(decoding: data, as: UTF8.self), limit: 200))")
        }
        if let error = chunk.error, !error.isNull {
            throw errors.streamError(error, tokens: generation.streamedTokens)
        }
        if let model = chunk.model, !model.isEmpty { generation.model = model }
        if let usage = chunk.usage { generation.usage = usage }
        var delta = Delta()
        guard let choice = chunk.choices?.first else { return delta }
        sawChoice = true
        if let reason = choice.finishReason {
            generation.finishReason = reason
            finished = true
        }
        if let text = choice.delta?.reasoning, !text.isEmpty {
            reasoning += text
            generation.reasoning = reasoning
            delta.text = text
            delta.reasoning = true
            delta.tokens = 1
        }
        if let text = choice.delta?.content ?? choice.text, !text.isEmpty {
            generation.content += text
            delta.text += text
            delta.reasoning = false
            delta.tokens = 1
        }
        generation.streamedTokens += delta.tokens
        return delta
    }
}
