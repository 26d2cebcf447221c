/// The state of the one connection a stdio server has.
struct Session {
    /// `initialize` has been answered; the handshake era's methods are open.
    var initialized = false
    /// The revision negotiated by `initialize`.
    var revision: ProtocolRevision?
    /// `notifications/initialized` arrived.
    var clientReady = false
    /// Set by `logging/setLevel`: the least severe level the client wants to receive.
    var logLevel: LogLevel?
    var clientName: String?
    /// Shutting down: no new work is accepted.
    var stopping = false
}

/// How one request is to be answered and shaped.
struct RequestContext: Sendable {
    let id: RequestID
    let method: String
    let revision: ProtocolRevision
    /// `params._meta.progressToken`, when the client wants progress.
    let progressToken: JSON?
    /// The level at which this request's log lines reach the client (modern: the request's
    /// own deprecated `logLevel`; handshake: the connection's level when the request began).
    let logLevel: LogLevel?
    let batch: Batch?

    var isModern: Bool { revision.isModern }
}

/// An entry in the table of requests that are still running.
enum InFlight {
    case call(ToolCall)
    /// A request a plugin answers other than tools/call (prompts/get).
    case request(PluginRequest)
    case subscription(Subscription)
}

/// A `subscriptions/listen` stream (2026-07-28).
final class Subscription: Sendable {
    let id: RequestID
    let toolsListChanged: Bool

    init(id: RequestID, toolsListChanged: Bool) {
        self.id = id
        self.toolsListChanged = toolsListChanged
    }
}
