/// What a tool handler may tell the client while it runs. The C glue implements it on a host
/// call; tests implement it with a recorder.
package protocol CallContext: Sendable {
    /// The client gave a progressToken: progress reports reach it.
    var wantsProgress: Bool { get }
    /// Reports progress; `progress` must increase from one report to the next.
    func progress(_ progress: Double, total: Double?, message: String)
    /// A log line tied to this call (stderr, and the client when it asked for logs).
    func log(_ level: CallLogLevel, _ message: String)
}

package enum CallLogLevel: Sendable {
    case debug, info, notice, warning, error
}

/// What a finished tool call produced.
package struct ToolOutcome: Sendable, Equatable {
    /// Text content blocks, in order.
    package var texts: [String] = []
    /// The structured result as JSON text.
    package var structured: String?
    /// Set when the call failed: the result is then `isError: true` with this message.
    package var failure: ToolFailure?

    package init(texts: [String] = [], structured: String? = nil) {
        self.texts = texts
        self.structured = structured
    }

    package static func failure(_ failure: ToolFailure) -> ToolOutcome {
        var outcome = ToolOutcome()
        outcome.failure = failure
        return outcome
    }

    package static func failure(_ kind: ToolFailure.Kind, _ message: String) -> ToolOutcome {
        failure(ToolFailure(kind, message))
    }
}
