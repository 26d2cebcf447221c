/// A failed exchange with the server, with a message a person can act on.
///
/// Messages name the server by its URL (never with credentials) and never contain the API key.
package struct UpstreamError: Error, Sendable, CustomStringConvertible {
    package enum Code: Sendable, Equatable {
        case cannotConnect
        case connectTimeout
        case readTimeout
        case unauthorized
        case unknownModel
        case notFound
        case contextTooLong
        case badRequest
        case serverError
        case streamCut
        case streamError
        case invalidResponse
        /// The server sent more than `max_tokens` allows (``GenerationLimits``).
        case sentTooMuch
        /// The server answered with a redirect, which the plugin does not follow.
        case redirected
        case noModels
        /// The server answered without any choice.
        case noChoices
        case cancelled
    }

    package let code: Code
    /// The HTTP status, when the server answered.
    package let status: Int?
    package let message: String
    /// What the server said, when it said something (already free of the API key).
    package let upstreamMessage: String?

    package init(_ code: Code, status: Int? = nil, message: String, upstreamMessage: String? = nil) {
        self.code = code
        self.status = status
        self.message = message
        self.upstreamMessage = upstreamMessage
    }

    package var description: String { message }

    package static let cancelled = UpstreamError(.cancelled, message: "The call was cancelled.")

    /// How the failure ends the tool call.
    package var failureKind: ToolFailure.Kind {
        switch code {
        case .cannotConnect: .unavailable
        case .connectTimeout, .readTimeout: .timeout
        case .cancelled: .cancelled
        case .unknownModel, .contextTooLong, .badRequest: .invalidArgument
        default: .failed
        }
    }

    package var toolFailure: ToolFailure { ToolFailure(failureKind, message) }
}

/// Why a tool call failed, in the terms of the host ABI's status codes.
package struct ToolFailure: Error, Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        case failed, invalidArgument, cancelled, timeout, unavailable, `internal`
    }

    package let kind: Kind
    package let message: String

    package init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}
