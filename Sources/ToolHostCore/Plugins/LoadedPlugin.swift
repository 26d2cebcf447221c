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

    let descriptor: UnsafePointer<th_plugin>
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
    private let presetState: UnsafeMutableRawPointer?
    /// The last error logged during init: the reason shown when init fails.
    private let initError = Mutex<String?>(nil)
    private let initializing = Atomic<Bool>(false)

    /// - Parameters:
    ///   - path: the file the plugin came from (a `.so`, or a manifest).
    ///   - descriptor: the plugin's descriptor, from its library or built in memory.
    ///   - native: for a descriptor built by the host over native functions: their set, whose
    ///     state is preset (its `init` receives it in `*state`), and the plugin they belong to.
    init(path: String, descriptor: UnsafePointer<th_plugin>, configuration: JSON, logger: Logger,
         native: NativeToolSet? = nil, parent: LoadedPlugin? = nil) {
        let d = descriptor.pointee
        self.native = native
        self.parent = parent
        self.presetState = native?.state
        self.path = path
        self.descriptor = descriptor
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
            get_extension: HostCallbacks.getExtension))
        host.pointee.host_data = Unmanaged.passUnretained(self).toOpaque()
    }

    static func from(host: UnsafePointer<th_host>?) -> LoadedPlugin? {
        guard let data = host?.pointee.host_data else { return nil }
        return Unmanaged<LoadedPlugin>.fromOpaque(data).takeUnretainedValue()
    }

    /// Calls the plugin's `init`.
    /// - Returns: nil on success, else the reason it failed.
    func initialize() -> String? {
        guard let initFunction = descriptor.pointee.`init` else {
            state = presetState
            return nil
        }
        initializing.store(true, ordering: .sequentiallyConsistent)
        var state: UnsafeMutableRawPointer? = presetState
        let status = initFunction(host, &state)
        initializing.store(false, ordering: .sequentiallyConsistent)
        if status != ABIStatus.ok {
            let reason = initError.withLock { $0 } ?? "no reason given"
            return "init failed with \(ABIStatus.name(status)): \(reason)"
        }
        self.state = state
        return nil
    }

    func shutdown() {
        descriptor.pointee.shutdown?(state)
    }

    func toolCount() -> UInt32 {
        descriptor.pointee.tool_count?(state) ?? 0
    }

    func tool(at index: UInt32) -> UnsafePointer<th_tool>? {
        descriptor.pointee.tool_at?(state, index)
    }

    func invoke(_ call: ToolCall) -> Int32 {
        guard let invoke = descriptor.pointee.invoke else { return ABIStatus.unsupported }
        if serial {
            return serialLock.withLock { _ in invoke(state, call.handle, call.invocation) }
        }
        if let parent, parent.serial {
            return parent.serialLock.withLock { _ in invoke(state, call.handle, call.invocation) }
        }
        return invoke(state, call.handle, call.invocation)
    }

    func cancelHint(_ call: ToolCall) {
        descriptor.pointee.cancel?(state, call.handle)
    }

    /// The plugin's extension `id`, if it offers one.
    public func pluginExtension(_ id: String) -> UnsafeRawPointer? {
        guard let get = descriptor.pointee.get_extension else { return nil }
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

    func toolsChanged() {
        owner?.scheduleRegistryRebuild(reason: "plugin \(id) reported a change in its tools")
    }
}
