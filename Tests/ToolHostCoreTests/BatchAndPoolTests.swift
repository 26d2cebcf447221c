import Synchronization
import Testing
@testable import ToolHostCore

/// A JSON-RPC batch's answer (2025-03-26) and the worker pool, in process.
@Suite struct BatchAndPoolTests {
    final class Sent: Sendable {
        let messages = Mutex<[String]>([])
        func record(_ bytes: [UInt8]) { messages.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) } }
        var all: [String] { messages.withLock { $0 } }
    }

    @Test func aBatchIsAnsweredOnceItsLastResponseIsIn() {
        let sent = Sent()
        let batch = Batch(send: sent.record)
        batch.expect()
        batch.expect()
        batch.expect()
        batch.add(Array(#"{"id":1}"#.utf8))
        batch.seal()
        batch.add(nil)  // a cancelled request: no element
        #expect(sent.all.isEmpty, "one response still outstanding")
        batch.add(Array(#"{"id":3}"#.utf8))
        #expect(sent.all == [#"[{"id":1},{"id":3}]"#])
    }

    @Test func aBatchNotSealedWaitsEvenWhenEverythingIsIn() {
        let sent = Sent()
        let batch = Batch(send: sent.record)
        batch.expect()
        batch.add(Array(#"{"id":1}"#.utf8))
        #expect(sent.all.isEmpty, "more elements may still be read")
        batch.seal()
        #expect(sent.all == [#"[{"id":1}]"#])
    }

    @Test func aBatchOfNotificationsOnlyGetsNoAnswer() {
        let sent = Sent()
        let batch = Batch(send: sent.record)
        batch.seal()
        #expect(sent.all.isEmpty)
    }

    @Test func everySubmittedWorkRunsOnceEvenWhenAllWorkersBlock() {
        // Two eager threads, each task blocking inside "the plugin" until all have started: the
        // pool must grow (its monitor sees the workers blocked in plugins) or this never ends.
        let pool = WorkerPool(name: "test-pool", eagerThreads: 2, maxThreads: 16, stallInterval: 0.002)
        let started = ConditionLock()
        let counts = Mutex((started: 0, finished: 0))
        let total = 8
        for _ in 0..<total {
            pool.submit {
                WorkerPool.insidePlugin {
                    started.withLock {
                        counts.withLock { $0.started += 1 }
                        started.broadcast()
                        while counts.withLock({ $0.started }) < total { _ = started.wait(seconds: 10) }
                    }
                }
                counts.withLock { $0.finished += 1 }
                started.withLock { started.broadcast() }
            }
        }
        started.withLock {
            while counts.withLock({ $0.finished }) < total { if !started.wait(seconds: 30) { break } }
        }
        #expect(counts.withLock { $0 } == (total, total))
    }

    // The pool's rules, without threads (WorkerPool.State).

    @Test func submissionsStartEagerWorkersThenAskTheMonitor() {
        var state = WorkerPool.State(eagerThreads: 2, maxThreads: 3)
        let r1 = state.submit {}
        #expect(r1 == (false, .startWorker))
        let r2 = state.submit {}
        #expect(r2 == (false, .startWorker))
        // Two workers exist (started, not yet taking work): the third waits for the monitor.
        let r3 = state.submit {}
        #expect(r3 == (false, .askMonitor))
        #expect(state.waiting == 3)
        // An idle worker is woken; with more idle workers than work waiting, nothing grows.
        var calm = WorkerPool.State(eagerThreads: 2, maxThreads: 3)
        calm.idle = 2
        let r4 = calm.submit {}
        #expect(r4 == (true, .none))
    }

    @Test func workIsTakenInOrderAndCounted() {
        var state = WorkerPool.State(eagerThreads: 1, maxThreads: 1)
        let order = Mutex<[Int]>([])
        for i in 0..<3 { _ = state.submit { order.withLock { $0.append(i) } } }
        let worker = state.workerStarted(), slot = WorkerSlot()
        while state.hasWork {
            let work = state.take(worker: worker, slot: slot)
            #expect(state.busy[worker] === slot)
            work()
            state.finished(worker: worker)
            #expect(state.busy.isEmpty)
        }
        #expect(order.withLock { $0 } == [0, 1, 2])
        #expect(state.finishedCount == 3)
        // An emptied queue starts again at its beginning.
        #expect(state.head == 0 && state.queue.isEmpty)
    }

    @Test func aLongQueueIsCompactedAsItIsTaken() {
        var state = WorkerPool.State(eagerThreads: 1, maxThreads: 1)
        for _ in 0..<3000 { _ = state.submit {} }
        let slot = WorkerSlot()
        for _ in 0..<2000 {
            _ = state.take(worker: 0, slot: slot)
            state.finished(worker: 0)
        }
        #expect(state.waiting == 1000)
        #expect(state.queue.count < 3000, "taken slots are dropped once they are most of the queue")
    }

    @Test func theMonitorGrowsAStalledPoolUpToItsLimit() {
        var state = WorkerPool.State(eagerThreads: 1, maxThreads: 2)
        _ = state.submit {}
        let slot = WorkerSlot()
        _ = state.take(worker: state.workerStarted(), slot: slot)
        _ = state.submit {}
        // One worker busy, one work waiting, nothing finished during the interval: stalled.
        let look = try! #require(state.look())
        #expect(look.running.count == 1)
        #expect(state.stalled(since: look) == (true, true))
        let r5 = state.grow()
        #expect(r5)
        // At the limit the monitor has nothing to look at, and cannot grow.
        #expect(state.look() == nil)
        let r6 = state.grow()
        #expect(!r6)
        // Progress in the interval is not a stall.
        var moving = WorkerPool.State(eagerThreads: 1, maxThreads: 4)
        _ = moving.submit {}
        _ = moving.take(worker: 0, slot: slot)
        _ = moving.submit {}
        let before = try! #require(moving.look())
        moving.finished(worker: 0)
        #expect(moving.stalled(since: before) == (false, true))
    }

    @Test func onlyWorkersBeyondTheEagerCountRetire() {
        var state = WorkerPool.State(eagerThreads: 1, maxThreads: 4)
        _ = state.submit {}
        _ = state.take(worker: 0, slot: WorkerSlot())
        _ = state.submit {}
        let r7 = state.grow()
        #expect(r7)
        _ = state.take(worker: 1, slot: WorkerSlot())
        state.finished(worker: 0)
        state.finished(worker: 1)
        #expect(state.threads == 2)
        let r8 = state.retireIdleWorker()
        #expect(r8)
        let r9 = state.retireIdleWorker()
        #expect(!r9, "the eager worker stays")
        // Work waiting: nobody retires.
        _ = state.submit {}
        var busy = state
        busy.idle = 0
        let r10 = busy.retireIdleWorker()
        #expect(!r10)
    }
}

