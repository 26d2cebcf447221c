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
}
