/// How the double answers one generation request: its text, timing, failures and dialect.
///
/// The server-wide value in `Configuration.behavior` is the starting point for every request; a
/// served model's scenario, a `[[double: …]]` marker in the prompt and an `X-Double-Scenario`
/// header then override it, in that order (see `Scenario`).
package struct Behavior: Sendable, Equatable {
    /// The text the model "generates".
    package var reply: Reply
    /// Time spent running before the first token (prefill), counted as running in `/metrics`.
    package var latency: Duration
    /// Time spent queued before the request starts running, counted as waiting in `/metrics`.
    package var queueWait: Duration
    /// Time between two generated tokens.
    package var tokenDelay: Duration
    /// Interval of `: keep-alive` comments on a stream while no token has been sent; nil for none.
    package var keepAliveInterval: Duration?
    /// Close the connection after this many generated tokens, without a final chunk or `[DONE]`.
    package var cutAfterTokens: Int?
    /// Fail after this many generated tokens: an in-stream error event, or a 500 when not streaming.
    package var errorAfterTokens: Int?
    /// The message of an error injected by `errorAfterTokens` or `injectedStatus`.
    package var errorMessage: String
    /// Answer with this HTTP status and an error body instead of generating.
    package var injectedStatus: Int?
    /// Act as a dead engine: generation gets an empty 500 and `/health` a 503.
    package var engineDead: Bool
    /// Whether and where reasoning text appears.
    package var reasoning: ReasoningMode
    /// The field that carries reasoning text.
    package var reasoningField: ReasoningField
    /// The reasoning text emitted before the answer when `reasoning` is `.on`.
    package var reasoningText: String
    /// The shape of error bodies.
    package var errorStyle: ErrorStyle
    /// How a prompt plus `max_tokens` beyond the context window is treated.
    package var contextCheck: ContextCheck
    /// Whether a stream's response head goes out as soon as the request is accepted (as Starlette's
    /// `StreamingResponse` does) or only with the first token.
    package var streamHeadersBeforeFirstToken: Bool
    /// Break the protocol instead of answering well (see `Hostility`); nil for a well-behaved server.
    /// The server-wide value applies to every route; per-request scenarios reach generations only.
    package var hostile: Hostility?
    /// `endless`: the bytes of text in each chunk; `oversized`: the bytes of text in the one chunk.
    package var hostileBytes: Int
    /// `drip`: the time between two bytes of the body.
    package var dripInterval: Duration
    /// `drip`: the `Content-Length` announced (and, given time, sent).
    package var dripLength: Int
    /// `redirect`: the `Location`; nil redirects to the request's own target (a loop if followed).
    package var redirectLocation: String?

    /// Creates a behaviour; the defaults are an instant, well-behaved vLLM 0.33 echoing the prompt.
    package init(
        reply: Reply = .echo,
        latency: Duration = .zero,
        queueWait: Duration = .zero,
        tokenDelay: Duration = .zero,
        keepAliveInterval: Duration? = nil,
        cutAfterTokens: Int? = nil,
        errorAfterTokens: Int? = nil,
        errorMessage: String = "vllm-double: injected failure",
        injectedStatus: Int? = nil,
        engineDead: Bool = false,
        reasoning: ReasoningMode = .off,
        reasoningField: ReasoningField = .reasoning,
        reasoningText: String = "Let me think about this.",
        errorStyle: ErrorStyle = .nested,
        contextCheck: ContextCheck = .clamp,
        streamHeadersBeforeFirstToken: Bool = true,
        hostile: Hostility? = nil,
        hostileBytes: Int = 64 * 1024,
        dripInterval: Duration = .seconds(1),
        dripLength: Int = 1000,
        redirectLocation: String? = nil
    ) {
        self.reply = reply
        self.latency = latency
        self.queueWait = queueWait
        self.tokenDelay = tokenDelay
        self.keepAliveInterval = keepAliveInterval
        self.cutAfterTokens = cutAfterTokens
        self.errorAfterTokens = errorAfterTokens
        self.errorMessage = errorMessage
        self.injectedStatus = injectedStatus
        self.engineDead = engineDead
        self.reasoning = reasoning
        self.reasoningField = reasoningField
        self.reasoningText = reasoningText
        self.errorStyle = errorStyle
        self.contextCheck = contextCheck
        self.streamHeadersBeforeFirstToken = streamHeadersBeforeFirstToken
        self.hostile = hostile
        self.hostileBytes = hostileBytes
        self.dripInterval = dripInterval
        self.dripLength = dripLength
        self.redirectLocation = redirectLocation
    }

    /// A pre-0.10.1 server: flat error bodies, `reasoning_content`, prompt plus `max_tokens` checked.
    package static var legacy: Behavior {
        Behavior(reasoningField: .reasoningContent, errorStyle: .flat, contextCheck: .rejectOverflow)
    }
}

/// Where the generated text comes from.
package enum Reply: Sendable, Equatable {
    /// The last user message (chat) or the prompt (completions), scenario markers removed.
    case echo
    /// Always this text.
    case fixed(String)
    /// This many word tokens of lorem ipsum, for long outputs.
    case lorem(tokens: Int)
}

/// Whether the model "thinks" before answering.
package enum ReasoningMode: Sendable, Equatable {
    /// No reasoning field is filled.
    case off
    /// `Behavior.reasoningText` goes to the reasoning field, then the reply to `content`.
    case on
    /// The reply goes to the reasoning field and `content` stays empty (null when not streaming),
    /// as when a thinking model runs out of tokens before closing its thoughts.
    case only
}

/// The JSON field that carries reasoning text.
package enum ReasoningField: String, Sendable, Equatable {
    /// vLLM 0.33 and releases since about 0.17–0.19.
    case reasoning
    /// Older releases.
    case reasoningContent = "reasoning_content"
}

/// The shape of error bodies.
package enum ErrorStyle: String, Sendable, Equatable {
    /// `{"error":{"message","type","param","code"}}`, vLLM 0.10.1 and later.
    case nested
    /// `{"object":"error","message","type","param","code"}`, before 0.10.1.
    case flat
}

/// How requests whose prompt plus `max_tokens` exceed the context window are treated.
package enum ContextCheck: String, Sendable, Equatable {
    /// vLLM 0.33: `max_tokens` is clamped to what is left; only `max_tokens` above the whole
    /// window is a 400.
    case clamp
    /// Up to at least 0.20: prompt plus `max_tokens` over the window is a 400.
    case rejectOverflow = "legacy"
}

/// Ways a broken or malicious upstream (or a proxy in front of it) answers, for testing that a
/// client stays bounded in time and memory and says what happened. Chosen with the scenario
/// directive `hostile=…`.
package enum Hostility: String, Sendable, Equatable {
    /// Status 200 with a body that is neither JSON nor an event stream: an HTML page that quotes the
    /// request's `Authorization` header (as some proxies' error pages do), then binary bytes.
    case garbage
    /// A generation that never ends and ignores `max_tokens`: chunks of `hostileBytes` bytes of
    /// text as fast as the client reads them, without a finish reason, until the client goes away.
    /// Not streamed: a JSON body whose `content` string never ends. Other routes: like `garbage`.
    case endless
    /// A generation answered in one chunk (streamed) or one response (not streamed) whose text is
    /// `hostileBytes` bytes, far more than `max_tokens` allows; otherwise well-formed and complete.
    case oversized
    /// Any route: `Content-Length: dripLength`, then one byte every `dripInterval` (a valid body
    /// padded with spaces, for a client patient enough), until the client goes away.
    case drip
    /// Any route: `307 Temporary Redirect` to `redirectLocation` (default: the request's own target).
    case redirect
}
