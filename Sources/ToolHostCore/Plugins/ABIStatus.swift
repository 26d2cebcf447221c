import ToolHostABI

/// The `th_status` codes of include/toolhost.h and their meaning in words. The codes are the
/// header's own (it declares them as int32_t constants Swift imports directly); the short
/// names here serve the host's code that predates that.
public enum ABIStatus {
    public static let ok = TH_OK
    public static let pending = TH_PENDING
    public static let failed = TH_ERR_FAILED
    public static let invalidArgument = TH_ERR_INVALID_ARGUMENT
    public static let cancelled = TH_ERR_CANCELLED
    public static let timeout = TH_ERR_TIMEOUT
    public static let unavailable = TH_ERR_UNAVAILABLE
    public static let noMemory = TH_ERR_NO_MEMORY
    public static let unsupported = TH_ERR_UNSUPPORTED
    public static let state = TH_ERR_STATE
    public static let `internal` = TH_ERR_INTERNAL
    public static let notFound = TH_ERR_NOT_FOUND

    /// `TH_NUL_TERMINATED` as Swift sees a `size_t` argument.
    static let nulTerminated = -1

    public static func name(_ status: Int32) -> String {
        switch status {
        case ok: "TH_OK"
        case pending: "TH_PENDING"
        case failed: "TH_ERR_FAILED"
        case invalidArgument: "TH_ERR_INVALID_ARGUMENT"
        case cancelled: "TH_ERR_CANCELLED"
        case timeout: "TH_ERR_TIMEOUT"
        case unavailable: "TH_ERR_UNAVAILABLE"
        case noMemory: "TH_ERR_NO_MEMORY"
        case unsupported: "TH_ERR_UNSUPPORTED"
        case state: "TH_ERR_STATE"
        case `internal`: "TH_ERR_INTERNAL"
        case notFound: "TH_ERR_NOT_FOUND"
        default: "status \(status)"
        }
    }

    /// The text of a failed call whose plugin gave no message of its own.
    static func describe(_ status: Int32, tool: String) -> String {
        let what: String
        switch status {
        case invalidArgument: what = "rejected its arguments"
        case cancelled: what = "was cancelled"
        case timeout: what = "timed out waiting for something it needs"
        case unavailable: what = "could not reach a service it needs"
        case noMemory: what = "ran out of memory"
        case unsupported: what = "does not support this request"
        case `internal`: what = "hit an internal error"
        case notFound: what = "did not find what was asked for"
        default: what = "failed"
        }
        return "The tool \(tool) \(what) (\(name(status))) and gave no further detail."
    }
}
