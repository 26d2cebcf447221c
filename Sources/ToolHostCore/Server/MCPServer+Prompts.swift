import ToolHostABI

/// `prompts/list` and `prompts/get`, from the prompts plugins offer (TH_EXT_PROMPTS).
extension MCPServer {
    /// Whether any loaded plugin offers prompts: the capability is advertised only then.
    var offersPrompts: Bool { host.offersPrompts }

    func listPrompts(_ context: RequestContext, _ params: JSONObject?) {
        let prompts = host.prompts.prompts
        var offset = 0
        if let cursor = params?["cursor"] {
            guard case .string(let text) = cursor, text.hasPrefix("p"), let n = Int(text.dropFirst()), n >= 0, n <= prompts.count else {
                reply(context, error: .invalidParams("Invalid params: unknown cursor \(JSONWriter.string(cursor)); pass the nextCursor of a previous prompts/list result"))
                return
            }
            offset = n
        }
        let end = min(offset + max(1, configuration.toolsPageSize), prompts.count)
        var result: JSONObject = ["prompts": .array(prompts[offset..<end].map { $0.listEntry(for: context.revision) })]
        if end < prompts.count { result["nextCursor"] = .string("p\(end)") }
        if context.isModern {
            result["ttlMs"] = 0
            result["cacheScope"] = "private"
        }
        reply(context, ResultShaper.finish(result, revision: context.revision))
    }

    func getPrompt(_ context: RequestContext, _ params: JSONObject?) {
        guard case .string(let name)? = params?["name"] else {
            reply(context, error: .invalidParams("Invalid params: prompts/get needs params.name (a string)"))
            return
        }
        guard let prompt = host.prompts.prompt(named: name) else {
            reply(context, error: .invalidParams("Unknown prompt: \(name)"))
            return
        }
        var arguments = JSONObject()
        switch params?["arguments"] {
        case nil, .null?: break
        case .object(let object)?:
            for (key, value) in object.members {
                guard case .string = value else {
                    reply(context, error: .invalidParams("Invalid params: prompt argument \(key) must be a string, not \(SchemaValidator.describe(value))"))
                    return
                }
            }
            arguments = object
        case let other?:
            reply(context, error: .invalidParams("Invalid params: prompts/get arguments must be an object of strings, not \(SchemaValidator.describe(other))"))
            return
        }
        let missing = prompt.arguments.filter { $0.required && arguments[$0.name] == nil }.map(\.name)
        guard missing.isEmpty else {
            reply(context, error: .invalidParams("Invalid params: prompt \(name) needs the argument\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", "))"))
            return
        }
        let request = PluginRequest(
            prompt: name, plugin: prompt.plugin, arguments: .object(arguments), requestID: context.id.description,
            revision: context.revision
        ) { [weak self] request, outcome in
            guard let self else { return }
            let wanted = inFlight.withLock { table -> Bool in
                guard case .request(let current)? = table[context.id], current === request else { return false }
                table[context.id] = nil
                return true
            }
            guard wanted else {
                // Cancelled by the client: no answer.
                context.batch?.add(nil)
                return
            }
            if outcome.cancelled {
                reply(context, error: RPCError(RPCErrorCode.internalError, "Internal error: prompts/get of \(name) was cancelled because the server is shutting down"))
                return
            }
            guard outcome.status >= 0 else {
                let message = outcome.errorMessage ?? "plugin \(prompt.plugin.id) failed"
                if outcome.status == TH_ERR_NOT_FOUND {
                    reply(context, error: .invalidParams("Unknown prompt: \(name) (\(message))"))
                } else if outcome.status == TH_ERR_INVALID_ARGUMENT {
                    reply(context, error: .invalidParams("Invalid params: \(message)"))
                } else {
                    reply(context, error: RPCError(RPCErrorCode.internalError, "Internal error: prompt \(name) failed: \(message)"))
                }
                return
            }
            var result = JSONObject()
            if let description = outcome.description { result["description"] = .string(description) }
            result["messages"] = .array(outcome.messages.map { message in
                guard var object = message.objectValue, let content = object["content"] else { return message }
                object["content"] = ResultShaper.block(for: content, revision: context.revision)
                return .object(object)
            })
            reply(context, ResultShaper.finish(result, revision: context.revision))
        }
        track(context.id, .request(request))
        request.start(host: host)
    }
}

extension MCPServer {
    /// A plugin's prompts changed: handshake clients hear `notifications/prompts/list_changed`.
    func promptsChanged() {
        if session.withLock({ $0.initialized }) {
            notify("notifications/prompts/list_changed", .object([:]), droppable: false)
        }
    }
}
