import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The threads that run plugin code.
///
/// Plugins may block inside `invoke`, so these cannot be Swift's cooperative threads. The pool
/// keeps up to `eagerThreads` busy threads for ordinary load, and a monitor adds a thread
/// whenever work is waiting and none of the running work has finished for `stallInterval`
/// (someone is blocked), up to `maxThreads`. A blocking call therefore delays others by at
/// most a few milliseconds, while a flood of quick calls stays on a few threads. Threads
/// beyond the eager count exit after a minute of idleness.
///
/// "Someone is blocked" means a worker is inside plugin code (``insidePlugin(_:)``), asleep or
/// computing there, and, where the system can tell (Linux: the worker's
/// `/proc/thread-self/schedstat`), not just waiting for a CPU. Workers asleep on the host's own
/// locks, or starved of CPU, are not helped by more threads: on two busy cores a pipelined flood
/// otherwise grew the pool to 25–60 threads and throughput fell from ~160k to ~65k calls/s
/// (`scripts/bench`).
final class WorkerPool: @unchecked Sendable {
    typealias Work = @Sendable () -> Void

    /// Guards `state`; idle workers wait on it.
    private let lock = ConditionLock()
    private var state: State
    /// The monitor's own sleep (guards `monitorWanted`).
    private let monitorLock = ConditionLock()
    private var monitorWanted = false
    private let stallInterval: Double
    private let name: String
    /// Consulted before the monitor adds a thread: while the client reads slower than the host
    /// writes, more threads cannot help the calls waiting to be answered.
    private let outputPressure: OutputPressure

    init(
        name: String = "th-worker", eagerThreads: Int = max(2, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))), maxThreads: Int = 256,
        stallInterval: Double = 0.002, outputPressure: OutputPressure = OutputPressure()
    ) {
        self.name = name
        self.outputPressure = outputPressure
        state = State(eagerThreads: eagerThreads, maxThreads: maxThreads)
        self.stallInterval = stallInterval
        spawnThread(name: "\(name)-monitor", stackSize: 256 << 10) { [self] in monitor() }
    }

    /// Runs `work` on a pool thread.
    func submit(_ work: @escaping Work) {
        lock.lock()
        let (wakeIdle, growth) = state.submit(work)
        if wakeIdle { lock.signal() }
        lock.unlock()
        switch growth {
        case .none: break
        case .startWorker: startWorker()
        case .askMonitor:
            monitorLock.withLock {
                if !monitorWanted {
                    monitorWanted = true
                    monitorLock.signal()
                }
            }
        }
    }

    private func startWorker() {
        spawnThread(name: name, stackSize: 4 << 20) { [self] in workerLoop() }
    }

    private func workerLoop() {
        let slot = WorkerSlot()
        pthread_setspecific(WorkerSlot.key, Unmanaged.passUnretained(slot).toOpaque())
        defer { pthread_setspecific(WorkerSlot.key, nil) }
        lock.lock()
        let number = state.workerStarted()
        while true {
            while !state.hasWork {
                state.idle += 1
                let signalled = lock.wait(seconds: 60)
                state.idle -= 1
                if !signalled, state.retireIdleWorker() {
                    lock.unlock()
                    return
                }
            }
            let work = state.take(worker: number, slot: slot)
            lock.unlock()
            work()
            lock.lock()
            state.finished(worker: number)
        }
    }

    /// Adds a thread when queued work waits behind workers that have all stopped finishing.
    /// Sleeps while nothing waits, and also once the pool is at `maxThreads`: the work queued
    /// then waits for a worker to finish, and the next `submit` wakes the monitor again.
    private func monitor() {
        while true {
            monitorLock.lock()
            while !monitorWanted { monitorLock.wait() }
            monitorWanted = false
            monitorLock.unlock()
            while monitorPass() {}
        }
    }

    /// One look at the workers: adds a thread when they are stalled in plugin code.
    /// - Returns: true to look again (work still waits and a thread could still be added).
    @inline(never)
    private func monitorPass() -> Bool {
        guard let look = lock.withLock({ state.look() }) else { return false }
        let samples = look.running.map { ($0, $0.stats?.sample()) }
        // The sampling interval: a timed wait (a `submit` that wakes the monitor meanwhile
        // does not shorten it).
        let deadline = monotonicSeconds() + stallInterval
        monitorLock.withLock {
            while true {
                let left = deadline - monotonicSeconds()
                if left <= 0 { break }
                _ = monitorLock.wait(seconds: left)
            }
        }
        let (stalled, backlog) = lock.withLock { state.stalled(since: look) }
        if stalled, blockedInPlugin(samples), !outputPressure.isBacklogged, lock.withLock({ state.grow() }) {
            startWorker()
        }
        return backlog
    }
}

extension WorkerPool {
    /// The pool's bookkeeping, without threads or locks: the queue, the workers and the rules
    /// for adding and retiring them. The pool holds it under its lock and carries out what
    /// it answers (wake a worker, start one, ask the monitor); the unit tests drive it alone.
    struct State {
        /// Work not yet taken, from `head` on (taken slots are nil until the queue is compacted).
        private(set) var queue: [Work?] = []
        private(set) var head = 0
        /// Workers waiting for work.
        var idle = 0
        /// Workers started and not retired.
        private(set) var threads = 0
        /// Work finished so far (wrapping): the monitor's sign of progress.
        private(set) var finishedCount = 0
        /// The workers running work right now, by worker number.
        private(set) var busy: [Int: WorkerSlot] = [:]
        private var nextWorker = 0
        let eagerThreads: Int
        let maxThreads: Int

        init(eagerThreads: Int, maxThreads: Int) {
            self.eagerThreads = eagerThreads
            self.maxThreads = max(eagerThreads, maxThreads)
        }

        /// How the pool grows after a submission.
        enum Growth: Equatable {
            case none
            /// Below the eager count: start a worker now.
            case startWorker
            /// At or past it: let the monitor judge whether the workers are stuck.
            case askMonitor
        }

        var waiting: Int { queue.count - head }
        var hasWork: Bool { head < queue.count }

        /// Queues `work`. Returns whether to wake an idle worker, and how to grow.
        mutating func submit(_ work: @escaping Work) -> (wakeIdle: Bool, growth: Growth) {
            queue.append(work)
            guard waiting > idle else { return (idle > 0, .none) }
            if threads < eagerThreads {
                threads += 1
                return (idle > 0, .startWorker)
            }
            return (idle > 0, .askMonitor)
        }

        /// A worker thread began: its number.
        mutating func workerStarted() -> Int {
            defer { nextWorker &+= 1 }
            return nextWorker
        }

        /// An idle worker's wait ran out with nothing to do: whether it leaves (only threads
        /// beyond the eager count do).
        mutating func retireIdleWorker() -> Bool {
            guard !hasWork, threads > eagerThreads else { return false }
            threads -= 1
            return true
        }

        /// Takes the oldest work for `worker` (there is some), marking the worker busy.
        mutating func take(worker: Int, slot: WorkerSlot) -> Work {
            let work = queue[head]!
            queue[head] = nil
            head += 1
            if head == queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
            } else if head > 1024, head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            busy[worker] = slot
            return work
        }

        mutating func finished(worker: Int) {
            busy[worker] = nil
            finishedCount &+= 1
        }

        /// What the monitor looks at before its interval: nil at `maxThreads` (nothing to add).
        struct Look {
            let finished: Int
            let running: [WorkerSlot]
        }

        func look() -> Look? {
            threads >= maxThreads ? nil : Look(finished: finishedCount, running: Array(busy.values))
        }

        /// After the interval: stalled when nothing finished since `look` and more work waits
        /// than idle workers can take; `backlog` when any work waits at all.
        func stalled(since look: Look) -> (stalled: Bool, backlog: Bool) {
            (finishedCount == look.finished && waiting > idle, waiting > 0)
        }

        /// The monitor adds a worker, unless the pool is at `maxThreads`.
        mutating func grow() -> Bool {
            guard threads < maxThreads else { return false }
            threads += 1
            return true
        }
    }
}

extension WorkerPool {
    /// Runs `body` (a call into plugin code) marked as such, when the caller is a pool worker.
    static func insidePlugin<T>(_ body: () -> T) -> T {
        guard let raw = pthread_getspecific(WorkerSlot.key) else { return body() }
        let slot = Unmanaged<WorkerSlot>.fromOpaque(raw).takeUnretainedValue()
        slot.insidePlugin.store(true, ordering: .releasing)
        defer { slot.insidePlugin.store(false, ordering: .releasing) }
        return body()
    }

    /// Whether a worker busy throughout the last interval is inside plugin code and, where that
    /// can be measured, spent less than half the interval waiting for a CPU (it slept or ran in
    /// the plugin: another thread lets queued work proceed meanwhile).
    fileprivate func blockedInPlugin(_ samples: [(WorkerSlot, SchedulerStats.Sample?)]) -> Bool {
        let starved = UInt64(stallInterval * 1e9 / 2)
        for (slot, before) in samples where slot.insidePlugin.load(ordering: .acquiring) {
            guard let before, let after = slot.stats?.sample() else { return true }
            if after.waiting &- before.waiting < starved { return true }
        }
        return false
    }
}

/// Whether the output is backlogged (the client reads slower than the host writes): set by the
/// ``OutputWriter``, read by the ``WorkerPool`` before it adds a thread. Both receive it at
/// construction.
final class OutputPressure: Sendable {
    private let backlogged = Atomic<Bool>(false)

    init() {}

    var isBacklogged: Bool { backlogged.load(ordering: .relaxed) }

    func set(_ value: Bool) { backlogged.store(value, ordering: .relaxed) }
}

/// What the monitor knows of one worker thread.
final class WorkerSlot: Sendable {
    /// The thread's own slot (set by the worker loop).
    static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    let stats = SchedulerStats.ofCurrentThread()
    let insidePlugin = Atomic<Bool>(false)
}

/// One thread's scheduler statistics (`/proc/thread-self/schedstat`: time on a CPU, time
/// waiting for one), readable from any thread once the thread itself has opened them.
final class SchedulerStats: Sendable {
    struct Sample: Equatable {
        var running: UInt64
        var waiting: UInt64
    }

    private let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    deinit { close(fd) }

    /// The calling thread's statistics, or nil where the system has none.
    static func ofCurrentThread() -> SchedulerStats? {
        #if os(Linux)
        let fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        let stats = SchedulerStats(fd: fd)
        return stats.sample() == nil ? nil : stats
        #else
        return nil
        #endif
    }

    /// The two counters now (nanoseconds), or nil when they cannot be read.
    func sample() -> Sample? {
        var buffer = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        return withUnsafeMutableBytes(of: &buffer) { raw -> Sample? in
            let n = pread(fd, raw.baseAddress, raw.count - 1, 0)
            guard n > 0 else { return nil }
            var numbers: [UInt64] = []
            var current: UInt64 = 0
            var inNumber = false
            for byte in raw.prefix(n) {
                if byte >= 0x30 && byte <= 0x39 {
                    current = current &* 10 &+ UInt64(byte - 0x30)
                    inNumber = true
                } else if inNumber {
                    numbers.append(current)
                    current = 0
                    inNumber = false
                    if numbers.count == 2 { break }
                }
            }
            guard numbers.count == 2 else { return nil }
            return Sample(running: numbers[0], waiting: numbers[1])
        }
    }
}
