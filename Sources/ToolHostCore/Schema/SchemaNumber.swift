/// A JSON number as an exact decimal: `digits × 10^exponent`, with the sign apart. Schema
/// bounds, `multipleOf`, `enum`/`const` and `uniqueItems` compare numbers this way, so an
/// integer beyond 64 bits or a decimal like `0.1` is judged by its written value, never by a
/// rounded double (`0.3` is a multiple of `0.1`; `18446744073709551616` exceeds `2^64 - 1`).
struct SchemaNumber: Sendable, Equatable, CustomStringConvertible {
    /// Decimal digits, most significant first, without leading or trailing zeros; empty for zero.
    let digits: [UInt8]
    let exponent: Int
    let negative: Bool
    /// The literal, for messages.
    let text: String

    /// Exponents are clamped here: no JSON text can usefully go further, and arithmetic on
    /// the clamped values cannot overflow.
    private static let exponentLimit = 1 << 40

    /// Reads a JSON number literal (`-12.5e3`). The parser has already validated it.
    init(_ number: JSONNumber) {
        text = number.text
        var mantissa: [UInt8] = []
        var exponent = 0
        var negative = false
        var fractionDigits = 0
        var inFraction = false
        var utf8 = number.text.utf8[...]
        if utf8.first == UInt8(ascii: "-") {
            negative = true
            utf8 = utf8.dropFirst()
        }
        while let c = utf8.first {
            if c == UInt8(ascii: ".") {
                inFraction = true
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                utf8 = utf8.dropFirst()
                var exponentNegative = false
                if utf8.first == UInt8(ascii: "-") {
                    exponentNegative = true
                    utf8 = utf8.dropFirst()
                } else if utf8.first == UInt8(ascii: "+") {
                    utf8 = utf8.dropFirst()
                }
                var e = 0
                for d in utf8 where e < Self.exponentLimit {
                    e = e * 10 + Int(d &- UInt8(ascii: "0"))
                }
                exponent = exponentNegative ? -min(e, Self.exponentLimit) : min(e, Self.exponentLimit)
                break
            } else {
                let d = c &- UInt8(ascii: "0")
                if !(mantissa.isEmpty && d == 0) { mantissa.append(d) }
                if inFraction { fractionDigits += 1 }
            }
            utf8 = utf8.dropFirst()
        }
        exponent -= fractionDigits
        var trailing = 0
        while let last = mantissa.last, last == 0 {
            mantissa.removeLast()
            trailing += 1
        }
        self.digits = mantissa
        self.exponent = mantissa.isEmpty ? 0 : exponent + trailing
        self.negative = mantissa.isEmpty ? false : negative
    }

    var description: String { text }
    var isZero: Bool { digits.isEmpty }

    /// True for a whole number (`2`, `2.0`, `1e400`).
    var isInteger: Bool { exponent >= 0 }

    static func == (a: SchemaNumber, b: SchemaNumber) -> Bool {
        a.negative == b.negative && a.exponent == b.exponent && a.digits == b.digits
    }

    /// -1, 0 or 1 as `a` is less than, equal to or greater than `b`.
    static func compare(_ a: SchemaNumber, _ b: SchemaNumber) -> Int {
        if a.isZero || b.isZero || a.negative != b.negative {
            let sa = a.isZero ? 0 : (a.negative ? -1 : 1)
            let sb = b.isZero ? 0 : (b.negative ? -1 : 1)
            return sa < sb ? -1 : (sa > sb ? 1 : 0)
        }
        let magnitude = compareMagnitudes(a, b)
        return a.negative ? -magnitude : magnitude
    }

    private static func compareMagnitudes(_ a: SchemaNumber, _ b: SchemaNumber) -> Int {
        // The position of the leading digit decides first; then the digits in order (a prefix
        // is the smaller, as neither has trailing zeros).
        let leadA = a.digits.count + a.exponent, leadB = b.digits.count + b.exponent
        if leadA != leadB { return leadA < leadB ? -1 : 1 }
        for (x, y) in zip(a.digits, b.digits) where x != y { return x < y ? -1 : 1 }
        return a.digits.count == b.digits.count ? 0 : (a.digits.count < b.digits.count ? -1 : 1)
    }

    /// True when `self / divisor` is a whole number (`divisor` is positive).
    func isMultiple(of divisor: SchemaNumber) -> Bool {
        if isZero { return true }
        // self = a·10^p, divisor = b·10^q, neither a nor b ending in 0. If p < q, a would have to
        // end in a zero to be divisible by 10^(q-p); it does not.
        guard exponent >= divisor.exponent else { return false }
        // b divides a·10^k. Once k reaches the number of factors 2 or 5 in b (at most 4 per
        // digit), further zeros change nothing, so k is capped there.
        let k = min(exponent - divisor.exponent, 4 * divisor.digits.count + 1)
        let shifted = digits + [UInt8](repeating: 0, count: k)
        return Self.remainder(shifted, divisor.digits)
    }

    /// Whether `dividend mod divisor == 0`, both as decimal digit strings.
    private static func remainder(_ dividend: [UInt8], _ divisor: [UInt8]) -> Bool {
        if divisor.count <= 18 {
            var b: UInt64 = 0
            for d in divisor { b = b * 10 + UInt64(d) }
            var r: UInt64 = 0
            for d in dividend { r = (r * 10 + UInt64(d)) % b }
            return r == 0
        }
        // Schoolbook: bring down one digit, subtract the divisor at most nine times.
        var r: [UInt8] = []
        for d in dividend {
            if !(r.isEmpty && d == 0) { r.append(d) }
            while !lessThan(r, divisor) { r = subtract(r, divisor) }
        }
        return r.isEmpty
    }

    private static func lessThan(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        if a.count != b.count { return a.count < b.count }
        for (x, y) in zip(a, b) where x != y { return x < y }
        return false
    }

    /// `a - b` for `a >= b`, without leading zeros.
    private static func subtract(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var out = a
        var borrow: Int = 0
        var j = b.count - 1
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            var d = Int(a[i]) - borrow - (j >= 0 ? Int(b[j]) : 0)
            j -= 1
            if d < 0 { d += 10; borrow = 1 } else { borrow = 0 }
            out[i] = UInt8(d)
        }
        return Array(out.drop(while: { $0 == 0 }))
    }
}
