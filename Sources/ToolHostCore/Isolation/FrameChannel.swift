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
final class FrameChannel: Sendable {
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

    deinit {
        close(fd)
    }

    /// Ends both directions at once: a reader blocked on the channel sees its end (after a
    /// kill, when a process the plugin started may still hold the other end).
    func hangUp() {
        outgoing.withLock { $0.closed = true }
        shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Queues `frame` and writes it (and whatever else is queued) unless another thread is
    /// writing already.
    /// - Returns: false when the channel is closed or the write failed (the peer is gone).
    /// - Parameter batchable: on a thread inside ``DeferredSends/batching(_:)``, leave the
    ///   frame queued until that batch ends.
    @discardableResult
    func send(_ frame: RunnerFrame, batchable: Bool = false) -> Bool {
        enum Next { case closed, deferred, queued, flush }
        let batch = batchable ? DeferredSends.current : nil
        let next = outgoing.withLock { o -> Next in
            guard !o.closed else { return .closed }
            frame.encode(into: &o.buffer)
            // Under this lock, so that a batch closed by another thread (which then flushes)
            // either sees this frame or this sender sees it closed.
            if let batch, batch.isOpen { return .deferred }
            if o.flushing { return .queued }
            o.flushing = true
            return .flush
        }
        switch next {
        case .closed: return false
        case .deferred:
            if let batch, !batch.channels.contains(where: { $0 === self }) { batch.channels.append(self) }
            return true
        case .queued: return true
        case .flush: return drain()
        }
    }

    /// Writes what is queued unless another thread is writing already.
    @discardableResult
    func flush() -> Bool {
        let flusher = outgoing.withLock { o -> Bool in
            guard !o.closed, !o.flushing, !o.buffer.isEmpty else { return false }
            o.flushing = true
            return true
        }
        return flusher ? drain() : true
    }

    /// Writes everything queued, also what another thread queued and has not written yet (a
    /// result held back on the reading thread: ``RunnerReader``), and waits for a write under
    /// way to end. For a runner about to exit; it yields while another thread writes.
    func flushBeforeExit() {
        while true {
            let (idle, empty) = outgoing.withLock { o in (!o.flushing, o.buffer.isEmpty || o.closed) }
            if idle && empty { return }
            if idle { _ = flush() } else { sched_yield() }
        }
    }

    /// The flusher's loop: writes until the queue is empty.
    private func drain() -> Bool {
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

/// Frames held back on one thread while it works through a chunk of input, and written when it
/// is done (or before it waits for anything): the MCP reader thread starts many isolated calls
/// from one `read(2)` of stdin, and they leave in one `send(2)` per runner instead of one each.
/// Other threads send at once.
enum DeferredSends {
    final class Pending {
        var channels: [FrameChannel] = []
        private let open = Atomic<Bool>(true)

        /// False once ``close()`` was called: sends go at once from then on.
        var isOpen: Bool { open.load(ordering: .acquiring) }

        /// Ends the holding back, from any thread (a ``RunnerReader`` whose reading thread
        /// stays inside a plugin): what this thread sends next goes at once; what it held back
        /// is in the channels' queues, for the caller to flush.
        func close() { open.store(false, ordering: .releasing) }
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Runs `body` with sends from this thread held back, then writes them.
    static func batching<T>(_ body: () -> T) -> T {
        guard pthread_getspecific(key) == nil else { return body() }
        let pending = Pending()
        let pointer = Unmanaged.passRetained(pending).toOpaque()
        pthread_setspecific(key, pointer)
        defer {
            flush()
            pthread_setspecific(key, nil)
            Unmanaged<Pending>.fromOpaque(pointer).release()
        }
        return body()
    }

    /// The list of this thread, when it is batching.
    static var current: Pending? {
        pthread_getspecific(key).map { Unmanaged<Pending>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Writes what this thread held back (call before it blocks).
    static func flush() {
        guard let pending = current, !pending.channels.isEmpty else { return }
        let channels = pending.channels
        pending.channels = []
        for channel in channels { channel.flush() }
    }
}
