import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The one HTTP client of the plugin: a keep-alive connection pool to the server, on one event
/// loop thread, shared by every call. Calls' tasks run on that thread too (``executor``).
/// The thread and the pool are made on first use: a session that never calls a tool of this
/// plugin costs no thread and less memory.
package final class UpstreamClient: Sendable {
    package let configuration: VLLMConfiguration
    package let errors: ErrorMapper
    package let models: ModelCache
    private let transport = Mutex<Transport?>(nil)
    private let headers: HTTPHeaders
    /// Error bodies and metrics are small; a generation is bounded by its ``GenerationLimits``.
    static let maxBodyBytes = GenerationLimits.maxBodyBytes
    static let routes = ["/v1/chat/completions", "/v1/completions", "/v1/models", "/health", "/version", "/metrics"]

    /// The event loop, the HTTP client on it, and the executor that runs tasks there.
    private struct Transport: Sendable {
        let group: MultiThreadedEventLoopGroup
        let loop: any EventLoop
        let http: HTTPClient
        let executor: EventLoopExecutor
        /// URLs of the routes the plugin uses, parsed once.
        let urls: [String: URL]

        init(_ configuration: VLLMConfiguration) {
            var urls: [String: URL] = [:]
            for route in UpstreamClient.routes { urls[route] = URL(string: configuration.baseURL + route) }
            self.urls = urls
            // One thread is plenty for I/O that mostly waits; it keeps resident memory small.
            group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            loop = group.next()
            executor = EventLoopExecutor(loop: loop)
            var http = HTTPClient.Configuration()
            let timeout = configuration.timeout.map(UpstreamClient.timeAmount)
            // `read` is AsyncHTTPClient's idle-read timeout: it restarts with every read, so it
            // bounds each wait for the next bytes, not a whole generation.
            http.timeout = .init(connect: timeout ?? .hours(24), read: timeout)
            var pool = HTTPClient.Configuration.ConnectionPool(
                idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maxConnections)
            // Fail at once when nothing listens, instead of retrying until the connect timeout.
            pool.retryConnectionEstablishment = false
            http.connectionPool = pool
            // HTTP/1.1 only: cancelling a call closes its connection, which is what makes vLLM
            // abort the generation (an HTTP/2 stream reset would depend on the server).
            http.httpVersion = .http1Only
            http.redirectConfiguration = .disallow
            http.decompression = .disabled
            self.http = HTTPClient(eventLoopGroup: group, configuration: http)
        }
    }

    package init(configuration: VLLMConfiguration) {
        self.configuration = configuration
        errors = ErrorMapper(configuration: configuration)
        models = ModelCache()
        var headers = HTTPHeaders()
        headers.add(name: "user-agent", value: "toolhost-vllm/\(VLLMPluginInfo.version)")
        if let key = configuration.apiKey { headers.add(name: "authorization", value: "Bearer \(key)") }
        self.headers = headers
    }

    private var ready: Transport {
        transport.withLock { current in
            if let current { return current }
            let made = Transport(configuration)
            current = made
            return made
        }
    }

    /// Where the plugin's tasks run: the client's event loop.
    package var executor: EventLoopExecutor { ready.executor }

    /// Stops the client; calls in flight fail. Blocks until the event loop has stopped.
    package func shutdown() {
        guard let transport = transport.withLock({ $0 }) else { return }
        transport.executor.close()
        try? transport.http.syncShutdown()
        try? transport.group.syncShutdownGracefully()
    }

    /// A collected response.
    package struct Reply: Sendable {
        package var status: Int
        package var headers: HTTPHeaders
        package var body: [UInt8]
    }

    /// `GET path`, body collected. These requests are not generations: `VLLM_DEFAULT_TIMEOUT`
    /// bounds each as a whole (a server that sends its answer a byte at a time cannot hold a
    /// call), not only each wait for bytes.
    package func get(_ path: String, what: String) async throws(UpstreamError) -> Reply {
        let delegate = ExchangeDelegate(sink: nil, limit: Self.maxBodyBytes)
        let deadline = configuration.timeout.map { NIODeadline.now() + Self.timeAmount($0) }
        try await exchange(
            .GET, path, body: nil, accept: nil, delegate: delegate, deadline: deadline, phase: { _ in .query(what) },
            tooLarge: { _ in self.errors.invalidResponse(what, "a body larger than \(Self.maxBodyBytes >> 20) MiB") })
        return Reply(status: delegate.status, headers: delegate.headers, body: Self.bytes(delegate.body))
    }

    /// `POST path` with a JSON body, a generation of at most `limits`. With a `sink`, a
    /// successful response is streamed into it; without, the body is collected. An error status
    /// becomes an ``UpstreamError`` here.
    /// - Returns: the collected body (empty when streamed).
    func post(_ path: String, json: [UInt8], limits: GenerationLimits, sink: StreamSink?, what: String) async throws(UpstreamError) -> ByteBuffer {
        // Error bodies are collected up to the same limit as an answer.
        let delegate = ExchangeDelegate(sink: sink, limit: limits.bodyBytes)
        try await exchange(
            .POST, path, body: json, accept: sink == nil ? "application/json" : "text/event-stream", delegate: delegate, deadline: nil
        ) { delegate in
            guard let sink = delegate.sink else { return .wholeGeneration }
            return sink.tokens == 0 ? .firstToken : .moreTokens(sink.tokens)
        } tooLarge: { delegate in
            delegate.status / 100 == 2
                ? self.errors.sentTooMuch(limits, bodyBytes: delegate.received, chunks: nil, textBytes: nil)
                : self.errors.invalidResponse(what, "HTTP \(delegate.status) with an error body of more than \(limits.bodyBytes) bytes")
        }
        guard delegate.status / 100 == 2 else {
            throw errors.response(status: delegate.status, body: Self.bytes(delegate.body), request: what, location: delegate.headers.first(name: "location"))
        }
        return delegate.body
    }

    /// Runs one request to its end with AsyncHTTPClient's delegate API: the response is
    /// handled on the event loop as it arrives, and the calling task resumes once, at the end.
    /// Cancelling the task cancels the request, which closes its connection.
    private func exchange(
        _ method: HTTPMethod, _ path: String, body: [UInt8]?, accept: String?, delegate: ExchangeDelegate,
        deadline: NIODeadline?, phase: (ExchangeDelegate) -> ExchangePhase, tooLarge: (ExchangeDelegate) -> UpstreamError
    ) async throws(UpstreamError) {
        if Task.isCancelled { throw .cancelled }
        var headers = self.headers
        if let accept { headers.add(name: "accept", value: accept) }
        if body != nil { headers.add(name: "content-type", value: "application/json") }
        let transport = ready
        let request: HTTPClient.Request
        do {
            // The configuration refused a base URL that does not parse, so every route has one.
            guard let url = transport.urls[path] else { throw HTTPClientError.invalidURL }
            request = try HTTPClient.Request(url: url, method: method, headers: headers, body: body.map { .bytes($0) })
        } catch {
            throw UpstreamError(.cannotConnect, message: "VLLM_BASE_URL \(configuration.displayBaseURL) is not a usable URL (\(error)).")
        }
        let handle = RequestHandle()
        let http = transport.http, loop = transport.loop
        do {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let task = http.execute(request: request, delegate: delegate, eventLoop: .delegate(on: loop), deadline: deadline)
                    handle.started(task)
                    task.futureResult.whenComplete { continuation.resume(with: $0) }
                }
            } onCancel: {
                handle.cancel()
            }
        } catch {
            if Task.isCancelled { throw .cancelled }
            if let failure = delegate.sink?.failure { throw failure }
            if delegate.overflow { throw tooLarge(delegate) }
            throw errors.transport(error, phase: phase(delegate))
        }
        if Task.isCancelled { throw .cancelled }
    }

    /// `seconds` as a `TimeAmount`; settings beyond about 95 years (no limit in practice) are
    /// held there instead of overflowing.
    static func timeAmount(_ seconds: Double) -> TimeAmount {
        .nanoseconds(Int64(min(seconds, 3e9) * 1e9))
    }

    static func bytes(_ buffer: ByteBuffer) -> [UInt8] {
        buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
    }
}

/// The plugin's identity, shared by the C glue and the user agent.
package enum VLLMPluginInfo {
    package static let id = "vllm"
    package static let name = "vLLM"
    package static let version = "0.1.0"
    package static let summary = "Chat with a vLLM server (or any OpenAI-compatible server): vllm_chat, vllm_complete, list_models, get_model_info, vllm_status."
}
