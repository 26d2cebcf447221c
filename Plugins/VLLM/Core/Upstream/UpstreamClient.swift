import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix

/// The one HTTP client of the plugin: a keep-alive connection pool to the server, on one event
/// loop thread, shared by every call.
package final class UpstreamClient: Sendable {
    package let configuration: VLLMConfiguration
    package let errors: ErrorMapper
    package let models: ModelCache
    private let group: MultiThreadedEventLoopGroup
    private let http: HTTPClient
    private let headers: HTTPHeaders
    /// Error bodies and metrics are small; a generation may be long (64 MiB).
    static let maxBodyBytes = 64 << 20

    package init(configuration: VLLMConfiguration) {
        self.configuration = configuration
        errors = ErrorMapper(configuration: configuration)
        models = ModelCache()
        // One thread is plenty for I/O that mostly waits; it keeps resident memory small.
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var http = HTTPClient.Configuration()
        let timeout = configuration.timeout.map { TimeAmount.nanoseconds(Int64($0 * 1e9)) }
        // `read` is AsyncHTTPClient's idle-read timeout: it restarts with every read, so it
        // bounds each wait for the next bytes, not a whole generation.
        http.timeout = .init(connect: timeout ?? .hours(24), read: timeout)
        var pool = HTTPClient.Configuration.ConnectionPool(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maxConnections)
        // Fail at once when nothing listens, instead of retrying until the connect timeout.
        pool.retryConnectionEstablishment = false
        http.connectionPool = pool
        // HTTP/1.1 only: cancelling a call closes its connection, which is what makes vLLM abort
        // the generation (an HTTP/2 stream reset would depend on the server).
        http.httpVersion = .http1Only
        http.redirectConfiguration = .disallow
        http.decompression = .disabled
        self.http = HTTPClient(eventLoopGroup: group, configuration: http)

        var headers = HTTPHeaders()
        headers.add(name: "user-agent", value: "toolhost-vllm/\(VLLMPluginInfo.version)")
        if let key = configuration.apiKey { headers.add(name: "authorization", value: "Bearer \(key)") }
        self.headers = headers
    }

    /// Stops the client; calls in flight fail. Blocks until the event loop has stopped.
    package func shutdown() {
        try? http.syncShutdown()
        try? group.syncShutdownGracefully()
    }

    /// A collected response.
    package struct Reply: Sendable {
        package var status: Int
        package var headers: HTTPHeaders
        package var body: [UInt8]
    }

    /// `GET path`, body collected.
    package func get(_ path: String, what: String) async throws(UpstreamError) -> Reply {
        var request = HTTPClientRequest(url: configuration.baseURL + path)
        request.method = .GET
        request.headers = headers
        let phase = ExchangePhase.query(what)
        let response = try await execute(request, phase: phase)
        let body = try await collect(response, phase: phase)
        return Reply(status: Int(response.status.code), headers: response.headers, body: body)
    }

    /// `POST path` with a JSON body; the response's body is left to the caller, so it can be
    /// streamed. An error status is turned into an ``UpstreamError`` here.
    package func post(_ path: String, json: [UInt8], streaming: Bool, what: String) async throws(UpstreamError) -> HTTPClientResponse {
        var request = HTTPClientRequest(url: configuration.baseURL + path)
        request.method = .POST
        request.headers = headers
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "accept", value: streaming ? "text/event-stream" : "application/json")
        request.body = .bytes(ByteBuffer(bytes: json))
        let response = try await execute(request, phase: streaming ? .firstToken : .wholeGeneration)
        guard response.status.code / 100 == 2 else {
            let body = (try? await collect(response, phase: .query(what), limit: 1 << 20)) ?? []
            throw errors.response(status: Int(response.status.code), body: body, request: what)
        }
        return response
    }

    private func execute(_ request: HTTPClientRequest, phase: ExchangePhase) async throws(UpstreamError) -> HTTPClientResponse {
        if Task.isCancelled { throw .cancelled }
        do {
            return try await http.execute(request, deadline: .distantFuture)
        } catch {
            throw errors.transport(error, phase: phase)
        }
    }

    /// The whole body of `response`.
    package func collect(_ response: HTTPClientResponse, phase: ExchangePhase, limit: Int = maxBodyBytes) async throws(UpstreamError) -> [UInt8] {
        do {
            var buffer = try await response.body.collect(upTo: limit)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch let error as NIOTooManyBytesError {
            _ = error
            throw errors.invalidResponse("the request", "a body larger than \(limit >> 20) MiB")
        } catch {
            throw errors.transport(error, phase: phase)
        }
    }
}

/// The plugin's identity, shared by the C glue and the user agent.
package enum VLLMPluginInfo {
    package static let id = "vllm"
    package static let name = "vLLM"
    package static let version = "0.1.0"
    package static let summary = "Chat with a vLLM server (or any OpenAI-compatible server): vllm_chat, vllm_complete, list_models, get_model_info, vllm_status."
}
