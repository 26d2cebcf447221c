import NIOCore
import NIOHTTP1
import ToolHostJSON

/// A complete, non-streamed HTTP response.
struct HTTPReply {
    var status: HTTPResponseStatus
    var contentType: String?
    var body: ByteBuffer
    /// More headers (e.g. `location`).
    var headers: HTTPHeaders = [:]

    /// A JSON response as Starlette's `JSONResponse` writes it.
    static func json(_ value: JSON, status: HTTPResponseStatus = .ok) -> HTTPReply {
        var body = ByteBuffer()
        value.write(into: &body)
        return HTTPReply(status: status, contentType: "application/json", body: body)
    }

    /// A response with no body, as Starlette's bare `Response(status_code=…)`.
    static func empty(_ status: HTTPResponseStatus) -> HTTPReply {
        HTTPReply(status: status, contentType: nil, body: ByteBuffer())
    }

    /// A plain-text response.
    static func text(_ text: String, contentType: String, status: HTTPResponseStatus = .ok) -> HTTPReply {
        HTTPReply(status: status, contentType: contentType, body: ByteBuffer(string: text))
    }

    /// FastAPI's answer for a path no route matches.
    static let notFound = HTTPReply.json(["detail": "Not Found"], status: .notFound)

    /// FastAPI's answer for a known path with the wrong method.
    static let methodNotAllowed = HTTPReply.json(["detail": "Method Not Allowed"], status: .methodNotAllowed)

    /// vLLM's API-key middleware's answer: a flat body, whatever the error style.
    static let unauthorized = HTTPReply.json(["error": "Unauthorized"], status: .unauthorized)

    /// vLLM's answer when the engine is dead: the `EngineDeadError` handler returns an empty 500.
    static let engineDead = HTTPReply.empty(.internalServerError)
}
