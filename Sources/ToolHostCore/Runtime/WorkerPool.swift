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
final class WorkerPool: @unchecked Sendable {
    typealias Work = @Sendable () -> Void

    private let lock = ConditionLock()
    private let monitorLock = ConditionLock()
    private var queue: [Work?] = []
    private var head = 0
    private var idle = 0
    private var threads = 0
    private var finished = 0
    private var monitorWanted = false
    private let eagerThreads: Int
    private let maxThreads: Int
    private let stallInterval: Double
    private let name: String
    private let growthCheck = Mutex<(@Sendable () -> Bool)?>(nil)

    /// Consulted before the monitor adds a thread: false while waiting threads are blocked on
    /// something more threads cannot help (the client not reading the output).
    var mayGrow: (@Sendable () -> Bool)? {
        get { growthCheck.withLock { $0 } }
        set { growthCheck.withLock { $0 = newValue } }
    }

    init(name: String = "th-worker", eagerThreads: Int = max(2, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))), maxThreads: Int = 256, stallInterval: Double = 0.002) {
        self.name = name
        self.eagerThreads = eagerThreads
        self.maxThreads = max(eagerThreads, maxThreads)
        self.stallInterval = stallInterval
        spawnThread(name: "\(name)-monitor", stackSize: 64 << 10) { [self] in monitor() }
    }

    /// Runs `work` on a pool thread.
    func submit(_ work: @escaping Work) {
        lock.lock()
        queue.append(work)
        let waiting = queue.count - head
        var spawn = false
        var wakeMonitor = false
        if idle > 0 { lock.signal() }
        if waiting > idle {
            if threads < eagerThreads {
                threads += 1
                spawn = true
            } else {
                wakeMonitor = true
            }
        }
        lock.unlock()
        if spawn { startWorker() }
        if wakeMonitor {
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
        lock.lock()
        while true {
            while head == queue.count {
                idle += 1
                let signalled = lock.wait(seconds: 60)
                idle -= 1
                if !signalled, head == queue.count, threads > eagerThreads {
                    threads -= 1
                    lock.unlock()
                    return
                }
            }
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
            lock.unlock()
            work()
            lock.lock()
            finished &+= 1
        }
    }

    /// Adds a thread when queued work waits behind workers that have all stopped finishing.
    private func monitor() {
        while true {
            monitorLock.lock()
            while !monitorWanted { monitorLock.wait() }
            monitorWanted = false
            monitorLock.unlock()

            while true {
                let before = lock.withLock { finished }
                sleepSeconds(stallInterval)
                let (stalled, backlog) = lock.withLock { () -> (Bool, Bool) in
                    let waiting = queue.count - head
                    return (finished == before && waiting > idle, waiting > 0)
                }
                if stalled, mayGrow?() ?? true {
                    let grow = lock.withLock { () -> Bool in
                        guard threads < maxThreads else { return false }
                        threads += 1
                        return true
                    }
                    if grow { startWorker() }
                }
                if !backlog { break }
            }
        }
    }
}

func sleepSeconds(_ seconds: Double) {
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0, errno == EINTR { request = remaining }
}
