/// A JSON value as it travels through the host.
///
/// Numbers keep the exact text they arrived with, so a 64-bit integer or a long decimal passes
/// from a client to a plugin without losing digits; objects keep their member order, so what
/// the host writes reads like what the plugin wrote.
public enum JSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSON])
    case object(JSONObject)

    /// The member `key` of an object, or `nil` for other values and absent keys.
    public subscript(key: String) -> JSON? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var arrayValue: [JSON]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var numberValue: JSONNumber? {
        if case .number(let n) = self { return n }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The JSON Schema type name of this value ("integer" for numbers without a fraction).
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number(let n): n.isInteger ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    public static func int(_ value: Int) -> JSON { .number(JSONNumber(value)) }
    public static func integer(_ value: Int64) -> JSON { .number(JSONNumber(value)) }
    public static func double(_ value: Double) -> JSON { .number(JSONNumber(value)) }

    /// A finite `value` as a number; NaN and the infinities, which JSON cannot carry, as `null`
    /// (where ``double(_:)`` writes 0).
    public static func finite(_ value: Double) -> JSON { value.isFinite ? .double(value) : .null }

    /// A string, or `null` when `value` is nil (a field that is present but unset).
    public static func optional(_ value: String?) -> JSON { value.map(JSON.string) ?? .null }

    /// A number, or `null` when `value` is nil (a field that is present but unset).
    public static func optional(_ value: Int?) -> JSON { value.map(JSON.int) ?? .null }

    /// The element at `index` of an array, or `nil` for other values and indices out of range.
    public subscript(index: Int) -> JSON? {
        if case .array(let array) = self, array.indices.contains(index) { return array[index] }
        return nil
    }

    /// The value of a number as a double (nil for other values).
    public var doubleValue: Double? { numberValue?.doubleValue }

    /// The value of a number that is an integer and fits an `Int` (`2.0` counts).
    public var intValue: Int? { numberValue?.int64Value.flatMap { Int(exactly: $0) } }

    /// Parses one JSON value (in place when `bytes` are contiguous).
    /// - Throws: ``JSONParseError``.
    public init(parsing bytes: some Collection<UInt8>) throws(JSONParseError) {
        self = try JSONParser.parse(bytes, invalidUnicode: .reject)
    }

    public init(parsing text: String) throws(JSONParseError) {
        self = try JSONParser.parse(text)
    }

    /// Parses one JSON value (in place when `bytes` are contiguous).
    /// - Parameter invalidUnicode: whether invalid UTF-8 and lone surrogate escapes in strings
    ///   are errors (as `init(parsing:)` has them) or read as U+FFFD.
    /// - Throws: ``JSONParseError``.
    public init(parsing bytes: some Collection<UInt8>, invalidUnicode: InvalidUnicodePolicy) throws(JSONParseError) {
        self = try JSONParser.parse(bytes, invalidUnicode: invalidUnicode)
    }

    public init(parsing text: String, invalidUnicode: InvalidUnicodePolicy) throws(JSONParseError) {
        self = try JSONParser.parse(text, invalidUnicode: invalidUnicode)
    }
}

/// A JSON number, held as its literal text (validated by the parser or produced from a Swift
/// number).
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    /// Wraps text already known to be a valid JSON number literal (not checked).
    package init(literal: String) { self.text = literal }

    public init(_ value: Int) { self.text = String(value) }
    public init(_ value: Int64) { self.text = String(value) }
    public init(_ value: UInt64) { self.text = String(value) }

    /// A finite double in the shortest text that reads back to the same value; non-finite
    /// values, which JSON cannot carry, become 0.
    public init(_ value: Double) {
        guard value.isFinite else {
            self.text = "0"
            return
        }
        if value == value.rounded(), abs(value) < 1e15 {
            self.text = String(Int64(value))
        } else {
            self.text = "\(value)"
        }
    }

    public var description: String { text }

    public var doubleValue: Double { Double(text) ?? .nan }

    /// The value as an integer, when it is one that fits (`1`, `-3`, `2.0`, `1e3`).
    public var int64Value: Int64? {
        if let v = Int64(text) { return v }
        let d = doubleValue
        guard d.isFinite, d == d.rounded(), abs(d) < 9.2e18 else { return nil }
        return Int64(d)
    }

    /// True when the value has no fractional part (JSON Schema's "integer").
    public var isInteger: Bool {
        if isPlainInteger { return true }
        let d = doubleValue
        return d.isFinite && d == d.rounded()
    }

    /// True when the literal is written without fraction or exponent.
    public var isPlainInteger: Bool {
        !text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") })
    }
}

/// A JSON object that keeps its members in order. Lookups are linear, which is fastest for
/// the small objects of a protocol; a repeated key resolves to its last occurrence.
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public var members: [(key: String, value: JSON)]

    public init() { members = [] }
    public init(_ members: [(key: String, value: JSON)]) { self.members = members }
    public init(dictionaryLiteral elements: (String, JSON)...) {
        members = elements.map { (key: $0.0, value: $0.1) }
    }

    public subscript(key: String) -> JSON? {
        get {
            for member in members.reversed() where member.key == key { return member.value }
            return nil
        }
        set {
            // An existing member keeps its position; a new one goes at the end.
            guard let first = members.firstIndex(where: { $0.key == key }) else {
                if let newValue { members.append((key: key, value: newValue)) }
                return
            }
            guard let newValue else {
                members.removeAll { $0.key == key }
                return
            }
            members[first].value = newValue
            let rest = members.index(after: first)
            if members[rest...].contains(where: { $0.key == key }) {
                members.replaceSubrange(rest..., with: members[rest...].filter { $0.key != key })
            }
        }
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSON)]> {
        members.makeIterator()
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for member in lhs.members where rhs[member.key] != member.value { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(members.count)
        for member in members.sorted(by: { $0.key < $1.key }) {
            hasher.combine(member.key)
            hasher.combine(member.value)
        }
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) }))
    }
    public init(nilLiteral: ()) { self = .null }
}
