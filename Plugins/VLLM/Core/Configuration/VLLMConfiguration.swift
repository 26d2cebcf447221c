import ToolHostJSON

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The plugin's settings, read from the JSON object the host builds from its configuration file
/// (`plugins.vllm`) and from `VLLM_*` environment variables (`VLLM_BASE_URL` → `base_url`).
///
/// Values from the environment arrive as strings, values from a file may be numbers or
/// booleans; both are accepted. The API key is never part of any message this type produces.
package struct VLLMConfiguration: Sendable, Equatable {
    /// Where the server is, without a trailing slash or `/v1`: the API lives under `/v1`.
    package var baseURL: String = "http://localhost:8000"
    /// Sent as `Authorization: Bearer …` when set.
    package var apiKey: String?
    /// The model used when a call names none; nil: the first one the server lists.
    package var model: String?
    package var defaultTemperature: Double = 0.7
    package var defaultMaxTokens: Int = 1024
    /// Seconds allowed for connecting and for each wait for the next bytes from the server;
    /// nil: no limit.
    package var timeout: Double? = 60
    /// When generations are streamed from the server.
    package var stream: StreamMode = .auto
    /// The shortest interval between two progress notifications carrying tokens.
    package var progressInterval: Duration = .milliseconds(200)
    /// While no token arrives, a progress heartbeat is sent this often.
    package var heartbeatInterval: Duration = .seconds(1)
    /// Connections kept to the server at most (the pool's limit per host; more requests wait).
    package var maxConnections: Int = 512
    /// A file of CA certificates (PEM) that an `https://` server's certificate is verified with,
    /// instead of the system's; nil: the system's.
    package var caBundle: String?
    /// Which libcurl the HTTP client opens: `system` (the system's `libcurl.so.4`), a path (or
    /// a name the dynamic linker looks up); nil: chosen by what the server needs (``CurlChoice``).
    package var libcurl: String?
    /// The server-control tools' settings (runtimes, images, the serve command).
    package var lifecycle = LifecycleSettings()

    /// Keys the plugin did not recognise (logged at debug level; vLLM's own `VLLM_*` variables
    /// land here when both run in one environment).
    package var ignoredKeys: [String] = []
    /// Things worth telling the user at start (logged as notices), never containing secrets.
    package var notes: [String] = []

    package enum StreamMode: String, Sendable, Equatable {
        /// Stream when the client asked for progress (sent a progressToken).
        case auto
        /// Always stream: each wait for bytes is then one token, so the timeout never bounds
        /// a whole generation.
        case always
        /// Never stream (for servers whose streaming is broken); progress is then heartbeats only.
        case never
    }

    package init() {}

    /// Reads the configuration JSON given by the host.
    /// - Throws: ``ConfigurationError`` naming the setting whose value is unusable.
    package init(json bytes: some Collection<UInt8>) throws(ConfigurationError) {
        guard case .object(let object)? = try? JSON(parsing: bytes) else {
            throw ConfigurationError("the plugin configuration is not a JSON object")
        }
        try self.init(settings: object)
    }

    /// Reads the settings in the order of their names (a name given twice: its last value).
    package init(settings: JSONObject) throws(ConfigurationError) {
        for key in Set(settings.keys).sorted() {
            let value = settings[key]!
            switch key {
            case "base_url":
                guard let text = try Self.string(key, value) else { continue }
                try setBaseURL(text)
            case "api_key":
                // Never echo this one, not even in an error.
                switch value {
                case .string(let s): apiKey = s.isEmpty ? nil : s
                case .null: apiKey = nil
                default: throw ConfigurationError("api_key (VLLM_API_KEY) must be a string")
                }
            case "model":
                let text = try Self.string(key, value)
                model = (text?.isEmpty ?? true) ? nil : text
            case "default_temperature":
                guard let number = try Self.number(key, value) else { continue }
                guard number >= 0, number <= 2 else { throw ConfigurationError.invalid(key, value, "a number from 0 to 2") }
                defaultTemperature = number
            case "default_max_tokens":
                guard let number = try Self.number(key, value) else { continue }
                guard let n = Int(exactly: number), n >= 1 else { throw ConfigurationError.invalid(key, value, "a whole number of at least 1") }
                defaultMaxTokens = n
            case "default_timeout":
                guard let number = try Self.number(key, value) else { continue }
                guard number >= 0, number.isFinite else { throw ConfigurationError.invalid(key, value, "a number of seconds (0: no limit)") }
                timeout = number == 0 ? nil : number
            case "stream":
                guard let text = try Self.string(key, value) else { continue }
                guard let mode = StreamMode(rawValue: text.lowercased()) else {
                    throw ConfigurationError.invalid(key, value, "auto, always or never")
                }
                stream = mode
            case "progress_interval_ms":
                guard let number = try Self.number(key, value) else { continue }
                guard number >= 0, number <= 60_000 else { throw ConfigurationError.invalid(key, value, "milliseconds from 0 to 60000") }
                progressInterval = .milliseconds(Int64(number))
            case "heartbeat_ms":
                guard let number = try Self.number(key, value) else { continue }
                guard number >= 10, number <= 600_000 else { throw ConfigurationError.invalid(key, value, "milliseconds from 10 to 600000") }
                heartbeatInterval = .milliseconds(Int64(number))
            case "max_connections":
                guard let number = try Self.number(key, value) else { continue }
                guard let n = Int(exactly: number), n >= 1, n <= 65_536 else {
                    throw ConfigurationError.invalid(key, value, "a whole number from 1 to 65536")
                }
                maxConnections = n
            case "ca_bundle":
                let text = try Self.string(key, value)?.trimmingSpaces()
                caBundle = (text?.isEmpty ?? true) ? nil : text
            case "libcurl":
                let text = try Self.string(key, value)?.trimmingSpaces()
                libcurl = (text?.isEmpty ?? true) ? nil : text
            default:
                if try !lifecycle.read(key, value) { ignoredKeys.append(key) }
            }
        }
    }

    /// Accepts `http(s)://host[:port][/prefix]`; drops a trailing `/` and a trailing `/v1`
    /// (a common mistake: the plugin adds `/v1` itself).
    private mutating func setBaseURL(_ raw: String) throws(ConfigurationError) {
        var text = raw.trimmingSpaces()
        if text.isEmpty { return }
        let lower = text.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            throw ConfigurationError("base_url (VLLM_BASE_URL) must start with http:// or https://, not \"\(Redaction.url(text))\"")
        }
        let afterScheme = text[text.index(text.firstIndex(of: ":")!, offsetBy: 3)...]
        guard let first = afterScheme.first, first != "/" else {
            throw ConfigurationError("base_url (VLLM_BASE_URL) has no host: \"\(Redaction.url(text))\"")
        }
        while text.hasSuffix("/") { text.removeLast() }
        if text.lowercased().hasSuffix("/v1") {
            text.removeLast(3)
            while text.hasSuffix("/") { text.removeLast() }
            notes.append("base_url ends with /v1; the plugin adds /v1 itself, so it uses \(Redaction.url(text))")
        }
        // Every request URL is this plus a route: one that does not parse is refused now, not
        // at every call.
        guard URL(string: text + "/v1/models") != nil else {
            throw ConfigurationError("base_url (VLLM_BASE_URL) is not a usable URL: \"\(Redaction.url(text))\"")
        }
        baseURL = text
    }

    /// The base URL as it may be shown: without user and password.
    package var displayBaseURL: String { Redaction.url(baseURL) }

    static func string(_ key: String, _ value: JSON) throws(ConfigurationError) -> String? {
        switch value {
        case .string(let s): return s
        case .null: return nil
        default: throw ConfigurationError.invalid(key, value, "a string")
        }
    }

    static func number(_ key: String, _ value: JSON) throws(ConfigurationError) -> Double? {
        switch value {
        case .number(let n):
            guard n.doubleValue.isFinite else { throw ConfigurationError.invalid(key, value, "a number") }
            return n.doubleValue
        case .null: return nil
        case .string(let s):
            let t = s.trimmingSpaces()
            if t.isEmpty { return nil }
            guard let d = Double(t), d.isFinite else { throw ConfigurationError.invalid(key, value, "a number") }
            return d
        default: throw ConfigurationError.invalid(key, value, "a number")
        }
    }
}

/// A setting that cannot be used; the message names it and says what is expected.
package struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    package let message: String
    init(_ message: String) { self.message = message }
    package var description: String { message }

    static func invalid(_ key: String, _ value: JSON, _ expected: String) -> ConfigurationError {
        let shown: String
        switch value {
        case .string(let s): shown = "\"\(s)\""
        default: shown = value.jsonText
        }
        return ConfigurationError("\(key) (VLLM_\(key.uppercased())) must be \(expected), not \(shown)")
    }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace; linear, and it copies only what it keeps.
    func trimmingSpaces() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else {
            return ""
        }
        return String(self[first...last])
    }
}
