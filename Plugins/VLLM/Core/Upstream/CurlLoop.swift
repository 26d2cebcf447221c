import CCurl
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The plugin's one HTTP thread (`th-vllm-http`): it owns a libcurl multi handle, drives every
/// transfer on it, and runs the plugin's Swift tasks between rounds: it is their executor.
/// The plugin's calls do little work of their own and much waiting for this thread, so running
/// them here saves a thread hop (and a wake-up) at every step of a call.
///
/// Other threads talk to it only through its queue (add a transfer, cancel one, run a job,
/// stop), guarded by a lock; `curl_multi_wakeup` ends its wait. Everything else — the multi
/// handle, the easy handles, the transfers in flight — is touched on the thread alone.
package final class CurlLoop: TaskExecutor, @unchecked Sendable {
    private enum Command {
        case add(Transfer)
        case cancel(Transfer)
    }

    private struct Queue {
        var commands: [Command] = []
        var jobs: [UnownedJob] = []
        var stopping = false
        /// The thread has ended: nothing more is taken.
        var stopped = false
    }

    private let queue = Mutex(Queue())
    /// Set by ``close()``: jobs go to the global executor from then on.
    private let closed = Atomic(false)
    private let multi: UnsafeMutableRawPointer
    private var thread = pthread_t()
    /// The loop thread's own id, stored by that thread as it starts: ``onLoopThread`` must not
    /// read `thread`, which `pthread_create` writes while the new thread may already run.
    private let loopThread = Mutex<pthread_t?>(nil)
    /// Transfers on the multi handle, by their easy handle (loop thread only).
    private var active: [UnsafeMutableRawPointer: Transfer] = [:]
    /// Transfers that were cancelled before their `add` was taken (loop thread only).
    private var cancelledEarly: Set<ObjectIdentifier> = []

    /// The libcurl opened (see ``CurlLibrary``) and its functions.
    let library: CurlLibrary
    private let curl: th_curl_api

    /// Starts the thread.
    /// - Parameters:
    ///   - library: libcurl, opened.
    ///   - maxConnections: connections to one host at most (more requests wait).
    init(_ library: CurlLibrary, maxConnections: Int) {
        self.library = library
        curl = library.functions
        multi = curl.multi_init()!
        _ = th_curl_multi_setopt_long(library.api, multi, CURLMOPT_MAX_HOST_CONNECTIONS, maxConnections)
        // HTTP/1.1 only: no pipelining nor multiplexing, one request per connection at a time.
        _ = th_curl_multi_setopt_long(library.api, multi, CURLMOPT_PIPELINING, Int(CURLPIPE_NOTHING))
        let box = Unmanaged.passRetained(self)
        let made = pthread_create(&thread, nil, { argument in
            let loop = Unmanaged<CurlLoop>.fromOpaque(argument!).takeRetainedValue()
            loop.loopThread.withLock { $0 = pthread_self() }
            th_curl_name_thread("th-vllm-http")
            loop.run()
            return nil
        }, box.toOpaque())
        precondition(made == 0, "cannot start the vLLM plugin's HTTP thread: \(made)")
    }

    var onLoopThread: Bool {
        let me = pthread_self()
        return loopThread.withLock { $0.map { pthread_equal($0, me) != 0 } ?? false }
    }

    // MARK: - From any thread

    /// Starts `transfer`; its continuation is resumed once, when it ends.
    func add(_ transfer: Transfer) {
        if !submit({ $0.commands.append(.add(transfer)) }) {
            transfer.finish(.shutDown)
        }
    }

    /// Stops `transfer` where it is (closing its connection) and ends it as cancelled; nothing
    /// when it has ended already.
    func cancel(_ transfer: Transfer) {
        _ = submit { $0.commands.append(.cancel(transfer)) }
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        // After shutdown (a straggling timer of a finished call) the job still has to run
        // somewhere: the global executor.
        if closed.load(ordering: .acquiring) {
            globalConcurrentExecutor.enqueue(job)
            return
        }
        let job = UnownedJob(job)
        if !submit({ $0.jobs.append(job) }) {
            // Stopped between the check and now: run it on the global executor.
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
        }
    }

    /// From now on jobs go to the global executor (the thread is about to stop).
    package func close() {
        closed.store(true, ordering: .releasing)
    }

    /// Ends every transfer and the thread, and waits for it (unless called on it).
    func stop() {
        _ = submit { $0.stopping = true }
        if !onLoopThread { pthread_join(thread, nil) }
    }

    private func submit(_ change: (inout Queue) -> Void) -> Bool {
        let taken = queue.withLock { queue -> Bool in
            guard !queue.stopped else { return false }
            change(&queue)
            return true
        }
        // On the thread itself the queue is looked at before the next wait.
        if taken, !onLoopThread { _ = curl.multi_wakeup!(multi) }
        return taken
    }

    // MARK: - On the thread

    private func run() {
        var running: Int32 = 0
        while true {
            let (commands, jobs, stopping) = queue.withLock { queue in
                defer {
                    queue.commands.removeAll(keepingCapacity: true)
                    queue.jobs.removeAll(keepingCapacity: true)
                }
                return (queue.commands, queue.jobs, queue.stopping)
            }
            if stopping { break }
            for command in commands {
                switch command {
                case .add(let transfer): start(transfer)
                case .cancel(let transfer): cancelTransfer(transfer)
                }
            }
            for job in jobs { job.runSynchronously(on: asUnownedTaskExecutor()) }

            _ = curl.multi_perform!(multi, &running)
            var left: Int32 = 0
            while let message = curl.multi_info_read!(multi, &left) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
                let code = message.pointee.data.result
                end(easy, .curl(code))
            }
            let wait = expireIdle()
            // (The end of a burst gives the heap back: the host trims when its last call is
            // released, for every plugin.)
            let busy = queue.withLock { !$0.commands.isEmpty || !$0.jobs.isEmpty || $0.stopping }
            _ = curl.multi_poll!(multi, nil, 0, busy ? 0 : wait, nil)
        }
        shutDown()
    }

    /// Puts `transfer` on the multi handle (or ends it at once: cancelled before, or refused).
    private func start(_ transfer: Transfer) {
        if cancelledEarly.remove(ObjectIdentifier(transfer)) != nil {
            transfer.finish(.cancelled)
            return
        }
        guard let easy = transfer.makeHandle(library) else {
            transfer.finish(.setup)
            return
        }
        active[easy] = transfer
        if curl.multi_add_handle!(multi, easy) != CURLM_OK {
            end(easy, .setup)
        }
    }

    private func cancelTransfer(_ transfer: Transfer) {
        guard let easy = transfer.easy, active[easy] === transfer else {
            if !transfer.ended { cancelledEarly.insert(ObjectIdentifier(transfer)) }
            return
        }
        // Removing a transfer in the middle closes its connection: for vLLM, the signal to
        // abort the generation.
        end(easy, .cancelled)
    }

    /// Takes `easy` off the multi handle and ends its transfer with `outcome`.
    private func end(_ easy: UnsafeMutableRawPointer, _ ending: Transfer.Ending) {
        _ = curl.multi_remove_handle!(multi, easy)
        guard let transfer = active.removeValue(forKey: easy) else {
            curl.easy_cleanup!(easy)
            return
        }
        transfer.finish(ending)
    }

    /// Ends the transfers that waited longer than their idle timeout for bytes.
    /// - Returns: milliseconds until the next such deadline (a minute when there is none).
    private func expireIdle() -> Int32 {
        guard !active.isEmpty else { return 60_000 }
        let now = Transfer.now()
        var nearest = UInt64.max
        var expired: [UnsafeMutableRawPointer] = []
        for (easy, transfer) in active {
            guard let deadline = transfer.idleDeadline else { continue }
            if deadline <= now { expired.append(easy) } else { nearest = min(nearest, deadline) }
        }
        for easy in expired { end(easy, .idleTimeout) }
        if nearest == .max { return 60_000 }
        // Rounded up, so the wait never ends just before the deadline.
        return Int32(min((nearest - now + 999_999) / 1_000_000, 60_000))
    }

    /// Ends what is left and the multi handle; jobs still queued run here first.
    private func shutDown() {
        for easy in Array(active.keys) { end(easy, .shutDown) }
        while true {
            let (commands, jobs) = queue.withLock { queue -> ([Command], [UnownedJob]) in
                let taken = (queue.commands, queue.jobs)
                queue.commands = []
                queue.jobs = []
                if taken.0.isEmpty && taken.1.isEmpty { queue.stopped = true }
                return taken
            }
            if commands.isEmpty && jobs.isEmpty { break }
            for case .add(let transfer) in commands { transfer.finish(.shutDown) }
            for job in jobs { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
        _ = curl.multi_cleanup!(multi)
    }
}

