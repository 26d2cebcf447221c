import NIOHTTP1
import ToolHostJSON

/// An error vLLM's OpenAI server reports with its error body (`ErrorResponse`).
struct APIError: Error {
    var status: HTTPResponseStatus
    var message: String
    var type: String
    var param: String?

    /// A 400 raised while serving (`create_error_response`'s default type). When the error names
    /// a parameter, vLLM 0.32 appends ` (parameter=NAME, value=VALUE)` (or ` (parameter=NAME)`)
    /// to the message and sets `param`.
    static func badRequest(_ message: String, param: String? = nil, value: String? = nil) -> APIError {
        var message = message
        if let param { message += value.map { " (parameter=\(param), value=\($0))" } ?? " (parameter=\(param))" }
        return APIError(status: .badRequest, message: message, type: "BadRequestError", param: param)
    }

    /// A 400 from request-body validation; vLLM's handler uses the status phrase as the type and
    /// the error's location (`body.messages`) as `param`.
    static func validation(_ message: String, param: String?) -> APIError {
        APIError(status: .badRequest, message: message, type: "Bad Request", param: param)
    }

    /// The 404 for a model name that is not served; vLLM 0.32 lists the served names.
    static func modelNotFound(_ name: String, served: [String]) -> APIError {
        APIError(
            status: .notFound,
            message: "The model `\(name)` does not exist. Valid aliases: \(served.joined(separator: ", ")).",
            type: "NotFoundError", param: "model"
        )
    }

    /// An error with `status` injected by a scenario.
    static func injected(status: Int, message: String) -> APIError {
        let type: String
        switch status {
        case 400: type = "BadRequestError"
        case 404: type = "NotFoundError"
        case 500: type = "InternalServerError"
        case 501: type = "NotImplementedError"
        case 503: type = "ServiceUnavailableError"
        default: type = "Error"
        }
        return APIError(status: HTTPResponseStatus(statusCode: status), message: message, type: type, param: nil)
    }

    /// The error body in the given style.
    func body(style: ErrorStyle) -> JSON {
        switch style {
        case .nested:
            return [
                "error": [
                    "message": .string(message), "type": .string(type), "param": .optional(param),
                    "code": .int(Int(status.code)),
                ]
            ]
        case .flat:
            return [
                "object": "error", "message": .string(message), "type": .string(type), "param": .optional(param),
                "code": .int(Int(status.code)),
            ]
        }
    }

    /// The complete response carrying this error.
    func reply(style: ErrorStyle) -> HTTPReply {
        .json(body(style: style), status: status)
    }
}
