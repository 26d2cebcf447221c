/// Waits for a server being started to answer `GET /health`, passing its new log lines on as
/// progress messages; stops waiting when the server has gone, the time is up, or the call was
/// cancelled.
package enum Readiness {
    package enum Outcome: Sendable, Equatable {
        case ready(seconds: Double)
        case exited
        case timedOut
        case cancelled
    }

    /// Where the waiting loop looks. Each closure is called once per round.
    package struct Probes: Sendable {
        /// Log lines written since the last call.
        var newLines: @Sendable () async -> [String]
        /// Whether the server (process or container) still runs.
        var isAlive: @Sendable () async -> Bool
        /// Whether `/health` answers 200.
        var isHealthy: @Sendable () async -> Bool

        package init(newLines: @escaping @Sendable () async -> [String], isAlive: @escaping @Sendable () async -> Bool, isHealthy: @escaping @Sendable () async -> Bool) {
            self.newLines = newLines
            self.isAlive = isAlive
            self.isHealthy = isHealthy
        }
    }

    /// - Parameters:
    ///   - interval: time between two rounds.
    ///   - secret: text never to pass on (the Hugging Face token).
    package static func wait(
        _ probes: Probes, timeout: Double, interval: Duration, context: any CallContext, secret: String?,
        clock: ContinuousClock = ContinuousClock()
    ) async -> Outcome {
        let start = clock.now
        var step = 0.0
        var lastReport = start
        func report(_ message: String) {
            guard context.wantsProgress else { return }
            step += 1
            context.progress(step, total: nil, message: message)
            lastReport = clock.now
        }
        while true {
            if Task.isCancelled { return .cancelled }
            for line in await probes.newLines() {
                let text = Redaction.scrub(line, secret: secret).trimmingSpaces()
                if !text.isEmpty { report(String(text.prefix(500))) }
            }
            let elapsed = start.duration(to: clock.now)
            if await probes.isHealthy() { return .ready(seconds: seconds(elapsed)) }
            if await !probes.isAlive() {
                // Its last words, then the verdict.
                for line in await probes.newLines() {
                    let text = Redaction.scrub(line, secret: secret).trimmingSpaces()
                    if !text.isEmpty { report(String(text.prefix(500))) }
                }
                return .exited
            }
            if seconds(elapsed) >= timeout { return .timedOut }
            if lastReport.duration(to: clock.now) >= .seconds(5) {
                report("waiting for /health (\(Int(seconds(elapsed))) s)")
            }
            do {
                try await Task.sleep(for: interval)
            } catch {
                return .cancelled
            }
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
