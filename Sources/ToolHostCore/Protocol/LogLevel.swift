import Logging

/// MCP's log levels (the syslog severities), in rising order; also the values of
/// `th_log_level`.
public enum LogLevel: Int, CaseIterable, Comparable, Sendable {
    case debug = 0, info, notice, warning, error, critical, alert, emergency

    public init?(name: String) {
        guard let level = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = level
    }

    /// A plugin's level; out-of-range values are clamped rather than rejected.
    init(abi value: Int32) {
        self = LogLevel(rawValue: Int(min(max(value, 0), 7)))!
    }

    public var name: String {
        switch self {
        case .debug: "debug"
        case .info: "info"
        case .notice: "notice"
        case .warning: "warning"
        case .error: "error"
        case .critical: "critical"
        case .alert: "alert"
        case .emergency: "emergency"
        }
    }

    public var swiftLogLevel: Logger.Level {
        switch self {
        case .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        case .critical, .alert, .emergency: .critical
        }
    }

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}
