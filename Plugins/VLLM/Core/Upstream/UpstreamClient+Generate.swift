import AsyncHTTPClient
import NIOCore

extension UpstreamClient {
    /// `GET /v1/models`, read now (and kept in the cache).
    package func fetchModels() async throws(UpstreamError) -> [ModelCard] {
        let what = "GET /v1/models"
        let reply = try await get("/v1/models", what: what)
        guard reply.status / 100 == 2 else {
            throw errors.response(status: reply.status, body: reply.body, request: what)
        }
        guard let json = try? JSONCoding.decode(JSONValue.self, from: reply.body), let cards = ModelCard.list(from: json) else {
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
        let json: [UInt8]
        do {
            json = try JSONCoding.encode(request)
        } catch {
            throw UpstreamError(.badRequest, message: "The request could not be encoded as JSON: \(error)")
        }
        let response = try await post(request.path, json: json, streaming: request.stream, what: what)
        if request.stream {
            return try await readStream(response, model: request.model, reporter: reporter)
        }
        let body = try await collect(response, phase: .wholeGeneration)
        if Task.isCancelled { throw .cancelled }
        let decoded: GenerationResponse
        do {
            decoded = try JSONCoding.decode(GenerationResponse.self, from: body)
        } catch {
            throw errors.invalidResponse(what, "the body is not a completion object: \(ErrorMapper.shorten(String(decoding: body.prefix(300), as: UTF8.self), limit: 200))")
        }
        guard let generation = Generation(response: decoded, requestedModel: request.model) else {
            throw UpstreamError(.noChoices, message: "Error: No response from model")
        }
        return generation
    }

    private func readStream(_ response: HTTPClientResponse, model: String, reporter: ProgressReporter?) async throws(UpstreamError) -> Generation {
        var parser = SSEParser()
        var accumulator = StreamAccumulator(requestedModel: model)
        let errors = self.errors
        func handle(_ event: SSEEvent) throws {
            // Anything after [DONE] is ignored; the body is still read to its end so the
            // connection goes back to the pool instead of being closed.
            guard case .data(let data) = event, !accumulator.done else { return }
            let delta = try accumulator.apply(data, errors: errors)
            if delta.tokens > 0 { reporter?.received(tokens: delta.tokens, text: delta.text, reasoning: delta.reasoning) }
        }
        do {
            for try await buffer in response.body {
                try parser.feed(buffer.readableBytesView, handle)
            }
            try parser.finish(handle)
        } catch let error as UpstreamError {
            throw error
        } catch is SSEParser.TooLarge {
            throw errors.invalidResponse("the streamed request", "an event larger than 16 MiB")
        } catch {
            let tokens = accumulator.generation.streamedTokens
            let mapped = errors.transport(error, phase: tokens == 0 ? .firstToken : .moreTokens(tokens))
            guard mapped.code == .streamCut else { throw mapped }
            throw UpstreamError(.streamCut, message: mapped.message + Self.partial(accumulator.generation.content))
        }
        // A cancelled reader sees the body end early; that is not the server's doing.
        if Task.isCancelled { throw .cancelled }
        guard accumulator.done || accumulator.finished else {
            let tokens = accumulator.generation.streamedTokens
            throw UpstreamError(.streamCut, message: "The stream from the vLLM server at \(self.errors.displayURL) ended in the middle of the answer, after \(tokens) token\(tokens == 1 ? "" : "s"), without a finish reason or [DONE]. The server may have crashed or been restarted; vllm_status tells whether it is up.\(Self.partial(accumulator.generation.content))")
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
