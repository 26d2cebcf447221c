import ToolHostABI

/// `resources/list`, `resources/templates/list`, `resources/read`, `resources/subscribe` and
/// `resources/unsubscribe`, from the resources plugins offer (TH_EXT_RESOURCES), and
/// `completion/complete` (TH_EXT_COMPLETIONS).
extension MCPServer {
    /// The handshake era's "resource not found" (-32002); 2026-07-28 retired that code and
    /// uses -32602. Both name the URI in `data.uri`.
    static func resourceNotFound(_ uri: String, revision: ProtocolRevision, detail: String? = nil) -> RPCError {
        RPCError(revision.isModern ? RPCErrorCode.invalidParams : RPCErrorCode.resourceNotFound,
                 "Resource not found: \(uri)\(detail.map { " (\($0))" } ?? "")", data: ["uri": .string(uri)])
    }

    func listResources(_ context: RequestContext, _ params: JSONObject?) {
        replyPage(context, params, key: "resources", prefix: "r", items: host.resources.resources) { $0.listEntry(for: context.revision) }
    }

    func listResourceTemplates(_ context: RequestContext, _ params: JSONObject?) {
        replyPage(context, params, key: "resourceTemplates", prefix: "u", items: host.resources.templates) { $0.listEntry(for: context.revision) }
    }

    func readResource(_ context: RequestContext, _ params: JSONObject?) {
        guard case .string(let uri)? = params?["uri"], !uri.isEmpty else {
            reply(context, error: .invalidParams("Invalid params: resources/read needs params.uri (a string)"))
            return
        }
        let resource: RegisteredResource
        var variables: [String: String]?
        switch host.resources.target(for: uri) {
        case nil:
            reply(context, error: Self.resourceNotFound(uri, revision: context.revision))
            return
        case .resource(let found)?:
            resource = found
        case .template(let found, let values)?:
            resource = found
            variables = values
        }
        let revision = context.revision
        let finish = answerWhenFinished(context, notFound: { Self.resourceNotFound(uri, revision: revision, detail: $0) }) { outcome in
            var result: JSONObject = ["contents": .array(outcome.contents)]
            if revision.isModern {
                result["ttlMs"] = 0
                result["cacheScope"] = "private"
            }
            return result
        }
        start(PluginRequest(read: uri, resource: resource, variables: variables, requestID: context.id.description,
                            revision: revision, finish: finish), context)
    }

    /// `resources/subscribe` and `resources/unsubscribe` (handshake era; 2026-07-28 subscribes
    /// through `subscriptions/listen`). A URI must name a resource or match a template.
    func subscribe(_ context: RequestContext, _ params: JSONObject?, on: Bool) {
        guard case .string(let uri)? = params?["uri"], !uri.isEmpty else {
            reply(context, error: .invalidParams("Invalid params: \(context.method) needs params.uri (a string)"))
            return
        }
        if on {
            guard host.resources.target(for: uri) != nil else {
                reply(context, error: Self.resourceNotFound(uri, revision: context.revision))
                return
            }
            session.withLock { _ = $0.subscribedURIs.insert(uri) }
        } else {
            session.withLock { _ = $0.subscribedURIs.remove(uri) }
        }
        reply(context, .object([:]))
    }

    func complete(_ context: RequestContext, _ params: JSONObject?) {
        guard let ref = params?["ref"]?.objectValue, case .string(let type)? = ref["type"] else {
            reply(context, error: .invalidParams("Invalid params: completion/complete needs params.ref, {\"type\":\"ref/prompt\",\"name\":…} or {\"type\":\"ref/resource\",\"uri\":…}"))
            return
        }
        guard let argument = params?["argument"]?.objectValue, case .string(let name)? = argument["name"],
              case .string(let value)? = argument["value"] else {
            reply(context, error: .invalidParams("Invalid params: completion/complete needs params.argument, {\"name\":…,\"value\":…} (strings)"))
            return
        }
        let contextArguments: JSONObject
        switch Self.stringArguments(params?["context"]?["arguments"], what: "context argument") {
        case .failure(let error):
            reply(context, error: error)
            return
        case .success(let object): contextArguments = object
        }
        let kind: UInt32
        let refName: String
        let plugin: LoadedPlugin
        switch (type, ref["name"], ref["uri"]) {
        case ("ref/prompt", .string(let promptName)?, _):
            guard let prompt = host.prompts.prompt(named: promptName) else {
                reply(context, error: .invalidParams("Unknown prompt: \(promptName)"))
                return
            }
            guard prompt.arguments.contains(where: { $0.name == name }) else {
                reply(context, error: .invalidParams("Invalid params: prompt \(promptName) has no argument \(name)"))
                return
            }
            (kind, refName, plugin) = (UInt32(TH_COMPLETE_PROMPT_ARGUMENT), promptName, prompt.plugin)
        case ("ref/resource", _, .string(let uri)?):
            // A template by its text; a plain resource has nothing to complete.
            if let template = host.resources.template(uri) {
                guard template.template?.variableNames.contains(name) == true else {
                    reply(context, error: .invalidParams("Invalid params: resource template \(uri) has no variable \(name)"))
                    return
                }
                (kind, refName, plugin) = (UInt32(TH_COMPLETE_TEMPLATE_VARIABLE), uri, template.plugin)
            } else if host.resources.target(for: uri) != nil {
                reply(context, ResultShaper.finish(Self.completionResult([]), revision: context.revision))
                return
            } else {
                reply(context, error: Self.resourceNotFound(uri, revision: context.revision))
                return
            }
        default:
            reply(context, error: .invalidParams("Invalid params: params.ref must be {\"type\":\"ref/prompt\",\"name\":…} or {\"type\":\"ref/resource\",\"uri\":…}"))
            return
        }
        guard plugin.completionsTable != nil else {
            // The plugin suggests nothing.
            reply(context, ResultShaper.finish(Self.completionResult([]), revision: context.revision))
            return
        }
        let finish = answerWhenFinished(context, notFound: { .invalidParams("Invalid params: \($0)") }) { outcome in
            Self.completionResult(outcome.completions)
        }
        start(PluginRequest(complete: kind, ref: refName, argument: name, value: value, context: .object(contextArguments),
                            plugin: plugin, requestID: context.id.description, revision: context.revision, finish: finish), context)
    }

    /// At most 100 values, as the specification allows, with the total and whether more exist.
    static func completionResult(_ values: [String]) -> JSONObject {
        var completion: JSONObject = ["values": .array(values.prefix(100).map { .string($0) })]
        completion["total"] = .number(JSONNumber(values.count))
        completion["hasMore"] = .bool(values.count > 100)
        return ["completion": .object(completion)]
    }
}
