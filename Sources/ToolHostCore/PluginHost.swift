import Logging
import Synchronization
import ToolHostABI

/// Owns the loaded plugins, the merged tool registry and the calls in flight. The MCP server
/// and the command line's `tools`/`call`/`check` all work through it.
public final class PluginHost: @unchecked Sendable {
    public let configuration: HostConfiguration
    let logger: Logger
    let pool: WorkerPool

    public private(set) var plugins: [LoadedPlugin] = []
    /// Everything found wrong while loading, in order: files skipped, tools skipped.
    public private(set) var problems: [PluginProblem] = []

    private let registryState = Mutex(ToolRegistry.empty)
    private let liveCalls = Mutex<[ObjectIdentifier: ToolCall]>([:])
    private let rebuildPending = Atomic<Bool>(false)

    public struct Handlers: Sendable {
        /// The tool registry changed (after a plugin's `tools_changed`).
        public var toolsChanged: (@Sendable (ToolRegistry) -> Void)?
        /// A plugin logged a line not tied to a call.
        public var pluginLog: (@Sendable (LoadedPlugin, LogLevel, String) -> Void)?
        /// A live call was released by its plugin; `remaining` calls are still live.
        public var callReleased: (@Sendable (_ remaining: Int) -> Void)?
    }
    private let handlerState = Mutex(Handlers())

    public var handlers: Handlers {
        get { handlerState.withLock { $0 } }
        set { handlerState.withLock { $0 = newValue } }
    }

    public init(configuration: HostConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.pool = WorkerPool()
    }

    /// The current merged tool list.
    public var registry: ToolRegistry { registryState.withLock { $0 } }

    /// Finds, opens, checks and starts every plugin, then builds the registry. Problems are
    /// logged (stderr) and kept in ``problems``; nothing here stops the host.
    public func loadPlugins() {
        let (candidates, discoveryProblems) = PluginDiscovery.candidates(
            files: configuration.pluginFiles, directories: configuration.pluginDirectories,
            searchPath: configuration.pluginSearchPath, defaultDirectories: configuration.defaultPluginDirectories)
        problems.append(contentsOf: discoveryProblems)
        var loaded: [LoadedPlugin] = []
        var byID: [String: LoadedPlugin] = [:]
        /// Starts `plugin` and adds it, unless its id is taken or its init fails.
        func adopt(_ plugin: LoadedPlugin) -> Bool {
            if let other = byID[plugin.id] {
                problems.append(PluginProblem(path: plugin.path, plugin: plugin.id, message: "plugin id \(plugin.id) is already loaded from \(other.path); this copy is skipped"))
                return false
            }
            plugin.owner = self
            if let reason = plugin.initialize() {
                problems.append(PluginProblem(path: plugin.path, plugin: plugin.id, message: reason))
                return false
            }
            byID[plugin.id] = plugin
            loaded.append(plugin)
            logger.debug("loaded plugin \(plugin.id) \(plugin.version) (ABI \(plugin.abiMajor).\(plugin.abiMinor)) from \(plugin.path)")
            return true
        }
        for candidate in candidates {
            if NativeManifest.isManifest(candidate.path) {
                let (set, manifestProblems) = NativeManifest.load(path: candidate.path)
                problems.append(contentsOf: manifestProblems)
                if let set {
                    _ = adopt(LoadedPlugin(
                        path: candidate.path, descriptor: set.descriptor, configuration: .object([:]), logger: logger, native: set))
                }
                continue
            }
            switch PluginLoader.open(candidate.path) {
            case .failure(let failure):
                if failure.notAPlugin && !candidate.explicit {
                    logger.debug("skipping \(candidate.path): not a toolhost plugin")
                } else {
                    problems.append(PluginProblem(path: candidate.path, message: failure.reason))
                }
            case .success(let descriptor):
                let plugin = LoadedPlugin(
                    path: candidate.path, descriptor: descriptor,
                    configuration: configuration.settings(forPlugin: PluginLoader.id(of: descriptor)), logger: logger)
                guard adopt(plugin) else { continue }
                // Typed C functions (include/toolhost.h, TH_EXT_NATIVE_FUNCTIONS) become a
                // companion plugin "<id>-native" built by the host on the same ABI.
                if let table = plugin.pluginExtension(TH_EXT_NATIVE_FUNCTIONS) {
                    let (set, tableProblems) = NativeTable.load(table, plugin: plugin)
                    problems.append(contentsOf: tableProblems)
                    if let set {
                        _ = adopt(LoadedPlugin(
                            path: candidate.path, descriptor: set.descriptor, configuration: .object([:]), logger: logger,
                            native: set, parent: plugin))
                    }
                }
            }
        }
        plugins = loaded
        let (registry, toolProblems) = ToolRegistry.build(plugins: loaded, generation: 1)
        problems.append(contentsOf: toolProblems)
        registryState.withLock { $0 = registry }
        for problem in problems { logger.error("plugin problem: \(problem)") }
        logger.debug("\(registry.tools.count) tools from \(loaded.count) plugins")
    }

    /// Prepares a call of `tool` with `arguments` (already checked against its schema); it
    /// runs once passed to ``start(_:)``.
    public func makeCall(
        tool: RegisteredTool, arguments: JSON, requestID: String, revision: ProtocolRevision, observer: CallObserver
    ) -> ToolCall {
        let pool = self.pool
        let call = ToolCall(
            tool: tool, arguments: JSONWriter.encode(arguments), requestID: requestID, revision: revision,
            wantsProgress: observer.progress != nil, observer: observer,
            deliverer: { work in pool.submit(work) },
            release: { [weak self] call in self?.release(call) })
        liveCalls.withLock { $0[ObjectIdentifier(call)] = call }
        return call
    }

    /// Runs a prepared call on a worker thread.
    public func start(_ call: ToolCall) {
        pool.submit { call.run() }
    }

    private func release(_ call: ToolCall) {
        let remaining = liveCalls.withLock { live -> Int in
            live[ObjectIdentifier(call)] = nil
            return live.count
        }
        handlers.callReleased?(remaining)
    }

    public var liveCallCount: Int { liveCalls.withLock { $0.count } }

    /// Cancels every live call, waits up to `grace` seconds for the plugins to complete them,
    /// then shuts down each plugin that has no call left running.
    public func shutdown(grace: Double) {
        let calls = liveCalls.withLock { Array($0.values) }
        for call in calls { call.cancel() }
        let deadline = monotonicSeconds() + grace
        while liveCallCount > 0 && monotonicSeconds() < deadline { sleepSeconds(0.005) }
        // A companion's running calls are calls into its parent's code as well.
        let busy = Set(liveCalls.withLock { $0.values.flatMap { call in
            [call.tool.plugin, call.tool.plugin.parent].compactMap { $0.map(ObjectIdentifier.init) }
        } })
        for plugin in plugins.reversed() {
            if busy.contains(ObjectIdentifier(plugin)) {
                logger.warning("plugin \(plugin.id) still has calls running after \(grace) s; exiting without shutting it down")
            } else {
                plugin.shutdown()
            }
        }
    }

    // MARK: From plugins

    func pluginLogged(_ plugin: LoadedPlugin, level: LogLevel, message: String) {
        handlers.pluginLog?(plugin, level, message)
    }

    /// Re-reads all tool lists on a worker thread (never inside the plugin's callback).
    func scheduleRegistryRebuild(reason: String) {
        guard !rebuildPending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        pool.submit { [self] in
            rebuildPending.store(false, ordering: .releasing)
            let generation = registry.generation + 1
            let (registry, problems) = ToolRegistry.build(plugins: plugins, generation: generation)
            for problem in problems { logger.error("plugin problem: \(problem)") }
            registryState.withLock { $0 = registry }
            logger.info("tool list rebuilt (\(reason)): \(registry.tools.count) tools")
            handlers.toolsChanged?(registry)
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
