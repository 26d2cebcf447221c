#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Newline-delimited messages from a pipe, handed out as borrowed byte ranges (no copy, no
/// String) so that reading 100,000+ responses a second costs the bench little.
final class LineReader {
    let fd: Int32
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    private var start = 0
    private var end = 0
    private(set) var closed = false

    init(fd: Int32, capacity: Int = 1 << 20) {
        self.fd = fd
        self.capacity = capacity
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit { buffer.deallocate() }

    enum Outcome { case line, timeout, eof }

    /// Calls `body` with each complete line (without its newline) until `body` returns false,
    /// the deadline (CLOCK_MONOTONIC ns) passes or the pipe ends.
    func lines(until deadline: UInt64, _ body: (UnsafeRawBufferPointer) -> Bool) -> Outcome {
        while true {
            // Lines already buffered first.
            while start < end {
                guard let nl = memchr(buffer + start, 0x0A, end - start) else { break }
                let length = buffer.distance(to: nl) - start
                let line = UnsafeRawBufferPointer(start: buffer + start, count: length)
                start += length + 1
                if !body(line) { return .line }
            }
            if closed { return .eof }
            if start > 0 {
                // Keep the partial line at the front.
                if start < end { memmove(buffer, buffer + start, end - start) }
                end -= start
                start = 0
            }
            if end == capacity {
                // A line longer than the buffer: grow.
                let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 16)
                bigger.copyMemory(from: buffer, byteCount: end)
                buffer.deallocate()
                buffer = bigger
                capacity *= 2
            }
            // Wait for data only if a read would block, then read as much as there is.
            let now = monotonicNanos()
            if now >= deadline { return .timeout }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let waitMillis = Int32(min((deadline - now) / 1_000_000 + 1, 60_000))
            let ready = poll(&pfd, 1, waitMillis)
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 { continue }
            let n = read(fd, buffer + end, capacity - end)
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                closed = true
            } else if n == 0 {
                closed = true
            } else {
                end += n
            }
        }
    }

    /// The next line as a String (for handshakes and checks, not hot loops).
    func nextLine(timeoutMillis: Int) -> String? {
        var result: String?
        _ = lines(until: monotonicNanos() + UInt64(timeoutMillis) * 1_000_000) { line in
            result = String(decoding: line, as: UTF8.self)
            return false
        }
        return result
    }
}

extension UnsafeRawBufferPointer {
    /// Whether `needle` occurs in these bytes.
    @inline(__always)
    func contains(_ needle: StaticString) -> Bool {
        guard count > 0 else { return false }
        return memfind(baseAddress!, count, needle.utf8Start, needle.utf8CodeUnitCount) != nil
    }
}
