/// A JSON-RPC request id: a string or a number, echoed back exactly as received.
public struct RequestID: Hashable, Sendable, CustomStringConvertible {
    public let json: JSON

    /// Accepts the id forms JSON-RPC allows and MCP keeps (string or number; never null).
    public init?(_ json: JSON) {
        switch json {
        case .string, .number: self.json = json
        default: return nil
        }
    }

    public var description: String { JSONWriter.string(json) }
}

/// The JSON-RPC error codes this server uses, in one place.
public enum RPCErrorCode {
    public static let parseError = -32700
    public static let invalidRequest = -32600
    public static let methodNotFound = -32601
    public static let invalidParams = -32602
    public static let internalError = -32603
    /// Handshake era (retired in 2026-07-28, which uses -32602): resources/read of a URI
    /// no resource has.
    public static let resourceNotFound = -32002
    /// 2026-07-28: the request's protocol version is not supported.
    public static let unsupportedProtocolVersion = -32022
}

/// An error to send as a JSON-RPC error response.
public struct RPCError: Error, Sendable {
    public let code: Int
    public let message: String
    public let data: JSON?

    public init(_ code: Int, _ message: String, data: JSON? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public static func invalidRequest(_ message: String) -> RPCError { RPCError(RPCErrorCode.invalidRequest, message) }
    public static func invalidParams(_ message: String) -> RPCError { RPCError(RPCErrorCode.invalidParams, message) }
    public static func methodNotFound(_ method: String) -> RPCError {
        RPCError(RPCErrorCode.methodNotFound, "Method not found: \(method)")
    }

    var json: JSON {
        var object: JSONObject = ["code": .int(code), "message": .string(message)]
        if let data { object["data"] = data }
        return .object(object)
    }
}

/// One incoming JSON-RPC message, classified.
enum RPCMessage {
    case request(id: RequestID, method: String, params: JSONObject?)
    case notification(method: String, params: JSONObject?)
    /// A response from the client. This server never sends requests, so these are unexpected.
    case response(id: JSON?)
    /// Not a valid JSON-RPC message; answer with this error, addressed to `id` when it could be
    /// read.
    case invalid(id: RequestID?, error: RPCError)

    /// Classifies a parsed JSON value as JSON-RPC 2.0 (the parse itself happened before).
    init(_ value: JSON) {
        guard case .object(let object) = value else {
            self = .invalid(id: nil, error: .invalidRequest("Invalid Request: a message must be a JSON object, not \(value.typeName == "integer" ? "a number" : SchemaValidator.article(value.typeName))"))
            return
        }
        let rawID = object["id"]
        let id = rawID.flatMap(RequestID.init)
        guard object["jsonrpc"] == .string("2.0") else {
            self = .invalid(id: id, error: .invalidRequest("Invalid Request: \"jsonrpc\" must be \"2.0\""))
            return
        }
        if let rawID, id == nil {
            self = .invalid(id: nil, error: .invalidRequest("Invalid Request: \"id\" must be a string or a number, not \(SchemaValidator.describe(rawID))"))
            return
        }
        guard let methodValue = object["method"] else {
            if object["result"] != nil || object["error"] != nil {
                self = .response(id: rawID)
            } else {
                self = .invalid(id: id, error: .invalidRequest("Invalid Request: \"method\" is missing"))
            }
            return
        }
        guard case .string(let method) = methodValue else {
            self = .invalid(id: id, error: .invalidRequest("Invalid Request: \"method\" must be a string"))
            return
        }
        var params: JSONObject?
        switch object["params"] {
        case nil: params = nil
        case .object(let p): params = p
        case .array?:
            self = .invalid(id: id, error: .invalidParams("Invalid params: MCP takes \"params\" as an object, not an array"))
            return
        case let other?:
            self = .invalid(id: id, error: .invalidRequest("Invalid Request: \"params\" must be an object, not \(SchemaValidator.describe(other))"))
            return
        }
        if let id {
            self = .request(id: id, method: method, params: params)
        } else {
            self = .notification(method: method, params: params)
        }
    }
}

/// Builds outgoing JSON-RPC messages as bytes.
enum RPCEncoder {
    static func response(id: RequestID, result: JSON) -> [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writer.writeRaw("{\"jsonrpc\":\"2.0\",\"id\":")
        writer.write(id.json)
        writer.writeRaw(",\"result\":")
        writer.write(result)
        writer.writeRaw("}")
        return writer.bytes
    }

    static func error(id: RequestID?, _ error: RPCError) -> [UInt8] {
        var writer = JSONWriter(capacity: 128)
        writer.writeRaw("{\"jsonrpc\":\"2.0\",\"id\":")
        writer.write(id?.json ?? .null)
        writer.writeRaw(",\"error\":")
        writer.write(error.json)
        writer.writeRaw("}")
        return writer.bytes
    }

    static func notification(method: String, params: JSON) -> [UInt8] {
        var writer = JSONWriter(capacity: 128)
        writer.writeRaw("{\"jsonrpc\":\"2.0\",\"method\":")
        writer.writeString(method)
        writer.writeRaw(",\"params\":")
        writer.write(params)
        writer.writeRaw("}")
        return writer.bytes
    }
}
