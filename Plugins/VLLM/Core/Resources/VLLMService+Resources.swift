extension VLLMService {
    /// Reads `resource` now (see ``ResourceCatalog``). The outcome is one text; it is a failure
    /// only when the read was cancelled: a server that does not answer is told in the text.
    package func read(_ resource: ResourceCatalog.Resource) async -> ToolOutcome {
        let text: String
        switch resource {
        case .status:
            text = ResourceText.status(await statusReport())
        case .metrics:
            let reply = await attempt { () async throws(UpstreamError) in try await client.get("/metrics", what: "GET /metrics") }
            text = ResourceText.metrics(baseURL: configuration.displayBaseURL, reply: reply)
        case .configuration:
            text = ResourceText.configuration(configuration)
        case .platform:
            text = await PlatformReport.gather(configuration.lifecycle, full: true).text
        }
        if Task.isCancelled { return .failure(.cancelled, "The read of \(ResourceCatalog.definition(resource).uri) was cancelled.") }
        return ToolOutcome(texts: [text])
    }
}
