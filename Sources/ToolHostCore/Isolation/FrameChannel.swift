import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One end of the host↔runner socketpair: frames out through a coalescing writer, frames in
/// through a blocking read loop on a thread of the owner's choosing.
///
/// Writing: a sender appends its frame to the outgoing buffer; the first sender that finds no
/// write in progress becomes the flusher and writes until the buffer is empty, so frames sent
/// while a write is under way leave together in the next `send(2)` (under load, many calls per
/// system call, no extra thread).
final class FrameChannel: @unchecked Sendable {
    let fd: Int32

    private struct Outgoing {
        var buffer: [UInt8] = []
        var spare: [UInt8] = []
        var flushing = false
        var closed = false
    }
    private let outgoing = Mutex(Outgoing())

    init(fd: Int32) {
        self.fd = fd
    }

    /// Queues `frame` and writes it (and whatever else is queued) unless another thread is
    /// writing already.
    /// - Returns: false when the channel is closed or the write failed (the peer is gone).
    @discardableResult
    func send(_ frame: RunnerFrame) -> Bool {
        let flusher = outgoing.withLock { o -> Bool? in
            guard !o.closed else { return nil }
            frame.encode(into: &o.buffer)
            if o.flushing { return false }
            o.flushing = true
            return true
        }
        guard let flusher else { return false }
        guard flusher else { return true }
        while true {
            var chunk = outgoing.withLock { o -> [UInt8] in
                if o.buffer.isEmpty {
                    o.flushing = false
                    return []
                }
                let taken = o.buffer
                o.buffer = o.spare
                o.buffer.removeAll(keepingCapacity: true)
                o.spare = []
                return taken
            }
            if chunk.isEmpty { return true }
            if !writeAll(chunk) {
                outgoing.withLock { o in
                    o.closed = true
                    o.flushing = false
                    o.buffer = []
                }
                return false
            }
            chunk.removeAll(keepingCapacity: true)
            outgoing.withLock { o in if o.spare.capacity < chunk.capacity { o.spare = chunk } }
        }
    }

    private func writeAll(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
    }

    /// Reads frames until the peer closes or breaks the protocol, passing each to `handle`
    /// on the calling thread.
    /// - Returns: nil when the connection ended (the peer closed it or is gone), or how the
    ///   peer broke the protocol.
    func readLoop(decoder start: FrameDecoder = FrameDecoder(), _ handle: (RunnerFrame) -> Void) -> String? {
        var decoder = start
        var chunk = [UInt8](repeating: 0, count: 256 << 10)
        while true {
            do {
                while let frame = try decoder.next() { handle(frame) }
            } catch {
                return "the peer sent \(error)"
            }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil  // ECONNRESET and the like: the peer is gone
            }
            if n == 0 { return nil }
            chunk.withUnsafeBytes { decoder.append(UnsafeRawBufferPointer(rebasing: $0[..<n])) }
        }
    }

    /// Reads until one whole frame arrives (before the read loop starts: the handshake), for
    /// at most `timeout` seconds.
    /// - Returns: the frame (bytes read past it stay in `decoder`), or nil when the peer closed,
    ///   broke the protocol or the time ran out (`timedOut`).
    func readOne(into decoder: inout FrameDecoder, timeout: Double = .infinity) -> (frame: RunnerFrame?, timedOut: Bool) {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        let deadline = monotonicSeconds() + timeout
        while true {
            do {
                if let frame = try decoder.next() { return (frame, false) }
            } catch {
                return (nil, false)
            }
            if timeout.isFinite {
                let left = deadline - monotonicSeconds()
                if left <= 0 { return (nil, true) }
                var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&descriptor, 1, Int32(min(left * 1000 + 1, 1_000_000)))
                if ready < 0, errno == EINTR { continue }
                if ready == 0 { continue }
            }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return (nil, false) }
            chunk.withUnsafeBytes { decoder.append(UnsafeRawBufferPointer(rebasing: $0[..<n])) }
        }
    }

    /// Stops sending; the reader sees the end once the peer closes its side too.
    func closeOutput() {
        outgoing.withLock { $0.closed = true }
        shutdown(fd, Int32(SHUT_WR))
    }
}
