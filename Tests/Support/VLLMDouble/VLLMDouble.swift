import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP/1.1 server on loopback that answers like vLLM 0.32's OpenAI-compatible server, for tests
/// and benchmarks of clients such as toolhost's VLLM plugin. Its bodies, stream chunks, error
/// bodies and metric names are checked against a real vLLM 0.32.0 (`RealVLLMParityTests`).
///
/// ```swift
/// let double = try await VLLMDouble.start(Configuration(apiKey: "k"))
/// defer { Task { try await double.shutdown() } }
/// // point the client at double.baseURL, then inspect double.recordedRequests
/// ```
package final class VLLMDouble: Sendable {
    /// The address it listens on.
    package let host: String
    /// The port it listens on.
    package let port: Int
    let core: DoubleCore
    private let channel: any Channel

    private init(host: String, port: Int, core: DoubleCore, channel: any Channel) {
        self.host = host
        self.port = port
        self.core = core
        self.channel = channel
    }

    /// `http://HOST:PORT`, without a trailing slash.
    package var baseURL: String { "http://\(host):\(port)" }

    /// Starts a double.
    ///
    /// - Parameters:
    ///   - configuration: Models, API key, behaviour; `port` 0 picks a free port.
    ///   - eventLoopGroup: The loops serving connections; the shared singleton by default.
    /// - Returns: A running double, listening once this returns.
    /// - Throws: `DoubleError` when the address cannot be bound.
    package static func start(
        _ configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> VLLMDouble {
        let core = DoubleCore(configuration: configuration)
        let bootstrap = ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: true, withErrorHandling: true
                    )
                    try channel.pipeline.syncOperations.addHandler(HTTPHandler(core: core))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        } catch {
            throw DoubleError.bindFailed("\(configuration.host):\(configuration.port): \(error)")
        }
        guard let port = channel.localAddress?.port else {
            try? await channel.close()
            throw DoubleError.bindFailed("no local port")
        }
        return VLLMDouble(host: configuration.host, port: port, core: core, channel: channel)
    }

    /// Stops listening and closes every open connection (unfinished requests record a disconnect).
    package func shutdown() async throws {
        try? await channel.close()
        for connection in core.openConnections {
            try? await connection.close()
        }
    }

    /// The configuration in force.
    package var configuration: Configuration { core.configuration }

    /// Changes the configuration for requests that arrive from now on (e.g. `engineDead`,
    /// `apiKey`, the default `behavior`); `host` and `port` changes have no effect.
    package func update(_ body: (inout Configuration) -> Void) {
        core.update(body)
    }

    /// Request counters: received, completed, in flight, most in flight at once, disconnects.
    package var stats: DoubleStats { core.stats }
}
