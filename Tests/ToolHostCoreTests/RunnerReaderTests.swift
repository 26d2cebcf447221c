import Foundation
import Synchronization
import Testing
@testable import ToolHostCore

/// The runner's reading (``RunnerReader``) over a real socketpair, without processes: calls run
/// on the reading thread, and a call that stays inside its plugin hands the reading to a new
/// thread, so the frames behind it are still handled.
@Suite struct RunnerReaderTests {
    /// A value shared between threads.
    final class Shared<Value: Sendable>: Sendable {
        private let mutex: Mutex<Value>
        init(_ value: Value) { mutex = Mutex(value) }
        func withLock<R>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
    }

    /// A reader on one end of a socketpair; the test writes frames into the other end.
    final class Harness: @unchecked Sendable {
        let reader: RunnerReader
        let channel: FrameChannel
        let peer: Int32
        /// (cancel id, inline, thread) in the order handled.
        let seen = Shared<[(UInt64, Bool, UInt)]>([])
        let ended = DispatchSemaphore(value: 0)
        let result = Shared<String??>(nil)

        init(stallInterval: Double = 0.002, handler: @escaping @Sendable (UInt64, Bool) -> Void = { _, _ in }) {
            var pair: [Int32] = [-1, -1]
            precondition(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
            peer = pair[1]
            let seen = self.seen
            channel = FrameChannel(fd: pair[0])
            reader = RunnerReader(channel: channel, decoder: FrameDecoder(), stallInterval: stallInterval) { frame, inline in
                guard case .cancel(let id)? = try? RunnerMessage(frame) else { return }
                seen.withLock { $0.append((id, inline, UInt(pthread_self()))) }
                handler(id, inline)
            }
            let reader = self.reader, result = self.result, ended = self.ended
            Thread.detachNewThread {
                let reason = reader.run()
                result.withLock { $0 = .some(reason) }
                ended.signal()
            }
        }

        func sendCancels(_ ids: [UInt64]) {
            var bytes: [UInt8] = []
            for id in ids { RunnerMessage.cancel(id: id).frame.encode(into: &bytes) }
            sendBytes(bytes)
        }

        func sendBytes(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Foundation.send(peer, raw.baseAddress! + offset, raw.count - offset, 0)
                    precondition(n > 0)
                    offset += n
                }
            }
        }

        /// Waits (at most 10 s) until `count` frames were handled.
        func waitFor(_ count: Int) -> Bool {
            let deadline = Date().addingTimeInterval(10)
            while seen.withLock({ $0.count }) < count {
                if Date() > deadline { return false }
                usleep(1000)
            }
            return true
        }

        func close() { Foundation.close(peer) }

        /// The next frame the reader's side wrote, waiting at most 10 s.
        func receive(_ decoder: inout FrameDecoder) -> RunnerMessage? {
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(peer, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                if let frame = try? decoder.next() { return try? RunnerMessage(frame) }
                let n = chunk.withUnsafeMutableBytes { recv(peer, $0.baseAddress, $0.count, 0) }
                if n <= 0 { return nil }
                decoder.append(Array(chunk[..<n]))
            }
        }
    }

    @Test func quickFramesAreHandledInOrderOnTheReadingThread() {
        // A stall interval no scheduling delay reaches: no takeover, so every call is inline.
        let harness = Harness(stallInterval: 30)
        harness.sendCancels(Array(1...500))
        #expect(harness.waitFor(500))
        let seen = harness.seen.withLock { $0 }
        #expect(seen.map(\.0) == Array(1...500))
        #expect(seen.allSatisfy { $0.1 }, "every call runs inline while none blocks")
        harness.close()
        #expect(harness.ended.wait(timeout: .now() + 10) == .success)
        #expect(harness.result.withLock { $0 } == .some(nil), "the end of the connection is not a protocol error")
    }

    @Test func aCallThatBlocksHandsTheReadingToAnotherThread() {
        let gate = DispatchSemaphore(value: 0)
        let harness = Harness { id, _ in
            if id == 1 { gate.wait() }
        }
        harness.sendCancels([1, 2, 3])
        // Frames 2 and 3 are handled while frame 1's handler still blocks: without a takeover
        // this wait would time out.
        #expect(harness.waitFor(3))
        let seen = harness.seen.withLock { $0 }
        #expect(seen.map(\.0) == [1, 2, 3])
        #expect(seen[0].1, "the first call ran inline")
        #expect(seen[1].2 != seen[0].2, "another thread read on")
        #expect(!seen[1].1 && !seen[2].1, "after a takeover, calls go to the pool for a while")
        #expect(harness.reader.takeoverCount >= 1)
        gate.signal()
        harness.close()
        #expect(harness.ended.wait(timeout: .now() + 10) == .success)
    }

    /// A call that completes and then stays inside its plugin: its result is held back with
    /// the others of its read only until the reading moves on; after that it leaves at once.
    @Test func aResultSentAfterATakeoverIsNotHeldBack() {
        let gate = DispatchSemaphore(value: 0)
        let box = Shared<Harness?>(nil)
        let harness = Harness { id, _ in
            guard id == 1, let harness = box.withLock({ $0 }) else { return }
            let deadline = Date().addingTimeInterval(10)
            while harness.reader.takeoverCount == 0, Date() < deadline { usleep(1000) }
            // Past the watchdog's flush at the takeover, so only the closed batch can send it.
            usleep(100_000)
            harness.channel.send(RunnerMessage.cancel(id: 77).frame, batchable: true)
            gate.wait()
        }
        box.withLock { $0 = harness }
        harness.sendCancels([1])
        var decoder = FrameDecoder()
        #expect(harness.receive(&decoder) == .cancel(id: 77), "the frame left while its thread still blocks")
        gate.signal()
        harness.close()
        #expect(harness.ended.wait(timeout: .now() + 10) == .success)
    }

    @Test func aBrokenFrameEndsTheReadingWithTheReason() {
        let harness = Harness()
        harness.sendCancels([9])
        harness.sendBytes([0, 0, 0, 0])  // a frame without a kind byte
        #expect(harness.ended.wait(timeout: .now() + 10) == .success)
        #expect(harness.result.withLock { $0 } == .some("the host sent a frame without a kind byte"))
        #expect(harness.seen.withLock { $0.map(\.0) } == [9])
        harness.close()
    }
}
