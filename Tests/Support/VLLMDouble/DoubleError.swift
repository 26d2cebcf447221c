/// A failure of the double itself (not an HTTP error it serves).
package struct DoubleError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case bindFailed
        case timedOut
    }

    private let code: Code
    private let detail: String

    /// Listening on the configured address failed.
    static func bindFailed(_ detail: String) -> DoubleError { DoubleError(code: .bindFailed, detail: detail) }

    /// A wait ran out of time.
    static func timedOut(_ detail: String) -> DoubleError { DoubleError(code: .timedOut, detail: detail) }

    package var description: String {
        switch code {
        case .bindFailed: return "vllm-double: cannot listen on \(detail)"
        case .timedOut: return "vllm-double: timed out waiting for \(detail)"
        }
    }
}
