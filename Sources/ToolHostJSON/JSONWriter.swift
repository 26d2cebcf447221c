/// Writes ``JSON`` values as compact UTF-8 text (no newlines, so a value is always one line of
/// the stdio transport), or indented for people.
public struct JSONWriter {
    /// How control characters without a two-letter JSON escape of their own are written.
    public enum EscapeStyle: Sendable {
        /// `\n`, `\r` and `\t`; every other control character as `\u00XX` (backspace: `\u0008`).
        case minimal
        /// As Python's `json.dumps` writes them: also `\b` and `\f` for backspace and form feed
        /// (for a peer that must answer byte for byte like a Python server).
        case python
    }

    public private(set) var bytes: [UInt8]
    private let indentStep: Int
    private let shortBackspaceAndFormFeed: Bool

    /// - Parameters:
    ///   - capacity: initial buffer capacity in bytes.
    ///   - pretty: indent by two spaces per level and put each member on its own line.
    public init(capacity: Int = 256, pretty: Bool = false) {
        self.init(capacity: capacity, pretty: pretty, escapes: .minimal)
    }

    /// - Parameters:
    ///   - capacity: initial buffer capacity in bytes.
    ///   - pretty: indent by two spaces per level and put each member on its own line.
    ///   - escapes: how control characters in strings are escaped.
    public init(capacity: Int = 256, pretty: Bool = false, escapes: EscapeStyle) {
        bytes = []
        bytes.reserveCapacity(capacity)
        indentStep = pretty ? 2 : 0
        shortBackspaceAndFormFeed = escapes == .python
    }

    public static func encode(_ value: JSON) -> [UInt8] {
        var writer = JSONWriter()
        writer.write(value)
        return writer.bytes
    }

    public static func string(_ value: JSON, pretty: Bool = false) -> String {
        var writer = JSONWriter(pretty: pretty)
        writer.write(value)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    public mutating func write(_ value: JSON) {
        write(value, level: 0)
    }

    /// Appends bytes that are already valid JSON (a value serialized earlier).
    public mutating func writeRaw(_ raw: [UInt8]) {
        bytes.append(contentsOf: raw)
    }

    public mutating func writeRaw(_ raw: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: raw.utf8Start, count: raw.utf8CodeUnitCount))
    }

    private mutating func newline(_ level: Int) {
        guard indentStep > 0 else { return }
        bytes.append(0x0A)
        bytes.append(contentsOf: repeatElement(0x20, count: level * indentStep))
    }

    private mutating func write(_ value: JSON, level: Int) {
        switch value {
        case .null: writeRaw("null")
        case .bool(let b): b ? writeRaw("true") : writeRaw("false")
        case .number(let n): bytes.append(contentsOf: n.text.utf8)
        case .string(let s): writeString(s)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                newline(level + 1)
                write(element, level: level + 1)
            }
            if !elements.isEmpty { newline(level) }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            for (i, member) in object.members.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                newline(level + 1)
                writeString(member.key)
                bytes.append(UInt8(ascii: ":"))
                if indentStep > 0 { bytes.append(0x20) }
                write(member.value, level: level + 1)
            }
            if !object.isEmpty { newline(level) }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    public mutating func writeString(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            var runStart = 0
            for i in 0..<utf8.count {
                let b = utf8[i]
                guard b < 0x20 || b == 0x22 || b == 0x5C else { continue }
                if runStart < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i])) }
                runStart = i + 1
                switch b {
                case 0x22: bytes.append(0x5C); bytes.append(0x22)
                case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
                case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
                case 0x08 where shortBackspaceAndFormFeed: bytes.append(0x5C); bytes.append(UInt8(ascii: "b"))
                case 0x0C where shortBackspaceAndFormFeed: bytes.append(0x5C); bytes.append(UInt8(ascii: "f"))
                default:
                    bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                    bytes.append(Self.hex[Int(b >> 4)])
                    bytes.append(Self.hex[Int(b & 0xF)])
                }
            }
            if runStart < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

extension JSON: CustomStringConvertible {
    /// Compact JSON text.
    public var description: String { JSONWriter.string(self) }

    /// Compact JSON text as UTF-8 bytes.
    public var jsonBytes: [UInt8] { JSONWriter.encode(self) }

    /// Compact JSON text.
    public var jsonText: String { JSONWriter.string(self) }

    /// Indented by two spaces, members in their order — as Python's `json.dumps(v, indent=2)`
    /// writes it (non-ASCII kept as it is).
    public var prettyText: String { JSONWriter.string(self, pretty: true) }
}
