/// One MCP connection to a server under test: the child, its handshake and sequential calls.
final class Session {
    let child: Child
    let target: Target
    private(set) var nextID = 1

    /// Starts the target's command and completes the `initialize` handshake.
    init(_ target: Target, environment extra: [(String, String)] = [], log: String) throws {
        self.target = target
        child = try Child(target.command, env: Child.environment(target.environment + extra), stderrPath: log)
        let id = takeID()
        child.send(Requests.initialize(id: id))
        if target.anyLineAnswers {
            // The bench's ceiling check: `cat` echoes the request; nothing else to say to it.
            guard child.reader.nextLine(timeoutMillis: target.startTimeoutMillis) != nil else {
                throw BenchError("\(target.name): no line back (see \(log))")
            }
            return
        }
        guard let answer = waitFor(id: id, timeoutMillis: target.startTimeoutMillis), answer.isResult else {
            child.stop()
            throw BenchError("\(target.name): no answer to initialize (see \(log))")
        }
        child.send(Requests.initialized)
    }

    func takeID() -> Int {
        defer { nextID += 1 }
        return nextID
    }

    /// Reads until the response to `id`; notifications and other responses are passed to
    /// `other` (with the time they were read).
    func waitFor(id: Int, timeoutMillis: Int, other: ((MessageShape, UnsafeRawBufferPointer, UInt64) -> Void)? = nil) -> MessageShape? {
        var found: MessageShape?
        _ = child.reader.lines(until: monotonicNanos() + UInt64(timeoutMillis) * 1_000_000) { line in
            let shape = MessageShape(line)
            if shape.id == id && (shape.isResult || shape.isError) {
                found = shape
                return false
            }
            other?(shape, line, monotonicNanos())
            return true
        }
        return found
    }

    /// One call, answered before the next is sent. Returns the response's shape and the time
    /// from the first byte written to the response read, in ns.
    func call(tool: String, arguments: String, timeoutMillis: Int = 30_000) throws -> (MessageShape, Nanos) {
        let id = takeID()
        let bytes = Array((Requests.call(id: id, tool: tool, arguments: arguments) + "\n").utf8)
        let start = monotonicNanos()
        child.write(bytes)
        guard let shape = waitFor(id: id, timeoutMillis: timeoutMillis) else {
            throw BenchError("\(target.name): no answer to tools/call \(tool) within \(timeoutMillis) ms")
        }
        return (shape, Nanos(from: start, to: monotonicNanos()))
    }

    func memory() -> (rss: Int, hwm: Int)? { child.memory() }

    func close() { child.stop() }
}
