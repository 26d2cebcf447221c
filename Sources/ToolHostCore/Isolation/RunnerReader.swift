#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// How a runner reads its host's frames and runs the calls in them.
///
/// Calls run on the reading thread itself: a quick call then costs no hand-off to a worker
/// thread (no wake-up, no context switch), and its result leaves with the others of the same
/// read in one `send(2)`. A plugin may block in `invoke`, though, so a watchdog looks at the
/// reader every `stallInterval`. When the handling of one frame has lasted that long, a new
/// thread takes over the reading (the frames already read, and the socket), the results held
/// back leave at once, and for `pooledFor` seconds, and as long as a thread that lost the role
/// is still inside a plugin, calls go to the worker pool as they do in the host: many blocking
/// calls in a row then do not each wait a stall interval for the next frame to be read.
///
/// Only the thread holding the reading role (`holder`) reads the socket or takes a frame, and
/// the role moves only while its holder is inside a frame's handling, never while it reads.
/// A holder that spent the interval waiting for a CPU rather than in its plugin (its
/// `/proc/thread-self/schedstat`, as the ``WorkerPool`` monitor reads it) keeps the role: on
/// busy cores another thread would only compete with it.
final class RunnerReader: @unchecked Sendable {
    /// Handles one frame; `inline`: run a call on this thread (else hand it to the pool).
    typealias Handler = @Sendable (RunnerFrame, _ inline: Bool) -> Void

    private let channel: FrameChannel
    private let handler: Handler
    private let stallInterval: Double
    private let pooledFor: Double
    /// Results held back on the reading thread leave at least every this many frames.
    private let flushEvery: Int

    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var decoder: FrameDecoder
    private var holder = 0
    private var busy = false
    private var handlings = 0
    private var watchdogIdle = false
    private var stuck = 0
    private var pooledUntil: Double = 0
    private var ended = false
    private var endReason: String?
    /// The holder's scheduler statistics (nil where the system has none).
    private var holderStats: SchedulerStats?
    /// The results the holder holds back (its ``DeferredSends`` batch).
    private var holderBatch: DeferredSends.Pending?
    /// Times the reading moved to a new thread (``takeoverCount``).
    private var takeovers = 0
    /// The watchdog's looks in a row at a holder that was starved of CPU (watchdog only).
    private var starvedLooks = 0

    init(channel: FrameChannel, decoder: FrameDecoder, stallInterval: Double = 0.002, pooledFor: Double = 0.1, flushEvery: Int = 64,
         handler: @escaping Handler) {
        self.channel = channel
        self.decoder = decoder
        self.stallInterval = stallInterval
        self.pooledFor = pooledFor
        self.flushEvery = flushEvery
        self.handler = handler
    }

    /// Reads and handles frames until the host closes the connection or breaks the protocol
    /// (whichever thread holds the reading role then).
    /// - Returns: nil when the connection ended, or how the host broke the protocol.
    func run() -> String? {
        spawnThread(name: "runner-watchdog", stackSize: 256 << 10) { [self] in watch() }
        read(as: 0)
        return lock.withLock {
            while !ended { lock.wait() }
            return endReason
        }
    }

    /// Number of times the reading moved to a new thread.
    var takeoverCount: Int { lock.withLock { takeovers } }

    private enum Step {
        case needInput
        case lostRole
    }

    /// The reading role's loop, on the thread holding it as generation `role`.
    private func read(as role: Int) {
        let stats = SchedulerStats.ofCurrentThread()
        lock.withLock { if holder == role { holderStats = stats } }
        var chunk = [UInt8](repeating: 0, count: 256 << 10)
        while true {
            if handleBuffered(as: role) == .lostRole { return }
            let n = chunk.withUnsafeMutableBytes { Glibc.read(channel.fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 {
                // The host closed the connection or is gone.
                finish(nil)
                return
            }
            lock.withLock {
                chunk.withUnsafeBytes { decoder.append(UnsafeRawBufferPointer(rebasing: $0[..<n])) }
            }
        }
    }

    /// Handles the frames read so far, results held back until the last (or every
    /// `flushEvery` frames).
    private func handleBuffered(as role: Int) -> Step {
        DeferredSends.batching {
            lock.withLock { if holder == role { holderBatch = DeferredSends.current } }
            var handled = 0
            while true {
                lock.lock()
                guard holder == role, !ended else {
                    lock.unlock()
                    return .lostRole
                }
                let next: RunnerFrame?
                do {
                    next = try decoder.next()
                } catch {
                    ended = true
                    endReason = "the host sent \(error)"
                    lock.broadcast()
                    lock.unlock()
                    return .lostRole
                }
                guard let frame = next else {
                    lock.unlock()
                    return .needInput
                }
                busy = true
                handlings &+= 1
                if watchdogIdle { lock.broadcast() }
                var inline = stuck == 0
                if inline, pooledUntil > 0 {
                    if monotonicSeconds() < pooledUntil { inline = false } else { pooledUntil = 0 }
                }
                lock.unlock()

                handler(frame, inline)

                lock.lock()
                if holder != role {
                    // Another thread reads now; this one was inside a plugin that long.
                    stuck -= 1
                    lock.unlock()
                    return .lostRole
                }
                busy = false
                lock.unlock()
                handled += 1
                if handled % flushEvery == 0 { DeferredSends.flush() }
            }
        }
    }

    private func finish(_ reason: String?) {
        lock.withLock {
            guard !ended else { return }
            ended = true
            endReason = reason
            lock.broadcast()
        }
    }

    /// The watchdog: while a frame is being handled, looks again after `stallInterval`; when
    /// the same handling is still going on, hands the reading role to a new thread.
    private func watch() {
        lock.lock()
        defer { lock.unlock() }
        while !ended {
            guard busy else {
                watchdogIdle = true
                lock.wait()
                watchdogIdle = false
                continue
            }
            let (role, handling, stats) = (holder, handlings, holderStats)
            let before = stats?.sample()
            let deadline = monotonicSeconds() + stallInterval
            while !ended {
                let left = deadline - monotonicSeconds()
                if left <= 0 { break }
                _ = lock.wait(seconds: left)
            }
            guard !ended, busy, holder == role, handlings == handling else {
                starvedLooks = 0
                continue
            }
            // A holder that mostly waited for a CPU and barely ran is starved, not stuck:
            // another thread would only compete with it (a plugin computing on busy cores
            // still runs a good part of the time, and is taken over). After 25 such looks in a
            // row (50 ms) it is taken over all the same, so the reading never waits unbounded.
            let interval = UInt64(stallInterval * 1e9)
            if starvedLooks < 25, let before, let after = stats?.sample(),
               after.waiting &- before.waiting >= interval / 2, after.running &- before.running < interval / 4 {
                starvedLooks += 1
                continue
            }
            starvedLooks = 0
            holder += 1
            busy = false
            stuck += 1
            takeovers += 1
            pooledUntil = monotonicSeconds() + pooledFor
            let next = holder
            let batch = holderBatch
            holderBatch = nil
            lock.unlock()
            spawnThread(name: "runner-reader", stackSize: 1 << 20) { [self] in read(as: next) }
            // What the stuck thread held back leaves now, and what it sends from now on goes
            // at once. (After the new reader started: this write may wait for the host.)
            batch?.close()
            channel.flush()
            lock.lock()
        }
    }
}
