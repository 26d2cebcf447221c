import NIOHTTP1

/// Dispatches requests to vLLM's routes, after vLLM's API-key middleware.
struct Router {
    let core: DoubleCore

    /// Path prefixes vLLM's `--api-key` middleware guards.
    static let guardedPrefixes = ["/v1", "/v2", "/inference", "/cohere"]

    private static let routes: [String: HTTPMethod] = [
        "/health": .GET, "/version": .GET, "/load": .GET, "/metrics": .GET, "/v1/models": .GET,
        "/v1/chat/completions": .POST, "/v1/completions": .POST, "/tokenize": .POST,
    ]

    /// Answers `request` on `exchange`, now or over time.
    func handle(_ request: IncomingRequest, on exchange: Exchange) {
        let configuration = core.configuration
        if let apiKey = configuration.apiKey,
            Self.guardedPrefixes.contains(where: { request.path.hasPrefix($0) }),
            request.head.headers.first(name: "authorization") != "Bearer \(apiKey)"
        {
            exchange.respond(.unauthorized)
            return
        }
        // A server-wide hostility answers every route but the generations, which take it (or a
        // scenario's) once their scenario is known.
        if let mode = configuration.behavior.hostile, !["/v1/chat/completions", "/v1/completions"].contains(request.path) {
            HostileAnswer(
                mode: mode, behavior: configuration.behavior, exchange: exchange, shape: .other,
                target: request.head.uri, authorization: request.head.headers.first(name: "authorization"),
                model: configuration.models.first?.name ?? ""
            ).play()
            return
        }
        guard let method = Self.routes[request.path] else {
            exchange.respond(.notFound)
            return
        }
        guard method == request.head.method else {
            exchange.respond(.methodNotAllowed)
            return
        }
        switch request.path {
        case "/health":
            exchange.respond(.empty(configuration.behavior.engineDead ? .serviceUnavailable : .ok))
        case "/version":
            exchange.respond(.json(["version": .string(configuration.version)]))
        case "/load":
            exchange.respond(.json(["server_load": .int(core.serverLoad)]))
        case "/metrics":
            // prometheus_client 0.26 (vLLM 0.32) answers in text format 1.0.0.
            exchange.respond(.text(core.renderMetrics(), contentType: "text/plain; version=1.0.0; charset=utf-8"))
        case "/v1/models":
            exchange.respond(.json(ModelCatalog(configuration).listing(created: Identifiers.unixTime())))
        case "/tokenize":
            exchange.respond(tokenize(request, configuration: configuration))
        case "/v1/chat/completions":
            generate(.chat, request, configuration: configuration, on: exchange)
        default:
            generate(.completion, request, configuration: configuration, on: exchange)
        }
    }
}
