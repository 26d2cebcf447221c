import NIOHTTP1
import ToolHostJSON

/// One request as the double received it, and how its response ended.
package struct RecordedRequest: Sendable {
    /// Sequential id, from 1, in order of arrival.
    package let id: Int
    /// The HTTP method, e.g. `POST`.
    package let method: String
    /// The request target as sent, query included.
    package let path: String
    /// All request headers, `Authorization` included.
    package let headers: HTTPHeaders
    /// The body as text (empty when there was none).
    package let body: String
    /// The body parsed as JSON, when it was JSON.
    package let json: JSON?
    /// When the request's last byte arrived.
    package let receivedAt: ContinuousClock.Instant
    /// The status of the response head, once one was sent.
    package internal(set) var status: Int?
    /// How the exchange ended so far.
    package internal(set) var outcome: Outcome
    /// When the response ended (completed, cut or abandoned).
    package internal(set) var finishedAt: ContinuousClock.Instant?

    /// The `Authorization` header, if sent.
    package var authorization: String? { headers.first(name: "authorization") }

    /// Whether the client closed the connection before the response was complete.
    package var clientDisconnected: Bool { outcome == .clientDisconnected }
}

extension RecordedRequest {
    /// How the exchange of one request ended.
    package enum Outcome: Sendable, Equatable {
        /// The response is still being produced.
        case inProgress
        /// The whole response was written.
        case completed
        /// The client closed the connection before the response was complete (vLLM aborts).
        case clientDisconnected
        /// The double closed the connection on purpose (`cut-after`).
        case cutByServer
    }
}
