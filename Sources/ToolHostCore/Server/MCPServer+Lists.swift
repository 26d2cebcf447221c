import Dispatch
import ToolHostABI

/// What `tools/list`, `prompts/list`, `resources/list` and `resources/templates/list` share:
/// cursor pages, and the cache fields of 2026-07-28. And what prompts/get, resources/read and
/// completion/complete share: a request a plugin answers through a `th_call`.
extension MCPServer {
    /// Answers a list request with one page of `items`: `--page-size` entries from the
    /// cursor on, the cursor being `prefix` and an offset ("t200").
    func replyPage<Item>(_ context: RequestContext, _ params: JSONObject?, key: String, prefix: Character,
                         items: [Item], entry: (Item) -> JSON) {
        var offset = 0
        if let cursor = params?["cursor"] {
            guard case .string(let text) = cursor, text.first == prefix, let n = Int(text.dropFirst()), n >= 0, n <= items.count else {
                reply(context, error: .invalidParams("Invalid params: unknown cursor \(JSONWriter.string(cursor)); pass the nextCursor of a previous \(context.method) result"))
                return
            }
            offset = n
        }
        let end = min(offset + max(1, configuration.toolsPageSize), items.count)
        var result: JSONObject = [key: .array(items[offset..<end].map(entry))]
        if end < items.count { result["nextCursor"] = .string("\(prefix)\(end)") }
        if context.isModern {
            result["ttlMs"] = 0
            result["cacheScope"] = "private"
        }
        reply(context, ResultShaper.finish(result, revision: context.revision))
    }

    /// Starts `request` (built with ``answerWhenFinished(_:_:)`` as its finish) and tracks it
    /// under the request's id, so that a cancellation reaches it. Like a tool call it counts
    /// against `--max-calls-in-flight` and has `--call-timeout` to answer.
    func start(_ request: PluginRequest, _ context: RequestContext) {
        guard waitForCapacity() else {
            reply(context, error: notRunError)
            return
        }
        track(context.id, .request(request))
        request.start(host: host)
        guard let seconds = configuration.callTimeout else { return }
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [weak self, weak request] in
            guard let self, let request else { return }
            guard claim(context.id, { $0.isRequest(request) && request.answerEarly() }) else { return }
            logger.warning("request \(context.id) (\(request.subject)) passed its \(seconds) s deadline; cancelling it")
            reply(context, error: RPCError(
                RPCErrorCode.internalError,
                "Request timed out: plugin \(request.plugin.id) did not answer \(request.subject) within \(JSONNumber(seconds)) s (toolhost --call-timeout); it was cancelled"))
            request.cancel()
        }
    }

    /// The finish of a plugin request: unless the client cancelled it (then nothing is sent),
    /// an error for a failure, the revision's "not found" for TH_ERR_NOT_FOUND (built by
    /// `notFound`), else `answer(outcome)`.
    func answerWhenFinished(_ context: RequestContext, notFound: @escaping @Sendable (String) -> RPCError,
                            _ answer: @escaping @Sendable (PluginRequest.Outcome) -> JSONObject) -> @Sendable (PluginRequest, PluginRequest.Outcome) -> Void {
        { [weak self] request, outcome in
            guard let self else { return }
            guard claim(context.id, { $0.isRequest(request) }) else {
                // Cancelled by the client: no answer.
                context.batch?.add(nil)
                return
            }
            if outcome.cancelled {
                reply(context, error: RPCError(RPCErrorCode.internalError, "Internal error: \(context.method) of \(request.subject) was cancelled because the server is shutting down"))
                return
            }
            guard outcome.status >= 0 else {
                let message = outcome.errorMessage ?? "plugin \(request.plugin.id) failed"
                if outcome.status == TH_ERR_NOT_FOUND {
                    reply(context, error: notFound(message))
                } else if outcome.status == TH_ERR_INVALID_ARGUMENT {
                    reply(context, error: .invalidParams("Invalid params: \(message)"))
                } else {
                    reply(context, error: RPCError(RPCErrorCode.internalError, "Internal error: \(request.subject) failed: \(message)"))
                }
                return
            }
            reply(context, ResultShaper.finish(answer(outcome), revision: context.revision))
        }
    }

    /// A JSON object of string arguments (prompt arguments, completion context), or the error
    /// to answer with.
    static func stringArguments(_ value: JSON?, what: String) -> Result<JSONObject, RPCError> {
        switch value {
        case nil, .null?: return .success(JSONObject())
        case .object(let object)?:
            for (key, value) in object.members {
                guard case .string = value else {
                    return .failure(.invalidParams("Invalid params: \(what) \(key) must be a string, not \(SchemaValidator.describe(value))"))
                }
            }
            return .success(object)
        case let other?:
            return .failure(.invalidParams("Invalid params: \(what)s must be an object of strings, not \(SchemaValidator.describe(other))"))
        }
    }
}
