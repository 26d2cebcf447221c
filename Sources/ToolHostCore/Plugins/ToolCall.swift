import Synchronization
import ToolHostABI

/// What a finished call produced, before it is shaped for a protocol revision.
public struct CallOutcome: Sendable {
    public var content: [JSON] = []
    public var structured: JSON? = nil
    public var isError = false
    /// The plugin's final status (TH_OK or a negative code).
    public var status: Int32 = 0

    public init() {}

    /// A tool error result with one text block.
    public static func failure(_ message: String, status: Int32 = ABIStatus.failed) -> CallOutcome {
        var outcome = CallOutcome()
        outcome.content = [.object(["type": "text", "text": .string(message)])]
        outcome.isError = true
        outcome.status = status
        return outcome
    }

    /// The text of all text blocks, joined by newlines.
    public var text: String {
        content.compactMap { $0["type"] == "text" ? $0["text"]?.stringValue : nil }.joined(separator: "\n")
    }
}

/// How the party that started a call hears about it. All closures may run on any thread.
public struct CallObserver: Sendable {
    /// Progress reports that passed the host's checks (increasing `progress`); nil when the
    /// client did not ask for progress. Must not block: it runs under the call's lock.
    public var progress: (@Sendable (_ progress: Double, _ total: Double?, _ message: String?) -> Void)?
    /// Log lines the plugin tied to this call.
    public var log: (@Sendable (LogLevel, String) -> Void)?
    /// The result; called exactly once, on a host thread (unless `completeOnPluginThread` took it).
    public var complete: @Sendable (ToolCall, CallOutcome) -> Void
    /// The result of a call the plugin completed from its own thread, delivered on that thread
    /// when that cannot block; returns false to have `complete` called on a host thread
    /// instead. Optional: without it, such results always go to a host thread.
    public var completeOnPluginThread: (@Sendable (ToolCall, CallOutcome) -> Bool)?

    public init(
        progress: (@Sendable (Double, Double?, String?) -> Void)? = nil,
        log: (@Sendable (LogLevel, String) -> Void)? = nil,
        completeOnPluginThread: (@Sendable (ToolCall, CallOutcome) -> Bool)? = nil,
        complete: @escaping @Sendable (ToolCall, CallOutcome) -> Void
    ) {
        self.progress = progress
        self.log = log
        self.completeOnPluginThread = completeOnPluginThread
        self.complete = complete
    }
}

/// One tool call: the object behind a plugin's `th_call *`.
///
/// It lives until the plugin has completed it (the host keeps it in its table of live calls),
/// even when the host answered the client earlier (deadline, shutdown), because the plugin
/// may still use the handle until it calls `complete`.
public final class ToolCall: @unchecked Sendable {
    public let tool: RegisteredTool
    public let requestID: String
    let revision: ProtocolRevision
    private let observer: CallObserver
    private let release: @Sendable (ToolCall) -> Void
    private let toHostThread: @Sendable (@escaping @Sendable () -> Void) -> Void
    let invocation: UnsafeMutablePointer<th_invocation>
    private let argumentsBuffer: UnsafeMutablePointer<CChar>
    private let requestIDBuffer: UnsafeMutablePointer<CChar>

    /// Where the call is (``CallLifecycle``), and the result the plugin has given so far.
    private struct State {
        var lifecycle = CallLifecycle()
        var outcome = CallOutcome()
        /// `result_error` was called: a failing status adds no generic text.
        var errorGiven = false
        /// Progress must increase: the last value passed on.
        var lastProgress = -Double.infinity
    }
    private let state = Mutex(State())

    /// - Parameters:
    ///   - arguments: the arguments as compact JSON text (already schema-checked).
    ///   - toHostThread: runs a delivery on a host thread (completion from a plugin thread must
    ///     not write to the client on that thread).
    ///   - release: called once when the plugin is done with the handle.
    init(
        tool: RegisteredTool, arguments: [UInt8], requestID: String, revision: ProtocolRevision,
        wantsProgress: Bool, observer: CallObserver,
        toHostThread: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void,
        release: @escaping @Sendable (ToolCall) -> Void
    ) {
        self.tool = tool
        self.requestID = requestID
        self.revision = revision
        self.observer = observer
        self.toHostThread = toHostThread
        self.release = release
        let argumentsBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: arguments.count + 1)
        arguments.withUnsafeBufferPointer { source in
            source.withMemoryRebound(to: CChar.self) { argumentsBuffer.initialize(from: $0.baseAddress!, count: $0.count) }
        }
        argumentsBuffer[arguments.count] = 0
        self.argumentsBuffer = argumentsBuffer
        let idBytes = Array(requestID.utf8CString)
        requestIDBuffer = .allocate(capacity: idBytes.count)
        requestIDBuffer.initialize(from: idBytes, count: idBytes.count)
        invocation = .allocate(capacity: 1)
        invocation.initialize(to: th_invocation(
            struct_size: UInt32(MemoryLayout<th_invocation>.size),
            flags: wantsProgress ? UInt32(TH_CALL_WANTS_PROGRESS) : 0,
            tool_index: tool.index,
            reserved: 0,
            tool_name: tool.namePointer,
            arguments_json: UnsafePointer(argumentsBuffer),
            arguments_len: arguments.count,
            request_id: UnsafePointer(requestIDBuffer),
            protocol_version: revision.cString))
    }

    deinit {
        argumentsBuffer.deallocate()
        requestIDBuffer.deallocate()
        invocation.deallocate()
    }

    /// The handle given to the plugin. Unretained: the host's table of live calls owns `self`.
    var handle: OpaquePointer { OpaquePointer(Unmanaged.passUnretained(self).toOpaque()) }

    public var isCancelled: Bool { state.withLock { $0.lifecycle.isCancelled } }

    /// Runs the plugin's invoke on the current (host worker) thread.
    func run() {
        if state.withLock({ $0.lifecycle.start() }) == .finishCancelled {
            finish(status: ABIStatus.cancelled)
            return
        }
        let status = WorkerPool.insidePlugin { tool.plugin.invoke(self) }
        if status == ABIStatus.pending { return }
        if status > 0 {
            _ = appendError("The plugin returned an unknown status \(status).")
        }
        finish(status: status > 0 ? ABIStatus.internal : status)
    }

    /// Marks the call cancelled and passes the hint to the plugin once it has started.
    /// - Returns: false when the call had already finished or been cancelled.
    @discardableResult
    func cancel() -> Bool {
        switch state.withLock({ $0.lifecycle.cancel() }) {
        case .ignore: return false
        case .marked: return true
        case .hintPlugin:
            tool.plugin.cancelHint(self)
            return true
        }
    }

    /// Answers the caller now with `outcome`, before the plugin finished (deadline, shutdown).
    /// The plugin's own completion is then discarded.
    func answerEarly(_ outcome: CallOutcome) {
        if state.withLock({ $0.lifecycle.answerEarly() }) { observer.complete(self, outcome) }
    }

    // MARK: Sinks called by the plugin (any thread)

    func appendContent(_ block: JSON) -> Int32 {
        state.withLock { s in
            guard s.lifecycle.acceptsResults else { return ABIStatus.state }
            s.outcome.content.append(block)
            return ABIStatus.ok
        }
    }

    func setStructured(_ value: JSON) -> Int32 {
        state.withLock { s in
            guard s.lifecycle.acceptsResults else { return ABIStatus.state }
            s.outcome.structured = value
            return ABIStatus.ok
        }
    }

    func appendError(_ message: String) -> Int32 {
        state.withLock { s in
            guard s.lifecycle.acceptsResults else { return ABIStatus.state }
            s.outcome.isError = true
            s.errorGiven = true
            s.outcome.content.append(.object(["type": "text", "text": .string(message)]))
            return ABIStatus.ok
        }
    }

    func progress(_ value: Double, total: Double, message: String?) -> Int32 {
        state.withLock { s in
            guard s.lifecycle.acceptsResults else { return ABIStatus.state }
            guard value.isFinite, value > s.lastProgress else { return ABIStatus.ok }
            s.lastProgress = value
            // Delivered under the lock, so a report can never overtake the result; the sink
            // only queues (never blocks). Nothing more is sent for a cancelled call.
            if !s.lifecycle.isCancelled, let sink = observer.progress {
                sink(value, total > 0 && total.isFinite ? total : nil, message)
            }
            return ABIStatus.ok
        }
    }

    func log(_ level: LogLevel, _ message: String) {
        observer.log?(level, message)
    }

    /// The plugin is done: `invoke` returned a final status or it called `complete`.
    /// - Parameter onPluginThread: the caller is a plugin thread, which must not block on the
    ///   client: deliver here only through `completeOnPluginThread`, else on a host thread.
    func finish(status: Int32, onPluginThread: Bool = false) {
        let result = state.withLock { s -> (CallOutcome, Bool)? in
            let deliver: Bool
            switch s.lifecycle.finish() {
            case .completedTwice: return nil
            case .release: deliver = false
            case .answerAndRelease: deliver = true
            }
            var outcome = s.outcome
            outcome.status = status
            if status < 0 {
                outcome.isError = true
                if !s.errorGiven {
                    outcome.content.append(.object(["type": "text", "text": .string(ABIStatus.describe(status, tool: tool.name))]))
                }
            }
            return (outcome, deliver)
        }
        guard let (outcome, deliver) = result else {
            tool.plugin.warnMisuse("completed call \(requestID) of tool \(tool.name) more than once")
            return
        }
        let finish: @Sendable () -> Void = { [self] in
            if deliver { observer.complete(self, outcome) }
            release(self)
        }
        if onPluginThread {
            if deliver, let now = observer.completeOnPluginThread, now(self, outcome) {
                release(self)
            } else {
                toHostThread(finish)
            }
        } else {
            finish()
        }
    }

    /// The whole result at once, from a plugin running in a runner process
    /// (``IsolatedPlugin``): what the runner's own call produced, or the report of its crash.
    /// Completes like `th_host.complete` from a plugin thread.
    func finishRemote(_ remote: CallOutcome) {
        state.withLock { s in
            guard s.lifecycle.acceptsResults else { return }
            s.outcome.content = remote.content
            s.outcome.structured = remote.structured
            if remote.isError || remote.status < 0 {
                s.outcome.isError = true
                s.errorGiven = true  // the runner already said why
            }
        }
        finish(status: remote.status > 0 ? ABIStatus.internal : remote.status, onPluginThread: true)
    }

    /// `th_host.complete`, called by the plugin from any thread.
    func pluginCompleted(status: Int32) {
        var final = status
        if status > 0 {
            tool.plugin.warnMisuse("completed call \(requestID) with status \(status) (TH_PENDING or unknown); treated as an internal error")
            final = ABIStatus.internal
        }
        finish(status: final, onPluginThread: true)
    }
}
