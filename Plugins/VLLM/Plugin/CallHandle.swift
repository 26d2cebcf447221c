import Synchronization
import ToolHostABI
import VLLMCore

/// One host call as the tools see it (``CallContext``), and the one place that writes its
/// result and completes it. After completion the handle is invalid, so every use checks
/// `live` under a lock that completion also takes: a late progress report is dropped instead
/// of touching a dead call.
final class CallHandle: CallContext, @unchecked Sendable {
    private let host: UnsafePointer<th_host>
    private let call: OpaquePointer
    let wantsProgress: Bool
    /// Set for a resource read: the MIME type its texts are sent with (`result_contents`).
    private let contentsType: String?
    private let live = Mutex(true)

    /// - Parameter contentsType: for a resource read, the MIME type of its texts; nil for a
    ///   tool call.
    init(host: UnsafePointer<th_host>, call: OpaquePointer, wantsProgress: Bool, contentsType: String? = nil) {
        self.host = host
        self.call = call
        self.wantsProgress = wantsProgress
        self.contentsType = contentsType
    }

    var hostSaysCancelled: Bool {
        live.withLock { live in live && (host.pointee.is_cancelled(call)) }
    }

    func progress(_ progress: Double, total: Double?, message: String) {
        live.withLock { live in
            guard live else { return }
            _ = message.withCString { host.pointee.progress(call, progress, total ?? 0, $0) }
        }
    }

    func log(_ level: CallLogLevel, _ message: String) {
        let abiLevel: th_log_level
        switch level {
        case .debug: abiLevel = TH_LOG_DEBUG
        case .info: abiLevel = TH_LOG_INFO
        case .notice: abiLevel = TH_LOG_NOTICE
        case .warning: abiLevel = TH_LOG_WARNING
        case .error: abiLevel = TH_LOG_ERROR
        }
        live.withLock { live in
            guard live else { return }
            message.withCString { host.pointee.call_log(call, abiLevel, $0) }
        }
    }

    /// Writes `outcome` into the host's sinks and completes the call, exactly once.
    func finish(_ outcome: ToolOutcome) {
        live.withLock { live in
            guard live else { return }
            live = false
            let status: th_status
            if let failure = outcome.failure {
                sink(host.pointee.result_error, failure.message)
                status = Self.status(failure.kind)
            } else {
                for text in outcome.texts {
                    if let contentsType { contents(text, contentsType) } else { sink(host.pointee.result_text, text) }
                }
                if let structured = outcome.structured { sink(host.pointee.result_structured, structured) }
                status = TH_OK
            }
            host.pointee.complete(call, status)
        }
    }

    /// One item of a resource read's answer, with its MIME type; as a text item where the host
    /// has no `result_contents` (it is of ABI 1.1, or it would not have asked, but check).
    private func contents(_ text: String, _ mimeType: String) {
        guard let function = host.function(\.result_contents) else { return sink(host.pointee.result_text, text) }
        var text = text
        _ = text.withUTF8 { bytes in mimeType.withCString { function(call, nil, $0, bytes.baseAddress, bytes.count, 0) } }
    }

    private func sink(_ function: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int) -> th_status, _ text: String) {
        var text = text
        _ = text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                guard let base = chars.baseAddress else { return "".withCString { function(call, $0, 0) } }
                return function(call, base, chars.count)
            }
        }
    }

    static func status(_ kind: ToolFailure.Kind) -> th_status {
        switch kind {
        case .failed: TH_ERR_FAILED
        case .invalidArgument: TH_ERR_INVALID_ARGUMENT
        case .cancelled: TH_ERR_CANCELLED
        case .timeout: TH_ERR_TIMEOUT
        case .unavailable: TH_ERR_UNAVAILABLE
        case .internal: TH_ERR_INTERNAL
        }
    }
}

extension UnsafePointer<th_host> {
    /// The host function `field`, when the host has it: TH_HOST_HAS in Swift, for functions
    /// added after ABI 1.0. Reads only within the host's `struct_size`.
    func function<F>(_ field: KeyPath<th_host, F?>) -> F? {
        guard let offset = MemoryLayout<th_host>.offset(of: field),
              Int(pointee.struct_size) >= offset + MemoryLayout<F?>.size else { return nil }
        return UnsafeRawPointer(self).load(fromByteOffset: offset, as: F?.self)
    }
}
