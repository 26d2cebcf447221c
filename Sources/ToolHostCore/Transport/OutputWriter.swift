#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one writer of protocol messages: every byte that reaches stdout passes through here.
///
/// Messages from any thread are appended to a buffer; whichever thread finds no write in
/// progress becomes the writer and drains the buffer, so messages produced while a write is
/// under way leave in the next single `write(2)`. When the client reads slower than the host
/// produces, senders of responses wait once the backlog passes `hardLimit` (backpressure that
/// reaches the reader, so memory stays bounded), while droppable messages (progress, logs) are
/// dropped past `softLimit`.
final class OutputWriter: @unchecked Sendable {
    private let fd: Int32
    private let lock = ConditionLock()
    private var buffer: [UInt8] = []
    private var spare: [UInt8] = []
    private var writing = false
    private var drainScheduled = false
    private var failed = false
    private let softLimit: Int
    private let hardLimit: Int
    private let onFailure: @Sendable (Int32) -> Void
    private let schedule: @Sendable (@escaping @Sendable () -> Void) -> Void

    /// - Parameters:
    ///   - fd: the file descriptor to write (1 for stdout).
    ///   - schedule: runs a drain on some host thread, for messages posted without writing.
    ///   - onFailure: called once, with errno, when writing fails (EPIPE: the client is gone).
    init(
        fd: Int32, softLimit: Int = 1 << 20, hardLimit: Int = 8 << 20,
        schedule: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void,
        onFailure: @escaping @Sendable (Int32) -> Void
    ) {
        self.fd = fd
        self.softLimit = softLimit
        self.hardLimit = hardLimit
        self.schedule = schedule
        self.onFailure = onFailure
        buffer.reserveCapacity(64 << 10)
        spare.reserveCapacity(64 << 10)
    }

    /// Queues one message (a complete JSON text without its newline) and writes it unless
    /// another thread is already writing. May block: on the write itself, and while the
    /// backlog is over `hardLimit`.
    /// - Returns: false when the output has failed.
    @discardableResult
    func send(_ message: [UInt8]) -> Bool {
        lock.lock()
        while buffer.count > hardLimit && !failed { lock.wait() }
        if failed {
            lock.unlock()
            return false
        }
        buffer.append(contentsOf: message)
        buffer.append(0x0A)
        if writing {
            lock.unlock()
            return true
        }
        writing = true
        return drainLocked()
    }

    /// Queues one message without ever blocking: when no write is under way, a drain is
    /// scheduled on another thread. Messages keep their order with those of ``send(_:)``.
    /// - Parameter droppable: drop the message when the backlog is over `softLimit`.
    /// - Returns: false when the message was dropped.
    @discardableResult
    func post(_ message: [UInt8], droppable: Bool) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if failed || (droppable && buffer.count > softLimit) { return false }
        buffer.append(contentsOf: message)
        buffer.append(0x0A)
        if !writing && !drainScheduled {
            drainScheduled = true
            schedule { [self] in
                lock.lock()
                drainScheduled = false
                if writing || buffer.isEmpty {
                    lock.unlock()
                    return
                }
                writing = true
                _ = drainLocked()
            }
        }
        return true
    }

    /// Writes until the buffer is empty. Called with the lock held and `writing` set; returns
    /// with the lock released.
    private func drainLocked() -> Bool {
        var error: Int32 = 0
        while !buffer.isEmpty && !failed {
            swap(&buffer, &spare)
            lock.unlock()
            error = writeAll(spare)
            spare.removeAll(keepingCapacity: true)
            lock.lock()
            if error != 0 {
                failed = true
                buffer.removeAll()
            }
            lock.broadcast()
        }
        writing = false
        lock.broadcast()
        lock.unlock()
        if error != 0 { onFailure(error) }
        return error == 0
    }

    /// True while the client reads slower than the host writes (the backlog is over
    /// `softLimit`).
    var isBacklogged: Bool {
        lock.withLock { buffer.count > softLimit }
    }

    /// Waits until everything queued so far has been written (or the output failed).
    func flush() {
        lock.lock()
        while (writing || !buffer.isEmpty) && !failed { lock.wait() }
        lock.unlock()
    }

    private func writeAll(_ bytes: [UInt8]) -> Int32 {
        bytes.withUnsafeBytes { raw -> Int32 in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return 0
        }
    }
}
