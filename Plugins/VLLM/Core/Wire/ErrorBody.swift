/// What an error response says, from any of the shapes servers use:
/// `{"error":{"message","type","param","code"}}` (vLLM 0.10.1 and later, llama.cpp, OpenAI),
/// `{"object":"error","message",…}` (vLLM before 0.10.1), `{"error":"Unauthorized"}` (vLLM's
/// API-key check) and `{"detail":…}` (FastAPI validation).
package struct ErrorBody: Sendable, Equatable {
    package var message: String?
    package var type: String?

    package init(message: String?, type: String?) {
        self.message = message
        self.type = type
    }

    /// Parses `bytes`; a body that is not JSON becomes its text (trimmed, shortened).
    package static func parse(_ bytes: some Collection<UInt8>) -> ErrorBody {
        guard let json = try? JSONValue(parsing: bytes) else {
            let text = String(decoding: bytes.prefix(600), as: UTF8.self).trimmingSpaces()
            return ErrorBody(message: text.isEmpty ? nil : text, type: nil)
        }
        return parse(json)
    }

    package static func parse(_ json: JSONValue) -> ErrorBody {
        switch json["error"] {
        case .object?:
            let error = json["error"]!
            return ErrorBody(message: error["message"]?.stringValue, type: error["type"]?.stringValue)
        case .string(let message)?:
            return ErrorBody(message: message, type: nil)
        default:
            break
        }
        if let message = json["message"]?.stringValue {
            return ErrorBody(message: message, type: json["type"]?.stringValue)
        }
        if let detail = json["detail"] {
            return ErrorBody(message: detail.stringValue ?? detail.jsonText, type: nil)
        }
        return ErrorBody(message: nil, type: nil)
    }
}
