import NIOCore
import Synchronization

/// Runs Swift tasks on the HTTP client's event loop thread. The plugin's calls do little work
/// of their own and much waiting for that loop, so running them there saves a thread hop (and
/// a wake-up) at every step of a call.
package final class EventLoopExecutor: TaskExecutor, Sendable {
    private let loop: any EventLoop
    private let closed = Atomic(false)

    package init(loop: any EventLoop) {
        self.loop = loop
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        // After shutdown (a straggling timer of a finished call) the job still has to run
        // somewhere: the global executor.
        if closed.load(ordering: .acquiring) {
            globalConcurrentExecutor.enqueue(job)
            return
        }
        let job = UnownedJob(job)
        loop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }

    /// From now on jobs go to the global executor (the loop is about to stop).
    package func close() {
        closed.store(true, ordering: .releasing)
    }
}
