import NIOCore

/// Turns the body of a streamed generation into a ``Generation``, reporting tokens as they
/// come. Runs on the event loop, inside the exchange's delegate.
final class StreamSink: @unchecked Sendable {
    // Used on the event loop during the exchange and by the calling task after it; never both.
    private var parser = SSEParser()
    private(set) var accumulator: StreamAccumulator
    /// What ended the stream badly, when the body itself was wrong (an error event, not JSON).
    private(set) var failure: UpstreamError?
    private let reporter: ProgressReporter?
    private let errors: ErrorMapper

    init(model: String, reporter: ProgressReporter?, errors: ErrorMapper) {
        accumulator = StreamAccumulator(requestedModel: model)
        self.reporter = reporter
        self.errors = errors
    }

    var tokens: Int { accumulator.generation.streamedTokens }

    /// Parses `buffer`. Returns false when the exchange should stop at once.
    func feed(_ buffer: ByteBuffer) -> Bool {
        guard failure == nil else { return true }
        do {
            try parser.feed(buffer.readableBytesView, handle)
        } catch is SSEParser.TooLarge {
            failure = errors.invalidResponse("the streamed request", "an event larger than 16 MiB")
            return false
        } catch let error as UpstreamError {
            // An error event: vLLM follows it with [DONE], so the body is read to its end and
            // the connection stays usable.
            failure = error
        } catch {
            failure = errors.invalidResponse("the streamed request", "\(error)")
        }
        return true
    }

    func finish() {
        guard failure == nil else { return }
        do {
            try parser.finish(handle)
        } catch let error as UpstreamError {
            failure = error
        } catch {
            failure = errors.invalidResponse("the streamed request", "\(error)")
        }
    }

    private func handle(_ event: SSEEvent) throws {
        // Anything after [DONE] is ignored; the body is still read to its end so the
        // connection goes back to the pool instead of being closed.
        guard case .data(let data) = event, !accumulator.done else { return }
        let delta = try accumulator.apply(data, errors: errors)
        if delta.tokens > 0 { reporter?.received(tokens: delta.tokens, text: delta.text, reasoning: delta.reasoning) }
    }
}
