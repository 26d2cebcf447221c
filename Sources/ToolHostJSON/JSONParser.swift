/// Why a text is not acceptable JSON, with the byte offset where reading stopped.
public struct JSONParseError: Error, Sendable, CustomStringConvertible {
    public let offset: Int
    public let reason: String

    public var description: String { "\(reason) at byte \(offset)" }
}

/// What the parser does with text that is not valid Unicode: invalid UTF-8 inside a string, or
/// a `\u` escape that is a lone surrogate.
public enum InvalidUnicodePolicy: Sendable {
    /// An error (the default: a protocol peer's text must be valid).
    case reject
    /// Each bad sequence reads as U+FFFD, as `String(decoding:as:)` repairs UTF-8; for a client
    /// that must read whatever a server sends.
    case replace
}

/// Reads JSON text (RFC 8259) into ``JSON`` values.
///
/// Strict where it matters for a protocol peer: invalid UTF-8, control characters in strings,
/// lone surrogates, trailing data and nesting beyond ``maxDepth`` are errors, never silently
/// repaired (unless asked to with ``InvalidUnicodePolicy/replace``). Recursion is bounded by
/// `maxDepth`, so hostile nesting cannot exhaust the stack.
public struct JSONParser {
    public static let defaultMaxDepth = 512

    /// Parses exactly one JSON value from `bytes` (surrounding whitespace allowed).
    /// - Throws: ``JSONParseError``.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSON {
        try parse(bytes, maxDepth: maxDepth, invalidUnicode: .reject)
    }

    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSON {
        try parse(bytes, maxDepth: maxDepth, invalidUnicode: .reject)
    }

    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSON {
        try parse(Array(text.utf8), maxDepth: maxDepth, invalidUnicode: .reject)
    }

    /// Parses exactly one JSON value from `bytes`, with a choice of what invalid Unicode in a
    /// string is.
    /// - Throws: ``JSONParseError``.
    public static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = defaultMaxDepth, invalidUnicode: InvalidUnicodePolicy
    ) throws(JSONParseError) -> JSON {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth, invalidUnicode: invalidUnicode)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.index != bytes.count { throw parser.error("unexpected data after the JSON value") }
        return value
    }

    public static func parse(
        _ bytes: [UInt8], maxDepth: Int = defaultMaxDepth, invalidUnicode: InvalidUnicodePolicy
    ) throws(JSONParseError) -> JSON {
        do {
            return try bytes.withUnsafeBufferPointer { try parse($0, maxDepth: maxDepth, invalidUnicode: invalidUnicode) }
        } catch let e as JSONParseError {
            throw e
        } catch {
            fatalError("unreachable")
        }
    }

    public static func parse(
        _ text: String, maxDepth: Int = defaultMaxDepth, invalidUnicode: InvalidUnicodePolicy
    ) throws(JSONParseError) -> JSON {
        try parse(Array(text.utf8), maxDepth: maxDepth, invalidUnicode: invalidUnicode)
    }

    /// Parses `bytes` in place when they are contiguous (an `Array`, a NIO `ByteBufferView`),
    /// otherwise from a copy.
    public static func parse(
        _ bytes: some Collection<UInt8>, maxDepth: Int = defaultMaxDepth, invalidUnicode: InvalidUnicodePolicy
    ) throws(JSONParseError) -> JSON {
        let result = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParseError) in try parse(buffer, maxDepth: maxDepth, invalidUnicode: invalidUnicode) }
        }
        if let result { return try result.get() }
        return try parse(Array(bytes), maxDepth: maxDepth, invalidUnicode: invalidUnicode)
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private let maxDepth: Int
    private let replacesInvalidUnicode: Bool
    private var index = 0
    private var scratch: [UInt8] = []

    private init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int, invalidUnicode: InvalidUnicodePolicy) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.replacesInvalidUnicode = invalidUnicode == .replace
    }

    private func error(_ reason: String) -> JSONParseError {
        JSONParseError(offset: index, reason: reason)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONParseError) -> JSON {
        guard index < bytes.count else { throw error("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected character")
        }
    }

    private mutating func expectWord(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("unexpected end of input") }
        let p = word.utf8Start
        for i in 0..<count where bytes[index + i] != p[i] { throw error("invalid literal") }
        index += count
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSON {
        if depth > maxDepth { throw error("nesting deeper than \(maxDepth) levels") }
        index += 1
        var members: [(key: String, value: JSON)] = []
        var seen: Set<String> = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(JSONObject(members))
        }
        // Room for the few members most objects have, in one allocation instead of growing
        // from one to two to four.
        members.reserveCapacity(4)
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input") }
            guard bytes[index] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let keyOffset = index
            let key = try parseString()
            if isDuplicate(key, in: members, seen: &seen) {
                throw JSONParseError(offset: keyOffset, reason: "duplicate member name \(JSONWriter.string(.string(key))) in one object (names must be unique: readers disagree on which one counts)")
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.append((key: key, value: value))
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return .object(JSONObject(members))
            default: throw error("expected ',' or '}'")
            }
        }
    }

    /// Whether `key` already names a member. Small objects are scanned; from
    /// `hashedFrom` members on, the names are kept in `seen` so a huge object stays linear.
    private func isDuplicate(_ key: String, in members: [(key: String, value: JSON)], seen: inout Set<String>) -> Bool {
        let hashedFrom = 16
        if members.count < hashedFrom {
            for member in members where member.key == key { return true }
            return false
        }
        if seen.isEmpty { seen = Set(members.map(\.key)) }
        return !seen.insert(key).inserted
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSON {
        if depth > maxDepth { throw error("nesting deeper than \(maxDepth) levels") }
        index += 1
        var elements: [JSON] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            default: throw error("expected ',' or ']'")
            }
        }
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw error("unexpected end of input in a number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if isDigit(bytes[index]) {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        } else {
            throw error("invalid number")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number: digits expected after '.'") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number: digits expected in exponent") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        // The literal is ASCII by construction.
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        return JSONNumber(literal: text)
    }

    @inline(__always) private func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }

    private mutating func parseString() throws(JSONParseError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes, so the bytes between the quotes are the string.
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                return try makeString(slice, at: start)
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw error("control character in a string") }
            index += 1
        }
        guard index < bytes.count else { throw error("unterminated string") }
        // Slow path: copy into scratch while decoding escapes.
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let b = bytes[index]
            switch b {
            case UInt8(ascii: "\""):
                index += 1
                let s = try scratch.withUnsafeBufferPointer { buffer throws(JSONParseError) in try makeString(buffer, at: start) }
                return s
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw error("unterminated string") }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""): scratch.append(0x22)
                case UInt8(ascii: "\\"): scratch.append(0x5C)
                case UInt8(ascii: "/"): scratch.append(0x2F)
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"): try appendUnicodeEscape()
                default: throw error("invalid escape sequence")
                }
            default:
                if b < 0x20 { throw error("control character in a string") }
                scratch.append(b)
                index += 1
            }
        }
        throw error("unterminated string")
    }

    private func makeString(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) throws(JSONParseError) -> String {
        if replacesInvalidUnicode { return String(decoding: bytes, as: UTF8.self) }
        guard let s = String(validUTF8: bytes) else {
            throw JSONParseError(offset: offset, reason: "invalid UTF-8 in a string")
        }
        return s
    }

    private mutating func readHex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("unterminated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let digit: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private mutating func appendUnicodeEscape() throws(JSONParseError) {
        var scalar = try readHex4()
        if (0xD800...0xDBFF).contains(scalar) {
            guard index + 2 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                return try loneSurrogate()
            }
            let afterHigh = index
            index += 2
            let low = try readHex4()
            guard (0xDC00...0xDFFF).contains(low) else {
                // Replacing: the high half alone becomes U+FFFD; the next escape is read on its own.
                if replacesInvalidUnicode { index = afterHigh }
                return try loneSurrogate()
            }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            return try loneSurrogate()
        }
        guard let u = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
        scratch.append(contentsOf: UTF8.encode(u)!)
    }

    /// A lone surrogate escape: an error, or U+FFFD under ``InvalidUnicodePolicy/replace``.
    private mutating func loneSurrogate() throws(JSONParseError) {
        guard replacesInvalidUnicode else { throw error("lone surrogate in \\u escape") }
        scratch.append(contentsOf: [0xEF, 0xBF, 0xBD])
    }
}

extension String {
    /// `String(validating: bytes, as: UTF8.self)`, with a fast path for ASCII (most JSON
    /// strings). The generic `String(validating:as:)` is not specialized in the statically
    /// linked standard library: each call looks up `UnsafeBufferPointer<UInt8>` and
    /// `Unicode.ParseResult` metadata at run time, ~1,100 instructions per string (callgrind),
    /// a quarter of a trivial tool call. ASCII is valid UTF-8 and decodes to the same string.
    /// - Returns: nil when the bytes are not valid UTF-8.
    package init?(validUTF8 bytes: UnsafeBufferPointer<UInt8>) {
        var high: UInt8 = 0
        for byte in bytes { high |= byte }
        if high < 0x80 {
            self = String(decoding: bytes, as: UTF8.self)
        } else if let s = String(validating: bytes, as: UTF8.self) {
            self = s
        } else {
            return nil
        }
    }
}
