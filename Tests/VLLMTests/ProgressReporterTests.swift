import Synchronization
import Testing
@testable import VLLMCore

/// A ``CallContext`` that keeps what it is told.
final class RecordingContext: CallContext, Sendable {
    let wantsProgress: Bool
    private let reports = Mutex<[(Double, Double?, String)]>([])

    init(wantsProgress: Bool = true) {
        self.wantsProgress = wantsProgress
    }

    var progress: [(value: Double, total: Double?, message: String)] {
        reports.withLock { $0.map { (value: $0.0, total: $0.1, message: $0.2) } }
    }

    func progress(_ progress: Double, total: Double?, message: String) {
        reports.withLock { $0.append((progress, total, message)) }
    }

    func log(_ level: CallLogLevel, _ message: String) {}
}

@Suite struct ProgressReporterTests {
    @Test func firstTokenGoesOutAtOnceTheRestIsThrottled() {
        let context = RecordingContext()
        let reporter = ProgressReporter(context: context, total: 100, interval: .seconds(3600), heartbeat: .seconds(3600))
        reporter.received(tokens: 1, text: "Hel", reasoning: false)
        reporter.received(tokens: 1, text: "lo", reasoning: false)
        reporter.received(tokens: 1, text: "!", reasoning: false)
        reporter.tick()
        #expect(context.progress.count == 1)
        #expect(context.progress[0].value == 1)
        #expect(context.progress[0].total == 100)
        #expect(context.progress[0].message == "1/100 tokens: …Hel")
    }

    @Test func heldBackTokensGoOutOnTheNextTickAfterTheInterval() async throws {
        let context = RecordingContext()
        let reporter = ProgressReporter(context: context, total: 10, interval: .milliseconds(20), heartbeat: .seconds(3600))
        reporter.received(tokens: 1, text: "a", reasoning: false)
        reporter.received(tokens: 1, text: "b\nc", reasoning: false)
        try await Task.sleep(for: .milliseconds(40))
        reporter.tick()
        #expect(context.progress.map(\.value) == [1, 2])
        #expect(context.progress[1].message == "2/10 tokens: …ab c", "newlines flattened")
    }

    @Test func heartbeatsIncreaseStrictlyButStayBelowTheNextToken() async throws {
        let context = RecordingContext()
        let reporter = ProgressReporter(context: context, total: nil, interval: .milliseconds(1), heartbeat: .milliseconds(10))
        for _ in 0..<4 {
            try await Task.sleep(for: .milliseconds(12))
            reporter.tick()
        }
        reporter.received(tokens: 1, text: "x", reasoning: true)
        let values = context.progress.map(\.value)
        #expect(values.count >= 3)
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 < $1 }, "\(values)")
        #expect(values.dropLast().allSatisfy { $0 > 0 && $0 < 1 }, "heartbeats before the first token stay below 1")
        #expect(values.last == 1)
        #expect(context.progress.first?.message.hasPrefix("waiting for the first token") == true)
        #expect(context.progress.last?.message.contains("(thinking)") == true)
    }

    @Test func theTailKeepsTheNewestEightyCharacters() {
        let text = String(repeating: "a", count: 100) + "THE END"
        let tail = ProgressReporter.tail(text)
        #expect(tail.count == 80)
        #expect(tail.hasSuffix("THE END"))
    }
}
