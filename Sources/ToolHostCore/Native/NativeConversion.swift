/// A JSON argument converted for a C parameter, checked exactly against the type.
enum NativeValue: Sendable, Equatable {
    /// Any integer type; the range was checked against the declared width.
    case integer(Int128)
    case double(Double)
    case float(Float)
    case bool(Bool)
    /// A C string (without its terminating NUL) or a byte buffer.
    case bytes([UInt8])

    /// Orders two numbers of the same parameter; other pairs compare equal or not (0 / 1).
    static func compare(_ a: NativeValue, _ b: NativeValue) -> Int {
        switch (a, b) {
        case (.integer(let x), .integer(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.double(let x), .double(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.float(let x), .float(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        default: return a == b ? 0 : 1
        }
    }

    var text: String {
        switch self {
        case .integer(let v): String(v)
        case .double(let v): NativeConversion.text(of: v)
        case .float(let v): NativeConversion.text(of: v)
        case .bool(let v): v ? "true" : "false"
        case .bytes(let v): JSONWriter.string(.string(String(decoding: v, as: UTF8.self)))
        }
    }
}

/// Why an argument cannot be passed: a phrase that follows the parameter's name
/// ("must be at most 127 (got 128)").
struct NativeConversionFailure: Error, Sendable, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}

/// JSON → C values, exactly: the last line of defence behind the schema check, so that a
/// function never sees a value that does not fit its declared type, bounds and enum.
enum NativeConversion {
    static func convert(_ value: JSON, for p: NativeParameter) -> Result<NativeValue, NativeConversionFailure> {
        let converted: Result<NativeValue, NativeConversionFailure>
        switch p.type {
        case .bool:
            guard case .bool(let b) = value else { return fail("must be a boolean (got \(SchemaValidator.describe(value)))") }
            converted = .success(.bool(b))
        case .float:
            converted = float(value)
        case .double:
            converted = double(value)
        case .string:
            guard case .string(let s) = value else { return fail("must be a string (got \(SchemaValidator.describe(value)))") }
            let bytes = Array(s.utf8)
            if bytes.contains(0) { return fail("must not contain NUL characters (a C string ends at the first one)") }
            converted = .success(.bytes(bytes))
        case .bytes:
            guard case .string(let s) = value else { return fail("must be a string (got \(SchemaValidator.describe(value)))") }
            if p.base64 {
                guard let bytes = Base64.decode(s) else { return fail("must be base64 (RFC 4648: A-Z a-z 0-9 + /, optional = padding)") }
                converted = .success(.bytes(bytes))
            } else {
                converted = .success(.bytes(Array(s.utf8)))
            }
        case .void:
            return fail("has type void, which takes no value")
        default:
            converted = integer(value, type: p.type)
        }
        guard case .success(let result) = converted else { return converted }
        var plain = p
        plain.minimum = nil
        plain.maximum = nil
        plain.enumValues = nil
        plain.defaultValue = nil
        if let bound = p.minimum, case .success(let lower) = convert(bound, for: plain), NativeValue.compare(result, lower) < 0 {
            return fail("must be at least \(lower.text) (got \(result.text))")
        }
        if let bound = p.maximum, case .success(let upper) = convert(bound, for: plain), NativeValue.compare(result, upper) > 0 {
            return fail("must be at most \(upper.text) (got \(result.text))")
        }
        if let values = p.enumValues {
            let allowed = values.compactMap { try? convert($0, for: plain).get() }
            guard allowed.contains(where: { NativeValue.compare($0, result) == 0 }) else {
                return fail("must be one of \(values.map { JSONWriter.string($0) }.joined(separator: ", ")) (got \(result.text))")
            }
        }
        return .success(result)
    }

    private static func fail(_ reason: String) -> Result<NativeValue, NativeConversionFailure> {
        .failure(NativeConversionFailure(reason: reason))
    }

    // MARK: Integers

    static func integer(_ value: JSON, type: NativeType) -> Result<NativeValue, NativeConversionFailure> {
        guard let range = type.integerRange else { return fail("is not an integer type") }
        let wanted = type.isWide ? "an integer or a string of decimal digits" : "an integer"
        let parsed: ExactInteger
        switch value {
        case .number(let n):
            parsed = exactInteger(n.text)
        case .string(let s) where type.isWide:
            var digits = Substring(s)
            if digits.first == "-" { digits = digits.dropFirst() }
            guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                return fail("must be \(wanted) (got \(SchemaValidator.describe(value)))")
            }
            if let v = Int128(s) {
                parsed = .integer(v)
            } else {
                parsed = .tooLarge(negative: s.hasPrefix("-"))
            }
        default:
            return fail("must be \(wanted) (got \(SchemaValidator.describe(value)))")
        }
        let shown: String
        switch value {
        case .number(let n): shown = n.text
        case .string(let s): shown = JSONWriter.string(.string(s))
        default: shown = ""
        }
        switch parsed {
        case .notInteger:
            return fail("must be \(wanted) (got \(shown))")
        case .tooLarge(let negative):
            return fail(negative ? "must be at least \(range.lowerBound) (got \(shown))" : "must be at most \(range.upperBound) (got \(shown))")
        case .integer(let v):
            if v < range.lowerBound { return fail("must be at least \(range.lowerBound) (got \(shown))") }
            if v > range.upperBound { return fail("must be at most \(range.upperBound) (got \(shown))") }
            return .success(.integer(v))
        }
    }

    enum ExactInteger: Equatable {
        case integer(Int128)
        case tooLarge(negative: Bool)
        case notInteger
    }

    /// Reads a JSON number literal exactly: `12`, `-0`, `1.0e3` and `25e-1`… are integers when
    /// their decimal value has no fraction, whatever their size (no detour through Double).
    static func exactInteger(_ text: String) -> ExactInteger {
        var s = Substring(text)
        var negative = false
        if s.first == "-" {
            negative = true
            s = s.dropFirst()
        }
        var exponent = 0
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            let digits = s[s.index(after: e)...]
            s = s[..<e]
            if let value = Int(digits), abs(value) < 1_000_000 {
                exponent = value
            } else {
                // An exponent beyond any integer width: zero stays zero; else far too large
                // or a fraction.
                if s.allSatisfy({ $0 == "0" || $0 == "." }) { return .integer(0) }
                return digits.hasPrefix("-") ? .notInteger : .tooLarge(negative: negative)
            }
        }
        var digits: [UInt8]
        if let dot = s.firstIndex(of: ".") {
            let fraction = s[s.index(after: dot)...]
            digits = Array(s[..<dot].utf8) + Array(fraction.utf8)
            exponent -= fraction.utf8.count
        } else {
            digits = Array(s.utf8)
        }
        guard digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return .notInteger }
        if let first = digits.firstIndex(where: { $0 != 0x30 }) {
            digits.removeSubrange(..<first)
        } else {
            return .integer(0)
        }
        while digits.last == 0x30 {
            digits.removeLast()
            exponent += 1
        }
        if exponent < 0 { return .notInteger }
        if digits.count + exponent > 40 { return .tooLarge(negative: negative) }
        var value: Int128 = 0
        for digit in digits + [UInt8](repeating: 0x30, count: exponent) {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (plus, o2) = times.addingReportingOverflow(Int128(digit - 0x30))
            if o1 || o2 { return .tooLarge(negative: negative) }
            value = plus
        }
        return .integer(negative ? -value : value)
    }

    // MARK: Floating point

    static func double(_ value: JSON) -> Result<NativeValue, NativeConversionFailure> {
        guard case .number(let n) = value else { return fail("must be a number (got \(SchemaValidator.describe(value)))") }
        guard let d = Double(n.text), d.isFinite else {
            return fail("must be a finite double, between -1.7976931348623157e308 and 1.7976931348623157e308 (got \(n.text))")
        }
        return .success(.double(d))
    }

    static func float(_ value: JSON) -> Result<NativeValue, NativeConversionFailure> {
        guard case .number(let n) = value else { return fail("must be a number (got \(SchemaValidator.describe(value)))") }
        // Rounded once, from the decimal text, to the nearest float.
        guard let f = Float(n.text), f.isFinite, let d = Double(n.text), abs(d) <= Double(Float.greatestFiniteMagnitude) else {
            return fail("must be a finite float, between -\(NativeType.floatMax) and \(NativeType.floatMax) (got \(n.text))")
        }
        return .success(.float(f))
    }

    /// The shortest text that reads back as the same float.
    static func text(of value: Float) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        if value == 0 && value.sign == .minus { return "-0" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func text(of value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        if value == 0 && value.sign == .minus { return "-0" }
        return JSONNumber(value).text
    }
}

/// RFC 4648 base64, without Foundation.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let table: [UInt8: UInt32] = {
        var t: [UInt8: UInt32] = [:]
        for (i, c) in alphabet.enumerated() { t[c] = UInt32(i) }
        return t
    }()

    /// Encodes bytes as standard base64 with padding.
    static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let n = min(3, bytes.count - index)
            var chunk: UInt32 = 0
            for k in 0..<3 { chunk = chunk << 8 | UInt32(k < n ? bytes[index + k] : 0) }
            for k in 0..<4 { out.append(k <= n ? alphabet[Int(chunk >> UInt32(18 - 6 * k) & 63)] : UInt8(ascii: "=")) }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes standard base64; padding is optional; nil on any other character.
    static func decode(_ text: String) -> [UInt8]? {
        var input = Array(text.utf8)
        while input.last == UInt8(ascii: "=") { input.removeLast() }
        guard input.count % 4 != 1, input.count + 2 >= Array(text.utf8).count else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(input.count * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        for c in input {
            guard let v = table[c] else { return nil }
            buffer = (buffer << 6) | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return out
    }
}
