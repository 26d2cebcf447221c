import ToolHostJSON

/// Reads a call's arguments. The host has already checked them against the tool's input
/// schema, so wrong types are rare; they still end in a clear message rather than a crash.
package struct ToolArguments: Sendable {
    package let values: JSONObject

    package init(json bytes: some Collection<UInt8>) throws(ToolFailure) {
        guard case .object(let values)? = try? JSON(parsing: bytes) else {
            throw ToolFailure(.invalidArgument, "Error: the arguments are not a JSON object")
        }
        self.values = values
    }

    package func string(_ key: String) throws(ToolFailure) -> String? {
        switch values[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        default: throw Self.wrongType(key, "a string")
        }
    }

    /// A finite number (JSON cannot say NaN; a literal too large for a double is refused).
    package func number(_ key: String) throws(ToolFailure) -> Double? {
        switch values[key] {
        case nil, .null?: return nil
        case let value?:
            guard let d = value.doubleValue, d.isFinite else { throw Self.wrongType(key, "a number") }
            return d
        }
    }

    package func integer(_ key: String) throws(ToolFailure) -> Int? {
        switch values[key] {
        case nil, .null?: return nil
        case let value?:
            guard let i = value.intValue else { throw Self.wrongType(key, "an integer") }
            return i
        }
    }

    /// A list of strings; a single string is taken as a list of one (as vLLM's `stop` allows).
    package func strings(_ key: String) throws(ToolFailure) -> [String]? {
        switch values[key] {
        case nil, .null?: return nil
        case .string(let s)?: return [s]
        case .array(let items)?:
            var list: [String] = []
            for item in items {
                guard let s = item.stringValue else { throw Self.wrongType(key, "a list of strings") }
                list.append(s)
            }
            return list
        default: throw Self.wrongType(key, "a list of strings")
        }
    }

    package func object(_ key: String) throws(ToolFailure) -> JSON? {
        switch values[key] {
        case nil, .null?: return nil
        case .object(let o)?: return .object(o)
        default: throw Self.wrongType(key, "an object")
        }
    }

    /// The optional sampling arguments shared by chat and completion (chat adds
    /// `chat_template_kwargs`).
    package func sampling() throws(ToolFailure) -> SamplingOptions {
        var options = SamplingOptions()
        options.topP = try number("top_p")
        options.topK = try integer("top_k")
        options.minP = try number("min_p")
        options.stop = try strings("stop")
        options.seed = try integer("seed").map(Int64.init)
        options.presencePenalty = try number("presence_penalty")
        options.frequencyPenalty = try number("frequency_penalty")
        options.repetitionPenalty = try number("repetition_penalty")
        options.responseFormat = try object("response_format")
        return options
    }

    static func wrongType(_ key: String, _ expected: String) -> ToolFailure {
        ToolFailure(.invalidArgument, "Error: `\(key)` must be \(expected)")
    }
}
