/// One resource as the plugin declares it to the host.
package struct ResourceDefinition: Sendable {
    package let uri: String
    package let name: String
    package let description: String
    /// Every resource of the plugin is plain text.
    package var mimeType: String { ResourceCatalog.mimeType }
}

/// The resources of the plugin, in the order `resources/list` shows them: the Python
/// vllm-mcp-server's four URIs and names. Each is read fresh: the server's state when asked.
package enum ResourceCatalog {
    package enum Resource: Int, Sendable, CaseIterable {
        case status, metrics, configuration, platform
    }

    package static let mimeType = "text/plain"

    package static let all: [ResourceDefinition] = [
        ResourceDefinition(
            uri: "vllm://status", name: "vLLM Server Status",
            description: "Current status and health of the vLLM server: health, version, served models and key metrics"),
        ResourceDefinition(
            uri: "vllm://metrics", name: "vLLM Performance Metrics",
            description: "Performance metrics from the vLLM server's /metrics: requests, KV-cache usage, token counters"),
        ResourceDefinition(
            uri: "vllm://config", name: "vLLM MCP Configuration",
            description: "The plugin's current settings (secrets shown only as set or not set)"),
        ResourceDefinition(
            uri: "vllm://platform", name: "Platform Information",
            description: "Platform, container runtime and GPU status of this machine"),
    ]

    package static func definition(_ resource: Resource) -> ResourceDefinition { all[resource.rawValue] }

    /// The resource at exactly `uri`, or nil.
    package static func resource(uri: String) -> Resource? {
        all.firstIndex { $0.uri == uri }.flatMap(Resource.init(rawValue:))
    }
}
