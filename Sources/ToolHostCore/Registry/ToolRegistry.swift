import Synchronization

/// The merged tool list of all loaded plugins: an immutable snapshot, replaced as a whole when
/// a plugin reports that its tools changed.
///
/// Merge rule: plugins are read in load order (see ``PluginDiscovery``), each plugin's tools in
/// its own order; the first tool to claim a name keeps it, and a later tool with the same name
/// is skipped and reported. The list order is therefore deterministic: load order, then the
/// plugin's order.
public struct ToolRegistry: Sendable {
    public let tools: [RegisteredTool]
    private let byName: [String: RegisteredTool]
    /// Counts rebuilds; changes whenever the set of tools may have changed.
    public let generation: Int
    /// Per plugin: its count of `tools_changed` reports before its list was read here.
    private let listVersions: [ObjectIdentifier: Int]

    public static let empty = ToolRegistry(tools: [], generation: 0, listVersions: [:])

    init(tools: [RegisteredTool], generation: Int, listVersions: [ObjectIdentifier: Int]) {
        self.tools = tools
        self.generation = generation
        self.listVersions = listVersions
        var map: [String: RegisteredTool] = [:]
        for tool in tools { map[tool.name] = tool }
        byName = map
    }

    public func tool(named name: String) -> RegisteredTool? { byName[name] }

    /// The `tools_changed` count of `plugin` its tools here were read at; nil when not read.
    func listVersion(of plugin: LoadedPlugin) -> Int? { listVersions[ObjectIdentifier(plugin)] }

    /// Reads every plugin's tools, checks them, and merges them.
    /// - Returns: the registry and the problems found (skipped tools).
    /// - Parameter compileSchemas: false in a runner (see ``HostConfiguration/compileSchemas``).
    static func build(plugins: [LoadedPlugin], generation: Int, compileSchemas: Bool = true) -> (ToolRegistry, [PluginProblem]) {
        var tools: [RegisteredTool] = []
        var owners: [String: LoadedPlugin] = [:]
        var problems: [PluginProblem] = []
        var listVersions: [ObjectIdentifier: Int] = [:]
        for plugin in plugins {
            // Before tool_count: a change reported while the list is read makes the next call
            // re-check the index.
            let listVersion = plugin.toolListChanges.load(ordering: .acquiring)
            listVersions[ObjectIdentifier(plugin)] = listVersion
            let count = plugin.toolCount()
            if count > 100_000 {
                problems.append(PluginProblem(path: plugin.path, plugin: plugin.id, message: "declares \(count) tools; at most 100000 are read"))
            }
            for index in 0..<min(count, 100_000) {
                switch ToolReader.read(plugin: plugin, index: index, listVersion: listVersion, compileSchema: compileSchemas) {
                case .failure(let problem):
                    problems.append(problem)
                case .success(let tool):
                    if let owner = owners[tool.name] {
                        problems.append(PluginProblem(
                            path: plugin.path, plugin: plugin.id, tool: tool.name,
                            message: "tool name \"\(tool.name)\" is already provided by plugin \(owner.id) (\(owner.path)); this one is skipped (the first plugin loaded keeps a name)"))
                        continue
                    }
                    owners[tool.name] = plugin
                    tools.append(tool)
                }
            }
        }
        return (ToolRegistry(tools: tools, generation: generation, listVersions: listVersions), problems)
    }
}

/// Something wrong with a plugin file or one of its tools, as reported on stderr and by
/// `toolhost check`.
public struct PluginProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let plugin: String?
    public let tool: String?
    public let message: String

    public init(path: String, plugin: String? = nil, tool: String? = nil, message: String) {
        self.path = path
        self.plugin = plugin
        self.tool = tool
        self.message = message
    }

    public var description: String {
        var where_ = path
        if let tool { where_ += " (tool \(tool))" }
        return "\(where_): \(message)"
    }
}
