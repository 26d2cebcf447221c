import Synchronization

/// Turns the tokens of a streamed generation into progress notifications, throttled, and sends
/// heartbeats while nothing arrives.
///
/// What the numbers mean: `progress` is the number of tokens received so far (text or
/// reasoning chunks; each carries one token on vLLM) and `total` is `max_tokens`. While no
/// token arrives — queued in vLLM, reading the prompt, or stalled — a heartbeat is sent every
/// `heartbeat` interval whose value is the token count plus ½, ⅔, ¾, … (k/(k+1) after k
/// heartbeats), so the value keeps increasing without claiming a token that did not come.
/// Token reports go out for the first token at once, then at most once per `interval`. The
/// value never passes `total`: a server that ignores `max_tokens` gets no reports for the
/// tokens beyond it (and is stopped soon after by the client's ``GenerationLimits``), so
/// progress never claims more than was asked, and every report is above the one before.
package final class ProgressReporter: Sendable {
    private let context: any CallContext
    private let total: Double?
    private let interval: Duration
    private let heartbeat: Duration
    private let clock = ContinuousClock()

    private struct State {
        var tokens = 0
        var tail = ""
        var thinking = false
        var started: ContinuousClock.Instant
        var lastActivity: ContinuousClock.Instant
        /// When the last token report went out (heartbeats do not count: a token is news).
        var lastSent: ContinuousClock.Instant?
        var unsent = false
        var heartbeats = 0
        /// The value of the last report, token or heartbeat.
        var lastValue = 0.0
    }

    private let state: Mutex<State>

    /// - Parameters:
    ///   - total: `max_tokens`, or nil when unknown.
    package init(context: any CallContext, total: Int?, interval: Duration, heartbeat: Duration) {
        self.context = context
        self.total = total.map(Double.init)
        self.interval = interval
        self.heartbeat = heartbeat
        let now = ContinuousClock.now
        state = Mutex(State(started: now, lastActivity: now))
    }

    /// How often ``tick()`` should run.
    package var tickInterval: Duration { min(max(interval, .milliseconds(20)), heartbeat) }

    /// Records newly received tokens (`count` of them, `text` being their text).
    package func received(tokens count: Int, text: String, reasoning: Bool) {
        let now = clock.now
        let report = state.withLock { s -> (Double, String)? in
            s.tokens += count
            s.lastActivity = now
            s.thinking = reasoning
            // Only the end of a long text can show: it is cut before it is joined.
            s.tail = Self.tail(s.tail + text.suffix(160))
            // Past `total` there is nothing new to report; heartbeats go on counting up from
            // where they were.
            guard tokenValue(s) > s.lastValue else { return nil }
            s.heartbeats = 0
            if let last = s.lastSent, now - last < interval {
                s.unsent = true
                return nil
            }
            s.lastSent = now
            s.unsent = false
            s.lastValue = tokenValue(s)
            return (s.lastValue, tokenMessage(s))
        }
        if let (value, message) = report { context.progress(value, total: total, message: message) }
    }

    /// Sends what is due: held-back tokens once the interval has passed, else a heartbeat when
    /// nothing arrived for the heartbeat interval.
    package func tick() {
        let now = clock.now
        let report = state.withLock { s -> (Double, String)? in
            if s.unsent, let last = s.lastSent, now - last >= interval {
                s.lastSent = now
                s.unsent = false
                s.lastValue = tokenValue(s)
                return (s.lastValue, tokenMessage(s))
            }
            guard now - s.lastActivity >= heartbeat * (s.heartbeats + 1) else { return nil }
            s.heartbeats += 1
            let k = Double(s.heartbeats)
            let waited = Self.seconds(now - (s.tokens == 0 ? s.started : s.lastActivity))
            let message = s.tokens == 0
                ? "waiting for the first token: \(waited) s (queued in the server or reading the prompt)"
                : "\(countText(s.tokens)) tokens, nothing new for \(waited) s"
            s.lastValue = tokenValue(s) + k / (k + 1)
            return (s.lastValue, message)
        }
        if let (value, message) = report { context.progress(value, total: total, message: message) }
    }

    /// Calls ``tick()`` until the task is cancelled.
    package func run() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: tickInterval) } catch { return }
            tick()
        }
    }

    /// The value of a token report: the token count, at most `total`.
    private func tokenValue(_ s: State) -> Double {
        total.map { min(Double(s.tokens), $0) } ?? Double(s.tokens)
    }

    private func countText(_ tokens: Int) -> String {
        total.map { "\(min(tokens, Int($0)))/\(Int($0))" } ?? "\(tokens)"
    }

    private func tokenMessage(_ s: State) -> String {
        "\(countText(s.tokens)) tokens\(s.thinking ? " (thinking)" : ""): …\(s.tail)"
    }

    /// The newest text, on one line, at most 80 characters.
    static func tail(_ text: String) -> String {
        var flat = text.count > 160 ? String(text.suffix(160)) : text
        flat = String(flat.map { $0 == "\n" || $0 == "\r" || $0 == "\t" ? " " : $0 })
        return flat.count > 80 ? String(flat.suffix(80)) : flat
    }

    private static func seconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds)
    }
}
