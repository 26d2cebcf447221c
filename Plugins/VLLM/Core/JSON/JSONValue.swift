/// Any JSON value: what the plugin reads (arguments, configuration, responses, stream events)
/// and writes (request bodies, structured results), with its own byte-level reader and writer
/// (`JSONValue+Reading`, `JSONValue+Writing`) rather than Foundation's Codable, which costs
/// tens of microseconds per call.
package enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case integer(Int64)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    package subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    package var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    package var doubleValue: Double? {
        switch self {
        case .number(let d): return d
        case .integer(let i): return Double(i)
        default: return nil
        }
    }

    package var intValue: Int? {
        switch self {
        case .integer(let i): return Int(exactly: i)
        case .number(let d): return Int(exactly: d)
        default: return nil
        }
    }

    package var isNull: Bool { self == .null }
}

