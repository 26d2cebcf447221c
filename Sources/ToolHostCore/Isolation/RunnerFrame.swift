/// The framed protocol between the host and a plugin runner (`toolhost __runner`), over a
/// socketpair.
///
/// A frame is a 4-byte little-endian length `n`, then `n` bytes: one kind byte and the payload.
/// Payloads are built from a few fixed fields (``FrameBuilder``: little-endian integers, strings
/// with a 4-byte length) and JSON text where the shape is open (catalogs, results). Frames above
/// ``RunnerFrame/maxLength`` are a protocol violation: the side that reads one closes the
/// connection (the host then treats the runner as crashed).
///
/// Host → runner: `setup` (once, first), `call`, `request`, `cancel`, `shutdown`.
/// Runner → host: `hello` (once, after setup: the catalog, or the reason loading failed),
/// `result`, `answer`, `progress`, `log`, `catalog` (the plugin changed its lists),
/// `resourceUpdated`.
struct RunnerFrame: Equatable, Sendable {
    enum Kind: UInt8, Sendable, CaseIterable {
        /// JSON {"settings": {id: settings}, "examples": bool}.
        case setup = 1
        /// JSON: ``RunnerCatalog`` or {"error": reason}.
        case hello = 2
        /// u64 id, u32 flags, string tool name, string request id, string protocol version,
        /// then the rest: the arguments' JSON text.
        case call = 3
        /// u64 id.
        case cancel = 4
        /// u64 id, then JSON {content, structured?, isError, status}.
        case result = 5
        /// u64 id, f64 progress, f64 total (0: none), string message (empty: none).
        case progress = 6
        /// u64 id (0: not tied to a call), u8 level, then the message's text.
        case log = 7
        /// JSON: ``RunnerCatalog``.
        case catalog = 8
        /// u64 id, then JSON {kind: "prompt"|"read"|"complete", …}.
        case request = 9
        /// u64 id, then JSON: the ``PluginRequest/Outcome``.
        case answer = 10
        /// The rest: the URI.
        case resourceUpdated = 11
        /// Empty: finish what runs, shut the plugin down and exit.
        case shutdown = 12
    }

    var kind: Kind
    var payload: [UInt8]

    /// The longest frame accepted (kind byte and payload).
    static let maxLength = 64 << 20

    /// The frame as bytes on the wire, appended to `buffer`.
    func encode(into buffer: inout [UInt8]) {
        let length = UInt32(payload.count + 1)
        buffer.append(UInt8(truncatingIfNeeded: length))
        buffer.append(UInt8(truncatingIfNeeded: length >> 8))
        buffer.append(UInt8(truncatingIfNeeded: length >> 16))
        buffer.append(UInt8(truncatingIfNeeded: length >> 24))
        buffer.append(kind.rawValue)
        buffer.append(contentsOf: payload)
    }
}

/// Cuts a byte stream into frames. Bytes arrive in any pieces; a frame is returned once whole.
struct FrameDecoder {
    enum Failure: Error, Equatable, CustomStringConvertible {
        case tooLong(Int)
        case empty
        case unknownKind(UInt8)

        var description: String {
            switch self {
            case .tooLong(let n): return "a frame of \(n) bytes (more than \(RunnerFrame.maxLength))"
            case .empty: return "a frame without a kind byte"
            case .unknownKind(let k): return "a frame of unknown kind \(k)"
            }
        }
    }

    private var buffer: [UInt8] = []
    private var start = 0

    /// Bytes received and not yet returned as frames.
    var pending: Int { buffer.count - start }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0, start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 1 << 16, start * 2 > buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The next whole frame, nil when more bytes are needed.
    /// - Throws: ``Failure`` on a frame that breaks the protocol (the stream is then unusable).
    mutating func next() throws(Failure) -> RunnerFrame? {
        guard buffer.count - start >= 4 else { return nil }
        let length = Int(buffer[start]) | Int(buffer[start + 1]) << 8 | Int(buffer[start + 2]) << 16 | Int(buffer[start + 3]) << 24
        guard length <= RunnerFrame.maxLength else { throw .tooLong(length) }
        guard length >= 1 else { throw .empty }
        guard buffer.count - start >= 4 + length else { return nil }
        let kindByte = buffer[start + 4]
        guard let kind = RunnerFrame.Kind(rawValue: kindByte) else { throw .unknownKind(kindByte) }
        let payload = Array(buffer[(start + 5)..<(start + 4 + length)])
        start += 4 + length
        return RunnerFrame(kind: kind, payload: payload)
    }
}

/// Builds a payload from fixed fields.
struct FrameBuilder {
    var bytes: [UInt8] = []

    init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func u64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func f64(_ value: Double) { u64(value.bitPattern) }

    mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            u32(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// Bytes without a length: only as the last field.
    mutating func rest(_ value: [UInt8]) { bytes.append(contentsOf: value) }
    mutating func rest(_ value: String) { bytes.append(contentsOf: value.utf8) }
}

/// Reads fixed fields from a payload; every read checks the bounds.
struct FrameReader {
    struct Truncated: Error, CustomStringConvertible {
        var description: String { "a frame shorter than its fields" }
    }

    let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func u8() throws(Truncated) -> UInt8 {
        guard offset < bytes.count else { throw Truncated() }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u32() throws(Truncated) -> UInt32 {
        guard bytes.count - offset >= 4 else { throw Truncated() }
        var value: UInt32 = 0
        for i in 0..<4 { value |= UInt32(bytes[offset + i]) << UInt32(8 * i) }
        offset += 4
        return value
    }

    mutating func u64() throws(Truncated) -> UInt64 {
        guard bytes.count - offset >= 8 else { throw Truncated() }
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(bytes[offset + i]) << UInt64(8 * i) }
        offset += 8
        return value
    }

    mutating func f64() throws(Truncated) -> Double { Double(bitPattern: try u64()) }

    mutating func string() throws(Truncated) -> String {
        let count = Int(try u32())
        guard bytes.count - offset >= count else { throw Truncated() }
        defer { offset += count }
        return String(decoding: bytes[offset..<(offset + count)], as: UTF8.self)
    }

    /// Everything not read yet.
    mutating func rest() -> ArraySlice<UInt8> {
        defer { offset = bytes.count }
        return bytes[offset...]
    }
}
