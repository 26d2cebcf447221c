/// One event of a `text/event-stream`.
package enum SSEEvent: Equatable, Sendable {
    /// The `data:` lines of one event, joined by newlines.
    case data([UInt8])
    /// A comment line (`: keep-alive`): the server is alive but has nothing to say.
    case comment
}

/// An incremental parser of server-sent events (the WHATWG rules that matter for OpenAI-style
/// streams): bytes go in as they arrive, in pieces of any size; complete events come out.
package struct SSEParser: Sendable {
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var afterCR = false
    /// An event larger than this is an error (a server that never ends its event).
    package let maxEventBytes: Int

    package init(maxEventBytes: Int = 16 << 20) {
        self.maxEventBytes = maxEventBytes
    }

    package struct TooLarge: Error {}

    /// Whether a body that begins with `prefix` is an event stream: after an optional byte-order
    /// mark and blank lines, its first line is a comment (`:`) or a `data`, `event`, `id` or
    /// `retry` field. Nil while `prefix` is too short to tell and more may come.
    /// - Parameter complete: `prefix` is the whole body.
    package static func beginsLikeEventStream(_ prefix: some Collection<UInt8>, complete: Bool) -> Bool? {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        var rest = prefix[...]
        if rest.starts(with: bom) {
            rest = rest.dropFirst(3)
        } else if !complete, rest.count < 3, bom.starts(with: rest) {
            return nil
        }
        rest = rest.drop { $0 == 0x0A || $0 == 0x0D }
        guard let first = rest.first else { return complete ? false : nil }
        if first == 0x3A { return true }
        let fields = ["data", "event", "id", "retry"].map { Array($0.utf8) }
        guard let end = rest.firstIndex(where: { $0 == 0x3A || $0 == 0x0A || $0 == 0x0D }) else {
            // The field name may still be arriving.
            if fields.contains(where: { $0.elementsEqual(rest) }) { return complete ? true : nil }
            return fields.contains { $0.starts(with: rest) } && !complete ? nil : false
        }
        let name = rest[..<end]
        return fields.contains { $0.elementsEqual(name) }
    }

    /// Parses `bytes` and calls `onEvent` for each event completed by them.
    /// - Throws: ``TooLarge`` when an event outgrows `maxEventBytes`, or what `onEvent` throws.
    package mutating func feed(_ bytes: some Sequence<UInt8>, _ onEvent: (SSEEvent) throws -> Void) throws {
        for byte in bytes {
            switch byte {
            case 0x0A: // \n, or the second half of \r\n
                if afterCR {
                    afterCR = false
                    continue
                }
                try endLine(onEvent)
            case 0x0D: // \r
                afterCR = true
                try endLine(onEvent)
            default:
                afterCR = false
                line.append(byte)
                if line.count + data.count > maxEventBytes { throw TooLarge() }
            }
        }
    }

    /// Ends the stream: an event not closed by a blank line is still delivered.
    package mutating func finish(_ onEvent: (SSEEvent) throws -> Void) throws {
        if !line.isEmpty { try endLine(onEvent) }
        try dispatch(onEvent)
    }

    private mutating func endLine(_ onEvent: (SSEEvent) throws -> Void) throws {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            try dispatch(onEvent)
            return
        }
        if line[0] == 0x3A { // ':'
            try onEvent(.comment)
            return
        }
        let colon = line.firstIndex(of: 0x3A) ?? line.endIndex
        // Only `data` matters here; `event`, `id` and `retry` are ignored.
        guard line[..<colon].elementsEqual("data".utf8) else { return }
        var valueStart = colon == line.endIndex ? colon : colon + 1
        if valueStart < line.endIndex, line[valueStart] == 0x20 { valueStart += 1 }
        if hasData { data.append(0x0A) }
        data.append(contentsOf: line[valueStart...])
        hasData = true
    }

    private mutating func dispatch(_ onEvent: (SSEEvent) throws -> Void) throws {
        guard hasData else { return }
        let event = SSEEvent.data(data)
        data.removeAll(keepingCapacity: true)
        hasData = false
        try onEvent(event)
    }
}
