/// Turns the body of a streamed generation into a ``Generation``, reporting tokens as they
/// come. Runs on the client's thread, inside the transfer's write callback.
final class StreamSink: @unchecked Sendable {
    // Used on the client's thread during the transfer and by the calling task after it; never both.
    private var parser = SSEParser()
    private(set) var accumulator: StreamAccumulator
    /// What ended the stream badly, when the body itself was wrong (an error event, not JSON,
    /// not an event stream, more than `max_tokens` allows).
    private(set) var failure: UpstreamError?
    private let reporter: ProgressReporter?
    private let errors: ErrorMapper
    /// The response's `Content-Type`, for the message when the body is not an event stream.
    var contentType: String?
    /// The first bytes of the body, until it is clear whether it is an event stream.
    private var prefix: [UInt8] = []
    private var isEventStream: Bool?
    /// How many first bytes are kept to show in an error.
    private static let prefixBytes = 512

    init(model: String, limits: GenerationLimits, reporter: ProgressReporter?, errors: ErrorMapper) {
        accumulator = StreamAccumulator(requestedModel: model, limits: limits)
        self.reporter = reporter
        self.errors = errors
    }

    var tokens: Int { accumulator.generation.streamedTokens }

    /// Parses `buffer`. Returns false when the exchange should stop at once.
    func feed(_ buffer: UnsafeRawBufferPointer) -> Bool {
        do {
            // Counted even after a failure: a server that keeps sending is still bounded.
            try accumulator.received(bytes: buffer.count, errors: errors)
        } catch {
            if failure == nil { failure = error }
            return false
        }
        guard failure == nil else { return true }
        if isEventStream == nil {
            prefix.append(contentsOf: buffer.prefix(Self.prefixBytes - prefix.count))
            isEventStream = SSEParser.beginsLikeEventStream(prefix, complete: false)
            // Only blank lines so far: the parser takes it from here.
            if isEventStream == nil, prefix.count == Self.prefixBytes { isEventStream = true }
            if isEventStream == false {
                failure = errors.notEventStream(prefix, contentType: contentType)
                return false
            }
        }
        do {
            try parser.feed(buffer, handle)
        } catch is SSEParser.TooLarge {
            failure = errors.invalidResponse("the streamed request", "an event larger than \(parser.maxEventBytes >> 20) MiB")
            return false
        } catch let error as UpstreamError {
            failure = error
            // Past the limits: stop reading now. An error event: vLLM follows it with [DONE], so
            // the body is read to its end and the connection stays usable.
            return error.code != .sentTooMuch
        } catch {
            failure = errors.invalidResponse("the streamed request", "\(error)")
        }
        return true
    }

    func finish() {
        guard failure == nil else { return }
        if isEventStream == nil, SSEParser.beginsLikeEventStream(prefix, complete: true) != true {
            failure = errors.notEventStream(prefix, contentType: contentType)
            return
        }
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
