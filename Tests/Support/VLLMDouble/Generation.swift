import NIOCore
import ToolHostJSON

/// Plays one planned generation out over time on its connection's event loop, as vLLM's engine
/// would: queued (waiting), prefill (running), then one token per step; aborted when the client
/// goes away.
final class Generation {
    private enum Phase {
        case waiting
        case running
        case done
    }

    private let exchange: Exchange
    private let core: DoubleCore
    private let plan: GenerationPlan
    private let behavior: Behavior
    private let renderer: any ResponseRenderer
    private let request: GenerationRequest
    private let arrival = NIODeadline.now()

    private var phase = Phase.waiting
    private var emitted = 0
    private var countedTokens = 0
    private var openingSent = false
    private var lastTokenAt: NIODeadline?
    private var timer: Scheduled<Void>?
    private var keepAliveTimer: Scheduled<Void>?

    init(
        exchange: Exchange, core: DoubleCore, request: GenerationRequest, plan: GenerationPlan, behavior: Behavior,
        renderer: any ResponseRenderer
    ) {
        self.exchange = exchange
        self.core = core
        self.request = request
        self.plan = plan
        self.behavior = behavior
        self.renderer = renderer
    }

    /// Queues the generation and plays it out.
    func start() {
        core.generationQueued()
        exchange.onClientGone = { [self] in finish(reason: "abort") }
        let headersEarly = behavior.streamHeadersBeforeFirstToken || behavior.keepAliveInterval != nil
        if request.stream && behavior.injectedStatus == nil && headersEarly {
            exchange.startStream()
            scheduleKeepAlive()
        }
        after(behavior.queueWait) { [self] in beginRunning() }
    }

    private func beginRunning() {
        phase = .running
        core.generationStarted(promptTokens: plan.promptTokens, queueSeconds: seconds(since: arrival))
        after(behavior.latency) { [self] in produce() }
    }

    private func produce() {
        if let status = behavior.injectedStatus {
            finish(reason: "error")
            exchange.respond(
                APIError.injected(status: status, message: behavior.errorMessage).reply(style: behavior.errorStyle))
        } else if request.stream {
            streamStep()
        } else {
            produceWhole()
        }
    }

    // MARK: Non-streamed

    private func produceWhole() {
        let count = plan.pieces.count
        let cutAt = behavior.cutAfterTokens.flatMap { $0 <= count ? $0 : nil }
        let failAt = behavior.errorAfterTokens.flatMap { $0 <= count ? $0 : nil }
        let generated = min(count, cutAt ?? .max, failAt ?? .max)
        after(behavior.tokenDelay * max(0, generated - 1)) { [self] in
            countTokens(generated)
            if let cutAt, cutAt <= (failAt ?? .max) {
                finish(reason: "abort")
                exchange.cut()
            } else if failAt != nil {
                finish(reason: "error")
                exchange.respond(generationError.reply(style: behavior.errorStyle))
            } else {
                finish(reason: plan.finishReason)
                exchange.respond(.json(renderer.response(plan: plan)))
            }
        }
    }

    // MARK: Streamed

    private func streamStep() {
        while true {
            if let cutAt = behavior.cutAfterTokens, emitted >= cutAt {
                finish(reason: "abort")
                exchange.cut()
                return
            }
            if let failAt = behavior.errorAfterTokens, emitted >= failAt {
                failStream()
                return
            }
            if !exchange.headSent { exchange.startStream() }
            if !openingSent {
                openingSent = true
                keepAliveTimer?.cancel()
                if let chunk = renderer.openingChunk(usage: continuousUsage) { sendEvent(chunk) }
            }
            if emitted < plan.pieces.count {
                let piece = plan.pieces[emitted]
                emitted += 1
                // The length limit and a stop string end the choice on their last token's chunk;
                // only the end-of-sequence token gets a chunk of its own (with no text).
                let last = emitted == plan.pieces.count && (plan.finishReason == "length" || plan.stopReason != nil)
                countTokens(1)
                sendEvent(renderer.tokenChunk(piece, finish: last ? streamFinish : nil, usage: continuousUsage))
                if last {
                    endStream()
                    return
                }
            } else {
                sendEvent(renderer.finalChunk(streamFinish, usage: continuousUsage))
                endStream()
                return
            }
            if behavior.tokenDelay > .zero {
                exchange.flush()
                timer = exchange.eventLoop.scheduleTask(in: TimeAmount(behavior.tokenDelay)) { [self] in streamStep() }
                return
            }
        }
    }

    private func endStream() {
        if request.includeUsage {
            sendEvent(renderer.usageChunk(Usage(promptTokens: plan.promptTokens, completionTokens: emitted)))
        }
        sendDone()
        finish(reason: plan.finishReason)
        exchange.endStream()
    }

    /// An error after the stream began: HTTP stays 200, the error arrives as an event, then `[DONE]`.
    private func failStream() {
        if !exchange.headSent { exchange.startStream() }
        let body = generationError.body(style: behavior.errorStyle)
        switch behavior.errorStyle {
        case .nested: sendEvent(body)
        case .flat: sendEvent(["error": body])
        }
        sendDone()
        finish(reason: "error")
        exchange.endStream()
    }

    private var streamFinish: StreamFinish {
        StreamFinish(
            reason: plan.finishReason, stopReason: .optional(plan.stopReason), usageFollows: request.includeUsage)
    }

    private var continuousUsage: Usage? {
        request.continuousUsage ? Usage(promptTokens: plan.promptTokens, completionTokens: emitted) : nil
    }

    private var generationError: APIError {
        APIError(status: .internalServerError, message: behavior.errorMessage, type: "InternalServerError", param: nil)
    }

    private func sendEvent(_ json: JSON) {
        var buffer = exchange.buffer(capacity: 512)
        buffer.writeStaticString("data: ")
        json.write(into: &buffer)
        buffer.writeStaticString("\n\n")
        exchange.send(buffer, flush: false)
    }

    private func sendDone() {
        var buffer = exchange.buffer(capacity: 16)
        buffer.writeStaticString("data: [DONE]\n\n")
        exchange.send(buffer, flush: false)
    }

    private func scheduleKeepAlive() {
        guard let interval = behavior.keepAliveInterval, interval > .zero else { return }
        keepAliveTimer = exchange.eventLoop.scheduleTask(in: TimeAmount(interval)) { [self] in
            guard phase != .done, !openingSent else { return }
            var buffer = exchange.buffer(capacity: 16)
            buffer.writeStaticString(": keep-alive\n\n")
            exchange.send(buffer, flush: true)
            scheduleKeepAlive()
        }
    }

    // MARK: Bookkeeping

    private func after(_ delay: Duration, _ body: @escaping () -> Void) {
        if delay <= .zero {
            body()
        } else {
            timer = exchange.eventLoop.scheduleTask(in: TimeAmount(delay), body)
        }
    }

    private func countTokens(_ count: Int) {
        guard count > 0 else { return }
        let now = NIODeadline.now()
        let delay = seconds(behavior.tokenDelay)
        let timeToFirstToken = countedTokens == 0 ? seconds(since: arrival) - delay * Double(count - 1) : nil
        let gap = lastTokenAt.map { Double((now - $0).nanoseconds) / 1e9 } ?? (count > 1 ? delay : nil)
        core.tokensGenerated(count: count, timeToFirstToken: timeToFirstToken, interTokenLatency: gap)
        countedTokens += count
        lastTokenAt = now
    }

    private func finish(reason: String) {
        guard phase != .done else { return }
        let wasRunning = phase == .running
        phase = .done
        timer?.cancel()
        keepAliveTimer?.cancel()
        core.generationFinished(
            reason: reason, wasRunning: wasRunning, heldTokens: wasRunning ? plan.promptTokens + countedTokens : 0,
            endToEndSeconds: seconds(since: arrival)
        )
    }

    private func seconds(since start: NIODeadline) -> Double {
        Double((NIODeadline.now() - start).nanoseconds) / 1e9
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(TimeAmount(duration).nanoseconds) / 1e9
    }
}
