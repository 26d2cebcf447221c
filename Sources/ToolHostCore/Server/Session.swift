/// The state of the one connection a stdio server has.
struct Session {
    /// `initialize` has been answered; the handshake era's methods are open.
    var initialized = false
    /// The revision negotiated by `initialize`.
    var revision: ProtocolRevision?
    /// Set by `logging/setLevel`: the least severe level the client wants to receive.
    var logLevel: LogLevel?
    /// `resources/subscribe`d URIs (handshake era).
    var subscribedURIs: Set<String> = []
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

    func isCall(_ call: ToolCall) -> Bool {
        if case .call(let c) = self { return c === call }
        return false
    }

    func isRequest(_ request: PluginRequest) -> Bool {
        if case .request(let r) = self { return r === request }
        return false
    }
}

/// A `subscriptions/listen` stream (2026-07-28): the events it asked for and was granted.
final class Subscription: Sendable {
    let id: RequestID
    let lists: Set<ListKind>
    let resourceURIs: Set<String>

    init(id: RequestID, lists: Set<ListKind>, resourceURIs: Set<String>) {
        self.id = id
        self.lists = lists
        self.resourceURIs = resourceURIs
    }

    func wants(_ event: ServerEvent) -> Bool {
        switch event {
        case .listChanged(let kind): lists.contains(kind)
        case .resourceUpdated(let uri): resourceURIs.contains(uri)
        }
    }
}

/// The lists whose changes a client can hear about.
enum ListKind: Sendable, CaseIterable {
    case tools, prompts, resources

    /// The notification's method, in both eras.
    var method: String {
        switch self {
        case .tools: "notifications/tools/list_changed"
        case .prompts: "notifications/prompts/list_changed"
        case .resources: "notifications/resources/list_changed"
        }
    }

    /// The `subscriptions/listen` filter key.
    var filterKey: String {
        switch self {
        case .tools: "toolsListChanged"
        case .prompts: "promptsListChanged"
        case .resources: "resourcesListChanged"
        }
    }
}

/// A change a client may be told about.
enum ServerEvent: Sendable {
    case listChanged(ListKind)
    case resourceUpdated(String)
}
