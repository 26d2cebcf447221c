/// The plugin's tools, independent of the C ABI: each call runs as Swift async code against
/// the one shared ``UpstreamClient`` and ends in a ``ToolOutcome``.
package final class VLLMService: Sendable {
    package let client: UpstreamClient
    package var configuration: VLLMConfiguration { client.configuration }
    /// Where calls should run: the HTTP client's thread (see ``CurlLoop``).
    package var executor: (any TaskExecutor)? { client.executor }

    /// - Parameter log: hears debug messages (which libcurl the HTTP client opened and why).
    package init(configuration: VLLMConfiguration, log: @escaping @Sendable (String) -> Void = { _ in }) {
        client = UpstreamClient(configuration: configuration, log: log)
    }

    /// Stops the HTTP client (blocks until its thread has stopped).
    package func shutdown() {
        client.shutdown()
    }

    /// Runs one call. Never throws: every failure is an outcome with a message.
    package func run(_ tool: ToolCatalog.Tool, arguments: some Collection<UInt8>, context: any CallContext) async -> ToolOutcome {
        do throws(ToolFailure) {
            let args = try ToolArguments(json: arguments)
            switch tool {
            case .chat: return try await chat(args, context: context)
            case .complete: return try await complete(args, context: context)
            case .listModels: return try await listModels()
            case .modelInfo: return try await modelInfo(args)
            case .status: return await status()
            case .startServer: return try await startServer(args, context: context)
            case .stopServer: return try await stopServer(args)
            case .restartServer: return try await restartServer(args, context: context)
            case .listServers: return try await listServers(args)
            case .serverLogs: return try await serverLogs(args)
            case .platformStatus: return await platformStatus()
            case .benchmark: return try await benchmark(args, context: context)
            }
        } catch {
            return .failure(error)
        }
    }
}
