/// The `th_status` codes of include/toolhost.h as Swift constants (the header's macros with
/// casts or parentheses do not all import), and their meaning in words.
public enum ABIStatus {
    public static let ok: Int32 = 0
    public static let pending: Int32 = 1
    public static let failed: Int32 = -1
    public static let invalidArgument: Int32 = -2
    public static let cancelled: Int32 = -3
    public static let timeout: Int32 = -4
    public static let unavailable: Int32 = -5
    public static let noMemory: Int32 = -6
    public static let unsupported: Int32 = -7
    public static let state: Int32 = -8
    public static let `internal`: Int32 = -9

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
        default: what = "failed"
        }
        return "The tool \(tool) \(what) (\(name(status))) and gave no further detail."
    }
}
