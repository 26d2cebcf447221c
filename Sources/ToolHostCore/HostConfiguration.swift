import ToolHostABI

/// Versions of the host itself.
public enum ToolHost {
    public static let version = "0.1.0"
    public static let abiMajor = UInt16(TH_ABI_MAJOR)
    public static let abiMinor = UInt16(TH_ABI_MINOR)
}

/// Everything the host is told at start: where plugins are, how each is configured, limits.
public struct HostConfiguration: Sendable {
    /// `--plugin FILE`: when non-empty, only these load.
    public var pluginFiles: [String] = []
    /// `--plugin-dir DIR`.
    public var pluginDirectories: [String] = []
    /// `TOOLHOST_PLUGIN_PATH` (colon-separated).
    public var pluginSearchPath: String?
    /// Folders used when none of the above is given.
    public var defaultPluginDirectories: [String] = PluginDiscovery.defaultDirectories()
    /// `--examples` / `TOOLHOST_EXAMPLES=1`: load plugins flagged TH_PLUGIN_EXAMPLE from the
    /// default folders too (named files and folders load them anyway).
    public var loadExamples = false
    /// Whether the server watches its plugin folders for drop-ins (`TOOLHOST_WATCH`: `0` off,
    /// `poll` the polling fallback instead of inotify).
    public var watchPlugins = WatchMode.inotify
    public enum WatchMode: Sendable { case inotify, poll, off }

    /// Which plugins run in a runner process of their own (`--isolation`, `TOOLHOST_ISOLATION`);
    /// a plugin's own `isolation` setting ("process" or "none") overrides `auto`.
    public var isolation = Isolation.auto
    public enum Isolation: String, Sendable, CaseIterable {
        /// Plugin files shipped beside the toolhost executable (built with it: the vLLM plugin,
        /// the examples) run in process; every other file runs isolated.
        case auto
        /// Every plugin runs in a runner process.
        case process
        /// Every plugin runs in the host's process.
        case none
    }
    /// The program started as runner (`toolhost __runner`); nil: this executable, or the
    /// `toolhost` beside it when this process is not toolhost (a test bundle).
    public var runnerExecutable: String?
    /// The log level runners write to stderr with (the host copies their lines to its own).
    public var runnerLogLevel = "notice"
    /// Whether the tools' input schemas are compiled when they are read. A runner keeps them
    /// as text (``Schema/init(deferring:)``): the host that started it compiles them from its
    /// catalog, reports the broken ones and checks every call's arguments before sending it.
    public var compileSchemas = true
    /// Whether a serving host answers `toolhost plugins --running` (``StatusSocket``, in the
    /// folder ``environment`` names); false for the one-shot commands, runners and tests in
    /// process.
    public var liveView = false

    /// The `plugins` section of the configuration file: plugin id → settings object.
    public var pluginSettings: JSONObject = [:]
    /// The process environment; `<ID>_<KEY>` variables become settings of plugin `<id>`.
    public var environment: [String: String] = [:]

    /// A call not finished after this many seconds is answered with a timeout error and its
    /// plugin is asked to cancel. nil: no deadline.
    public var callTimeout: Double?
    /// At shutdown, how long running calls may take to finish before the process exits anyway.
    public var shutdownGrace: Double = 5
    /// The longest message accepted; longer lines are answered with an error and skipped.
    public var maxMessageBytes: Int = 8 << 20
    /// Tool calls running at once; beyond this the host stops reading until one finishes.
    public var maxCallsInFlight: Int = 1024
    /// Tools per `tools/list` page.
    public var toolsPageSize: Int = 200
    /// Sent as `instructions` in the initialize / discover result when set.
    public var instructions: String?

    public init() {}

    /// The settings object for plugin `id`: the configuration file's `plugins.<id>` object,
    /// overridden key by key by environment variables `<ID>_<KEY>` (id upper-cased, `-` as
    /// `_`; key lower-cased), whose values are strings. For example `VLLM_BASE_URL` becomes
    /// `base_url` for plugin `vllm`.
    public func settings(forPlugin id: String) -> JSON {
        var settings = pluginSettings[id]?.objectValue ?? JSONObject()
        let prefix = id.uppercased().replacing("-", with: "_") + "_"
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix(prefix) && name.count > prefix.count {
            settings[String(name.dropFirst(prefix.count)).lowercased()] = .string(value)
        }
        return .object(settings)
    }

    /// Reads the `plugins` section of a JSON configuration file.
    /// - Throws: ``ConfigurationError`` when the file cannot be read or is not such JSON.
    public mutating func loadFile(_ path: String) throws(ConfigurationError) {
        guard let bytes = readFile(path) else {
            throw ConfigurationError(message: "cannot read configuration file \(path)")
        }
        let json: JSON
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw ConfigurationError(message: "configuration file \(path) is not valid JSON: \(error)")
        }
        guard case .object(let root) = json else {
            throw ConfigurationError(message: "configuration file \(path) must hold a JSON object")
        }
        if let plugins = root["plugins"] {
            guard case .object(let map) = plugins else {
                throw ConfigurationError(message: "configuration file \(path): \"plugins\" must be an object of plugin id → settings")
            }
            pluginSettings = map
        }
        if case .string(let text)? = root["instructions"] { instructions = text }
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole file, or nil.
func readFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 << 10)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            return nil
        }
        if n == 0 { return bytes }
        bytes.append(contentsOf: chunk[..<n])
    }
}

/// The process environment as a dictionary.
public func processEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
        let text = String(cString: entry)
        if let eq = text.firstIndex(of: "=") {
            result[String(text[..<eq])] = String(text[text.index(after: eq)...])
        }
        pointer += 1
    }
    return result
}
