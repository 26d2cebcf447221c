import ToolHostJSON

/// Reads fields of a request body the way vLLM's pydantic models accept them (lax mode: `"5"`
/// passes as an integer, `null` as absent), failing with a validation error shaped like FastAPI's.
struct RequestReader {
    let object: JSONObject

    /// Wraps a request body, which must be a JSON object.
    ///
    /// - Throws: A validation `APIError` when the body is missing, not JSON or not an object.
    init(body: JSON?, bodyError: JSONParseError?) throws(APIError) {
        if let bodyError {
            throw Self.issue(
                type: "json_invalid", loc: ["body", String(bodyError.offset)], msg: "JSON decode error",
                input: .object(JSONObject()), context: "Expecting value"
            )
        }
        guard let body else {
            throw Self.issue(type: "missing", loc: ["body"], msg: "Field required", input: .null)
        }
        guard case .object(let object) = body else {
            throw Self.issue(
                type: "model_attributes_type", loc: ["body"],
                msg: "Input should be a valid dictionary or object to extract fields from", input: body
            )
        }
        self.object = object
    }

    /// A reader over a nested object, such as `stream_options`.
    init(object: JSONObject) {
        self.object = object
    }

    /// The value of `key`, nil when absent or null.
    func value(_ key: String) -> JSON? {
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    func string(_ key: String) throws(APIError) -> String? {
        guard let value = value(key) else { return nil }
        guard let string = value.stringValue else {
            throw Self.issue(
                type: "string_type", loc: ["body", key], msg: "Input should be a valid string", input: value)
        }
        return string
    }

    func int(_ key: String) throws(APIError) -> Int? {
        guard let value = value(key) else { return nil }
        if let int = value.intValue { return int }
        if let text = value.stringValue, let int = Int(text.trimmingWhitespace()) { return int }
        if case .number = value {
            throw Self.issue(
                type: "int_from_float", loc: ["body", key],
                msg: "Input should be a valid integer, got a number with a fractional part",
                input: value
            )
        }
        throw Self.issue(
            type: value.stringValue == nil ? "int_type" : "int_parsing", loc: ["body", key],
            msg: value.stringValue == nil
                ? "Input should be a valid integer"
                : "Input should be a valid integer, unable to parse string as an integer",
            input: value
        )
    }

    func double(_ key: String) throws(APIError) -> Double? {
        guard let value = value(key) else { return nil }
        if let double = value.doubleValue { return double }
        if let text = value.stringValue, let double = Double(text.trimmingWhitespace()) { return double }
        throw Self.issue(
            type: value.stringValue == nil ? "float_type" : "float_parsing", loc: ["body", key],
            msg: value.stringValue == nil
                ? "Input should be a valid number"
                : "Input should be a valid number, unable to parse string as a number",
            input: value
        )
    }

    func bool(_ key: String) throws(APIError) -> Bool? {
        guard let value = value(key) else { return nil }
        switch value {
        case .bool(let bool): return bool
        case .number where value.pythonInt == 0: return false
        case .number where value.pythonInt == 1: return true
        case .string(let text):
            switch text.lowercased() {
            case "true", "yes", "on", "1", "t", "y": return true
            case "false", "no", "off", "0", "f", "n": return false
            default: break
            }
        default: break
        }
        throw Self.issue(type: "bool_type", loc: ["body", key], msg: "Input should be a valid boolean", input: value)
    }

    /// A field typed `str | list[str]`, such as `stop`.
    func stringList(_ key: String) throws(APIError) -> [String]? {
        guard let value = value(key) else { return nil }
        if let string = value.stringValue { return [string] }
        if let array = value.arrayValue {
            var strings: [String] = []
            for (index, element) in array.enumerated() {
                guard let string = element.stringValue else {
                    throw Self.issue(
                        type: "string_type", loc: ["body", key, String(index)], msg: "Input should be a valid string",
                        input: element
                    )
                }
                strings.append(string)
            }
            return strings
        }
        throw Self.issue(type: "string_type", loc: ["body", key], msg: "Input should be a valid string", input: value)
    }

    func object(_ key: String) throws(APIError) -> JSONObject? {
        guard let value = value(key) else { return nil }
        guard let object = value.objectValue else {
            throw Self.issue(
                type: "model_type", loc: ["body", key], msg: "Input should be a valid dictionary or instance",
                input: value
            )
        }
        return object
    }

    /// A validation error as vLLM 0.32 reports it: pydantic's error with a dotted location and
    /// containers summarized, e.g. `1 validation error:\n  {'type': 'missing', 'loc':
    /// 'body.messages', 'msg': 'Field required', 'input': '<dict of 1 items>'}`.
    static func issue(type: String, loc: [String], msg: String, input: JSON, context: String? = nil) -> APIError {
        let location = loc.joined(separator: ".")
        var text = "1 validation error:\n  {'type': '\(type)', 'loc': '\(location)', 'msg': '\(msg)', 'input': \(summary(input))"
        if let context { text += ", 'ctx': {'error': '\(context)'}" }
        return .validation(text + "}", param: location)
    }

    /// The input as vLLM's error shows it: containers by their size, scalars as Python writes them.
    private static func summary(_ value: JSON) -> String {
        switch value {
        case .null: return "None"
        case .bool(let bool): return bool ? "True" : "False"
        case .number(let number): return value.pythonInt.map(String.init) ?? number.doubleValue.description
        case .string(let string): return "'\(string.replacingAll("'", with: "\\'"))'"
        case .array(let array): return "'<list of \(array.count) items>'"
        case .object(let object): return "'<dict of \(object.members.count) items>'"
        }
    }
}
