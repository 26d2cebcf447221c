/// What chat and completion share: picking the model, streaming or not, progress, and one
/// retry when the server no longer serves the model it listed.
extension VLLMService {
    package enum ModelSource: Sendable, Equatable {
        /// The call named it.
        case argument
        /// `VLLM_MODEL`.
        case configured
        /// The first model the server lists.
        case server
    }

    /// The model a call uses: its own, else `VLLM_MODEL`, else the server's first.
    package func resolveModel(_ requested: String?) async throws(UpstreamError) -> (name: String, source: ModelSource) {
        if let requested, !requested.isEmpty { return (requested, .argument) }
        if let configured = configuration.model { return (configured, .configured) }
        let cards = try await client.servedModels()
        guard let first = cards.first else {
            throw UpstreamError(.noModels, message: "The server at \(configuration.displayBaseURL) serves no models (GET /v1/models returned an empty list), so no default model can be picked. Set VLLM_MODEL or pass `model`.")
        }
        return (first.id, .server)
    }

    /// Whether a call streams from the server.
    package func streams(wantsProgress: Bool) -> Bool {
        switch configuration.stream {
        case .always: true
        case .never: false
        case .auto: wantsProgress
        }
    }

    /// Runs `request` (its `model` is filled in here) to the end.
    package func generate(_ request: GenerationRequest, requestedModel: String?, context: any CallContext) async throws(UpstreamError) -> Generation {
        let reporter = context.wantsProgress
            ? ProgressReporter(context: context, total: request.maxTokens, interval: configuration.progressInterval, heartbeat: configuration.heartbeatInterval)
            : nil
        let ticker = reporter.map { reporter in Task(executorPreference: client.executor) { await reporter.run() } }
        defer { ticker?.cancel() }

        var (model, source) = try await resolveModel(requestedModel)
        var retried = false
        while true {
            var attempt = request
            attempt.model = model
            attempt.stream = streams(wantsProgress: context.wantsProgress)
            context.log(.debug, "POST \(attempt.path) model=\(model) stream=\(attempt.stream)")
            do {
                return try await client.generate(attempt, reporter: reporter)
            } catch let error where error.code == .unknownModel {
                // The list is stale (the server was restarted with other models): read it again.
                client.models.invalidate()
                let fresh: Result<[ModelCard], UpstreamError>
                do throws(UpstreamError) {
                    // One read of the list for every call that learns it is stale at once.
                    fresh = .success(try await client.servedModels())
                } catch let listError {
                    fresh = .failure(listError)
                }
                if source == .server, !retried, case .success(let cards) = fresh, let first = cards.first?.id, first != model {
                    context.log(.notice, "the server no longer serves \(model); retrying with \(first)")
                    model = first
                    retried = true
                    continue
                }
                throw unknownModel(model, source: source, served: fresh, upstream: error)
            }
        }
    }

    private func unknownModel(_ model: String, source: ModelSource, served: Result<[ModelCard], UpstreamError>, upstream: UpstreamError) -> UpstreamError {
        var message = "The model `\(model)` is not served by the server at \(configuration.displayBaseURL)"
        switch served {
        case .success(let cards) where cards.isEmpty:
            message += ", which serves no models at all."
        case .success(let cards):
            message += ". Served models: \(cards.map(\.id).joined(separator: ", ")). Pass one of them as `model`"
            message += source == .configured ? " or change VLLM_MODEL (it names `\(model)`)." : "."
        case .failure(let error):
            message += " (\(upstream.upstreamMessage ?? "HTTP 404")), and the model list could not be read: \(error.message)"
        }
        return UpstreamError(.unknownModel, status: 404, message: message, upstreamMessage: upstream.upstreamMessage)
    }

    /// Reads the `temperature` and `max_tokens` every generation takes; explicit values win,
    /// 0 included.
    func basics(_ args: ToolArguments) throws(ToolFailure) -> (temperature: Double, maxTokens: Int) {
        let temperature = try args.number("temperature") ?? configuration.defaultTemperature
        let maxTokens = try args.integer("max_tokens") ?? configuration.defaultMaxTokens
        guard maxTokens >= 1 else {
            throw ToolFailure(.invalidArgument, "Error: max_tokens must be at least 1, not \(maxTokens)")
        }
        return (temperature, maxTokens)
    }
}
