import Dispatch
import Synchronization
import Testing
@testable import ToolHostCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The writer's non-blocking paths: what a plugin thread may write itself, and what it must
/// leave to a host thread.
@Suite struct OutputWriterTests {
    final class Drains: Sendable {
        let list = Mutex<[@Sendable () -> Void]>([])
    }

    /// A pipe whose write end the writer owns; drains are recorded, not run.
    final class Harness: @unchecked Sendable {
        let readFD: Int32
        let writeFD: Int32
        let scheduled = Drains()
        let writer: OutputWriter

        /// A pipe, or with `socket` a stream socket pair (what Node-based clients use).
        init(hardLimit: Int = 8 << 20, socket: Bool = false) {
            var fds: [Int32] = [0, 0]
            if socket {
                precondition(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
            } else {
                precondition(pipe(&fds) == 0)
            }
            readFD = fds[0]
            writeFD = fds[1]
            let scheduled = self.scheduled
            writer = OutputWriter(
                fd: fds[1], softLimit: 1 << 20, hardLimit: hardLimit,
                schedule: { work in scheduled.list.withLock { $0.append(work) } },
                onFailure: { _ in })
        }

        deinit {
            close(readFD)
            close(writeFD)
        }

        /// What is in the pipe now (without waiting).
        func pending() -> String {
            var unread: Int32 = 0
            guard ioctl(readFD, UInt(FIONREAD), &unread) == 0, unread > 0 else { return "" }
            var bytes = [UInt8](repeating: 0, count: Int(unread))
            let n = read(readFD, &bytes, bytes.count)
            return String(decoding: bytes.prefix(max(n, 0)), as: UTF8.self)
        }

        /// Runs the drains scheduled so far on a thread of its own (they block until the
        /// client reads), while this one reads like a client; returns how many there were.
        func drainWhileReading(_ expected: Int) -> (drains: Int, read: [UInt8]) {
            let drains = Mutex(0)
            let done = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                let n = self.runScheduled()
                drains.withLock { $0 = n }
                done.signal()
            }
            var received: [UInt8] = []
            while received.count < expected {
                var chunk = [UInt8](repeating: 0, count: 65536)
                let n = read(readFD, &chunk, chunk.count)
                if n <= 0 { break }
                received += chunk[..<n]
            }
            done.wait()
            return (drains.withLock { $0 }, received)
        }

        /// Runs the drains scheduled so far; returns how many there were.
        func runScheduled() -> Int {
            let work = scheduled.list.withLock { list in
                defer { list.removeAll() }
                return list
            }
            for item in work { item() }
            return work.count
        }
    }

    @Test func writesOnTheCallingThreadWhenThePipeIsEmpty() {
        let h = Harness()
        #expect(h.writer.post(Array("one".utf8), droppable: true))
        #expect(h.pending() == "one\n")
        #expect(h.writer.offer(Array("two".utf8)))
        #expect(h.pending() == "two\n")
        #expect(h.runScheduled() == 0)
    }

    @Test func leavesTheWriteToAHostThreadWhenTheClientHasNotReadYet() {
        let h = Harness()
        #expect(h.writer.offer(Array("first".utf8)))
        // The client has not read "first": the next write could block, so it is scheduled.
        #expect(h.writer.offer(Array("second".utf8)))
        #expect(h.writer.post(Array("third".utf8), droppable: false))
        #expect(h.runScheduled() == 1)
        #expect(h.pending() == "first\nsecond\nthird\n")
    }

    @Test func offerRefusesPastTheHardLimitAndQueuesNothing() {
        let h = Harness(hardLimit: 8)
        #expect(h.writer.offer(Array("a".utf8)))
        #expect(h.writer.offer(Array("0123456789".utf8)))
        #expect(h.writer.isOverHardLimit)
        #expect(!h.writer.offer(Array("refused".utf8)))
        #expect(h.runScheduled() == 1)
        #expect(h.pending() == "a\n0123456789\n")
        #expect(!h.writer.isOverHardLimit)
    }

    @Test func aMessageLargerThanThePipeIsNeverWrittenInline() {
        let h = Harness()
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        #expect(h.writer.offer(big))
        #expect(h.pending() == "")
        #expect(h.scheduled.list.withLock { $0.count } == 1)
        let (drains, received) = h.drainWhileReading(big.count + 1)
        #expect(drains == 1)
        #expect(received.count == big.count + 1)
    }

    @Test func aSocketIsSentWhatFitsAndTheRestIsDrainedByAHostThread() {
        let h = Harness(socket: true)
        #expect(h.writer.offer(Array("small".utf8)))
        #expect(h.pending() == "small\n")
        #expect(h.runScheduled() == 0)

        // More than a socket buffer holds: part goes now, the rest waits for a drain.
        let big = [UInt8](repeating: UInt8(ascii: "y"), count: 4 << 20)
        #expect(h.writer.offer(big))
        #expect(h.scheduled.list.withLock { $0.count } == 1)
        let (drains, received) = h.drainWhileReading(big.count + 1)
        #expect(drains == 1)
        #expect(received == big + [0x0A])
    }
}
