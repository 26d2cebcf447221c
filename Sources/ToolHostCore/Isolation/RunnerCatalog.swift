import ToolHostABI

/// What a runner reports about the plugin it loaded (the `hello` and `catalog` frames): the
/// descriptor's identity, and its tools, prompts, resources and templates as the runner's own
/// registries read them (checked there, copied here). JSON on the wire; the host presents it
/// through C structures again (``IsolatedPlugin``), so the registries read an isolated plugin
/// exactly as an in-process one.
struct RunnerCatalog: Equatable, Sendable {
    var id: String
    var name: String
    var version: String
    var summary: String?
    var abiMajor: Int
    var abiMinor: Int
    var flags: UInt32
    /// {name, title?, description?, inputSchema, outputSchema?, annotations?}
    var tools: [JSON] = []
    /// {name, title?, description?, arguments: [{name, title?, description?, required}]}
    var prompts: [JSON] = []
    /// {uri, name, title?, description?, mimeType?, size?, annotations?}
    var resources: [JSON] = []
    var templates: [JSON] = []
    /// Which extensions the plugin offers (the host asks for their tables once, at start).
    var offersPrompts = false
    var offersResources = false
    var offersCompletions = false
    /// What the runner found wrong or risky while loading, for the host's reports.
    var problems: [PluginProblem] = []
    var warnings: [PluginProblem] = []
    /// What `toolhost check` says of the plugins in the runner (their sections of the report).
    var report: [String] = []

    /// This catalog with no tools, prompts, resources or templates (a plugin disabled or
    /// removed keeps its identity).
    var withoutLists: RunnerCatalog {
        var copy = self
        copy.tools = []
        copy.prompts = []
        copy.resources = []
        copy.templates = []
        return copy
    }

    var json: JSON {
        var o: JSONObject = [
            "id": .string(id), "name": .string(name), "version": .string(version),
            "abiMajor": .number(JSONNumber(abiMajor)), "abiMinor": .number(JSONNumber(abiMinor)),
            "flags": .number(JSONNumber(Int(flags))),
            "tools": .array(tools), "prompts": .array(prompts), "resources": .array(resources), "templates": .array(templates),
            "offers": .array([offersPrompts ? "prompts" : nil, offersResources ? "resources" : nil, offersCompletions ? "completions" : nil].compactMap { $0.map(JSON.string) }),
            "problems": .array(problems.map(Self.json)), "warnings": .array(warnings.map(Self.json)),
            "report": .array(report.map(JSON.string)),
        ]
        if let summary { o["description"] = .string(summary) }
        return .object(o)
    }

    init(id: String, name: String, version: String, summary: String?, abiMajor: Int, abiMinor: Int, flags: UInt32) {
        self.id = id
        self.name = name
        self.version = version
        self.summary = summary
        self.abiMajor = abiMajor
        self.abiMinor = abiMinor
        self.flags = flags
    }

    init?(json: JSON) {
        guard case .object(let o) = json, let id = o["id"]?.stringValue, !id.isEmpty else { return nil }
        self.id = id
        name = o["name"]?.stringValue ?? id
        version = o["version"]?.stringValue ?? "unknown"
        summary = o["description"]?.stringValue
        abiMajor = o["abiMajor"]?.intValue ?? 1
        abiMinor = o["abiMinor"]?.intValue ?? 0
        flags = UInt32(clamping: o["flags"]?.intValue ?? 0)
        tools = o["tools"]?.arrayValue ?? []
        prompts = o["prompts"]?.arrayValue ?? []
        resources = o["resources"]?.arrayValue ?? []
        templates = o["templates"]?.arrayValue ?? []
        let offers = Set((o["offers"]?.arrayValue ?? []).compactMap(\.stringValue))
        offersPrompts = offers.contains("prompts")
        offersResources = offers.contains("resources")
        offersCompletions = offers.contains("completions")
        problems = (o["problems"]?.arrayValue ?? []).compactMap(Self.problem)
        warnings = (o["warnings"]?.arrayValue ?? []).compactMap(Self.problem)
        report = (o["report"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    private static func json(_ problem: PluginProblem) -> JSON {
        var o: JSONObject = ["path": .string(problem.path), "message": .string(problem.message)]
        if let plugin = problem.plugin { o["plugin"] = .string(plugin) }
        if let tool = problem.tool { o["tool"] = .string(tool) }
        return .object(o)
    }

    private static func problem(_ json: JSON) -> PluginProblem? {
        guard let path = json["path"]?.stringValue, let message = json["message"]?.stringValue else { return nil }
        return PluginProblem(path: path, plugin: json["plugin"]?.stringValue, tool: json["tool"]?.stringValue, message: message)
    }

    /// The catalog of what `host` (a runner's host, with one file loaded) serves now.
    static func of(_ host: PluginHost) -> RunnerCatalog? {
        guard let first = host.plugins.first else { return nil }
        var flags = first.descriptor.flags
        if first.serial { flags |= UInt32(TH_PLUGIN_SERIAL) }
        var catalog = RunnerCatalog(
            id: first.id, name: first.name, version: first.version, summary: first.summary,
            abiMajor: first.abiMajor, abiMinor: first.abiMinor, flags: flags)
        catalog.tools = host.registry.tools.map { tool in
            var o: JSONObject = ["name": .string(tool.name), "inputSchema": tool.inputSchema.json]
            if let title = tool.title { o["title"] = .string(title) }
            if let summary = tool.summary { o["description"] = .string(summary) }
            if let output = tool.outputSchema { o["outputSchema"] = output }
            if let annotations = tool.annotations { o["annotations"] = .object(annotations) }
            return .object(o)
        }
        catalog.prompts = host.prompts.prompts.map { prompt in
            var o: JSONObject = ["name": .string(prompt.name)]
            if let title = prompt.title { o["title"] = .string(title) }
            if let summary = prompt.summary { o["description"] = .string(summary) }
            o["arguments"] = .array(prompt.arguments.map { a in
                var ao: JSONObject = ["name": .string(a.name), "required": .bool(a.required)]
                if let title = a.title { ao["title"] = .string(title) }
                if let description = a.description { ao["description"] = .string(description) }
                return .object(ao)
            })
            return .object(o)
        }
        func entry(_ r: RegisteredResource) -> JSON {
            var o: JSONObject = ["uri": .string(r.uri), "name": .string(r.name)]
            if let title = r.title { o["title"] = .string(title) }
            if let summary = r.summary { o["description"] = .string(summary) }
            if let mimeType = r.mimeType { o["mimeType"] = .string(mimeType) }
            if let size = r.size { o["size"] = .number(JSONNumber(size)) }
            if let annotations = r.annotations { o["annotations"] = annotations }
            return .object(o)
        }
        catalog.resources = host.resources.resources.map(entry)
        catalog.templates = host.resources.templates.map(entry)
        catalog.offersPrompts = host.offersPrompts
        catalog.offersResources = host.offersResources
        catalog.offersCompletions = host.offersCompletions
        catalog.problems = host.problems
        catalog.warnings = host.warnings
        catalog.report = OneShot.pluginSections(host)
        return catalog
    }
}

/// The C structures that present a catalog to the host's registries (`th_tool`, `th_prompt`,
/// `th_resource`). Every string is owned here; a table set is kept for the life of the process
/// once presented (a registry rebuild may still be reading an older set).
final class CatalogTables: @unchecked Sendable {
    let catalog: RunnerCatalog
    let tools: UnsafeMutablePointer<th_tool>
    let prompts: UnsafeMutablePointer<th_prompt>
    let resources: UnsafeMutablePointer<th_resource>
    let templates: UnsafeMutablePointer<th_resource>
    private var strings: [UnsafeMutablePointer<CChar>] = []
    private var argumentLists: [UnsafeMutablePointer<th_prompt_argument>] = []

    init(_ catalog: RunnerCatalog) {
        self.catalog = catalog
        tools = .allocate(capacity: max(1, catalog.tools.count))
        prompts = .allocate(capacity: max(1, catalog.prompts.count))
        resources = .allocate(capacity: max(1, catalog.resources.count))
        templates = .allocate(capacity: max(1, catalog.templates.count))
        for (i, t) in catalog.tools.enumerated() {
            (tools + i).initialize(to: th_tool(
                struct_size: UInt32(MemoryLayout<th_tool>.size), flags: 0,
                name: keepText(t["name"]?.stringValue ?? ""),
                title: keep(t["title"]?.stringValue),
                description: keep(t["description"]?.stringValue),
                input_schema_json: keep(t["inputSchema"].map { JSONWriter.string($0) } ?? "{}"),
                output_schema_json: keep(t["outputSchema"].map { JSONWriter.string($0) }),
                annotations_json: keep(t["annotations"].map { JSONWriter.string($0) })))
        }
        for (i, p) in catalog.prompts.enumerated() {
            let arguments = p["arguments"]?.arrayValue ?? []
            var list: UnsafeMutablePointer<th_prompt_argument>?
            if !arguments.isEmpty {
                let l = UnsafeMutablePointer<th_prompt_argument>.allocate(capacity: arguments.count)
                for (j, a) in arguments.enumerated() {
                    (l + j).initialize(to: th_prompt_argument(
                        struct_size: UInt32(MemoryLayout<th_prompt_argument>.size),
                        flags: a["required"] == .bool(true) ? UInt32(TH_ARGUMENT_REQUIRED) : 0,
                        name: keepText(a["name"]?.stringValue ?? ""),
                        title: keep(a["title"]?.stringValue),
                        description: keep(a["description"]?.stringValue)))
                }
                argumentLists.append(l)
                list = l
            }
            (prompts + i).initialize(to: th_prompt(
                struct_size: UInt32(MemoryLayout<th_prompt>.size), flags: 0,
                name: keepText(p["name"]?.stringValue ?? ""),
                title: keep(p["title"]?.stringValue),
                description: keep(p["description"]?.stringValue),
                arguments: list.map { UnsafePointer($0) },
                argument_count: UInt32(arguments.count), reserved: 0))
        }
        func resource(_ r: JSON) -> th_resource {
            th_resource(
                struct_size: UInt32(MemoryLayout<th_resource>.size), flags: 0,
                uri: keepText(r["uri"]?.stringValue ?? ""),
                name: keepText(r["name"]?.stringValue ?? ""),
                title: keep(r["title"]?.stringValue),
                description: keep(r["description"]?.stringValue),
                mime_type: keep(r["mimeType"]?.stringValue),
                size: Int64(r["size"]?.intValue ?? -1),
                annotations_json: keep(r["annotations"].map { JSONWriter.string($0) }))
        }
        for (i, r) in catalog.resources.enumerated() { (resources + i).initialize(to: resource(r)) }
        for (i, r) in catalog.templates.enumerated() { (templates + i).initialize(to: resource(r)) }
    }

    private func keepText(_ text: String) -> UnsafePointer<CChar> {
        keep(Optional(text))!
    }

    private func keep(_ text: String?) -> UnsafePointer<CChar>? {
        guard let text else { return nil }
        let p = strdup(text)!
        strings.append(p)
        return UnsafePointer(p)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
