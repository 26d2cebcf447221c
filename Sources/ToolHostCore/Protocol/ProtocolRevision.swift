/// The MCP revisions this server speaks, and what each one allows on the wire.
public enum ProtocolRevision: String, CaseIterable, Comparable, Sendable {
    case v2024_11_05 = "2024-11-05"
    case v2025_03_26 = "2025-03-26"
    case v2025_06_18 = "2025-06-18"
    case v2025_11_25 = "2025-11-25"
    case v2026_07_28 = "2026-07-28"

    /// The newest revision of the initialize-handshake era: the answer to a client asking for
    /// a version this server does not know.
    public static let latestHandshake = ProtocolRevision.v2025_11_25
    public static let latest = ProtocolRevision.v2026_07_28

    public static var handshakeRevisions: [ProtocolRevision] { allCases.filter { !$0.isModern } }

    /// 2026-07-28 and later: no initialize; every request carries its own envelope.
    public var isModern: Bool { self >= .v2026_07_28 }

    /// Tool annotations and audio content (2025-03-26).
    public var hasAnnotations: Bool { self >= .v2025_03_26 }
    public var hasAudioContent: Bool { self >= .v2025_03_26 }
    /// `message` on progress notifications (2025-03-26).
    public var hasProgressMessage: Bool { self >= .v2025_03_26 }
    /// JSON-RPC batches existed only in 2025-03-26.
    public var allowsBatches: Bool { self == .v2025_03_26 }
    /// Top-level tool `title`, `outputSchema`, `structuredContent`, `resource_link` (2025-06-18).
    public var hasStructuredOutput: Bool { self >= .v2025_06_18 }
    /// Handshake revisions demand an object for structuredContent and an object root for
    /// outputSchema; 2026-07-28 takes any JSON value and any schema.
    public var structuredContentMustBeObject: Bool { !isModern }

    public static func < (a: ProtocolRevision, b: ProtocolRevision) -> Bool { a.rawValue < b.rawValue }

    /// The C string handed to plugins in `th_invocation.protocol_version`; static for the
    /// life of the process.
    var cString: UnsafePointer<CChar> { Self.cStrings[self]! }

    nonisolated(unsafe) private static let cStrings: [ProtocolRevision: UnsafePointer<CChar>] = {
        var table: [ProtocolRevision: UnsafePointer<CChar>] = [:]
        for revision in allCases {
            let utf8 = Array(revision.rawValue.utf8CString)
            let p = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count)
            p.initialize(from: utf8, count: utf8.count)
            table[revision] = UnsafePointer(p)
        }
        return table
    }()
}
