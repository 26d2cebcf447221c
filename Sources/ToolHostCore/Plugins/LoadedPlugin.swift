import Logging
import Synchronization
import ToolHostABI

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A plugin whose descriptor has been read and accepted, and (after ``initialize()``) started.
///
/// The library stays loaded for the life of the process (unloading Swift or Rust code is not
/// safe), and so do this object, its `th_host` and its configuration text.
public final class LoadedPlugin: @unchecked Sendable {
    public let path: String
    public let id: String
    public let name: String
    public let version: String
    public let summary: String?
    public let abiMajor: Int
    public let abiMinor: Int
    public let serial: Bool

    /// The host's copy of the plugin's descriptor (``PluginLoader/read(_:)``): its function
    /// pointers are called through this copy, never through the plugin's memory.
    let descriptor: th_plugin
    private(set) var state: UnsafeMutableRawPointer?
    private let host: UnsafeMutablePointer<th_host>
    private let strings: [UnsafeMutablePointer<CChar>]
    private let serialLock = Mutex(())
    let logger: Logger
    /// Set by the owner: receives `tools_changed` and plugin-wide log lines.
    weak var owner: PluginHost?
    /// For the companion that offers a plugin's typed functions: that plugin, which must not
    /// shut down while the companion has calls running, and whose TH_PLUGIN_SERIAL covers
    /// the companion's calls too.
    private(set) var parent: LoadedPlugin?
    /// Native function tools (a manifest, or a plugin's typed functions) behind this plugin.
    let native: NativeToolSet?
    /// For a plugin running in a runner process: the proxy that speaks to it.
    let isolated: IsolatedPlugin?
    private let presetState: UnsafeMutableRawPointer?
    /// The last error logged during init: the reason shown when init fails.
    private let initError = Mutex<String?>(nil)
    private let initializing = Atomic<Bool>(false)
    /// Counts the plugin's `tools_changed` reports: a tool read at an older count may carry an
    /// index that no longer names it (see ``invoke(_:)``).
    let toolListChanges = Atomic<Int>(0)
    /// The host's copy of the plugin's TH_EXT_PROMPTS table, read once after `init`.
    private(set) var promptsTable: th_prompts?
    /// The host's copies of the plugin's TH_EXT_RESOURCES and TH_EXT_COMPLETIONS tables.
    private(set) var resourcesTable: th_resources?
    private(set) var completionsTable: th_completions?

    /// - Parameters:
    ///   - path: the file the plugin came from (a `.so`, or a manifest).
    ///   - descriptor: the plugin's descriptor, from its library or built in memory.
    ///   - native: for a descriptor built by the host over native functions: their set, whose
    ///     state is preset (its `init` receives it in `*state`), and the plugin they belong to.
    ///   - isolated: for a plugin in a runner process: its proxy, whose state is preset too.
    init(path: String, descriptor: UnsafePointer<th_plugin>, configuration: JSON, logger: Logger,
         native: NativeToolSet? = nil, parent: LoadedPlugin? = nil, isolated: IsolatedPlugin? = nil) {
        let d = PluginLoader.read(descriptor)
        self.native = native
        self.isolated = isolated
        self.parent = parent
        self.presetState = native?.state ?? isolated?.statePointer
        self.path = path
        self.descriptor = d
        self.id = d.id.map { String(cString: $0) } ?? ""
        self.name = d.name.map { String(cString: $0) } ?? self.id
        self.version = d.version.map { String(cString: $0) } ?? "unknown"
        self.summary = d.description.map { String(cString: $0) }
        self.abiMajor = Int(d.abi_major)
        self.abiMinor = Int(d.abi_minor)
        self.serial = d.flags & UInt32(TH_PLUGIN_SERIAL) != 0
        var logger = logger
        logger[metadataKey: "plugin"] = "\(id.isEmpty ? path : id)"
        self.logger = logger

        func cString(_ s: String) -> UnsafeMutablePointer<CChar> {
            let bytes = Array(s.utf8CString)
            let p = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
            p.initialize(from: bytes, count: bytes.count)
            return p
        }
        let configText = JSONWriter.string(configuration)
        let strings = [cString("toolhost"), cString(ToolHost.version), cString(path), cString(configText)]
        self.strings = strings
        host = .allocate(capacity: 1)
        host.initialize(to: th_host(
            struct_size: UInt32(MemoryLayout<th_host>.size),
            abi_major: UInt16(ToolHost.abiMajor),
            abi_minor: UInt16(ToolHost.abiMinor),
            host_name: UnsafePointer(strings[0]),
            host_version: UnsafePointer(strings[1]),
            plugin_path: UnsafePointer(strings[2]),
            config_json: UnsafePointer(strings[3]),
            config_len: configText.utf8.count,
            host_data: nil,
            log: HostCallbacks.log,
            result_text: HostCallbacks.resultText,
            result_content: HostCallbacks.resultContent,
            result_structured: HostCallbacks.resultStructured,
            result_error: HostCallbacks.resultError,
            complete: HostCallbacks.complete,
            progress: HostCallbacks.progress,
            is_cancelled: HostCallbacks.isCancelled,
            call_log: HostCallbacks.callLog,
            tools_changed: HostCallbacks.toolsChanged,
            get_extension: HostCallbacks.getExtension,
            result_message: HostCallbacks.resultMessage,
            prompts_changed: HostCallbacks.promptsChanged,
            result_contents: HostCallbacks.resultContents,
            resources_changed: HostCallbacks.resourcesChanged,
            resource_updated: HostCallbacks.resourceUpdated,
            result_completion: HostCallbacks.resultCompletion))
        host.pointee.host_data = Unmanaged.passUnretained(self).toOpaque()
    }

    static func from(host: UnsafePointer<th_host>?) -> LoadedPlugin? {
        guard let data = host?.pointee.host_data else { return nil }
        return Unmanaged<LoadedPlugin>.fromOpaque(data).takeUnretainedValue()
    }

    /// Calls the plugin's `init`.
    /// - Returns: nil on success, else the reason it failed.
    func initialize() -> String? {
        guard let initFunction = descriptor.`init` else {
            state = presetState
            return nil
        }
        initializing.store(true, ordering: .sequentiallyConsistent)
        var state: UnsafeMutableRawPointer? = presetState
        let status = initFunction(host, &state)
        initializing.store(false, ordering: .sequentiallyConsistent)
        if status != TH_OK {
            let reason = initError.withLock { $0 } ?? "no reason given"
            return "init failed with \(ABIStatus.name(status)): \(reason)"
        }
        self.state = state
        if let table = pluginExtension(TH_EXT_PROMPTS) {
            promptsTable = ABIStruct.read(table, as: th_prompts.self).value
        }
        if let table = pluginExtension(TH_EXT_RESOURCES) {
            resourcesTable = ABIStruct.read(table, as: th_resources.self).value
        }
        if let table = pluginExtension(TH_EXT_COMPLETIONS) {
            completionsTable = ABIStruct.read(table, as: th_completions.self).value
        }
        return nil
    }

    func shutdown() {
        descriptor.shutdown?(state)
    }

    func toolCount() -> UInt32 {
        descriptor.tool_count?(state) ?? 0
    }

    func tool(at index: UInt32) -> UnsafePointer<th_tool>? {
        descriptor.tool_at?(state, index)
    }

    func invoke(_ call: ToolCall) -> Int32 {
        guard let invoke = descriptor.invoke else { return TH_ERR_UNSUPPORTED }
        // Under the serial lock too: a call queued behind one that changed the list must see
        // that change.
        let run = { [self] () -> Int32 in
            if let refused = checkIndex(call) { return refused }
            return invoke(state, call.handle, call.invocation)
        }
        if serial {
            return serialLock.withLock { _ in run() }
        }
        if let parent, parent.serial {
            return parent.serialLock.withLock { _ in run() }
        }
        return run()
    }

    /// When the plugin has reported `tools_changed` since the call's tool was read, the index
    /// in the invocation may name another tool now: sets it from the list as the plugin last
    /// reported it (re-read if need be). The name passed is the host's copy either way.
    /// - Returns: nil to go ahead, or the status of a call refused because the tool is gone.
    private func checkIndex(_ call: ToolCall) -> Int32? {
        guard call.tool.listVersion != toolListChanges.load(ordering: .acquiring) else { return nil }
        guard let current = owner?.currentTool(named: call.tool.name, of: self) else {
            _ = call.appendError(
                "The tool \(call.tool.name) is no longer offered by plugin \(id): the plugin changed its tool list. List the tools again (tools/list).")
            return TH_ERR_UNSUPPORTED
        }
        call.invocation.pointee.tool_index = current.index
        return nil
    }

    func cancelHint(_ call: ToolCall) {
        descriptor.cancel?(state, call.handle)
    }

    /// The cancellation hint for a request other than a tool call (``PluginRequest``).
    func cancelHint(_ handle: OpaquePointer) {
        descriptor.cancel?(state, handle)
    }

    /// The plugin's extension `id`, if it offers one.
    public func pluginExtension(_ id: String) -> UnsafeRawPointer? {
        guard let get = descriptor.get_extension else { return nil }
        return id.withCString { get(state, $0) }
    }

    // MARK: From the host callbacks

    func log(_ level: LogLevel, _ message: String) {
        if level >= .error, initializing.load(ordering: .sequentiallyConsistent) {
            initError.withLock { $0 = message }
        }
        logger.log(level: level.swiftLogLevel, "\(message)")
        owner?.pluginLogged(self, level: level, message: message)
    }

    func warnMisuse(_ what: String) {
        logger.warning("plugin misuse: \(what)")
    }

    func resourcesChanged() {
        owner?.scheduleResourcesRebuild(reason: "plugin \(id) reported a change in its resources")
    }

    func promptsChanged() {
        owner?.schedulePromptsRebuild(reason: "plugin \(id) reported a change in its prompts")
    }

    func toolsChanged() {
        toolListChanges.add(1, ordering: .releasing)
        owner?.scheduleRegistryRebuild(reason: "plugin \(id) reported a change in its tools")
    }
}
