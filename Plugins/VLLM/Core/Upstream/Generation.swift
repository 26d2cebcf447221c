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

/// Builds a ``Generation`` from stream chunks, within the ``GenerationLimits`` of its request.
package struct StreamAccumulator: Sendable {
    package private(set) var generation: Generation
    package private(set) var sawChoice = false
    package private(set) var finished = false
    package private(set) var done = false
    /// What the stream may bring; nil for no limit.
    package let limits: GenerationLimits?
    /// Bytes of the body received so far (``received(bytes:errors:)``).
    package private(set) var bodyBytes = 0
    /// Bytes of text (answer and reasoning) accumulated so far.
    package private(set) var textBytes = 0
    /// `data:` events applied so far.
    package private(set) var events = 0

    package init(requestedModel: String, limits: GenerationLimits? = nil) {
        generation = Generation(model: requestedModel)
        self.limits = limits
    }

    /// What one chunk added, for progress.
    package struct Delta: Sendable {
        package var text = ""
        package var tokens = 0
        package var reasoning = false
    }

    /// Counts `count` more bytes of the body as received, before they are parsed.
    /// - Throws: a ``UpstreamError/Code/sentTooMuch`` error once the body passes its limit.
    package mutating func received(bytes count: Int, errors: ErrorMapper) throws(UpstreamError) {
        bodyBytes += count
        if let limits, bodyBytes > limits.bodyBytes { throw overrun(errors) }
    }

    /// Applies one `data:` event. `[DONE]` ends the stream.
    /// - Throws: the error event the server sent, a chunk that is not JSON, or a
    ///   ``UpstreamError/Code/sentTooMuch`` error for a chunk past the limits (its text is not kept).
    package mutating func apply(_ data: [UInt8], errors: ErrorMapper) throws(UpstreamError) -> Delta {
        if data.elementsEqual("[DONE]".utf8) {
            done = true
            return Delta()
        }
        events += 1
        if let limits, events > limits.events { throw overrun(errors) }
        let chunk: StreamChunk
        do {
            chunk = StreamChunk(json: try JSON(parsing: data, invalidUnicode: .replace))
        } catch {
            throw errors.invalidResponse("the streamed request", "an event that is not a JSON chunk: \(errors.quote(data, limit: 200))")
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
        let reasoning = choice.delta?.reasoning ?? ""
        let content = choice.delta?.content ?? choice.text ?? ""
        guard !reasoning.isEmpty || !content.isEmpty else { return delta }
        let added = reasoning.utf8.count + content.utf8.count
        if let limits, generation.streamedTokens + 1 > limits.chunks || textBytes + added > limits.textBytes {
            throw overrun(errors)
        }
        textBytes += added
        // Appended in place: the generation owns the only copy of each text, so every append
        // is amortised constant time, however long the answer.
        if !reasoning.isEmpty {
            if generation.reasoning == nil {
                generation.reasoning = reasoning
            } else {
                generation.reasoning!.append(reasoning)
            }
            delta.text = reasoning
            delta.reasoning = true
        }
        if !content.isEmpty {
            generation.content.append(content)
            delta.text += content
            delta.reasoning = false
        }
        delta.tokens = 1
        generation.streamedTokens += 1
        return delta
    }

    private func overrun(_ errors: ErrorMapper) -> UpstreamError {
        errors.sentTooMuch(limits ?? GenerationLimits(maxTokens: 0), bodyBytes: bodyBytes, chunks: generation.streamedTokens, textBytes: textBytes)
    }
}
