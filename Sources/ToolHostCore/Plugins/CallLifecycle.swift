/// The life of one call a plugin answers (a tool call, or a prompts/get, resources/read or
/// completion/complete request) as a state machine: events in, actions out. It has no threads
/// and no locks: its owner (``ToolCall``, ``PluginRequest``) keeps it under its own lock and
/// carries out the actions after unlocking, so every transition is tested without threads
/// (ToolHostCoreTests, CallLifecycleTests).
///
///     queued ──start──▶ running ──finish──▶ finished
///       │                                     ▲
///       └───────────────start (cancelled)─────┘
///
/// Besides its place, a live call remembers two facts: it was cancelled (by the client, a
/// deadline or shutdown; a hint the plugin may act on) and the caller was already answered
/// (early, by the host: a deadline or shutdown), after which the plugin's own result is
/// dropped.
struct CallLifecycle: Equatable {
    struct Marks: Equatable {
        var cancelled = false
        var answered = false
    }

    enum State: Equatable {
        /// Accepted, waiting for a worker; the plugin has not seen it.
        case queued(Marks)
        /// The plugin has it: `invoke` (or `get`, `read`, `complete`) was entered and the call
        /// has not completed.
        case running(Marks)
        /// The plugin completed it (or it ended before the plugin saw it). Final.
        case finished
    }

    private(set) var state = State.queued(Marks())

    var isCancelled: Bool {
        switch state {
        case .queued(let m), .running(let m): m.cancelled
        case .finished: false
        }
    }

    /// Whether the plugin may still add to the result (the sinks; `th_host` answers
    /// TH_ERR_STATE otherwise).
    var acceptsResults: Bool { state != .finished }

    // MARK: Events

    enum StartAction: Equatable {
        /// Run the plugin.
        case invoke
        /// Cancelled while queued: finish without the plugin, as cancelled.
        case finishCancelled
    }

    /// A worker picks the call up.
    mutating func start() -> StartAction {
        guard case .queued(let marks) = state else {
            preconditionFailure("a call is started once")
        }
        state = .running(marks)
        return marks.cancelled ? .finishCancelled : .invoke
    }

    enum CancelAction: Equatable {
        /// Already cancelled or finished: nothing to do.
        case ignore
        /// Marked; the plugin has not seen the call, so there is no one to tell.
        case marked
        /// Marked; tell the running plugin (its `cancel` hint).
        case hintPlugin
    }

    /// The client, a deadline or shutdown cancels the call.
    mutating func cancel() -> CancelAction {
        switch state {
        case .queued(var m) where !m.cancelled:
            m.cancelled = true
            state = .queued(m)
            return .marked
        case .running(var m) where !m.cancelled:
            m.cancelled = true
            state = .running(m)
            return .hintPlugin
        default:
            return .ignore
        }
    }

    /// The host answers the caller before the plugin finished (deadline, shutdown).
    /// - Returns: whether to send that answer (false when the caller was answered already).
    mutating func answerEarly() -> Bool {
        switch state {
        case .queued(var m) where !m.answered:
            m.answered = true
            state = .queued(m)
            return true
        case .running(var m) where !m.answered:
            m.answered = true
            state = .running(m)
            return true
        default:
            return false
        }
    }

    enum FinishAction: Equatable {
        /// Answer the caller with the plugin's result, then release the call.
        case answerAndRelease(cancelled: Bool)
        /// The caller was answered early: drop the result, release the call.
        case release
        /// The plugin completed the call a second time: a misuse to report, nothing else.
        case completedTwice
    }

    /// The plugin is done: `invoke` returned a final status, or it called `complete`.
    mutating func finish() -> FinishAction {
        switch state {
        case .queued(let m), .running(let m):
            state = .finished
            return m.answered ? .release : .answerAndRelease(cancelled: m.cancelled)
        case .finished:
            return .completedTwice
        }
    }
}
