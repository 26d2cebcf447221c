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
        /// The common outcome in fixed fields, no JSON: u64 id, i32 status, u8 isError, u32
        /// count, then that many strings: the text blocks.
        case textResult = 13
        /// Runner → host, first: the plugin's id, read from its descriptor before `init`
        /// (empty for a manifest, whose functions take no settings). The host answers with
        /// `setup`, holding that plugin's settings only.
        case identify = 14
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

    mutating func u32(_ value: UInt32) { littleEndian(value) }
    mutating func u64(_ value: UInt64) { littleEndian(value) }

    private mutating func littleEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
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

    mutating func u32() throws(Truncated) -> UInt32 { try littleEndian() }
    mutating func u64() throws(Truncated) -> UInt64 { try littleEndian() }

    private mutating func littleEndian<T: FixedWidthInteger>() throws(Truncated) -> T {
        let size = MemoryLayout<T>.size
        guard bytes.count - offset >= size else { throw Truncated() }
        var value: T = 0
        for i in 0..<size { value |= T(bytes[offset + i]) << (8 * i) }
        offset += size
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

/// The messages of the runner protocol, each to and from its ``RunnerFrame``: the one place
/// that knows the payload layouts (both sides, the tests and the fuzzer use it).
enum RunnerMessage: Equatable, Sendable {
    /// Runner → host, first: the id of the plugin it opened.
    case identify(id: String)
    /// Host → runner, the answer to `identify`: that plugin's settings, {"settings": {id: …}}.
    case setup(JSON)
    /// Runner → host, once: its catalog, or why the file did not load.
    case hello(JSON)
    /// Host → runner: a tool call.
    case call(id: UInt64, flags: UInt32, tool: String, requestID: String, version: String, arguments: [UInt8])
    case cancel(id: UInt64)
    /// Runner → host: a call's outcome {content, structured?, isError, status}.
    case result(id: UInt64, JSON)
    /// Runner → host: an outcome made only of text blocks (most tools'), without JSON.
    case textResult(id: UInt64, status: Int32, isError: Bool, texts: [String])
    case progress(id: UInt64, value: Double, total: Double, message: String)
    /// id 0: not tied to a call.
    case log(id: UInt64, level: UInt8, message: String)
    case catalog(JSON)
    /// Host → runner: a prompt, read or completion request {kind, …}.
    case request(id: UInt64, JSON)
    /// Runner → host: a request's outcome.
    case answer(id: UInt64, JSON)
    case resourceUpdated(uri: String)
    case shutdown

    struct Malformed: Error, CustomStringConvertible {
        let kind: RunnerFrame.Kind
        var description: String { "a \(kind) frame whose fields do not parse" }
    }

    var frame: RunnerFrame {
        var b = FrameBuilder()
        let kind: RunnerFrame.Kind
        switch self {
        case .identify(let id): kind = .identify; b.rest(id)
        case .setup(let json): kind = .setup; b.rest(JSONWriter.string(json))
        case .hello(let json): kind = .hello; b.rest(JSONWriter.string(json))
        case .catalog(let json): kind = .catalog; b.rest(JSONWriter.string(json))
        case .call(let id, let flags, let tool, let requestID, let version, let arguments):
            kind = .call
            b.bytes.reserveCapacity(48 + tool.utf8.count + requestID.utf8.count + arguments.count)
            b.u64(id); b.u32(flags); b.string(tool); b.string(requestID); b.string(version); b.rest(arguments)
        case .cancel(let id): kind = .cancel; b.u64(id)
        case .result(let id, let json): kind = .result; b.u64(id); b.rest(JSONWriter.string(json))
        case .progress(let id, let value, let total, let message):
            kind = .progress; b.u64(id); b.f64(value); b.f64(total); b.string(message)
        case .log(let id, let level, let message): kind = .log; b.u64(id); b.u8(level); b.rest(message)
        case .request(let id, let json): kind = .request; b.u64(id); b.rest(JSONWriter.string(json))
        case .answer(let id, let json): kind = .answer; b.u64(id); b.rest(JSONWriter.string(json))
        case .resourceUpdated(let uri): kind = .resourceUpdated; b.rest(uri)
        case .shutdown: kind = .shutdown
        case .textResult(let id, let status, let isError, let texts):
            kind = .textResult
            b.u64(id); b.u32(UInt32(bitPattern: status)); b.u8(isError ? 1 : 0); b.u32(UInt32(texts.count))
            for text in texts { b.string(text) }
        }
        return RunnerFrame(kind: kind, payload: b.bytes)
    }

    /// - Throws: ``Malformed`` when the payload does not hold the kind's fields.
    init(_ frame: RunnerFrame) throws(Malformed) {
        var r = FrameReader(frame.payload)
        func json() throws(Malformed) -> JSON {
            do { return try JSONParser.parse(Array(r.rest())) } catch { throw Malformed(kind: frame.kind) }
        }
        do {
            switch frame.kind {
            case .identify: self = .identify(id: String(decoding: r.rest(), as: UTF8.self))
            case .setup: self = .setup(try json())
            case .hello: self = .hello(try json())
            case .catalog: self = .catalog(try json())
            case .call:
                let id = try r.u64(), flags = try r.u32(), tool = try r.string(), requestID = try r.string(), version = try r.string()
                self = .call(id: id, flags: flags, tool: tool, requestID: requestID, version: version, arguments: Array(r.rest()))
            case .cancel: self = .cancel(id: try r.u64())
            case .result: let id = try r.u64(); self = .result(id: id, try json())
            case .progress:
                let id = try r.u64(), value = try r.f64(), total = try r.f64(), message = try r.string()
                self = .progress(id: id, value: value, total: total, message: message)
            case .log:
                let id = try r.u64(), level = try r.u8()
                self = .log(id: id, level: level, message: String(decoding: r.rest(), as: UTF8.self))
            case .request: let id = try r.u64(); self = .request(id: id, try json())
            case .answer: let id = try r.u64(); self = .answer(id: id, try json())
            case .resourceUpdated: self = .resourceUpdated(uri: String(decoding: r.rest(), as: UTF8.self))
            case .shutdown: self = .shutdown
            case .textResult:
                let id = try r.u64(), status = Int32(bitPattern: try r.u32()), isError = try r.u8() != 0, count = Int(try r.u32())
                guard count <= frame.payload.count else { throw Malformed(kind: frame.kind) }
                var texts: [String] = []
                texts.reserveCapacity(count)
                for _ in 0..<count { texts.append(try r.string()) }
                self = .textResult(id: id, status: status, isError: isError, texts: texts)
            }
        } catch {
            throw Malformed(kind: frame.kind)
        }
    }
}

/// The protocol's parsing as one entry point, for the fuzzer and the property run: cuts
/// `bytes` into frames and parses each; never traps, whatever the bytes.
public enum RunnerProtocolProbe {
    /// - Returns: the messages parsed before the first protocol error, and whether one occurred.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> (messages: Int, failed: Bool) {
        var decoder = FrameDecoder()
        decoder.append(bytes)
        var count = 0
        do {
            while let frame = try decoder.next() {
                _ = try? RunnerMessage(frame)
                count += 1
            }
        } catch {
            return (count, true)
        }
        return (count, false)
    }

    /// Generates `count` random messages from `seed`, sends them through encoding, a random
    /// cutting of the byte stream and decoding, and compares.
    /// - Returns: nil when every message came back equal, else what differed.
    public static func roundTrip(count: Int, seed: UInt64) -> String? {
        var rng = SplitMix64(seed: seed)
        var messages: [RunnerMessage] = []
        var bytes: [UInt8] = []
        for _ in 0..<count {
            let m = randomMessage(&rng)
            messages.append(m)
            m.frame.encode(into: &bytes)
        }
        var decoder = FrameDecoder()
        var decoded: [RunnerMessage] = []
        var offset = 0
        while offset < bytes.count {
            let n = min(bytes.count - offset, Int(rng.next() % 300) + 1)
            decoder.append(Array(bytes[offset..<(offset + n)]))
            offset += n
            do {
                while let frame = try decoder.next() { decoded.append(try RunnerMessage(frame)) }
            } catch {
                return "decoding failed after \(decoded.count) messages: \(error)"
            }
        }
        guard decoded.count == messages.count else { return "\(messages.count) messages sent, \(decoded.count) decoded" }
        for (i, (a, b)) in zip(messages, decoded).enumerated() where a != b {
            return "message \(i) differs: sent \(a), decoded \(b)"
        }
        // Mutations: flipped bytes, cut streams; the decoder must stop or go on, never trap.
        for _ in 0..<count {
            // A window of the stream (at most 4 KB, from a frame boundary or not).
            guard !bytes.isEmpty else { break }
            let start = rng.next() % 2 == 0 ? 0 : Int(rng.next() % UInt64(bytes.count))
            var mutated = Array(bytes[start..<min(bytes.count, start + 4096)])
            for _ in 0..<(Int(rng.next() % 4) + 1) {
                mutated[Int(rng.next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            mutated.removeLast(Int(rng.next() % UInt64(min(mutated.count, 64))))
            _ = mutated.withUnsafeBytes { parse($0) }
        }
        return nil
    }

    private static func randomMessage(_ rng: inout SplitMix64) -> RunnerMessage {
        func text() -> String {
            let alphabet = Array("abcé\"\\\n{}[]:,0 ü😀")
            return String((0..<Int(rng.next() % 12)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
        }
        func json() -> JSON {
            .object(["text": .string(text()), "n": .number(JSONNumber(Int(rng.next() % 1000))), "ok": .bool(rng.next() % 2 == 0)])
        }
        let id = rng.next() % 1_000_000
        switch rng.next() % 15 {
        case 0: return .setup(json())
        case 1: return .hello(json())
        case 2: return .call(id: id, flags: UInt32(truncatingIfNeeded: rng.next()), tool: text(), requestID: text(), version: text(), arguments: Array(text().utf8))
        case 3: return .cancel(id: id)
        case 4: return .result(id: id, json())
        case 5: return .progress(id: id, value: Double(rng.next() % 100), total: Double(rng.next() % 100), message: text())
        case 6: return .log(id: id, level: UInt8(rng.next() % 8), message: text())
        case 7: return .catalog(json())
        case 8: return .request(id: id, json())
        case 9: return .answer(id: id, json())
        case 10: return .resourceUpdated(uri: text())
        case 11: return .identify(id: text())
        case 13: return .shutdown
        case 12: return .textResult(id: id, status: Int32(truncatingIfNeeded: rng.next()), isError: rng.next() % 2 == 0, texts: (0..<Int(rng.next() % 4)).map { _ in text() })
        default: return .call(id: id, flags: 0, tool: "t", requestID: "1", version: "2025-11-25", arguments: Array("{}".utf8))
        }
    }

}

/// A small, fast, seedable generator (SplitMix64), for the property runs (here and in the
/// fuzz target), so that a seed printed in CI replays exactly.
public struct SplitMix64 {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in 0..<bound.
    public mutating func int(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }
    public mutating func chance(_ percent: Int) -> Bool { int(100) < percent }
    public mutating func pick<T>(_ items: [T]) -> T { items[int(items.count)] }
}
