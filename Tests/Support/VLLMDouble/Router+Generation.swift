extension Router {
    /// `POST /v1/chat/completions` and `POST /v1/completions`: vLLM's checks in vLLM's order, then
    /// a `Generation` that answers over time.
    func generate(
        _ kind: GenerationRequest.Kind, _ incoming: IncomingRequest, configuration: Configuration, on exchange: Exchange
    ) {
        var behavior = configuration.behavior
        do throws(APIError) {
            let reader = try RequestReader(body: incoming.json, bodyError: incoming.jsonError)
            let request = kind == .chat ? try GenerationRequest.chat(reader) : try GenerationRequest.completion(reader)
            let model = try ModelCatalog(configuration).resolve(request.requestedModel)
            do throws(ScenarioError) {
                for scenario in [
                    model.scenario, request.scenarioMarker, incoming.head.headers.first(name: Scenario.headerName),
                ] {
                    if let scenario { try Scenario.apply(scenario, to: &behavior) }
                }
            } catch {
                throw APIError.badRequest(error.description)
            }
            if let mode = behavior.hostile {
                HostileAnswer(
                    mode: mode, behavior: behavior, exchange: exchange,
                    shape: kind == .chat ? .chat(stream: request.stream) : .completion(stream: request.stream),
                    target: incoming.head.uri, authorization: incoming.head.headers.first(name: "authorization"),
                    model: model.name
                ).play()
                return
            }
            if behavior.engineDead {
                exchange.respond(.engineDead)
                return
            }
            let maxTokens = try tokenBudget(request, maxModelLen: model.maxModelLen, check: behavior.contextCheck)
            if let problem = request.samplingError { throw problem }

            let identity = ResponseIdentity(
                id: (kind == .chat ? "chatcmpl-" : "cmpl-") + Identifiers.hex(16), created: Identifiers.unixTime(),
                model: model.name, fingerprint: Identifiers.systemFingerprint(version: configuration.version)
            )
            let renderer: any ResponseRenderer =
                kind == .chat
                ? ChatRenderer(identity: identity, reasoningField: behavior.reasoningField)
                : CompletionRenderer(identity: identity)
            let plan = GenerationPlan(request: request, behavior: behavior, maxTokens: maxTokens)
            Generation(
                exchange: exchange, core: core, request: request, plan: plan, behavior: behavior, renderer: renderer
            ).start()
        } catch {
            exchange.respond(error.reply(style: behavior.errorStyle))
        }
    }

    /// The number of tokens the request may generate, or vLLM's 400 when the context cannot hold it.
    private func tokenBudget(_ request: GenerationRequest, maxModelLen: Int, check: ContextCheck) throws(APIError)
        -> Int
    {
        let prompt = request.promptTokens
        if prompt > maxModelLen {
            // vLLM stops tokenizing one token past the window, so it says "at least".
            throw APIError.badRequest(
                "This model's maximum context length is \(maxModelLen) tokens. However, your prompt contains at least \(maxModelLen + 1) input tokens, which exceeds this limit even without any output tokens. Please reduce the length of the input prompt.",
                param: "input_tokens", value: String(maxModelLen + 1)
            )
        }
        let room = maxModelLen - prompt
        guard let requested = request.maxTokens else {
            return request.kind == .chat ? room : min(16, room)
        }
        switch check {
        case .clamp:
            if requested > maxModelLen {
                throw APIError.badRequest(
                    "max_tokens=\(requested) cannot be greater than max_model_len=\(maxModelLen). Please request fewer output tokens.",
                    param: "max_tokens", value: String(requested)
                )
            }
        case .rejectOverflow:
            if requested > room {
                throw APIError.badRequest(
                    "This model's maximum context length is \(maxModelLen) tokens. However, you requested \(prompt + requested) tokens (\(prompt) in the messages, \(requested) in the completion). Please reduce the length of the messages or completion."
                )
            }
        }
        return max(0, min(requested, room))
    }
}
