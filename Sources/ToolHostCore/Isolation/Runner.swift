import Logging
import Synchronization
import ToolHostABI

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The runner side (`toolhost __runner FD PLUGIN LOGLEVEL`, started by ``RunnerProcess``): a
/// ``PluginHost`` of its own with the one plugin file loaded in process, serving the host's
/// frames on fd FD. Calls run through the same ``ToolCall``/``PluginRequest`` code as in the
/// host, so a plugin sees the same ABI either way; their outcomes go back whole.
public enum PluginRunner {
    /// Runs until the host closes the connection or says `shutdown`; never returns.
    public static func main(_ arguments: [String]) -> Never {
        signal(SIGPIPE, SIG_IGN)
        guard arguments.count >= 3, let fd = Int32(arguments[1]) else {
            let usage = "toolhost __runner is started by toolhost itself (usage: __runner FD PLUGIN [LOGLEVEL])\n"
            _ = usage.withCString { write(2, $0, strlen($0)) }
            exit(2)
        }
        // Not for processes the plugin starts: they must not keep the host's end open.
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let path = arguments[2]
        let level = Logger.Level(rawValue: arguments.count > 3 ? arguments[3] : "notice") ?? .notice
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "toolhost-runner")
        let channel = FrameChannel(fd: fd)
        var decoder = FrameDecoder()
        func refuse(_ reason: String, notAPlugin: Bool = false) -> Never {
            channel.send(RunnerMessage.hello(.object(["error": .string(reason), "notAPlugin": .bool(notAPlugin)])).frame)
            exit(3)
        }
        // The plugin's id first (its descriptor, before its init runs): the host answers with
        // that plugin's settings only. A manifest's functions take none.
        var id = ""
        if !NativeManifest.isManifest(path) {
            switch PluginLoader.open(path) {
            case .failure(let failure): refuse(failure.reason, notAPlugin: failure.notAPlugin)
            case .success(let descriptor): id = PluginLoader.id(of: descriptor)
            }
        }
        channel.send(RunnerMessage.identify(id: id).frame)
        guard let setup = channel.readOne(into: &decoder).frame, case .setup(let setupJSON)? = try? RunnerMessage(setup) else { exit(2) }
        var configuration = HostConfiguration()
        configuration.pluginFiles = [path]
        configuration.defaultPluginDirectories = []
        configuration.loadExamples = true
        configuration.watchPlugins = .off
        configuration.isolation = .none  // this process is the isolation
        configuration.compileSchemas = false  // the host compiles them and checks arguments
        configuration.pluginSettings = setupJSON["settings"]?.objectValue ?? [:]
        logger.debug("runner for \(path): settings received for plugins [\(configuration.pluginSettings.keys.sorted().joined(separator: ", "))]")
        // Not the environment: the settings sent already hold its `<ID>_<KEY>` variables (the
        // host merged them), and reading it again costs the start-up a fifth of a millisecond.
        let host = PluginHost(configuration: configuration, logger: logger)
        host.loadPlugins()
        guard let catalog = RunnerCatalog.of(host) else {
            refuse(host.problems.map(\.message).joined(separator: "; "))
        }
        let served = Served(host: host, channel: channel)
        channel.send(RunnerMessage.hello(catalog.json).frame)
        _ = RunnerReader(channel: channel, decoder: decoder) { frame, inline in served.handle(frame, inline: inline) }.run()
        // The host closed the connection. After a `shutdown` (a retiring runner), the thread
        // handling it lets the calls finish, writes their results and exits; the host closes
        // its side right after sending it, so the end is seen meanwhile and must not cut that
        // short.
        if served.shuttingDown.load(ordering: .acquiring) {
            while true { pause() }
        }
        // The host is gone (or broke the protocol): stop at once, its calls have no one to answer.
        _exit(0)
    }

    /// The calls of one runner.
    final class Served: Sendable {
        let host: PluginHost
        let channel: FrameChannel
        private let calls = Mutex<Calls>(Calls())
        private let requests = Mutex<[UInt64: PluginRequest]>([:])
        /// Set once a `shutdown` frame is being handled.
        let shuttingDown = Atomic<Bool>(false)

        /// The calls running, and cancellations that came before their call was registered (a
        /// call frame still being decoded on a thread that lost the reading role meanwhile).
        struct Calls {
            var running: [UInt64: ToolCall] = [:]
            var cancelledEarly: Set<UInt64> = []

            /// Remembers a cancellation of a call not registered (yet); a few hundred at most,
            /// as those of calls that had already finished are never claimed.
            mutating func cancelEarly(_ id: UInt64) {
                if cancelledEarly.count >= 256, let oldest = cancelledEarly.min() { cancelledEarly.remove(oldest) }
                cancelledEarly.insert(id)
            }
        }

        init(host: PluginHost, channel: FrameChannel) {
            self.host = host
            self.channel = channel
            host.addObserver(self)
        }

        /// - Parameter inline: run a call on this thread (the reader's; see ``RunnerReader``),
        ///   else on the worker pool.
        func handle(_ frame: RunnerFrame, inline: Bool = false) {
            guard let message = try? RunnerMessage(frame) else { return }
            switch message {
            case .call(let id, let flags, let tool, let requestID, let version, let arguments):
                call(id: id, flags: flags, name: tool, requestID: requestID, version: version, arguments: arguments, inline: inline)
            case .cancel(let id):
                if let call = calls.withLock({ $0.running[id] }) {
                    call.cancel()
                } else if let request = requests.withLock({ $0[id] }) {
                    request.cancel()
                } else {
                    calls.withLock { $0.cancelEarly(id) }
                }
            case .request(let id, let json):
                request(id: id, json)
            case .shutdown:
                // Calls already sent may finish (their results still go out), then the plugin
                // shuts down and the runner exits.
                shuttingDown.store(true, ordering: .releasing)
                host.shutdown(grace: host.configuration.shutdownGrace, ending: .inputEnded)
                channel.flushBeforeExit()
                _exit(0)
            case .identify, .setup, .hello, .result, .textResult, .progress, .log, .catalog, .answer, .resourceUpdated:
                break
            }
        }

        private func call(id: UInt64, flags: UInt32, name: String, requestID: String, version: String, arguments: [UInt8], inline: Bool) {
            let revision = ProtocolRevision(rawValue: version) ?? .latest
            guard let tool = host.registry.tool(named: name) else {
                send(result: id, CallOutcome.failure("The plugin's runner does not offer a tool named \(name) (any more); list the tools again.", status: TH_ERR_UNSUPPORTED))
                return
            }
            let wantsProgress = flags & UInt32(TH_CALL_WANTS_PROGRESS) != 0
            let channel = self.channel
            let sink: @Sendable (Double, Double?, String?) -> Void = { value, total, message in
                _ = channel.send(RunnerMessage.progress(id: id, value: value, total: total ?? 0, message: message ?? "").frame)
            }
            let progress = wantsProgress ? sink : nil
            let log: @Sendable (LogLevel, String) -> Void = { level, message in
                _ = channel.send(RunnerMessage.log(id: id, level: UInt8(level.rawValue), message: message).frame)
            }
            let completeOnPluginThread: @Sendable (ToolCall, CallOutcome) -> Bool = { [self] _, outcome in
                send(result: id, outcome)
                return true
            }
            let observer = CallObserver(progress: progress, log: log, completeOnPluginThread: completeOnPluginThread) { [self] _, outcome in
                send(result: id, outcome)
            }
            let call = host.makeCall(tool: tool, argumentBytes: arguments, requestID: requestID, revision: revision, observer: observer)
            let cancelled = calls.withLock { c -> Bool in
                c.running[id] = call
                return c.cancelledEarly.remove(id) != nil
            }
            if cancelled { call.cancel() }
            if inline { call.run() } else { host.start(call) }
        }

        private func send(result id: UInt64, _ outcome: CallOutcome) {
            calls.withLock { _ = $0.running.removeValue(forKey: id) }
            if outcome.structured == nil, let texts = Self.texts(outcome.content) {
                channel.send(RunnerMessage.textResult(id: id, status: outcome.status, isError: outcome.isError, texts: texts).frame, batchable: true)
                return
            }
            var o: JSONObject = ["content": .array(outcome.content), "isError": .bool(outcome.isError), "status": .number(JSONNumber(Int(outcome.status)))]
            if let structured = outcome.structured { o["structured"] = structured }
            channel.send(RunnerMessage.result(id: id, .object(o)).frame, batchable: true)
        }

        /// The texts of content made only of plain text blocks ({"type":"text","text":…} and
        /// nothing else), else nil.
        static func texts(_ content: [JSON]) -> [String]? {
            var texts: [String] = []
            texts.reserveCapacity(content.count)
            for block in content {
                guard case .object(let o) = block, o.count == 2, o["type"] == .string("text"), case .string(let text)? = o["text"] else { return nil }
                texts.append(text)
            }
            return texts
        }

        private func request(id: UInt64, _ json: JSON) {
            let requestID = json["requestID"]?.stringValue ?? "0"
            let revision = json["version"]?.stringValue.flatMap(ProtocolRevision.init(rawValue:)) ?? .latest
            let finish: @Sendable (PluginRequest, PluginRequest.Outcome) -> Void = { [self] _, outcome in
                answer(id, outcome)
            }
            let request: PluginRequest
            switch json["kind"]?.stringValue {
            case "prompt":
                let name = json["name"]?.stringValue ?? ""
                guard let prompt = host.prompts.prompt(named: name) else { return notFound(id) }
                let arguments = json["arguments"]?.stringValue.flatMap { try? JSONParser.parse(Array($0.utf8)) } ?? .object([:])
                request = PluginRequest(prompt: name, plugin: prompt.plugin, arguments: arguments, requestID: requestID, revision: revision, finish: finish)
            case "read":
                let uri = json["uri"]?.stringValue ?? ""
                let variables = json["variables"]?.stringValue.flatMap { try? JSONParser.parse(Array($0.utf8)) }?.objectValue
                let resource: RegisteredResource?
                if let template = json["template"]?.stringValue {
                    resource = host.resources.template(template)
                } else if case .resource(let r)? = host.resources.target(for: uri) {
                    resource = r
                } else {
                    resource = nil
                }
                guard let resource else { return notFound(id) }
                var strings: [String: String]?
                if let variables {
                    strings = [:]
                    for (k, v) in variables { strings?[k] = v.stringValue ?? "" }
                }
                request = PluginRequest(read: uri, resource: resource, variables: resource.template == nil ? nil : strings,
                                        requestID: requestID, revision: revision, finish: finish)
            case "complete":
                guard let plugin = host.plugins.first(where: { $0.completionsTable != nil }) else { return answer(id, PluginRequest.Outcome()) }
                let context = json["context"]?.stringValue.flatMap { try? JSONParser.parse(Array($0.utf8)) } ?? .object([:])
                request = PluginRequest(
                    complete: UInt32(clamping: json["completionKind"]?.intValue ?? 0), ref: json["ref"]?.stringValue ?? "",
                    argument: json["argument"]?.stringValue ?? "", value: json["value"]?.stringValue ?? "", context: context,
                    plugin: plugin, requestID: requestID, revision: revision, finish: finish)
            default:
                var outcome = PluginRequest.Outcome()
                outcome.errorMessage = "the runner got a request of an unknown kind"
                outcome.status = TH_ERR_INTERNAL
                return answer(id, outcome)
            }
            requests.withLock { $0[id] = request }
            request.start(host: host)
        }

        private func notFound(_ id: UInt64) {
            var outcome = PluginRequest.Outcome()
            outcome.status = TH_ERR_NOT_FOUND
            answer(id, outcome)
        }

        private func answer(_ id: UInt64, _ outcome: PluginRequest.Outcome) {
            requests.withLock { _ = $0.removeValue(forKey: id) }
            var o: JSONObject = [
                "messages": .array(outcome.messages), "contents": .array(outcome.contents),
                "completions": .array(outcome.completions.map(JSON.string)), "status": .number(JSONNumber(Int(outcome.status))),
            ]
            if let description = outcome.description { o["description"] = .string(description) }
            if let error = outcome.errorMessage { o["error"] = .string(error) }
            channel.send(RunnerMessage.answer(id: id, .object(o)).frame)
        }
    }
}

/// The plugin's own reports go to the host as frames: a changed list as the whole catalog again.
extension PluginRunner.Served: PluginHostObserver {
    func toolsChanged(_ registry: ToolRegistry) { sendCatalog() }
    func promptsChanged(_ prompts: PromptRegistry) { sendCatalog() }
    func resourcesChanged(_ resources: ResourceRegistry) { sendCatalog() }

    func resourceUpdated(_ uri: String) {
        channel.send(RunnerMessage.resourceUpdated(uri: uri).frame)
    }

    func pluginLogged(_ plugin: LoadedPlugin, level: LogLevel, message: String) {
        channel.send(RunnerMessage.log(id: 0, level: UInt8(level.rawValue), message: message).frame)
    }

    private func sendCatalog() {
        if let catalog = RunnerCatalog.of(host) {
            channel.send(RunnerMessage.catalog(catalog.json).frame)
        }
    }
}
