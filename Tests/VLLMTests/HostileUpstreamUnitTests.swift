import Testing
@testable import VLLMCore

/// What keeps a hostile server bounded: the limits of a generation, the event-stream check,
/// redirects, quoting what the server sent without secrets.
@Suite struct GenerationLimitsTests {
    static let errors = ErrorMapper(configuration: VLLMConfiguration())

    private func chunk(content: String? = nil, reasoning: String? = nil) -> [UInt8] {
        var delta: [String] = []
        if let reasoning { delta.append(#""reasoning":"\#(reasoning)""#) }
        if let content { delta.append(#""content":"\#(content)""#) }
        return Array(#"{"choices":[{"index":0,"delta":{\#(delta.joined(separator: ","))},"finish_reason":null}]}"#.utf8)
    }

    @Test func limitsFollowMaxTokens() {
        let five = GenerationLimits(maxTokens: 5)
        #expect(five.chunks == 21)
        #expect(five.events == 85)
        #expect(five.textBytes == 5 * 64 + 16384)
        #expect(five.bodyBytes == five.textBytes * 6 + 85 * 1024)
        let many = GenerationLimits(maxTokens: 1024)
        #expect(many.textBytes == 1024 * 64 + 16384)
        #expect(many.bodyBytes < 2 << 20)
        // Huge values stop at the ceiling, without overflowing.
        let huge = GenerationLimits(maxTokens: .max)
        #expect(huge.bodyBytes == GenerationLimits.maxBodyBytes)
        #expect(huge.textBytes == GenerationLimits.maxBodyBytes)
    }

    /// 64 KiB of text in one chunk for max_tokens 5: refused, and none of it kept.
    @Test func aChunkPastTheTextLimitIsRefusedAndNotKept() throws {
        var accumulator = StreamAccumulator(requestedModel: "m", limits: GenerationLimits(maxTokens: 5))
        _ = try accumulator.apply(chunk(content: "fine"), errors: Self.errors)
        #expect {
            _ = try accumulator.apply(chunk(content: String(repeating: "x", count: 65536)), errors: Self.errors)
        } throws: { error in
            let e = error as? UpstreamError
            return e?.code == .sentTooMuch && e?.message.contains("max_tokens is 5") == true
        }
        #expect(accumulator.generation.content == "fine")
        #expect(accumulator.textBytes == 4)
    }

    @Test func moreChunksThanMaxTokensAllowsAreRefused() throws {
        let limits = GenerationLimits(maxTokens: 5)
        var accumulator = StreamAccumulator(requestedModel: "m", limits: limits)
        for _ in 0..<limits.chunks { _ = try accumulator.apply(chunk(content: "a"), errors: Self.errors) }
        #expect(throws: UpstreamError.self) { _ = try accumulator.apply(chunk(reasoning: "b"), errors: Self.errors) }
        #expect(accumulator.generation.streamedTokens == limits.chunks)
    }

    /// Chunks without text do not count as tokens, but a stream of them does not go on forever.
    @Test func endlessEmptyChunksAreRefused() throws {
        let limits = GenerationLimits(maxTokens: 5)
        var accumulator = StreamAccumulator(requestedModel: "m", limits: limits)
        for _ in 0..<limits.events { _ = try accumulator.apply(chunk(content: ""), errors: Self.errors) }
        #expect(throws: UpstreamError.self) { _ = try accumulator.apply(chunk(content: ""), errors: Self.errors) }
    }

    @Test func theBodyLimitCountsEveryByteReceived() throws {
        let limits = GenerationLimits(maxTokens: 5)
        var accumulator = StreamAccumulator(requestedModel: "m", limits: limits)
        try accumulator.received(bytes: limits.bodyBytes, errors: Self.errors)
        #expect {
            try accumulator.received(bytes: 1, errors: Self.errors)
        } throws: { error in
            (error as? UpstreamError)?.message.contains("sent \(limits.bodyBytes + 1) bytes") == true
        }
    }

    /// Appending in place: a long answer of many chunks, reasoning and content, comes out whole.
    @Test func manyChunksAccumulateWhole() throws {
        var accumulator = StreamAccumulator(requestedModel: "m", limits: GenerationLimits(maxTokens: 40_000))
        for i in 0..<20_000 {
            _ = try accumulator.apply(i % 2 == 0 ? chunk(reasoning: "r") : chunk(content: "cc"), errors: Self.errors)
        }
        #expect(accumulator.generation.reasoning?.utf8.count == 10_000)
        #expect(accumulator.generation.content.utf8.count == 20_000)
        #expect(accumulator.textBytes == 30_000)
    }

    @Test func progressNeverPassesMaxTokens() {
        let context = RecordingContext()
        let reporter = ProgressReporter(context: context, total: 5, interval: .zero, heartbeat: .seconds(3600))
        for _ in 0..<20 { reporter.received(tokens: 1, text: String(repeating: "x", count: 65536), reasoning: false) }
        reporter.tick()
        let values = context.progress.map(\.value)
        #expect(values == [1, 2, 3, 4, 5])
        #expect(context.progress.allSatisfy { !$0.message.hasPrefix("6/") })
        #expect(context.progress.last?.message.hasPrefix("5/5 tokens: …") == true)
        #expect((context.progress.last?.message.count ?? 0) < 100)
    }
}

@Suite struct HostileResponseTests {
    static let secret = "sk-hostile-unit-1234567"
    static let errors = ErrorMapper(configuration: try! VLLMConfiguration(json: Array(#"{"base_url":"http://gpu:8000","api_key":"\#(secret)"}"#.utf8)))

    @Test(arguments: [
        ("data: {}\n\n", true), (": ok\n\n", true), ("\u{FEFF}\r\nevent: x\n", true), ("retry: 5\n", true), ("id:1\n", true),
        ("<html>", false), ("{\"choices\":[]}", false), ("dat", nil), ("", nil), ("\n\n", nil), ("datum: x\n", false), ("Data: x\n", false),
    ] as [(String, Bool?)])
    func eventStreamsAreToldApartByTheirFirstLine(body: String, expected: Bool?) {
        #expect(SSEParser.beginsLikeEventStream(Array(body.utf8), complete: false) == expected, "\(body)")
    }

    @Test func aCompleteBodyIsDecided() {
        #expect(SSEParser.beginsLikeEventStream(Array("".utf8), complete: true) == false)
        #expect(SSEParser.beginsLikeEventStream(Array("dat".utf8), complete: true) == false)
        #expect(SSEParser.beginsLikeEventStream(Array("data".utf8), complete: true) == true)
    }

    @Test func notAnEventStreamQuotesTheFirstBytesWithoutTheKey() {
        let body = Array("<html>\u{1B}[31m you sent Bearer \(Self.secret) ".utf8) + Array(repeating: UInt8(0x41), count: 5000)
        let error = Self.errors.notEventStream(body, contentType: "text/html")
        #expect(error.message.contains("did not answer with an event stream: <html>\u{FFFD}[31m you sent Bearer [redacted] AAA"), "\(error.message)")
        #expect(error.message.contains("Content-Type: text/html"))
        #expect(!error.message.contains(Self.secret))
        #expect(error.message.count < 600)
        #expect(Self.errors.notEventStream([], contentType: nil).message.contains("an empty body (no Content-Type)"))
    }

    @Test func aKeyCutAtTheEndOfAQuoteIsTakenOutToo() {
        let cut = Array("token=\(Self.secret)".utf8.dropLast(5))
        let quoted = Self.errors.quote(cut, limit: 200)
        #expect(quoted == "token=[redacted]", "\(quoted)")
        #expect(Redaction.scrub("abc sk-h", secret: Self.secret, cutAtEnd: true) == "abc [redacted]")
        #expect(Redaction.scrub("abc sk-", secret: Self.secret, cutAtEnd: true) == "abc sk-", "three characters tell nothing")
    }

    @Test func aRedirectIsNotFollowedAndSaysWhere() {
        let error = Self.errors.response(status: 307, body: [], request: "GET /v1/models", location: "https://user:pw@elsewhere:9000/v1/models")
        #expect(error.code == .redirected)
        #expect(error.message.contains("redirected GET /v1/models (HTTP 307) to https://elsewhere:9000/v1/models"), "\(error.message)")
        #expect(error.message.contains("VLLM_BASE_URL"))
        #expect(!error.message.contains("pw@"))
        #expect(Self.errors.response(status: 302, body: [], request: "GET /health").message.contains("no Location header"))
    }

    /// A huge VLLM_DEFAULT_TIMEOUT (accepted: any finite number) must not overflow the deadline.
    @Test func hugeTimeoutsAreHeldNotOverflowed() {
        #expect(UpstreamClient.milliseconds(2.5) == 2500)
        #expect(UpstreamClient.milliseconds(0.0001) == 1, "a tiny limit is still a limit, not none")
        #expect(UpstreamClient.milliseconds(1e300) == 3_000_000_000_000)
    }

    @Test func shorteningAndTrimmingAreExactOnLongTexts() {
        let long = "  \n" + String(repeating: "é", count: 1_000_000) + " \t"
        #expect(long.trimmingSpaces().count == 1_000_000)
        let short = ErrorMapper.shorten(long, limit: 10)
        #expect(short == String(repeating: "é", count: 10) + "…")
        #expect(ErrorMapper.shorten("  ab  ", limit: 2) == "ab", "trailing spaces are not cut off with an ellipsis")
        #expect(ErrorMapper.shorten("  abc ", limit: 2) == "ab…")
        #expect("   ".trimmingSpaces() == "")
    }
}
