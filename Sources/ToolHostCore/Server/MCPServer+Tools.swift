import Dispatch

/// `tools/list` and `tools/call`.
extension MCPServer {
    func listTools(_ context: RequestContext, _ params: JSONObject?) {
        replyPage(context, params, key: "tools", prefix: "t", items: host.registry.tools) { $0.listEntry(for: context.revision) }
    }

    func callTool(_ context: RequestContext, _ params: JSONObject?) {
        guard case .string(let name)? = params?["name"] else {
            reply(context, error: .invalidParams("Invalid params: tools/call needs params.name (a string)"))
            return
        }
        guard let tool = host.registry.tool(named: name) else {
            reply(context, error: .invalidParams("Unknown tool: \(name)"))
            return
        }
        let arguments: JSON
        switch params?["arguments"] {
        case nil, .null?: arguments = .object([:])
        case .object(let object)?: arguments = .object(object)
        case let other?:
            reply(context, error: .invalidParams("Invalid params: tools/call arguments must be an object, not \(SchemaValidator.describe(other))"))
            return
        }
        if let violation = tool.inputSchema.validate(arguments) {
            let outcome = CallOutcome.failure("Invalid arguments for tool \(name): \(violation). Fix the arguments and call again.", status: ABIStatus.invalidArgument)
            reply(context, ResultShaper.callResult(outcome, tool: tool, revision: context.revision))
            return
        }

        guard waitForCapacity() else {
            reply(context, error: notRunError)
            return
        }
        var progress: (@Sendable (Double, Double?, String?) -> Void)?
        if let token = context.progressToken {
            progress = { [weak self] value, total, message in
                self?.sendProgress(token: token, revision: context.revision, progress: value, total: total, message: message)
            }
        }
        let observer = CallObserver(
            progress: progress,
            log: { [weak self] level, message in self?.sendCallLog(context, tool: tool, level: level, message: message) },
            completeOnPluginThread: { [weak self] call, outcome in self?.deliver(call, outcome, context, fromPluginThread: true) ?? false },
            complete: { [weak self] call, outcome in self?.deliver(call, outcome, context) })

        let call = host.makeCall(
            tool: tool, arguments: arguments, requestID: context.id.description, revision: context.revision, observer: observer)
        track(context.id, .call(call))
        host.start(call)
        if let timeout = configuration.callTimeout { scheduleDeadline(call, context, after: timeout) }
    }

    /// Answers a finished call, unless the client cancelled it (then nothing is sent).
    /// - Parameter fromPluginThread: the caller is a plugin's thread, which must not block:
    ///   the answer is written there only when the write cannot block (the usual case: the
    ///   client keeps up), else it waits in the writer's queue for a host thread.
    /// - Returns: false, having done nothing, when a plugin thread cannot deliver this answer
    ///   (the writer's backlog is full, or it belongs to a batch): a host thread must.
    @discardableResult
    private func deliver(_ call: ToolCall, _ outcome: CallOutcome, _ context: RequestContext, fromPluginThread: Bool = false) -> Bool {
        if fromPluginThread && (context.batch != nil || writer.isOverHardLimit) { return false }
        guard claim(context.id, { $0.isCall(call) }) else {
            context.batch?.add(nil)
            return true
        }
        let result = ResultShaper.callResult(outcome, tool: call.tool, revision: context.revision)
        guard fromPluginThread else {
            reply(context, result)
            return true
        }
        let bytes = RPCEncoder.response(id: context.id, result: result)
        if !writer.offer(bytes) {
            // The backlog filled up meanwhile: a host thread waits for room.
            host.pool.submit { [writer] in writer.send(bytes) }
        }
        return true
    }

    private func scheduleDeadline(_ call: ToolCall, _ context: RequestContext, after seconds: Double) {
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [weak self, weak call] in
            guard let self, let call else { return }
            guard inFlight.withLock({ $0[context.id]?.isCall(call) == true }) else { return }
            logger.warning("call \(context.id) of \(call.tool.name) passed its \(seconds) s deadline; cancelling it")
            call.answerEarly(CallOutcome.failure(
                "The tool \(call.tool.name) did not finish within \(JSONNumber(seconds)) s (toolhost --call-timeout) and was cancelled.",
                status: ABIStatus.timeout))
            call.cancel()
        }
    }

    private func sendProgress(token: JSON, revision: ProtocolRevision, progress: Double, total: Double?, message: String?) {
        var params: JSONObject = ["progressToken": token, "progress": .double(progress)]
        if let total { params["total"] = .double(total) }
        if let message, revision.hasProgressMessage { params["message"] = .string(message) }
        notify("notifications/progress", .object(params), droppable: true)
    }

    private func sendCallLog(_ context: RequestContext, tool: RegisteredTool, level: LogLevel, message: String) {
        // Handshake: the connection's level may have changed since the call began.
        let threshold = context.isModern ? context.logLevel : session.withLock { $0.logLevel }
        guard let threshold, level >= threshold else { return }
        notify("notifications/message", ["level": .string(level.name), "logger": .string(tool.plugin.id), "data": .string(message)], droppable: true)
    }
}
