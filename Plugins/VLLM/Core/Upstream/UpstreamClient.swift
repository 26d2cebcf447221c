import CCurl
import Synchronization

/// The one HTTP client of the plugin: libcurl's multi interface with its keep-alive connection
/// pool, on one thread (``CurlLoop``), shared by every call. Calls' tasks run on that thread too
/// (``executor``). The thread and the pool are made on first use: a session that never calls a
/// tool of this plugin costs no thread and less memory.
package final class UpstreamClient: Sendable {
    package let configuration: VLLMConfiguration
    package let errors: ErrorMapper
    package let models: ModelCache
    private let loop = Mutex<CurlLoop?>(nil)
    private let headers: [String]
    /// Hears at debug level which libcurl was opened and why.
    private let log: @Sendable (String) -> Void
    /// Whether the base URL needs TLS (every request goes to it).
    private let needsTLS: Bool
    /// Error bodies and metrics are small; a generation is bounded by its ``GenerationLimits``.
    static let maxBodyBytes = GenerationLimits.maxBodyBytes

    /// - Parameter log: hears, at debug level, which libcurl the process opened and why (when
    ///   this client is the first to need one).
    package init(configuration: VLLMConfiguration, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.configuration = configuration
        self.log = log
        needsTLS = !configuration.baseURL.lowercased().hasPrefix("http://")
        errors = ErrorMapper(configuration: configuration)
        models = ModelCache()
        var headers = ["User-Agent: toolhost-vllm/\(VLLMPluginInfo.version)"]
        if let key = configuration.apiKey { headers.append("Authorization: Bearer \(key)") }
        // libcurl would ask for `100 Continue` before a larger body: one round trip more.
        headers.append("Expect:")
        self.headers = headers
    }

    /// The client's thread, made on first use; nil when libcurl cannot be opened.
    private var ready: CurlLoop? {
        loop.withLock { current in
            if let current { return current }
            guard case .success(let library) = CurlLibrary.shared(for: configuration, log: log) else { return nil }
            let made = CurlLoop(library, maxConnections: configuration.maxConnections)
            current = made
            return made
        }
    }

    /// Where the plugin's tasks run: the client's thread (nil without libcurl: the global
    /// executor, and every request fails saying why).
    package var executor: (any TaskExecutor)? { ready }

    /// Stops the client; calls in flight fail. Blocks until its thread has stopped.
    package func shutdown() {
        guard let loop = loop.withLock({ $0 }) else { return }
        loop.close()
        loop.stop()
    }

    /// A collected response.
    package struct Reply: Sendable {
        package var status: Int
        package var headers: ResponseHeaders
        package var body: [UInt8]

        package init(status: Int, headers: ResponseHeaders, body: [UInt8]) {
            self.status = status
            self.headers = headers
            self.body = body
        }
    }

    /// `GET path`, body collected. These requests are not generations: `VLLM_DEFAULT_TIMEOUT`
    /// bounds each as a whole (a server that sends its answer a byte at a time cannot hold a
    /// call), not only each wait for bytes.
    package func get(_ path: String, what: String) async throws(UpstreamError) -> Reply {
        let transfer = Transfer(request(path, body: nil, accept: nil, whole: true), sink: nil, limit: Self.maxBodyBytes)
        try await exchange(transfer, phase: { _ in .query(what) }) { _ in
            self.errors.invalidResponse(what, "a body larger than \(Self.maxBodyBytes >> 20) MiB")
        }
        return Reply(status: transfer.status, headers: transfer.headers, body: transfer.body)
    }

    /// `POST path` with a JSON body, a generation of at most `limits`. With a `sink`, a
    /// successful response is streamed into it; without, the body is collected. An error status
    /// becomes an ``UpstreamError`` here.
    /// - Returns: the collected body (empty when streamed).
    func post(_ path: String, json: [UInt8], limits: GenerationLimits, sink: StreamSink?, what: String) async throws(UpstreamError) -> [UInt8] {
        // Error bodies are collected up to the same limit as an answer.
        let transfer = Transfer(
            request(path, body: json, accept: sink == nil ? "application/json" : "text/event-stream", whole: false), sink: sink, limit: limits.bodyBytes)
        try await exchange(transfer) { transfer in
            guard let sink = transfer.sink else { return .wholeGeneration }
            return sink.tokens == 0 ? .firstToken : .moreTokens(sink.tokens)
        } tooLarge: { transfer in
            transfer.status / 100 == 2
                ? self.errors.sentTooMuch(limits, bodyBytes: transfer.received, chunks: nil, textBytes: nil)
                : self.errors.invalidResponse(what, "HTTP \(transfer.status) with an error body of more than \(limits.bodyBytes) bytes")
        }
        guard transfer.status / 100 == 2 else {
            throw errors.response(status: transfer.status, body: transfer.body, request: what, location: transfer.headers.first(name: "location"))
        }
        return transfer.body
    }

    /// The request for `path`: URL, headers, timeouts.
    /// - Parameter whole: `VLLM_DEFAULT_TIMEOUT` bounds the whole exchange (not a generation).
    private func request(_ path: String, body: [UInt8]?, accept: String?, whole: Bool) -> Transfer.Request {
        var headers = self.headers
        if let accept { headers.append("Accept: \(accept)") }
        if body != nil { headers.append("Content-Type: application/json") }
        let timeout = configuration.timeout.map(Self.milliseconds)
        return Transfer.Request(
            url: configuration.baseURL + path, headers: headers, body: body,
            // No limit: a day, as before (libcurl's own default would be 300 s).
            connectTimeoutMilliseconds: timeout ?? 86_400_000,
            wholeTimeoutMilliseconds: whole ? timeout : nil,
            idleTimeoutNanoseconds: timeout.map { UInt64($0) * 1_000_000 },
            caBundle: configuration.caBundle)
    }

    /// Runs one transfer to its end on the client's thread: the response is handled there as it
    /// arrives, and the calling task resumes once, at the end. Cancelling the task takes the
    /// transfer off in the middle, which closes its connection.
    private func exchange(
        _ transfer: Transfer, phase: (Transfer) -> ExchangePhase, tooLarge: (Transfer) -> UpstreamError
    ) async throws(UpstreamError) {
        if Task.isCancelled { throw .cancelled }
        guard let loop = ready else {
            var why = "no libcurl was opened"
            if case .failure(let error) = CurlLibrary.shared(for: configuration, log: log) { why = error.message }
            throw UpstreamError(.cannotConnect, message: "The vLLM plugin cannot use libcurl, its HTTP client (\(why)). Install libcurl 7.80 or later (Debian: apt install libcurl4), or check VLLM_LIBCURL.")
        }
        // Every request goes to the base URL; without TLS an https:// one cannot be made.
        if needsTLS, !loop.library.tls {
            throw errors.libraryWithoutTLS(loop.library.shown, cause: "its https:// URL")
        }
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<Void, TransportFailure>, Never>) in
                transfer.continuation = continuation
                loop.add(transfer)
            }
        } onCancel: {
            loop.cancel(transfer)
        }
        if Task.isCancelled { throw .cancelled }
        if case .failure(let failure) = outcome {
            if let failure = transfer.sink?.failure { throw failure }
            if transfer.overflow { throw tooLarge(transfer) }
            // The URL is http:// (checked above): what a library without TLS refuses then is
            // an https:// proxy ("not built in"; "unsupported protocol" in other versions).
            if failure.reason == .curl(CURLE_NOT_BUILT_IN) || failure.reason == .curl(CURLE_UNSUPPORTED_PROTOCOL), !loop.library.tls {
                throw errors.libraryWithoutTLS(loop.library.shown, cause: "the proxy (\(Redaction.scrub(failure.detail, secret: configuration.apiKey)))")
            }
            throw errors.transport(failure, phase: phase(transfer))
        }
    }

    /// `seconds` in whole milliseconds, at least 1; settings beyond about 95 years (no limit in
    /// practice) are held there instead of overflowing.
    static func milliseconds(_ seconds: Double) -> Int {
        max(1, Int((min(seconds, 3e9) * 1000).rounded(.up)))
    }
}

/// The plugin's identity, shared by the C glue and the user agent.
package enum VLLMPluginInfo {
    package static let id = "vllm"
    package static let name = "vLLM"
    package static let version = "0.1.0"
    package static let summary = "Chat with a vLLM server (or any OpenAI-compatible server): vllm_chat, vllm_complete, list_models, get_model_info, vllm_status."
}
