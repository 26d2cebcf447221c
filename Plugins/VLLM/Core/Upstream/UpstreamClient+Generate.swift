import ToolHostJSON

extension UpstreamClient {
    /// `GET /v1/models`, read now (and kept in the cache).
    package func fetchModels() async throws(UpstreamError) -> [ModelCard] {
        let what = "GET /v1/models"
        let reply = try await get("/v1/models", what: what)
        guard reply.status / 100 == 2 else {
            throw errors.response(status: reply.status, body: reply.body, request: what, location: reply.headers.first(name: "location"))
        }
        guard let json = try? JSON(parsing: reply.body, invalidUnicode: .replace), let cards = ModelCard.list(from: json) else {
            throw errors.invalidResponse(what, "not a model list")
        }
        models.store(cards)
        return cards
    }

    /// The model list, from the cache when it has one.
    package func servedModels() async throws(UpstreamError) -> [ModelCard] {
        try await models.models { [self] () async throws(UpstreamError) -> [ModelCard] in
            try await fetchModels()
        }
    }

    /// Runs one generation request as it is (its `model` already chosen).
    /// - Parameter reporter: receives the tokens when streaming.
    package func generate(_ request: GenerationRequest, reporter: ProgressReporter?) async throws(UpstreamError) -> Generation {
        let what = "POST \(request.path)"
        let json = request.json.jsonBytes
        let limits = GenerationLimits(maxTokens: request.maxTokens)
        if request.stream {
            let sink = StreamSink(model: request.model, limits: limits, reporter: reporter, errors: errors)
            do {
                _ = try await post(request.path, json: json, limits: limits, sink: sink, what: what)
            } catch let error where error.code == .streamCut {
                throw UpstreamError(.streamCut, message: error.message + Self.partial(sink.accumulator.generation.content))
            }
            if let failure = sink.failure { throw failure }
            return try finished(sink.accumulator)
        }
        let body = try await post(request.path, json: json, limits: limits, sink: nil, what: what)
        let decoded: GenerationResponse
        do {
            decoded = try GenerationResponse(json: JSON(parsing: body, invalidUnicode: .replace))
        } catch {
            throw errors.invalidResponse(what, "the body is not a completion object: \(errors.quote(body, limit: 200))")
        }
        guard let generation = Generation(response: decoded, requestedModel: request.model) else {
            throw UpstreamError(.noChoices, message: "Error: No response from model")
        }
        return generation
    }

    /// The generation of a stream that ended, or why it is not one.
    private func finished(_ accumulator: StreamAccumulator) throws(UpstreamError) -> Generation {
        guard accumulator.done || accumulator.finished else {
            let tokens = accumulator.generation.streamedTokens
            throw UpstreamError(.streamCut, message: "The stream from the vLLM server at \(errors.displayURL) ended in the middle of the answer, after \(tokens) token\(tokens == 1 ? "" : "s"), without a finish reason or [DONE]. The server may have crashed or been restarted; vllm_status tells whether it is up.\(Self.partial(accumulator.generation.content))")
        }
        guard accumulator.sawChoice else {
            throw UpstreamError(.noChoices, message: "Error: No response from model")
        }
        return accumulator.generation
    }

    /// The partial answer, for an error message.
    private static func partial(_ text: String) -> String {
        guard !text.isEmpty else { return "" }
        return " The partial answer was: \(ErrorMapper.shorten(text, limit: 1000))"
    }
}
