import CToolHostShims
import Dispatch
import Logging
import Synchronization
import ToolHostABI

/// Owns the loaded plugins, the merged tool registry and the calls in flight. The MCP server
/// and the command line's `tools`/`call`/`check` all work through it.
public final class PluginHost: @unchecked Sendable {
    public let configuration: HostConfiguration
    let logger: Logger
    let pool: WorkerPool
    /// Shared by the pool and the server's output writer (the pool does not grow while the
    /// client is not reading).
    let outputPressure = OutputPressure()

    /// The started plugins, in load order. Locked: a plugin may report `tools_changed` (read on
    /// a worker thread) while others are still loading.
    public var plugins: [LoadedPlugin] { pluginList.withLock { $0 } }
    private let pluginList = Mutex<[LoadedPlugin]>([])
    /// Everything found wrong while loading, in order: files skipped, tools skipped.
    public private(set) var problems: [PluginProblem] = []
    /// What loaded but deserves a look (a manifest binding `system`, say): logged as warnings,
    /// shown by `toolhost check`, never a reason to refuse.
    public private(set) var warnings: [PluginProblem] = []
    /// Example plugins (TH_PLUGIN_EXAMPLE) found in the default folders and not loaded.
    public var skippedExamples: [String] { exampleList.withLock { $0 } }
    private let exampleList = Mutex<[String]>([])
    /// One drop-in load at a time.
    private let liveLoadLock = Mutex(())
    private let watcherState = Mutex<PluginWatcher?>(nil)

    private let registryState = Mutex(ToolRegistry.empty)
    private let liveCalls = Mutex<[ObjectIdentifier: ToolCall]>([:])
    /// Requests other than tool calls a plugin is answering (prompts/get), kept alive here.
    private let liveRequests = Mutex<[ObjectIdentifier: PluginRequest]>([:])
    private let rebuildPending = Atomic<Bool>(false)
    /// Signalled when the last live call is released (shutdown waits on it).
    private let releasedSignal = ConditionLock()
    /// The most calls and requests held at once since the heap was last trimmed.
    private let busiest = Atomic<Int>(0)
    /// A look at whether the burst is over is scheduled (``released()``).
    private let trimPending = Atomic<Bool>(false)
    /// Calls held at once that make the end of a burst worth a heap trim.
    static let trimAfter = 16
    /// How long after none is held the host looks again before it trims.
    static let trimDelay = 0.1
    private let promptList = PluginList(empty: PromptRegistry.empty) { PromptRegistry.build(plugins: $0) }
    private let resourceList = PluginList(empty: ResourceRegistry.empty) { ResourceRegistry.build(plugins: $0) }

    /// Who hears the host's reports (``PluginHostObserver``), held weakly: a server that goes
    /// away stops hearing them without saying so.
    private let observers = Mutex<[WeakObserver]>([])

    private struct WeakObserver {
        weak var observer: (any PluginHostObserver)?
    }

    public init(configuration: HostConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.pool = WorkerPool(outputPressure: outputPressure)
    }

    /// Adds `observer` to those told of the host's changes, logs and released calls, until it
    /// is deallocated. A server observes the host it serves from its own construction on.
    public func addObserver(_ observer: any PluginHostObserver) {
        observers.withLock { list in
            list.removeAll { $0.observer == nil }
            list.append(WeakObserver(observer: observer))
        }
    }

    /// Tells every observer still alive.
    private func tell(_ report: (any PluginHostObserver) -> Void) {
        for entry in observers.withLock({ $0 }) {
            if let observer = entry.observer { report(observer) }
        }
    }

    /// The current merged tool list.
    public var registry: ToolRegistry { registryState.withLock { $0 } }

    /// The current merged prompt list (TH_EXT_PROMPTS).
    public var prompts: PromptRegistry { promptList.value }

    /// The current merged resources and templates (TH_EXT_RESOURCES).
    public var resources: ResourceRegistry { resourceList.value }

    /// Whether some loaded plugin offers prompts, resources, completions (the server
    /// advertises each capability only then).
    public var offersPrompts: Bool { plugins.contains { $0.promptsTable != nil } }
    public var offersResources: Bool { plugins.contains { $0.resourcesTable != nil } }
    public var offersCompletions: Bool { plugins.contains { $0.completionsTable != nil } }

    /// Finds, opens, checks and starts every plugin, then builds the registry. Problems are
    /// logged (stderr) and kept in ``problems``; nothing here stops the host.
    public func loadPlugins() {
        let (candidates, discoveryProblems) = PluginDiscovery.candidates(
            files: configuration.pluginFiles, directories: configuration.pluginDirectories,
            searchPath: configuration.pluginSearchPath, defaultDirectories: configuration.defaultPluginDirectories)
        problems.append(contentsOf: discoveryProblems)
        for candidate in candidates {
            let (found, cautions) = load(candidate)
            problems.append(contentsOf: found)
            warnings.append(contentsOf: cautions)
        }
        let (registry, toolProblems) = rebuildRegistry()
        problems.append(contentsOf: toolProblems)
        problems.append(contentsOf: promptList.rebuild(plugins).1)
        problems.append(contentsOf: resourceList.rebuild(plugins).1)
        for problem in problems { logger.error("plugin problem: \(problem)") }
        logger.debug("\(registry.tools.count) tools from \(plugins.count) plugins")
    }

    /// Starts watching the plugin folders for drop-ins (``PluginWatcher``): the folders
    /// searched at start, when no `--plugin` file narrowed the search. Once; ``stopWatching()``
    /// ends it.
    public func startWatching() {
        guard configuration.pluginFiles.isEmpty, configuration.watchPlugins != .off else { return }
        let forcePolling = configuration.watchPlugins == .poll
        let folders = PluginDiscovery.folders(
            directories: configuration.pluginDirectories, searchPath: configuration.pluginSearchPath,
            defaultDirectories: configuration.defaultPluginDirectories
        ).filter { PluginDiscovery.isDirectory($0.path) }
        guard !folders.isEmpty else { return }
        var explicit: [String: Bool] = [:]
        for folder in folders { explicit[folder.path] = folder.explicit }
        let table = explicit
        let watcher = PluginWatcher(folders: folders.map(\.path), forcePolling: forcePolling) { [weak self] change in
            switch change {
            case .written(let path): self?.pluginFileChanged(path, removed: false, explicit: table[PluginDiscovery.parent(of: path)] ?? true)
            case .removed(let path): self?.pluginFileChanged(path, removed: true, explicit: true)
            }
        }
        let previous = watcherState.withLock { state -> PluginWatcher? in
            let old = state
            state = watcher
            return old
        }
        previous?.stop()
        logger.debug("watching \(folders.count) plugin folders for drop-ins")
    }

    public func stopWatching() {
        watcherState.withLock { state -> PluginWatcher? in
            let old = state
            state = nil
            return old
        }?.stop()
    }

    /// Opens, checks and starts one candidate file (a `.so` or a manifest).
    /// - Returns: its problems, and its warnings (a manifest's risks).
    /// - Parameter inProcess: load it in the host's process whatever the isolation rules say.
    private func load(_ candidate: PluginDiscovery.Candidate, inProcess: Bool = false) -> (problems: [PluginProblem], warnings: [PluginProblem]) {
        if !inProcess, isolates(candidate.path) { return loadIsolated(candidate) }
        if NativeManifest.isManifest(candidate.path) {
            let (set, manifestProblems) = NativeManifest.load(path: candidate.path)
            guard let set else { return (manifestProblems, []) }
            let risks = NativeManifest.riskWarnings(set, path: candidate.path)
            for risk in risks { logger.warning("plugin warning: \(risk)") }
            return (manifestProblems + adopt(set.descriptor, path: candidate.path, native: set), risks)
        }
        switch PluginLoader.open(candidate.path) {
        case .failure(let failure):
            if failure.notAPlugin && !candidate.explicit {
                logger.debug("skipping \(candidate.path): not a toolhost plugin")
                return ([], [])
            }
            return ([PluginProblem(path: candidate.path, message: failure.reason)], [])
        case .success(let descriptor):
            if !candidate.explicit, !configuration.loadExamples, PluginLoader.read(descriptor).flags & UInt32(TH_PLUGIN_EXAMPLE) != 0 {
                skipExample(candidate.path)
                return ([], [])
            }
            if configuration.isolation == .auto, configuration.settings(forPlugin: PluginLoader.id(of: descriptor))["isolation"] == .string("process") {
                // Configured to run isolated although it ships beside toolhost: its library is
                // loaded in the host already (the id is read from it), but its code runs in a runner.
                return loadIsolated(candidate)
            }
            return (adopt(descriptor, path: candidate.path), [])
        }
    }

    private func skipExample(_ path: String) {
        logger.info("example plugin \(path) not loaded: examples load from the default folders only with --examples (or name it with --plugin)")
        exampleList.withLock { $0.append(path) }
    }

    /// Whether the file at `path` runs in a runner process (before its id is known; a plugin's
    /// own `isolation` setting is applied once it is).
    func isolates(_ path: String) -> Bool {
        switch configuration.isolation {
        case .process: return true
        case .none: return false
        case .auto:
            // A built-in ships inside toolhost: it runs in the host like the plugins beside it.
            if BuiltinPlugins.name(ofOrigin: path) != nil { return false }
            guard let executable = PluginHost.executablePath else { return true }
            let real = PluginDiscovery.realPath(path) ?? path
            return PluginDiscovery.parent(of: real) != PluginDiscovery.parent(of: executable)
        }
    }

    /// This process's executable (resolved), or nil.
    static let executablePath: String? = PluginDiscovery.realPath("/proc/self/exe")

    /// The program to start runners with.
    var runnerExecutable: String {
        if let configured = configuration.runnerExecutable { return configured }
        guard let own = PluginHost.executablePath else { return "toolhost" }
        if own.hasSuffix("/toolhost") { return own }
        return PluginDiscovery.parent(of: own) + "/toolhost"
    }

    /// Starts `candidate` in a runner process and adopts the proxy.
    private func loadIsolated(_ candidate: PluginDiscovery.Candidate) -> (problems: [PluginProblem], warnings: [PluginProblem]) {
        let launch = IsolatedPlugin.Launch(
            executable: runnerExecutable, logLevel: configuration.runnerLogLevel,
            settings: { [configuration] id in configuration.settings(forPlugin: id) })
        switch IsolatedPlugin.start(path: candidate.path, launch: launch) {
        case .failure(let failure):
            if failure.notAPlugin && !candidate.explicit {
                logger.debug("skipping \(candidate.path): not a toolhost plugin")
                return ([], [])
            }
            return ([PluginProblem(path: candidate.path, message: failure.message)], [])
        case .success(let isolated):
            let catalog = isolated.catalog
            let settings = configuration.settings(forPlugin: catalog.id)
            if !candidate.explicit, !configuration.loadExamples, catalog.flags & UInt32(TH_PLUGIN_EXAMPLE) != 0 {
                isolated.stop()
                skipExample(candidate.path)
                return ([], [])
            }
            if configuration.isolation == .auto, settings["isolation"] == .string("none") {
                isolated.stop()
                logger.info("plugin \(catalog.id) runs in the host's process (its isolation setting is \"none\")")
                return load(candidate, inProcess: true)
            }
            isolated.configure(IsolatedPlugin.Policy(settings: settings))
            for warning in catalog.warnings { logger.warning("plugin warning: \(warning)") }
            return (catalog.problems + adopt(isolated.descriptor, path: candidate.path, isolated: isolated), catalog.warnings)
        }
    }

    /// A file in a plugin folder was written (closed after writing, or renamed into the
    /// folder) or removed while serving (``PluginWatcher``). A new file loads and its tools,
    /// prompts and resources join the lists (clients hear list_changed); a file of a plugin
    /// already loaded cannot be swapped in process (libraries are never unloaded), which is
    /// said on stderr and to the client's log.
    func pluginFileChanged(_ path: String, removed: Bool, explicit: Bool) {
        liveLoadLock.withLock { _ in
            let real = PluginDiscovery.realPath(path) ?? path
            if let loaded = plugins.first(where: { $0.path == path || (PluginDiscovery.realPath($0.path) ?? $0.path) == real }) {
                if let isolated = loaded.isolated {
                    if removed {
                        logger.notice("plugin file \(path) was removed while serving: the tools of plugin \(loaded.id) are gone; calls already running finish")
                        isolated.remove()
                    } else if let failure = isolated.reload() {
                        let message = "the file of plugin \(loaded.id) (\(path)) was replaced while serving, but the new file does not start: \(failure); the previous version keeps serving"
                        logger.error("\(message)")
                        pluginLogged(loaded, level: .error, message: message)
                    } else {
                        logger.notice("plugin file \(path) was replaced while serving: plugin \(loaded.id) restarted from it; calls already running finish on the previous version")
                    }
                    return
                }
                let what = removed ? "was removed" : "was replaced"
                let message = "the file of plugin \(loaded.id) (\(path)) \(what) while serving; a plugin running in the host's process cannot be \(removed ? "unloaded" : "reloaded"), so its tools stay as they were until toolhost restarts"
                logger.warning("\(message)")
                pluginLogged(loaded, level: .warning, message: message)
                return
            }
            guard !removed else { return }
            let before = (tools: registry.tools.count, prompts: prompts.prompts.count, resources: resources.resources.count + resources.templates.count)
            let count = plugins.count
            let (found, _) = load(PluginDiscovery.Candidate(path: path, explicit: explicit))
            for problem in found { logger.error("plugin problem: \(problem) (dropped in while serving; the other plugins keep serving)") }
            guard plugins.count > count else { return }
            let (registry, toolProblems) = rebuildRegistry()
            let (prompts, promptProblems) = promptList.rebuild(plugins)
            let (resources, resourceProblems) = resourceList.rebuild(plugins)
            for problem in toolProblems + promptProblems + resourceProblems { logger.error("plugin problem: \(problem)") }
            logger.notice("plugin file \(path) dropped in while serving: \(registry.tools.count - before.tools) tools added")
            if registry.tools.count != before.tools { tell { $0.toolsChanged(registry) } }
            if prompts.prompts.count != before.prompts { tell { $0.promptsChanged(prompts) } }
            if resources.resources.count + resources.templates.count != before.resources { tell { $0.resourcesChanged(resources) } }
        }
    }

    /// Adds a plugin whose descriptor is already in memory (a plugin linked into the process,
    /// or one built by the host itself), with the same checks as a loaded file, then rebuilds
    /// the registry. Call before serving starts.
    /// - Parameter path: what reports show as the plugin's origin.
    /// - Returns: the problems found (the plugin is skipped when it cannot be started).
    @discardableResult
    public func addPlugin(descriptor: UnsafePointer<th_plugin>, path: String) -> [PluginProblem] {
        var found: [PluginProblem] = []
        if let reason = PluginLoader.check(descriptor) {
            found.append(PluginProblem(path: path, message: reason))
        } else {
            found.append(contentsOf: adopt(descriptor, path: path))
        }
        found.append(contentsOf: rebuildRegistry().problems)
        found.append(contentsOf: promptList.rebuild(plugins).1)
        found.append(contentsOf: resourceList.rebuild(plugins).1)
        for problem in found { logger.error("plugin problem: \(problem)") }
        problems.append(contentsOf: found)
        return found
    }

    /// Starts an accepted descriptor and appends it to ``plugins``. A plugin's typed functions
    /// (TH_EXT_NATIVE_FUNCTIONS) follow as its companion "<id>-native", a plugin the host builds
    /// on the same ABI (``NativeToolSet``).
    /// - Parameters:
    ///   - native: for a descriptor the host built over native functions: their set.
    ///   - parent: for a companion: the plugin whose functions it offers.
    /// - Returns: the problems found (empty when everything started).
    private func adopt(
        _ descriptor: UnsafePointer<th_plugin>, path: String, native: NativeToolSet? = nil, parent: LoadedPlugin? = nil,
        isolated: IsolatedPlugin? = nil
    ) -> [PluginProblem] {
        let id = PluginLoader.id(of: descriptor)
        if let other = plugins.first(where: { $0.id == id }) {
            return [PluginProblem(path: path, plugin: id, message: "plugin id \(id) is already loaded from \(other.path); this copy is skipped")]
        }
        let settings = native == nil ? configuration.settings(forPlugin: id) : .object([:])
        let plugin = LoadedPlugin(
            path: path, descriptor: descriptor, configuration: settings, logger: logger, native: native, parent: parent,
            isolated: isolated)
        plugin.owner = self
        if let reason = plugin.initialize() {
            return [PluginProblem(path: path, plugin: id, message: reason)]
        }
        pluginList.withLock { $0.append(plugin) }
        logger.debug("loaded plugin \(plugin.id) \(plugin.version) (ABI \(plugin.abiMajor).\(plugin.abiMinor)) from \(path)")
        guard native == nil, let table = plugin.pluginExtension(TH_EXT_NATIVE_FUNCTIONS) else { return [] }
        let (set, tableProblems) = NativeTable.load(table, plugin: plugin)
        guard let set else { return tableProblems }
        return tableProblems + adopt(set.descriptor, path: path, native: set, parent: plugin)
    }

    /// Prepares a call of `tool` with `arguments` (already checked against its schema); it
    /// runs once passed to ``start(_:)``.
    public func makeCall(
        tool: RegisteredTool, arguments: JSON, requestID: String, revision: ProtocolRevision, observer: CallObserver
    ) -> ToolCall {
        makeCall(tool: tool, argumentBytes: JSONWriter.encode(arguments), requestID: requestID, revision: revision, observer: observer)
    }

    /// ``makeCall(tool:arguments:requestID:revision:observer:)`` with the arguments as JSON
    /// text already (a runner receives them so).
    func makeCall(
        tool: RegisteredTool, argumentBytes: [UInt8], requestID: String, revision: ProtocolRevision, observer: CallObserver
    ) -> ToolCall {
        let pool = self.pool
        let call = ToolCall(
            tool: tool, arguments: argumentBytes, requestID: requestID, revision: revision,
            wantsProgress: observer.progress != nil, observer: observer,
            toHostThread: { work in pool.submit(work) },
            release: { [weak self] call in self?.release(call) })
        liveCalls.withLock { $0[ObjectIdentifier(call)] = call }
        return call
    }

    /// Runs a prepared call on a worker thread.
    /// A call of an isolated plugin runs here at once: its `invoke` only queues a frame for
    /// the runner (it never waits for the plugin), so a worker thread would be a hand-off for
    /// nothing.
    public func start(_ call: ToolCall) {
        if call.tool.plugin.isolated != nil {
            call.run()
        } else {
            pool.submit { call.run() }
        }
    }

    private func release(_ call: ToolCall) {
        liveCalls.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(call)) }
        released()
    }

    /// Tool calls and other plugin requests the plugins still hold (what
    /// `--max-calls-in-flight` limits, and what shutdown waits for).
    public var liveCallCount: Int { liveCalls.withLock { $0.count } + liveRequests.withLock { $0.count } }

    /// A call or request was released: shutdown may be waiting for the last one, the reader for
    /// room.
    ///
    /// The end of a burst (at least ``trimAfter`` held at once, then none) gives the heap's free
    /// pages back: the requests', results' and plugins' buffers of hundreds of calls would
    /// otherwise stay resident until the next burst (after 500 pipelined `vllm_chat` calls,
    /// 10 MB). A flood of calls also passes through "none held" now and then, between two of
    /// the client's writes, so the trim waits ``trimDelay`` and happens only if none is held
    /// then either: at most one trim per ``trimDelay``, about a millisecond each.
    private func released() {
        let remaining = liveCallCount
        busiest.max(remaining + 1, ordering: .relaxed)
        if remaining == 0 {
            releasedSignal.withLock { releasedSignal.broadcast() }
            if busiest.load(ordering: .relaxed) >= Self.trimAfter,
               trimPending.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged {
                DispatchQueue.global().asyncAfter(deadline: .now() + Self.trimDelay) { [weak self] in self?.trimIfQuiet() }
            }
        }
        tell { $0.callReleased(remaining: remaining) }
    }

    /// The scheduled look of ``released()``: trims when no call is held; otherwise the burst goes
    /// on, and the next time none is held schedules another look.
    private func trimIfQuiet() {
        trimPending.store(false, ordering: .relaxed)
        guard liveCallCount == 0 else { return }
        busiest.store(0, ordering: .relaxed)
        th_shim_trim_heap()
    }

    func requestStarted(_ request: PluginRequest) {
        liveRequests.withLock { $0[ObjectIdentifier(request)] = request }
    }

    func requestFinished(_ request: PluginRequest) {
        liveRequests.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(request)) }
        released()
    }

    /// How running calls are ended at shutdown.
    public enum Ending: Sendable {
        /// The input ended: calls already read may finish within the grace period; what is
        /// still running then is answered as cancelled and told to stop.
        case inputEnded
        /// Stop now (a signal, or no client left to answer): every call is told to stop at
        /// once; results that still arrive within the grace period are written.
        case immediately(reason: String)
    }

    /// Ends every live call as `ending` says, waits for the plugins to release them within
    /// `grace` seconds, then shuts down each plugin that has no call left running.
    public func shutdown(grace: Double, ending: Ending = .immediately(reason: "the server is stopping")) {
        stopWatching()
        let deadline = monotonicSeconds() + max(0, grace)
        let seconds = JSONNumber(max(0, grace))
        switch ending {
        case .inputEnded:
            if !waitForLiveCalls(until: deadline) {
                let allowed = JSONNumber(configuration.shutdownGrace)
                endLiveCalls("The input ended and the tool was still running \(allowed) s later (toolhost --shutdown-grace); it was cancelled.")
                // The plugins get a moment to acknowledge the cancellation before shutdown.
                _ = waitForLiveCalls(until: monotonicSeconds() + min(1, configuration.shutdownGrace))
            }
        case .immediately(let reason):
            for call in liveCalls.withLock({ Array($0.values) }) { call.cancel() }
            for request in liveRequests.withLock({ Array($0.values) }) { request.cancel() }
            if !waitForLiveCalls(until: deadline) {
                endLiveCalls("The tool was cancelled (\(reason)) and had not stopped \(seconds) s later (toolhost --shutdown-grace).")
            }
        }
        // A companion's running calls are calls into its parent's code as well.
        var busy = Set(liveCalls.withLock { $0.values.flatMap { call in
            [call.tool.plugin, call.tool.plugin.parent].compactMap { $0.map(ObjectIdentifier.init) }
        } })
        busy.formUnion(liveRequests.withLock { $0.values.map { ObjectIdentifier($0.plugin) } })
        for plugin in plugins.reversed() {
            if busy.contains(ObjectIdentifier(plugin)) {
                logger.warning("plugin \(plugin.id) still has calls running after \(grace) s; exiting without shutting it down")
            } else {
                plugin.shutdown()
            }
        }
    }

    /// Answers every live call not yet answered with `message` (a cancelled tool error) and
    /// tells its plugin to stop.
    private func endLiveCalls(_ message: String) {
        for call in liveCalls.withLock({ Array($0.values) }) {
            call.answerEarly(CallOutcome.failure(message, status: ABIStatus.cancelled))
            call.cancel()
        }
        for request in liveRequests.withLock({ Array($0.values) }) { request.cancel() }
    }

    /// Waits until no call is live or the monotonic clock passes `deadline`.
    /// - Returns: true when no call is live.
    private func waitForLiveCalls(until deadline: Double) -> Bool {
        releasedSignal.lock()
        defer { releasedSignal.unlock() }
        while liveCallCount > 0 || liveRequests.withLock({ !$0.isEmpty }) {
            let left = deadline - monotonicSeconds()
            if left <= 0 { return false }
            _ = releasedSignal.wait(seconds: left)
        }
        return true
    }

    // MARK: From plugins

    func pluginLogged(_ plugin: LoadedPlugin, level: LogLevel, message: String) {
        tell { $0.pluginLogged(plugin, level: level, message: message) }
    }

    /// Builds the registry from the plugins loaded now and makes it current. Built under the
    /// registry's lock, so that concurrent rebuilds (loading, a plugin's `tools_changed`)
    /// take turns and the last one stored saw every plugin.
    private func rebuildRegistry() -> (registry: ToolRegistry, problems: [PluginProblem]) {
        registryState.withLock { current in
            let (built, problems) = ToolRegistry.build(plugins: plugins, generation: current.generation + 1, compileSchemas: configuration.compileSchemas)
            current = built
            return (built, problems)
        }
    }

    /// Tool `name` of `plugin` as the plugin's list stands after its last `tools_changed`:
    /// from the current registry when that was read since, else from a registry rebuilt now
    /// (on the calling worker thread). Nil when the plugin no longer offers the name.
    func currentTool(named name: String, of plugin: LoadedPlugin) -> RegisteredTool? {
        func find(_ registry: ToolRegistry) -> RegisteredTool? {
            registry.tool(named: name).flatMap { $0.plugin === plugin ? $0 : nil }
        }
        let registry = self.registry
        if registry.listVersion(of: plugin) == plugin.toolListChanges.load(ordering: .acquiring) {
            return find(registry)
        }
        // The rebuild that tools_changed scheduled reports its problems and tells the client.
        return find(rebuildRegistry().registry)
    }

    /// Re-reads all prompt lists on a worker thread (never inside the plugin's callback).
    func schedulePromptsRebuild(reason: String) {
        promptList.scheduleRebuild(on: pool, plugins: { [unowned self] in plugins }) { [unowned self] prompts, problems in
            for problem in problems { logger.error("plugin problem: \(problem)") }
            logger.info("prompt list rebuilt (\(reason)): \(prompts.prompts.count) prompts")
            tell { $0.promptsChanged(prompts) }
        }
    }

    /// Re-reads all resource and template lists on a worker thread.
    func scheduleResourcesRebuild(reason: String) {
        resourceList.scheduleRebuild(on: pool, plugins: { [unowned self] in plugins }) { [unowned self] resources, problems in
            for problem in problems { logger.error("plugin problem: \(problem)") }
            logger.info("resource list rebuilt (\(reason)): \(resources.resources.count) resources, \(resources.templates.count) templates")
            tell { $0.resourcesChanged(resources) }
        }
    }

    /// A plugin's `resource_updated`: passed on to the server, which knows who subscribed.
    func resourceUpdated(_ uri: String) {
        tell { $0.resourceUpdated(uri) }
    }

    /// Re-reads all tool lists on a worker thread (never inside the plugin's callback).
    func scheduleRegistryRebuild(reason: String) {
        guard !rebuildPending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        pool.submit { [self] in
            rebuildPending.store(false, ordering: .releasing)
            let (registry, problems) = rebuildRegistry()
            for problem in problems { logger.error("plugin problem: \(problem)") }
            logger.info("tool list rebuilt (\(reason)): \(registry.tools.count) tools")
            tell { $0.toolsChanged(registry) }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// What a ``PluginHost`` reports to those serving its plugins: the MCP server, which tells its
/// client, and a runner, which tells its host. Called on whatever thread noticed the change;
/// an observer must not block.
public protocol PluginHostObserver: AnyObject, Sendable {
    /// The tool registry changed (a plugin's `tools_changed`, a plugin dropped in or removed).
    func toolsChanged(_ registry: ToolRegistry)
    /// The prompt list changed (a plugin's `prompts_changed`, a drop-in).
    func promptsChanged(_ prompts: PromptRegistry)
    /// The resources or templates changed (a plugin's `resources_changed`, a drop-in).
    func resourcesChanged(_ resources: ResourceRegistry)
    /// A plugin reported that the resource at `uri` changed (`resource_updated`).
    func resourceUpdated(_ uri: String)
    /// A plugin logged a line not tied to a call.
    func pluginLogged(_ plugin: LoadedPlugin, level: LogLevel, message: String)
    /// A live call or request was released by its plugin; `remaining` are still live.
    func callReleased(remaining: Int)
}

extension PluginHostObserver {
    public func callReleased(remaining: Int) {}
}
