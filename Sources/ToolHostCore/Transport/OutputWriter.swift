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
    private let output: OutputKind
    private let pressure: OutputPressure
    /// What `pressure` was last told (guarded by `lock`).
    private var toldBacklogged = false

    /// - Parameters:
    ///   - fd: the file descriptor to write (1 for stdout).
    ///   - schedule: runs a drain that may block, for messages posted without writing; by
    ///     default the writer's own thread (``DrainThread``), started on first use. (Tests
    ///     record the drains instead, to run them when they choose.)
    ///   - onFailure: called once, with errno, when writing fails (EPIPE: the client is gone).
    ///   - pressure: told whether the backlog is over `softLimit` whenever that changes.
    init(
        fd: Int32, softLimit: Int = 1 << 20, hardLimit: Int = 8 << 20, pressure: OutputPressure = OutputPressure(),
        schedule: (@Sendable (@escaping @Sendable () -> Void) -> Void)? = nil,
        onFailure: @escaping @Sendable (Int32) -> Void
    ) {
        self.fd = fd
        self.softLimit = softLimit
        self.hardLimit = hardLimit
        if let schedule {
            self.schedule = schedule
        } else {
            let drains = DrainThread()
            self.schedule = { drains.run($0) }
        }
        self.onFailure = onFailure
        self.pressure = pressure
        output = OutputKind(fd: fd)
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
        if buffer.count > hardLimit && !failed {
            // Before waiting for the client, let held-back calls go to their runners.
            lock.unlock()
            DeferredSends.flush()
            lock.lock()
        }
        while buffer.count > hardLimit && !failed { lock.wait() }
        if failed {
            lock.unlock()
            return false
        }
        append(message)
        if writing {
            lock.unlock()
            return true
        }
        writing = true
        return drainLocked()
    }

    /// Queues one message without ever blocking. When no write is under way it is written at
    /// once on this thread if that cannot block (see ``OutputKind``), else a drain is scheduled
    /// on another thread. Messages keep their order with those of ``send(_:)``.
    /// - Parameter droppable: drop the message when the backlog is over `softLimit`.
    /// - Returns: false when the message was dropped.
    @discardableResult
    func post(_ message: [UInt8], droppable: Bool) -> Bool {
        lock.lock()
        if failed || (droppable && buffer.count > softLimit) {
            lock.unlock()
            return false
        }
        append(message)
        return writeWithoutBlocking()
    }

    /// Queues a response from a thread that must not block (a plugin's own thread), written
    /// like ``post(_:droppable:)``; unlike it, it keeps the backlog bound of ``send(_:)``.
    /// - Returns: false, having queued nothing, when the backlog is over `hardLimit` (the
    ///   caller then sends from a host thread, which waits) or the output has failed.
    func offer(_ message: [UInt8]) -> Bool {
        lock.lock()
        if failed || buffer.count > hardLimit {
            lock.unlock()
            return false
        }
        append(message)
        return writeWithoutBlocking()
    }

    private func append(_ message: [UInt8]) {
        buffer.append(contentsOf: message)
        buffer.append(0x0A)
        notePressure()
    }

    /// Tells `pressure` when the backlog crosses `softLimit`. Called with the lock held.
    private func notePressure() {
        let backlogged = buffer.count > softLimit
        if backlogged != toldBacklogged {
            toldBacklogged = backlogged
            pressure.set(backlogged)
        }
    }

    /// With the lock held and something queued: writes the buffer here when no write is under
    /// way and the write cannot block, else makes sure a drain is under way or scheduled.
    /// Returns with the lock released.
    private func writeWithoutBlocking() -> Bool {
        if writing || drainScheduled {
            lock.unlock()
            return true
        }
        if let mode = output.inlineWrite(fd, buffer.count) {
            writing = true
            let error = writeQueued(mode)
            writing = false
            lock.broadcast()
            // What others queued meanwhile is drained elsewhere: this thread must not wait.
            if error != 0 || buffer.isEmpty {
                lock.unlock()
                if error != 0 { onFailure(error) }
                return true
            }
        }
        drainScheduled = true
        lock.unlock()
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
        return true
    }

    /// Writes until the buffer is empty. Called with the lock held and `writing` set; returns
    /// with the lock released.
    private func drainLocked() -> Bool {
        var error: Int32 = 0
        while !buffer.isEmpty && !failed {
            error = writeQueued()
        }
        writing = false
        lock.broadcast()
        lock.unlock()
        if error != 0 { onFailure(error) }
        return error == 0
    }

    /// Writes what is queued: called with the lock held and `writing` set; the lock is
    /// released during the write and held again on return. With `.whatFits`, what the socket
    /// did not take goes back to the front of the queue. Returns errno, or 0.
    private func writeQueued(_ mode: OutputKind.Write = .all) -> Int32 {
        swap(&buffer, &spare)
        lock.unlock()
        var written = spare.count
        let error: Int32
        switch mode {
        case .all: error = writeAll(spare)
        case .whatFits: (written, error) = sendWhatFits(spare)
        }
        lock.lock()
        if error != 0 {
            failed = true
            buffer.removeAll()
        } else if written < spare.count {
            buffer.insert(contentsOf: spare[written...], at: 0)
        }
        spare.removeAll(keepingCapacity: true)
        notePressure()
        lock.broadcast()
        return error
    }

    /// True when senders of responses would wait (the backlog is over `hardLimit`).
    var isOverHardLimit: Bool {
        lock.withLock { buffer.count > hardLimit }
    }

    /// Waits until everything queued so far has been written (or the output failed).
    func flush() {
        lock.lock()
        while (writing || !buffer.isEmpty) && !failed { lock.wait() }
        lock.unlock()
    }

    /// Sends to a socket without waiting: stops when its buffer is full.
    private func sendWhatFits(_ bytes: [UInt8]) -> (written: Int, error: Int32) {
        bytes.withUnsafeBytes { raw -> (Int, Int32) in
            var offset = 0
            while offset < raw.count {
                let n = sendWithoutWaiting(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    if errno == EAGAIN || errno == EWOULDBLOCK { break }
                    return (offset, errno)
                }
                offset += n
            }
            return (offset, 0)
        }
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

/// `send(2)` that neither waits for room nor raises SIGPIPE.
private func sendWithoutWaiting(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if os(Linux)
    send(fd, bytes, count, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL))
    #else
    send(fd, bytes, count, MSG_DONTWAIT)
    #endif
}

/// What kind of file the output is, for writes that must not block: a write to a regular file
/// never waits for the client, one to an empty pipe waits only when it is larger than the
/// pipe, and a stream socket (what Node-based clients give their children) can be sent what
/// fits without waiting. Anything else (a terminal) is written by a thread that may wait.
struct OutputKind: Sendable {
    private enum Kind {
        case file
        case pipe(capacity: Int)
        case socket
        case other
    }

    /// How a write that must not block goes.
    enum Write {
        /// `write(2)` everything (it cannot block).
        case all
        /// `send(2)` without waiting, as much as fits.
        case whatFits
    }

    private let kind: Kind

    init(fd: Int32) {
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            kind = .other
            return
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            kind = .file
        case S_IFIFO:
            #if os(Linux)
            // The pipe's size only changes if someone sets it, and then it grows.
            let F_GETPIPE_SZ: Int32 = 1032  // <fcntl.h>; Glibc's module leaves it out
            let capacity = fcntl(fd, F_GETPIPE_SZ)
            kind = capacity > 0 ? .pipe(capacity: Int(capacity)) : .other
            #else
            kind = .pipe(capacity: Int(PIPE_BUF))
            #endif
        case S_IFSOCK:
            var type: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            let stream = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size) == 0 && type == Int32(SOCK_STREAM.rawValue)
            kind = stream ? .socket : .other
        default:
            kind = .other
        }
    }

    /// How `count` bytes can be written to `fd` now without blocking (this being its only
    /// writer), or nil when they cannot.
    func inlineWrite(_ fd: Int32, _ count: Int) -> Write? {
        switch kind {
        case .file:
            return .all
        case .pipe(let capacity):
            guard count <= capacity else { return nil }
            var unread: Int32 = 0
            // The client only ever empties the pipe further, so room seen now stays.
            return ioctl(fd, UInt(FIONREAD), &unread) == 0 && unread == 0 ? .all : nil
        case .socket:
            return .whatFits
        case .other:
            return nil
        }
    }
}

/// The writer's own thread for the drains that may block (a client reading slowly): started
/// on the first drain, then waiting for the next. Drains run one after another, in order.
final class DrainThread: @unchecked Sendable {
    private let lock = ConditionLock()
    private var work: [@Sendable () -> Void] = []
    private var started = false

    func run(_ drain: @escaping @Sendable () -> Void) {
        lock.lock()
        work.append(drain)
        if !started {
            started = true
            lock.unlock()
            spawnThread(name: "th-writer", stackSize: 256 << 10) { [self] in loop() }
            return
        }
        lock.signal()
        lock.unlock()
    }

    private func loop() {
        lock.lock()
        while true {
            while work.isEmpty { lock.wait() }
            let drains = work
            work = []
            lock.unlock()
            for drain in drains { drain() }
            lock.lock()
        }
    }
}
