import Synchronization
import ToolHostABI

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A plugin that runs in a runner process of its own (`toolhost __runner`), presented to the
/// rest of the host as a plugin built on the C ABI itself, like ``NativeToolSet``: an in-memory
/// `th_plugin` whose `tool_at` (and prompt and resource tables) return what the runner
/// reported, and whose `invoke`, `get`, `read` and `complete` send the request over the
/// socketpair and answer TH_PENDING. The runner's answer completes the host's ``ToolCall`` or
/// ``PluginRequest`` from the reading thread, as a plugin completing from its own thread would.
/// The registries, the call pipeline, deadlines and result shaping are the same for both kinds.
///
/// When the runner dies, every call it had gets an error result naming the plugin, how the
/// process ended and its last stderr lines; the runner is started again after a backoff, and
/// after ``Policy/maxCrashes`` crashes within ``Policy/crashWindow`` seconds the plugin is
/// disabled: its lists empty (the client hears list_changed) and the reason is logged.
final class IsolatedPlugin: @unchecked Sendable {
    /// Limits and the restart policy.
    struct Policy: Sendable {
        /// A runner whose resident memory passes this is stopped (nil: no limit).
        var memoryLimit: Int?
        /// A cancelled call still running this long after the cancellation gets its runner
        /// killed and restarted.
        var cancelGrace: Double = 5
        var maxCrashes = 3
        var crashWindow: Double = 60
        var firstBackoff: Double = 0.2
        var maxBackoff: Double = 5
        /// How long a runner may take to load its plugin and say hello.
        var startTimeout: Double = 30

        init() {}

        /// The limits a plugin's settings ask for: `memory_limit_mb`, `cancel_grace` (seconds),
        /// `max_crashes` (within `crash_window` seconds); numbers or numeric strings (the
        /// environment's `<ID>_MEMORY_LIMIT_MB`).
        init(settings: JSON) {
            func number(_ key: String) -> Double? {
                switch settings[key] {
                case .number(let n)?: return n.doubleValue
                case .string(let s)?: return Double(s)
                default: return nil
                }
            }
            if let mb = number("memory_limit_mb"), mb > 0, mb < 1e9 { memoryLimit = Int(mb * 1_048_576) }
            if let grace = number("cancel_grace"), grace >= 0, grace < 1e9 { cancelGrace = grace }
            if let crashes = number("max_crashes"), crashes >= 1, crashes < 1e6 { maxCrashes = Int(crashes) }
            if let window = number("crash_window"), window > 0, window < 1e9 { crashWindow = window }
        }
    }

    /// How to start a runner.
    struct Launch: Sendable {
        var executable: String
        var logLevel: String
        /// The settings of the plugin with this id (sent to the runner once it named the id:
        /// a runner never sees another plugin's settings).
        var settings: @Sendable (String) -> JSON
    }

    let path: String
    private let launch: Launch
    private let label: String
    /// The descriptor the host loads; its state is this object.
    private(set) var descriptor: UnsafeMutablePointer<th_plugin>
    nonisolated(unsafe) private var host: UnsafePointer<th_host>?
    private let promptsTable: UnsafeMutablePointer<th_prompts>
    private let resourcesTable: UnsafeMutablePointer<th_resources>
    private let completionsTable: UnsafeMutablePointer<th_completions>

    /// One runner process and the reading of its frames.
    private final class Runner: @unchecked Sendable {
        let process: RunnerProcess
        let decoder: FrameDecoder
        /// Being replaced or removed: its end is not a crash.
        var retiring = false
        var ended = false
        init(process: RunnerProcess, decoder: FrameDecoder) {
            self.process = process
            self.decoder = decoder
        }
    }

    enum Phase: Equatable, Sendable {
        case running
        case restarting
        case disabled(String)
        case removed
        case stopped
    }

    private struct Entry {
        enum Target { case call(ToolCall), request(PluginRequest) }
        let target: Target
        /// The runner it was sent to; nil while queued for a restart.
        var runner: Runner?
        var frame: RunnerFrame
        var cancelledAt: Double?
        var subject: String {
            switch target {
            case .call(let call): "tool \(call.tool.name)"
            case .request(let request): request.subject
            }
        }
    }

    private struct State {
        var phase = Phase.running
        var runner: Runner?
        var policy = Policy()
        var entries: [UInt64: Entry] = [:]
        var ids: [ObjectIdentifier: UInt64] = [:]
        var nextID: UInt64 = 1
        var crashTimes: [Double] = []
        var restarts = 0
        /// Restarts that failed in a row (the runner did not come up).
        var failedRestarts = 0
        var lastCrash: String?
        var tables: CatalogTables
        /// Tables presented before: a registry rebuild may still be reading one. The last few
        /// are kept (a rebuild reads a table within moments of its replacement).
        var oldTables: [CatalogTables] = []

        /// Gives the calls queued while no runner was up to `runner`.
        /// - Returns: their frames, in the order they were made.
        mutating func adoptQueued(by runner: Runner) -> [RunnerFrame] {
            var frames: [(UInt64, RunnerFrame)] = []
            for (id, entry) in entries where entry.runner == nil {
                entries[id]?.runner = runner
                frames.append((id, entry.frame))
            }
            return frames.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }
    private let state: Mutex<State>
    private let monitorSignal = ConditionLock()

    /// What `toolhost plugins` shows.
    struct Status: Sendable {
        var phase: Phase
        var pid: Int32?
        var restarts: Int
        var lastCrash: String?
        var residentBytes: Int?
        var memoryLimit: Int?
    }

    var status: Status {
        let (phase, runner, restarts, lastCrash, limit) = state.withLock { ($0.phase, $0.runner, $0.restarts, $0.lastCrash, $0.policy.memoryLimit) }
        return Status(phase: phase, pid: runner?.process.pid, restarts: restarts, lastCrash: lastCrash,
                      residentBytes: runner?.process.residentBytes(), memoryLimit: limit)
    }

    var catalog: RunnerCatalog { state.withLock { $0.tables.catalog } }

    private init(path: String, launch: Launch, label: String, runner: Runner, catalog: RunnerCatalog) {
        self.path = path
        self.launch = launch
        self.label = label
        let tables = CatalogTables(catalog)
        state = Mutex(State(runner: runner, tables: tables))
        descriptor = .allocate(capacity: 1)
        promptsTable = .allocate(capacity: 1)
        resourcesTable = .allocate(capacity: 1)
        completionsTable = .allocate(capacity: 1)
        promptsTable.initialize(to: th_prompts(
            struct_size: UInt32(MemoryLayout<th_prompts>.size), flags: 0,
            prompt_count: Self.promptCount, prompt_at: Self.promptAt, get: Self.getPrompt))
        resourcesTable.initialize(to: th_resources(
            struct_size: UInt32(MemoryLayout<th_resources>.size), flags: 0,
            resource_count: Self.resourceCount, resource_at: Self.resourceAt,
            template_count: Self.templateCount, template_at: Self.templateAt, read: Self.readResource))
        completionsTable.initialize(to: th_completions(
            struct_size: UInt32(MemoryLayout<th_completions>.size), flags: 0, complete: Self.completeFunction))
        var d = th_plugin()
        d.magic = TH_PLUGIN_MAGIC
        d.struct_size = UInt32(MemoryLayout<th_plugin>.size)
        d.abi_major = UInt16(clamping: catalog.abiMajor)
        d.abi_minor = UInt16(clamping: catalog.abiMinor)
        d.flags = catalog.flags
        d.id = UnsafePointer(strdup(catalog.id)!)
        d.name = UnsafePointer(strdup(catalog.name)!)
        d.version = UnsafePointer(strdup(catalog.version)!)
        d.description = catalog.summary.map { UnsafePointer(strdup($0)!) }
        d.`init` = Self.initFunction
        d.shutdown = Self.shutdownFunction
        d.tool_count = Self.toolCount
        d.tool_at = Self.toolAt
        d.invoke = Self.invokeFunction
        d.cancel = Self.cancelFunction
        d.get_extension = Self.getExtension
        descriptor.initialize(to: d)
    }

    /// Starts a runner for the plugin file at `path` and waits for its catalog.
    /// - Returns: the plugin (kept alive for the rest of the process), or why it could not start.
    static func start(path: String, launch: Launch) -> Result<IsolatedPlugin, StartFailure> {
        let label = "runner " + (path.split(separator: "/").last.map(String.init) ?? path)
        switch startRunner(path: path, launch: launch, label: label, timeout: Policy().startTimeout) {
        case .failure(let failure): return .failure(failure)
        case .success(let (runner, catalog)):
            let plugin = IsolatedPlugin(path: path, launch: launch, label: label, runner: runner, catalog: catalog)
            _ = Unmanaged.passRetained(plugin)
            plugin.startReading(runner)
            spawnThread(name: "runner-monitor", stackSize: 256 << 10) { [plugin] in plugin.monitor() }
            return .success(plugin)
        }
    }

    struct StartFailure: Error, CustomStringConvertible {
        let message: String
        /// The runner said the file is not a toolhost plugin (skipped quietly in a folder).
        let notAPlugin: Bool
        var description: String { message }
    }

    /// Spawns a runner, answers its `identify` with `setup` and reads `hello`.
    private static func startRunner(path: String, launch: Launch, label: String, timeout: Double) -> Result<(Runner, RunnerCatalog), StartFailure> {
        let process: RunnerProcess
        switch RunnerProcess.spawn(executable: launch.executable, plugin: path, logLevel: launch.logLevel, label: label) {
        case .failure(let error): return .failure(StartFailure(message: error.message, notAPlugin: false))
        case .success(let p): process = p
        }
        var decoder = FrameDecoder()
        let deadline = monotonicSeconds() + timeout
        var (hello, timedOut) = process.channel.readOne(into: &decoder, timeout: timeout)
        if let first = hello, case .identify(let id)? = try? RunnerMessage(first) {
            let settings: JSONObject = id.isEmpty ? [:] : [id: launch.settings(id)]
            process.channel.send(RunnerMessage.setup(.object(["settings": .object(settings)])).frame)
            (hello, timedOut) = process.channel.readOne(into: &decoder, timeout: max(0, deadline - monotonicSeconds()))
        }
        func failed(_ what: String, notAPlugin: Bool = false) -> Result<(Runner, RunnerCatalog), StartFailure> {
            let status = process.reap(within: 2)
            let lines = process.lastLines(waiting: 1)
            var message = what
            if !notAPlugin {
                message += " (its runner \(process.stopReason.map { "was stopped: \($0)" } ?? RunnerProcess.describe(status: status)))"
                message += lines.isEmpty ? "" : "; its last lines on stderr: " + lines.joined(separator: " | ")
            }
            return .failure(StartFailure(message: message, notAPlugin: notAPlugin))
        }
        guard let hello else {
            if timedOut {
                process.kill(because: "it did not finish loading within \(JSONNumber(timeout)) s")
                return failed("the plugin did not finish loading (its init or tool list hangs)")
            }
            return failed("the plugin crashed or stopped while loading")
        }
        guard case .hello(let json)? = try? RunnerMessage(hello) else {
            process.kill(because: "it broke the runner protocol")
            return failed("the runner sent something other than its catalog")
        }
        if let error = json["error"]?.stringValue {
            process.channel.closeOutput()
            return failed(error, notAPlugin: json["notAPlugin"] == .bool(true))
        }
        guard let catalog = RunnerCatalog(json: json) else {
            process.kill(because: "it broke the runner protocol")
            return failed("the runner's catalog is not readable")
        }
        return .success((Runner(process: process, decoder: decoder), catalog))
    }

    /// Sets the limits (known once the catalog named the plugin's id).
    func configure(_ policy: Policy) {
        monitorSignal.withLock {
            state.withLock { $0.policy = policy }
            monitorSignal.broadcast()
        }
    }

    /// The state pointer the descriptor's `init` receives preset.
    var statePointer: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    private var loaded: LoadedPlugin? { LoadedPlugin.from(host: host) }

    // MARK: Reading a runner

    private func startReading(_ runner: Runner) {
        spawnThread(name: "runner-reader", stackSize: 512 << 10) { [self] in
            let reason = runner.process.channel.readLoop(decoder: runner.decoder) { frame in handle(frame, from: runner) }
            runnerEnded(runner, protocolError: reason)
        }
    }

    private func handle(_ frame: RunnerFrame, from runner: Runner) {
        // A runner's broken frame is ignored here; the host's state never depends on it.
        guard let message = try? RunnerMessage(frame) else { return }
        switch message {
        case .result(let id, let json), .answer(let id, let json):
            switch take(id, from: runner) {
            case .call(let call)?: call.finishRemote(Self.callOutcome(json))
            case .request(let request)?: request.finishRemote(Self.requestOutcome(json))
            case nil: break
            }
        case .textResult(let id, let status, let isError, let texts):
            if case .call(let call)? = take(id, from: runner) {
                var outcome = CallOutcome()
                outcome.content = texts.map { .object(["type": "text", "text": .string($0)]) }
                outcome.isError = isError
                outcome.status = status
                call.finishRemote(outcome)
            }
        case .progress(let id, let value, let total, let text):
            if case .call(let call)? = state.withLock({ $0.entries[id].flatMap { $0.runner === runner ? $0.target : nil } }) {
                _ = call.progress(value, total: total, message: text.isEmpty ? nil : text)
            }
        case .log(let id, let level, let text):
            let logLevel = LogLevel(abi: Int32(level))
            if id != 0, case .call(let call)? = state.withLock({ $0.entries[id].flatMap { $0.runner === runner ? $0.target : nil } }) {
                call.log(logLevel, text)
            } else {
                loaded?.log(logLevel, text)
            }
        case .catalog(let json):
            // A runner being replaced no longer speaks for the plugin's lists.
            if state.withLock({ $0.runner === runner }), let catalog = RunnerCatalog(json: json) { present(catalog) }
        case .resourceUpdated(let uri):
            loaded?.owner?.resourceUpdated(uri)
        case .identify, .setup, .hello, .call, .cancel, .request, .shutdown:
            break
        }
    }

    /// The call or request `id` is answered by `runner`: out of the tables (nil when it is not
    /// that runner's: a runner answers only what was sent to it).
    private func take(_ id: UInt64, from runner: Runner) -> Entry.Target? {
        state.withLock { s -> Entry.Target? in
            guard let e = s.entries[id], e.runner === runner else { return nil }
            s.entries.removeValue(forKey: id)
            s.ids.removeValue(forKey: Self.key(e.target))
            return e.target
        }
    }

    private static func key(_ target: Entry.Target) -> ObjectIdentifier {
        switch target {
        case .call(let c): ObjectIdentifier(c)
        case .request(let r): ObjectIdentifier(r)
        }
    }

    static func callOutcome(_ json: JSON) -> CallOutcome {
        var outcome = CallOutcome()
        outcome.content = json["content"]?.arrayValue ?? []
        outcome.structured = json["structured"]
        outcome.isError = json["isError"] == .bool(true)
        outcome.status = Int32(clamping: json["status"]?.intValue ?? 0)
        return outcome
    }

    static func requestOutcome(_ json: JSON) -> PluginRequest.Outcome {
        var outcome = PluginRequest.Outcome()
        outcome.description = json["description"]?.stringValue
        outcome.messages = json["messages"]?.arrayValue ?? []
        outcome.contents = json["contents"]?.arrayValue ?? []
        outcome.completions = (json["completions"]?.arrayValue ?? []).compactMap(\.stringValue)
        outcome.errorMessage = json["error"]?.stringValue
        outcome.status = Int32(clamping: json["status"]?.intValue ?? 0)
        return outcome
    }

    /// Makes `catalog` the one the registries read, telling the host what changed.
    private func present(_ catalog: RunnerCatalog) {
        let old = state.withLock { s -> RunnerCatalog? in
            let old = s.tables.catalog
            guard old != catalog else { return nil }
            s.oldTables.append(s.tables)
            if s.oldTables.count > 16 { s.oldTables.removeFirst() }
            s.tables = CatalogTables(catalog)
            return old
        }
        guard let old, let loaded else { return }
        if old.tools != catalog.tools { loaded.toolsChanged() }
        if old.prompts != catalog.prompts { loaded.promptsChanged() }
        if old.resources != catalog.resources || old.templates != catalog.templates { loaded.resourcesChanged() }
    }

    // MARK: Crashes, restarts, limits

    private func runnerEnded(_ runner: Runner, protocolError: String?) {
        if let protocolError { runner.process.kill(because: "it broke the runner protocol (\(protocolError))") }
        let status = runner.process.reap(within: 2)
        let lines = runner.process.lastLines(waiting: 1)
        let how = runner.process.stopReason.map { "was stopped by toolhost: \($0)" } ?? RunnerProcess.describe(status: status)
        let now = monotonicSeconds()
        let (failed, next, phase) = state.withLock { s -> ([Entry], Phase?, Phase) in
            runner.ended = true
            let mine = s.entries.filter { $0.value.runner === runner }
            for (id, entry) in mine {
                s.entries.removeValue(forKey: id)
                s.ids.removeValue(forKey: Self.key(entry.target))
            }
            guard s.runner === runner, !runner.retiring, s.phase == .running else {
                return (Array(mine.values), nil, s.phase)
            }
            s.runner = nil
            s.crashTimes.append(now)
            s.crashTimes.removeAll { now - $0 > s.policy.crashWindow }
            s.lastCrash = "its runner \(how)"
            if s.crashTimes.count >= s.policy.maxCrashes {
                s.phase = .disabled("it crashed \(s.crashTimes.count) times within \(JSONNumber(s.policy.crashWindow)) s; the last time its runner \(how)")
            } else {
                s.phase = .restarting
            }
            return (Array(mine.values), s.phase, s.phase)
        }
        let id = catalog.id
        let tail = lines.isEmpty ? "" : " Its last lines on stderr:\n" + lines.map { "  " + $0 }.joined(separator: "\n")
        let after: String
        switch phase {
        case .restarting: after = " toolhost is restarting the plugin; call again in a moment."
        case .disabled(let reason): after = " The plugin is disabled (\(reason)); its tools are gone until toolhost restarts."
        case .running, .removed, .stopped:
            after = runner.retiring ? " The plugin's file was replaced or removed while this call ran." : ""
        }
        for entry in failed {
            let message = "Plugin \(id) (\(path)) stopped while running \(entry.subject): its runner process \(how).\(after)\(tail)"
            fail(entry, message)
        }
        guard let next else { return }
        if runner.retiring { return }
        loaded?.log(.error, "plugin \(id): its runner process \(how)\(lines.last.map { "; last line on stderr: \($0)" } ?? "")")
        switch next {
        case .disabled(let reason): disable(reason)
        case .restarting: restart()
        default: break
        }
    }

    private func fail(_ entry: Entry, _ message: String) {
        switch entry.target {
        case .call(let call):
            call.finishRemote(CallOutcome.failure(message, status: ABIStatus.failed))
        case .request(let request):
            var outcome = PluginRequest.Outcome()
            outcome.errorMessage = message
            outcome.status = ABIStatus.failed
            request.finishRemote(outcome)
        }
    }

    /// Starts the runner again after the backoff; a start that fails counts as a crash.
    private func restart() {
        while true {
            let (attempt, backoff, timeout) = state.withLock { s -> (Int, Double, Double) in
                let n = s.crashTimes.count
                return (n, min(s.policy.maxBackoff, s.policy.firstBackoff * Double(1 << min(10, max(0, n - 1)))), s.policy.startTimeout)
            }
            // The backoff, a wait that ends early when the plugin is stopped, removed or
            // started again from a new file meanwhile (each says so on `monitorSignal`).
            let deadline = monotonicSeconds() + backoff
            let still = monitorSignal.withLock { () -> Bool in
                while state.withLock({ $0.phase == .restarting }) {
                    let left = deadline - monotonicSeconds()
                    if left <= 0 { return true }
                    _ = monitorSignal.wait(seconds: left)
                }
                return false
            }
            guard still else { return }
            switch Self.startRunner(path: path, launch: launch, label: label, timeout: timeout) {
            case .failure(let failure):
                let now = monotonicSeconds()
                let next = state.withLock { s -> Phase in
                    guard s.phase == .restarting else { return s.phase }
                    s.crashTimes.append(now)
                    s.crashTimes.removeAll { now - $0 > s.policy.crashWindow }
                    s.failedRestarts += 1
                    s.lastCrash = "restart \(attempt) failed: \(failure.message)"
                    // Restarts that keep failing disable the plugin even when they are slower
                    // than the crash window.
                    if s.crashTimes.count >= s.policy.maxCrashes || s.failedRestarts >= s.policy.maxCrashes {
                        s.phase = .disabled("it crashed \(s.crashTimes.count) times within \(JSONNumber(s.policy.crashWindow)) s; the last restart failed: \(failure.message)")
                    }
                    return s.phase
                }
                switch next {
                case .disabled(let reason): disable(reason)
                case .restarting: continue
                default: break
                }
                return
            case .success(let (runner, catalog)):
                let queued = state.withLock { s -> [RunnerFrame]? in
                    guard s.phase == .restarting else { return nil }
                    s.phase = .running
                    s.runner = runner
                    s.restarts += 1
                    s.failedRestarts = 0
                    return s.adoptQueued(by: runner)
                }
                guard let queued else {
                    // Replaced or stopped meanwhile: this runner is not needed.
                    Self.retire(runner)
                    return
                }
                startReading(runner)
                present(catalog)
                loaded?.log(.notice, "plugin \(catalog.id) restarted (runner pid \(runner.process.pid))")
                for frame in queued { runner.process.channel.send(frame) }
                return
            }
        }
    }

    /// Stops a runner nobody reads from, and reaps it.
    private static func retire(_ runner: Runner) {
        runner.process.channel.send(RunnerMessage.shutdown.frame)
        runner.process.channel.closeOutput()
        spawnThread(name: "runner-reap", stackSize: 128 << 10) { _ = runner.process.reap(within: 5) }
    }

    /// Fails the calls queued for a runner that will not come (removed, stopped).
    private func failQueued(_ message: String) {
        let queued = state.withLock { s -> [Entry] in
            let waiting = s.entries.values.filter { $0.runner == nil }
            for (id, e) in s.entries where e.runner == nil {
                s.entries.removeValue(forKey: id)
                s.ids.removeValue(forKey: Self.key(e.target))
            }
            return Array(waiting)
        }
        for entry in queued { fail(entry, message) }
    }

    /// Takes the plugin out of service: queued calls fail, its lists empty.
    private func disable(_ reason: String) {
        let id = catalog.id
        failQueued("Plugin \(id) (\(path)) is disabled: \(reason).")
        present(catalog.withoutLists)
        loaded?.log(.error, "plugin \(id) is disabled: \(reason); its tools, prompts and resources are removed until toolhost restarts")
    }

    /// Watches the limits: resident memory (sampled every 100 ms while a limit is set) and
    /// calls cancelled longer ago than the grace period.
    private func monitor() {
        // The state is read and the wait begun under the signal's lock, and every change that
        // shortens the wait (a limit set, a call cancelled, a stop) is signalled under it: no
        // wake-up is lost between the two.
        monitorSignal.lock()
        defer { monitorSignal.unlock() }
        while true {
            let (runner, policy, phase, oldestCancel) = state.withLock { s in
                (s.runner, s.policy, s.phase, s.entries.values.filter { $0.runner === s.runner }.compactMap(\.cancelledAt).min())
            }
            if phase == .stopped { return }
            let now = monotonicSeconds()
            if let runner, !runner.ended {
                if let oldestCancel, now - oldestCancel >= policy.cancelGrace {
                    runner.process.kill(because: "a call was cancelled and had not stopped \(JSONNumber(policy.cancelGrace)) s later (cancel_grace)")
                } else if let limit = policy.memoryLimit, let resident = runner.process.residentBytes(), resident > limit {
                    runner.process.kill(because: "it used \(resident >> 20) MB of memory, more than its limit of \(limit >> 20) MB (memory_limit_mb)")
                }
            }
            var wait = policy.memoryLimit == nil ? 3600 : 0.1
            if let oldestCancel { wait = min(wait, max(0.01, oldestCancel + policy.cancelGrace - now)) }
            _ = monitorSignal.wait(seconds: wait)
        }
    }

    // MARK: Sending

    /// Sends a call or request to the runner (or queues it while the runner restarts).
    /// - Returns: TH_PENDING, or an error status after telling the caller why.
    private func forward(_ target: Entry.Target, build: (UInt64) -> RunnerFrame) -> th_status {
        let (id, runner, refusal) = state.withLock { s -> (UInt64, Runner?, String?) in
            switch s.phase {
            case .disabled(let reason): return (0, nil, "Plugin \(s.tables.catalog.id) is disabled: \(reason).")
            case .removed: return (0, nil, "Plugin \(s.tables.catalog.id) was removed (its file \(path) is gone).")
            case .stopped: return (0, nil, "Plugin \(s.tables.catalog.id) has shut down.")
            case .running, .restarting: break
            }
            let id = s.nextID
            s.nextID += 1
            let runner = s.phase == .running ? s.runner : nil
            s.entries[id] = Entry(target: target, runner: runner, frame: build(id))
            s.ids[Self.key(target)] = id
            return (id, runner, nil)
        }
        if let refusal {
            switch target {
            case .call(let call): _ = call.appendError(refusal)
            case .request(let request): _ = request.appendError(refusal)
            }
            return TH_ERR_UNSUPPORTED
        }
        if let runner, let frame = state.withLock({ $0.entries[id]?.frame }) {
            // A failed send shows up as the runner's end, which fails the entry. Sent with the
            // other calls of the same input chunk when the MCP reader started this one.
            runner.process.channel.send(frame, batchable: true)
        }
        return TH_PENDING
    }

    private func invoke(_ handle: OpaquePointer, _ invocation: UnsafePointer<th_invocation>) -> th_status {
        guard case .tool(let call)? = HostCallbacks.target(handle) else { return TH_ERR_INTERNAL }
        let inv = invocation.pointee
        return forward(.call(call)) { id in
            RunnerMessage.call(
                id: id, flags: inv.flags, tool: call.tool.name, requestID: call.requestID, version: call.revision.rawValue,
                arguments: Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(inv.arguments_json), count: inv.arguments_len))).frame
        }
    }

    private func request(_ handle: OpaquePointer, _ fields: JSONObject) -> th_status {
        guard case .request(let request)? = HostCallbacks.target(handle) else { return TH_ERR_INTERNAL }
        return forward(.request(request)) { id in RunnerMessage.request(id: id, .object(fields)).frame }
    }

    private func cancel(_ handle: OpaquePointer) {
        let now = monotonicSeconds()
        enum Cancelled { case sent(UInt64, Runner), queued(Entry) }
        let what = state.withLock { s -> Cancelled? in
            guard let id = s.ids[ObjectIdentifier(Unmanaged<AnyObject>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue())],
                  let entry = s.entries[id] else { return nil }
            guard let runner = entry.runner else {
                // Still waiting for a restart: it never reaches the plugin.
                s.entries.removeValue(forKey: id)
                s.ids.removeValue(forKey: Self.key(entry.target))
                return .queued(entry)
            }
            if entry.cancelledAt == nil { s.entries[id]?.cancelledAt = now }
            return .sent(id, runner)
        }
        switch what {
        case .sent(let id, let runner)?:
            runner.process.channel.send(RunnerMessage.cancel(id: id).frame)
            monitorSignal.withLock { monitorSignal.broadcast() }
        case .queued(let entry)?:
            switch entry.target {
            case .call(let call): call.finishRemote(CallOutcome.failure("The call was cancelled while plugin \(catalog.id) was restarting.", status: TH_ERR_CANCELLED))
            case .request(let request):
                var outcome = PluginRequest.Outcome()
                outcome.errorMessage = "cancelled while plugin \(catalog.id) was restarting"
                outcome.status = TH_ERR_CANCELLED
                request.finishRemote(outcome)
            }
        case nil: break
        }
    }

    /// Stops a runner the host decided not to use.
    func stop() { shutdown() }

    /// Shuts the runner down (the host is stopping): it finishes or cancels what runs and exits.
    private func shutdown() {
        let runner = state.withLock { s -> Runner? in
            s.phase = .stopped
            let r = s.runner
            r?.retiring = true
            return r
        }
        monitorSignal.withLock { monitorSignal.broadcast() }
        failQueued("Plugin \(catalog.id) has shut down (toolhost is stopping).")
        guard let runner else { return }
        runner.process.channel.send(RunnerMessage.shutdown.frame)
        _ = runner.process.reap(within: 3)
        // Its last lines (the plugin's own shutdown messages) reach the host's stderr before
        // the host exits: the reader of its output forwards until the end it now sees.
        _ = runner.process.lastLines(waiting: 1)
    }

    // MARK: Drop-in

    /// The plugin's file was replaced: a new runner starts from it; calls in flight on the old
    /// one finish there, then the old one exits.
    /// - Returns: nil, or why the new file could not start (the old runner keeps serving).
    func reload() -> String? {
        let timeout = state.withLock { $0.policy.startTimeout }
        if state.withLock({ $0.phase == .stopped }) { return "the host is stopping" }
        switch Self.startRunner(path: path, launch: launch, label: label, timeout: timeout) {
        case .failure(let failure): return failure.message
        case .success(let (runner, catalog)):
            let taken = state.withLock { s -> (old: Runner?, queued: [RunnerFrame])? in
                guard s.phase != .stopped else { return nil }
                let old = s.runner
                old?.retiring = true
                s.runner = runner
                s.phase = .running
                s.crashTimes = []
                s.failedRestarts = 0
                return (old, s.adoptQueued(by: runner))
            }
            guard let taken else {
                Self.retire(runner)
                return "the host is stopping"
            }
            startReading(runner)
            present(catalog)
            for frame in taken.queued { runner.process.channel.send(frame) }
            taken.old?.process.channel.send(RunnerMessage.shutdown.frame)
            monitorSignal.withLock { monitorSignal.broadcast() }
            return nil
        }
    }

    /// The plugin's file is gone: its lists empty; calls in flight finish on the old runner.
    func remove() {
        let old = state.withLock { s -> Runner? in
            let old = s.runner
            old?.retiring = true
            s.runner = nil
            s.phase = .removed
            return old
        }
        failQueued("Plugin \(catalog.id) was removed (its file \(path) is gone).")
        present(catalog.withoutLists)
        old?.process.channel.send(RunnerMessage.shutdown.frame)
        monitorSignal.withLock { monitorSignal.broadcast() }
    }

    // MARK: The descriptor's functions

    private static func from(_ state: UnsafeMutableRawPointer?) -> IsolatedPlugin? {
        state.map { Unmanaged<IsolatedPlugin>.fromOpaque($0).takeUnretainedValue() }
    }

    private static let initFunction: @convention(c) (UnsafePointer<th_host>, UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> th_status = { host, state in
        guard let plugin = from(state.pointee) else { return TH_ERR_INTERNAL }
        plugin.host = host
        return TH_OK
    }

    private static let shutdownFunction: @convention(c) (UnsafeMutableRawPointer?) -> Void = { state in
        from(state)?.shutdown()
    }

    private static let toolCount: @convention(c) (UnsafeMutableRawPointer?) -> UInt32 = { state in
        UInt32(from(state)?.state.withLock { $0.tables.catalog.tools.count } ?? 0)
    }

    private static let toolAt: @convention(c) (UnsafeMutableRawPointer?, UInt32) -> UnsafePointer<th_tool>? = { state, index in
        from(state)?.state.withLock { s in
            Int(index) < s.tables.catalog.tools.count ? UnsafePointer(s.tables.tools + Int(index)) : nil
        }
    }

    private static let invokeFunction: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer, UnsafePointer<th_invocation>) -> th_status = { state, call, invocation in
        from(state)?.invoke(call, invocation) ?? TH_ERR_INTERNAL
    }

    private static let cancelFunction: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer) -> Void = { state, call in
        from(state)?.cancel(call)
    }

    private static let getExtension: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>) -> UnsafeRawPointer? = { state, name in
        guard let plugin = from(state) else { return nil }
        let catalog = plugin.catalog
        switch String(cString: name) {
        case TH_EXT_PROMPTS where catalog.offersPrompts: return UnsafeRawPointer(plugin.promptsTable)
        case TH_EXT_RESOURCES where catalog.offersResources: return UnsafeRawPointer(plugin.resourcesTable)
        case TH_EXT_COMPLETIONS where catalog.offersCompletions: return UnsafeRawPointer(plugin.completionsTable)
        default: return nil
        }
    }

    private static let promptCount: @convention(c) (UnsafeMutableRawPointer?) -> UInt32 = { state in
        UInt32(from(state)?.state.withLock { $0.tables.catalog.prompts.count } ?? 0)
    }

    private static let promptAt: @convention(c) (UnsafeMutableRawPointer?, UInt32) -> UnsafePointer<th_prompt>? = { state, index in
        from(state)?.state.withLock { s in
            Int(index) < s.tables.catalog.prompts.count ? UnsafePointer(s.tables.prompts + Int(index)) : nil
        }
    }

    private static let resourceCount: @convention(c) (UnsafeMutableRawPointer?) -> UInt32 = { state in
        UInt32(from(state)?.state.withLock { $0.tables.catalog.resources.count } ?? 0)
    }

    private static let resourceAt: @convention(c) (UnsafeMutableRawPointer?, UInt32) -> UnsafePointer<th_resource>? = { state, index in
        from(state)?.state.withLock { s in
            Int(index) < s.tables.catalog.resources.count ? UnsafePointer(s.tables.resources + Int(index)) : nil
        }
    }

    private static let templateCount: @convention(c) (UnsafeMutableRawPointer?) -> UInt32 = { state in
        UInt32(from(state)?.state.withLock { $0.tables.catalog.templates.count } ?? 0)
    }

    private static let templateAt: @convention(c) (UnsafeMutableRawPointer?, UInt32) -> UnsafePointer<th_resource>? = { state, index in
        from(state)?.state.withLock { s in
            Int(index) < s.tables.catalog.templates.count ? UnsafePointer(s.tables.templates + Int(index)) : nil
        }
    }

    private static func text(_ p: UnsafePointer<CChar>?) -> JSON {
        p.map { .string(String(cString: $0)) } ?? .null
    }

    private static let getPrompt: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer, UnsafePointer<th_prompt_request>) -> th_status = { state, call, request in
        let r = request.pointee
        return from(state)?.request(call, [
            "kind": "prompt", "name": text(r.name), "arguments": text(r.arguments_json),
            "requestID": text(r.request_id), "version": text(r.protocol_version),
        ]) ?? TH_ERR_INTERNAL
    }

    private static let readResource: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer, UnsafePointer<th_resource_request>) -> th_status = { state, call, request in
        let r = request.pointee
        return from(state)?.request(call, [
            "kind": "read", "uri": text(r.uri), "template": text(r.template_uri), "variables": text(r.variables_json),
            "requestID": text(r.request_id), "version": text(r.protocol_version),
        ]) ?? TH_ERR_INTERNAL
    }

    private static let completeFunction: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer, UnsafePointer<th_completion_request>) -> th_status = { state, call, request in
        let r = request.pointee
        return from(state)?.request(call, [
            "kind": "complete", "completionKind": .number(JSONNumber(Int(r.kind))), "ref": text(r.ref),
            "argument": text(r.argument_name), "value": text(r.argument_value), "context": text(r.context_json),
            "requestID": text(r.request_id), "version": text(r.protocol_version),
        ]) ?? TH_ERR_INTERNAL
    }
}
