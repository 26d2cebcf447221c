/// What a generation will emit: its tokens in order, and why it stops.
struct GenerationPlan {
    /// Where a generated token's text goes.
    enum Channel {
        case reasoning
        case content
    }

    /// One generated token.
    struct Piece {
        var channel: Channel
        var text: String
    }

    var pieces: [Piece]
    /// `stop` or `length`.
    var finishReason: String
    /// The stop string that ended generation, if one did.
    var stopReason: String?
    var promptTokens: Int
    /// Whether reasoning is enabled, so the reasoning field is filled (or null) in the message.
    var reasoningEnabled: Bool

    /// Plans the output for a request.
    ///
    /// - Parameters:
    ///   - request: The parsed request.
    ///   - behavior: The effective behaviour.
    ///   - maxTokens: The effective token budget (already clamped to the context window).
    init(request: GenerationRequest, behavior: Behavior, maxTokens: Int) {
        let reply: String
        switch behavior.reply {
        case .echo: reply = request.echoText
        case .fixed(let text): reply = text
        case .lorem(let count): reply = Self.lorem(tokens: count)
        }
        var pieces: [Piece] = []
        switch behavior.reasoning {
        case .off:
            pieces = Tokenizer.tokens(reply).map { Piece(channel: .content, text: $0) }
        case .on:
            pieces = Tokenizer.tokens(behavior.reasoningText).map { Piece(channel: .reasoning, text: $0) }
            pieces += Tokenizer.tokens(reply).map { Piece(channel: .content, text: $0) }
        case .only:
            pieces = Tokenizer.tokens(reply).map { Piece(channel: .reasoning, text: $0) }
        }
        self.promptTokens = request.promptTokens
        self.reasoningEnabled = behavior.reasoning != .off
        self.finishReason = "stop"
        self.stopReason = nil
        if let (kept, stop) = Self.applyStop(request.stop, includeStop: request.includeStopString, to: pieces) {
            pieces = kept
            stopReason = stop
        }
        if pieces.count > maxTokens {
            pieces.removeLast(pieces.count - maxTokens)
            finishReason = "length"
            stopReason = nil
        }
        self.pieces = pieces
    }

    /// The text of all pieces on `channel`, or nil when there are none.
    func text(of channel: Channel) -> String? {
        let selected = pieces.filter { $0.channel == channel }
        return selected.isEmpty ? nil : selected.map(\.text).joined()
    }

    /// Cuts `pieces` at the earliest stop string, as vLLM's detokenizer does.
    ///
    /// - Returns: The kept pieces (the last one possibly shortened) and the stop string, or nil
    ///   when no stop string occurs.
    private static func applyStop(
        _ stops: [String], includeStop: Bool, to pieces: [Piece]
    ) -> ([Piece], String)? {
        let text = pieces.map(\.text).joined()
        var earliest: (range: Range<String.Index>, stop: String)?
        for stop in stops where !stop.isEmpty {
            guard let range = text.firstRange(of: stop) else { continue }
            if earliest == nil || range.lowerBound < earliest!.range.lowerBound { earliest = (range, stop) }
        }
        guard let earliest else { return nil }
        let cut = includeStop ? earliest.range.upperBound : earliest.range.lowerBound
        var remaining = text.utf8.distance(from: text.startIndex, to: cut)
        var kept: [Piece] = []
        for piece in pieces where remaining > 0 {
            let length = piece.text.utf8.count
            if length <= remaining {
                kept.append(piece)
            } else {
                let prefix = String(decoding: piece.text.utf8.prefix(remaining), as: UTF8.self)
                kept.append(Piece(channel: piece.channel, text: prefix))
            }
            remaining -= length
        }
        return (kept, earliest.stop)
    }

    private static let loremWords = [
        "lorem", "ipsum", "dolor", "sit", "amet", "sed", "do", "eiusmod", "tempor", "ut", "labore", "et",
        "dolore", "magna", "aliqua", "enim", "ad", "minim", "veniam", "quis",
    ]

    /// `count` one-token words, separated by spaces.
    static func lorem(tokens count: Int) -> String {
        (0..<count).map { index in (index == 0 ? "" : " ") + loremWords[index % loremWords.count] }.joined()
    }
}
