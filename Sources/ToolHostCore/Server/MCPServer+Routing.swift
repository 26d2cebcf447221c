/// Routing of requests and notifications to their handlers, for both eras.
extension MCPServer {
    static let versionKey = "io.modelcontextprotocol/protocolVersion"
    static let capabilitiesKey = "io.modelcontextprotocol/clientCapabilities"
    static let clientInfoKey = "io.modelcontextprotocol/clientInfo"
    static let logLevelKey = "io.modelcontextprotocol/logLevel"
    static let subscriptionKey = "io.modelcontextprotocol/subscriptionId"

    func handleRequest(id: RequestID, method: String, params: JSONObject?, batch: Batch?) {
        if method.hasPrefix("notifications/") {
            emit(RPCEncoder.error(id: id, .invalidRequest("Invalid Request: \(method) is a notification and must be sent without an id")), batch: batch)
            return
        }
        if inFlight.withLock({ $0[id] != nil }) {
            rejectDuplicate(id: id, batch: batch)
            return
        }
        if method == "initialize" {
            initialize(id: id, params: params, batch: batch)
            return
        }
        if let meta = params?["_meta"]?.objectValue, meta[Self.versionKey] != nil {
            handleModern(id: id, method: method, params: params, meta: meta, batch: batch)
        } else {
            handleHandshake(id: id, method: method, params: params, batch: batch)
        }
    }

    // MARK: Handshake era

    private func handleHandshake(id: RequestID, method: String, params: JSONObject?, batch: Batch?) {
        let (initialized, revision, logLevel) = session.withLock { ($0.initialized, $0.revision, $0.logLevel) }
        let context = RequestContext(
            id: id, method: method, revision: revision ?? .latestHandshake,
            progressToken: progressToken(params?["_meta"]?.objectValue), logLevel: logLevel, batch: batch)
        guard let entry = Self.methods[method] else {
            reply(context, error: .methodNotFound(method))
            return
        }
        guard entry.eras.contains(.handshake) else {
            reply(context, error: .invalidParams("Invalid params: \(method) belongs to protocol 2026-07-28 and needs params._meta[\"\(Self.versionKey)\"]"))
            return
        }
        guard initialized || !entry.needsInitialize else {
            let modernToo = entry.eras.contains(.modern) ? " (or use the 2026-07-28 per-request envelope)" : ""
            reply(context, error: .invalidRequest("Invalid Request: \(method) before initialize; send initialize first\(modernToo)"))
            return
        }
        entry.handler(self, context, params)
    }

    private func initialize(id: RequestID, params: JSONObject?, batch: Batch?) {
        guard batch == nil else {
            emit(RPCEncoder.error(id: id, .invalidRequest("Invalid Request: initialize must not be part of a batch")), batch: batch)
            return
        }
        guard case .string(let requested)? = params?["protocolVersion"] else {
            send(RPCEncoder.error(id: id, .invalidParams("Invalid params: initialize needs params.protocolVersion (a string such as \"\(ProtocolRevision.latestHandshake.rawValue)\")")))
            return
        }
        // Answer the client's version when this server speaks it, else the latest handshake one.
        let revision = ProtocolRevision(rawValue: requested).flatMap { $0.isModern ? nil : $0 } ?? .latestHandshake
        let clientName = params?["clientInfo"]?["name"]?.stringValue
        let accepted = session.withLock { s -> Bool in
            guard !s.initialized else { return false }
            s.initialized = true
            s.revision = revision
            return true
        }
        guard accepted else {
            send(RPCEncoder.error(id: id, .invalidRequest("Invalid Request: already initialized; initialize may be sent once per connection")))
            return
        }
        var serverInfo: JSONObject = ["name": "toolhost", "version": .string(ToolHost.version)]
        if revision.hasStructuredOutput { serverInfo["title"] = "toolhost" }
        var result: JSONObject = [
            "protocolVersion": .string(revision.rawValue),
            "capabilities": .object(capabilities(logging: true, revision: revision)),
            "serverInfo": .object(serverInfo),
        ]
        if let instructions = configuration.instructions { result["instructions"] = .string(instructions) }
        logger.debug("initialized: client \(clientName ?? "unnamed") asked for \(requested), speaking \(revision.rawValue)")
        send(RPCEncoder.response(id: id, result: .object(result)))
    }

    /// One method the server serves (`initialize` aside, which opens the handshake era): in
    /// which eras, whether the handshake era needs `initialize` first, and its handler. Both
    /// eras route through this one table; the era rules are applied around it.
    struct Method: Sendable {
        struct Eras: OptionSet, Sendable {
            let rawValue: Int
            static let handshake = Eras(rawValue: 1)
            static let modern = Eras(rawValue: 2)
            static let both: Eras = [.handshake, .modern]
        }
        let eras: Eras
        var needsInitialize = true
        /// Called with the server, so that the table is static and a request allocates no
        /// closure to reach its handler.
        let handler: @Sendable (MCPServer, RequestContext, JSONObject?) -> Void
    }

    static let methods: [String: Method] = [
        "ping": Method(eras: .handshake, needsInitialize: false) { server, context, _ in server.reply(context, .object([:])) },
        "logging/setLevel": Method(eras: .handshake) { $0.setLogLevel($1, $2) },
        "resources/subscribe": Method(eras: .handshake) { $0.subscribe($1, $2, on: true) },
        "resources/unsubscribe": Method(eras: .handshake) { $0.subscribe($1, $2, on: false) },
        "server/discover": Method(eras: .modern) { server, context, _ in server.discover(context) },
        "subscriptions/listen": Method(eras: .modern) { $0.listen($1, $2) },
        "tools/list": Method(eras: .both) { $0.listTools($1, $2) },
        "tools/call": Method(eras: .both) { $0.callTool($1, $2) },
        "prompts/list": Method(eras: .both) { $0.listPrompts($1, $2) },
        "prompts/get": Method(eras: .both) { $0.getPrompt($1, $2) },
        "resources/list": Method(eras: .both) { $0.listResources($1, $2) },
        "resources/templates/list": Method(eras: .both) { $0.listResourceTemplates($1, $2) },
        "resources/read": Method(eras: .both) { $0.readResource($1, $2) },
        "completion/complete": Method(eras: .both) { $0.complete($1, $2) },
    ]

    /// What the server offers: prompts, resources and completions only when a loaded plugin
    /// has some; completions from 2025-03-26 on (2024-11-05 has no such capability).
    private func capabilities(logging: Bool, revision: ProtocolRevision) -> JSONObject {
        var capabilities: JSONObject = ["tools": ["listChanged": true]]
        if host.offersPrompts { capabilities["prompts"] = ["listChanged": true] }
        if host.offersResources { capabilities["resources"] = ["subscribe": true, "listChanged": true] }
        if host.offersCompletions, revision.hasAnnotations { capabilities["completions"] = .object([:]) }
        if logging { capabilities["logging"] = .object([:]) }
        return capabilities
    }

    func setLogLevel(_ context: RequestContext, _ params: JSONObject?) {
        guard case .string(let name)? = params?["level"], let level = LogLevel(name: name) else {
            reply(context, error: .invalidParams("Invalid params: logging/setLevel needs params.level, one of \(LogLevel.allCases.map(\.name).joined(separator: ", "))"))
            return
        }
        session.withLock { $0.logLevel = level }
        reply(context, .object([:]))
    }

    // MARK: Modern era (2026-07-28)

    private func handleModern(id: RequestID, method: String, params: JSONObject?, meta: JSONObject, batch: Batch?) {
        let supported = ProtocolRevision.allCases.reversed().map { JSON.string($0.rawValue) }
        func fail(_ error: RPCError) { emit(RPCEncoder.error(id: id, error), batch: batch) }
        guard case .string(let version)? = meta[Self.versionKey] else {
            fail(.invalidParams("Invalid params: _meta[\"\(Self.versionKey)\"] must be a string"))
            return
        }
        guard let revision = ProtocolRevision(rawValue: version), revision.isModern else {
            fail(RPCError(
                RPCErrorCode.unsupportedProtocolVersion,
                "Unsupported protocol version \(version) in the request envelope; this server speaks \(ProtocolRevision.latest.rawValue) per request, or \(ProtocolRevision.handshakeRevisions.map(\.rawValue).joined(separator: ", ")) through initialize",
                data: ["supported": .array(supported), "requested": .string(version)]))
            return
        }
        guard case .object? = meta[Self.capabilitiesKey] else {
            fail(.invalidParams("Invalid params: _meta[\"\(Self.capabilitiesKey)\"] is required (an object; {} is valid)"))
            return
        }
        var logLevel: LogLevel?
        if let raw = meta[Self.logLevelKey] {
            guard case .string(let name) = raw, let level = LogLevel(name: name) else {
                fail(.invalidParams("Invalid params: _meta[\"\(Self.logLevelKey)\"] must be one of \(LogLevel.allCases.map(\.name).joined(separator: ", "))"))
                return
            }
            logLevel = level
        }
        let context = RequestContext(
            id: id, method: method, revision: revision, progressToken: progressToken(meta), logLevel: logLevel, batch: batch)
        guard let entry = Self.methods[method], entry.eras.contains(.modern) else {
            reply(context, error: .methodNotFound(method))
            return
        }
        entry.handler(self, context, params)
    }

    func discover(_ context: RequestContext) {
        var result: JSONObject = [
            "supportedVersions": [.string(ProtocolRevision.latest.rawValue)],
            "capabilities": .object(capabilities(logging: false, revision: context.revision)),
            "ttlMs": 0,
            "cacheScope": "private",
        ]
        if let instructions = configuration.instructions { result["instructions"] = .string(instructions) }
        reply(context, ResultShaper.finish(result, revision: context.revision))
    }

    func listen(_ context: RequestContext, _ params: JSONObject?) {
        let wanted = params?["notifications"]?.objectValue ?? JSONObject()
        // Only what this server can send: prompt and resource events when plugins offer them.
        var offered: Set<ListKind> = [.tools]
        if host.offersPrompts { offered.insert(.prompts) }
        if host.offersResources { offered.insert(.resources) }
        let lists = offered.filter { wanted[$0.filterKey] == .bool(true) }
        var uris: [String] = []
        if host.offersResources, case .array(let requested)? = wanted["resourceSubscriptions"] {
            for case .string(let uri) in requested where !uris.contains(uri) { uris.append(uri) }
        }
        let subscription = Subscription(id: context.id, lists: lists, resourceURIs: Set(uris))
        track(context.id, .subscription(subscription))
        var honoured = JSONObject()
        for kind in ListKind.allCases where lists.contains(kind) { honoured[kind.filterKey] = true }
        if !uris.isEmpty { honoured["resourceSubscriptions"] = .array(uris.map { .string($0) }) }
        // On the reader, in order with the responses around it (not `notify`, which is for
        // threads that must not wait and may leave the write to another thread).
        send(RPCEncoder.notification(
            method: "notifications/subscriptions/acknowledged",
            params: ["_meta": [Self.subscriptionKey: context.id.json], "notifications": .object(honoured)]))
        // In a batch the stream's eventual response cannot be part of the batch array.
        context.batch?.add(nil)
    }

    /// Answers a request whose id is already in flight. The answer carries `id: null` (the
    /// id names the first request, whose answer is still to come, exactly once) and names the
    /// duplicate id in `error.data.duplicateId`.
    private func rejectDuplicate(id: RequestID, batch: Batch?) {
        emit(RPCEncoder.error(id: nil, RPCError(
            RPCErrorCode.invalidRequest,
            "Invalid Request: request id \(id) is already in flight; this second request with that id was not run (the first one's answer is still to come). Use a new id for each request.",
            data: ["duplicateId": id.json])), batch: batch)
    }

    /// Records a request that is answered later (a call, a subscription, a plugin's request).
    /// Its id is free: ``handleRequest(id:method:params:batch:)`` refused an id in flight, and
    /// only the reader, which runs the handlers, ever adds one.
    func track(_ id: RequestID, _ entry: InFlight) {
        let previous = inFlight.withLock { $0.updateValue(entry, forKey: id) }
        assert(previous == nil, "request id \(id) tracked twice")
    }

    /// Takes a request out of the table of requests in flight when its entry is still the one
    /// `matches` recognises (not cancelled by the client, not answered by a deadline, its id
    /// not reused since).
    /// - Returns: whether it was taken: the caller now owns the answer.
    func claim(_ id: RequestID, _ matches: (InFlight) -> Bool) -> Bool {
        inFlight.withLock { table in
            guard let entry = table[id], matches(entry) else { return false }
            table[id] = nil
            return true
        }
    }

    /// Tells the client about a change: a handshake client after `initialize` (resource
    /// updates only for URIs it subscribed to), and every `subscriptions/listen` stream that
    /// asked for it, stamped with the stream's id.
    func publish(_ event: ServerEvent) {
        let method: String
        var params = JSONObject()
        switch event {
        case .listChanged(let kind): method = kind.method
        case .resourceUpdated(let uri):
            method = "notifications/resources/updated"
            params["uri"] = .string(uri)
        }
        let handshake = session.withLock { s -> Bool in
            guard s.initialized else { return false }
            if case .resourceUpdated(let uri) = event { return s.subscribedURIs.contains(uri) }
            return true
        }
        if handshake { notify(method, .object(params), droppable: false) }
        let subscriptions = inFlight.withLock { table in
            table.values.compactMap { entry -> Subscription? in
                if case .subscription(let s) = entry, s.wants(event) { return s }
                return nil
            }
        }
        for subscription in subscriptions {
            var stamped = params
            stamped["_meta"] = [Self.subscriptionKey: subscription.id.json]
            notify(method, .object(stamped), droppable: false)
        }
    }

    /// Ends every open subscription gracefully (a response to its request), at shutdown.
    func endSubscriptions() {
        let subscriptions = inFlight.withLock { table -> [Subscription] in
            var ended: [Subscription] = []
            for (id, entry) in table {
                if case .subscription(let s) = entry {
                    ended.append(s)
                    table[id] = nil
                }
            }
            return ended
        }
        for subscription in subscriptions {
            let result = ResultShaper.finish(["_meta": [Self.subscriptionKey: subscription.id.json]], revision: .latest)
            send(RPCEncoder.response(id: subscription.id, result: result))
        }
    }

    // MARK: Notifications

    func handleNotification(_ method: String, _ params: JSONObject?) {
        switch method {
        case "notifications/initialized":
            break  // nothing waits for it: the handshake era opens with the initialize answer
        case "notifications/cancelled":
            cancel(params?["requestId"], reason: params?["reason"]?.stringValue)
        default:
            logger.debug("ignoring notification \(method)")
        }
    }

    /// `notifications/cancelled`: the request ends without a response; its plugin is told.
    private func cancel(_ rawID: JSON?, reason: String?) {
        guard let rawID, let id = RequestID(rawID) else {
            logger.debug("ignoring notifications/cancelled without a valid requestId")
            return
        }
        let entry = inFlight.withLock { $0.removeValue(forKey: id) }
        switch entry {
        case .call(let call)?:
            logger.debug("request \(id) cancelled by the client\(reason.map { ": \($0)" } ?? "")")
            call.cancel()
        case .request(let request)?:
            logger.debug("request \(id) (\(request.subject)) cancelled by the client\(reason.map { ": \($0)" } ?? "")")
            request.cancel()
        case .subscription?:
            logger.debug("subscription \(id) ended by the client")
        case nil:
            logger.debug("ignoring cancellation of request \(id): not in flight")
        }
    }

    private func progressToken(_ meta: JSONObject?) -> JSON? {
        guard let token = meta?["progressToken"] else { return nil }
        switch token {
        case .string, .number: return token
        default: return nil
        }
    }
}
