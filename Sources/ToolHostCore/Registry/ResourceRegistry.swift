import ToolHostABI

/// A resource or a resource template as the host serves it: read once from the plugin's
/// `th_resource` (``ABIStruct``), every string the host's own.
public final class RegisteredResource: Sendable {
    /// The URI, or for a template the URI template's text.
    public let uri: String
    public let name: String
    public let title: String?
    public let summary: String?
    public let mimeType: String?
    public let size: Int64?
    public let annotations: JSON?
    public let plugin: LoadedPlugin
    /// Set for a template: its parsed form.
    let template: URITemplate?

    init(uri: String, name: String, title: String?, summary: String?, mimeType: String?, size: Int64?,
         annotations: JSON?, plugin: LoadedPlugin, template: URITemplate?) {
        self.uri = uri
        self.name = name
        self.title = title
        self.summary = summary
        self.mimeType = mimeType
        self.size = size
        self.annotations = annotations
        self.plugin = plugin
        self.template = template
    }

    /// The entry as `resources/list` (or, for a template, `resources/templates/list`) shows
    /// it to a client of `revision`: `title` from 2025-06-18 on, annotations' `lastModified`
    /// likewise.
    public func listEntry(for revision: ProtocolRevision) -> JSON {
        var entry: JSONObject = [template == nil ? "uri" : "uriTemplate": .string(uri), "name": .string(name)]
        if let title, revision.hasStructuredOutput { entry["title"] = .string(title) }
        if let summary { entry["description"] = .string(summary) }
        if let mimeType { entry["mimeType"] = .string(mimeType) }
        if let size, template == nil { entry["size"] = .number(JSONNumber(size)) }
        if case .object(var annotations)? = annotations {
            if !revision.hasStructuredOutput { annotations["lastModified"] = nil }
            if !annotations.isEmpty { entry["annotations"] = .object(annotations) }
        }
        return .object(entry)
    }
}

/// The merged resources and templates of all loaded plugins, built like ``ToolRegistry``: load
/// order, then each plugin's order; the first to claim a URI (or template text) keeps it.
public struct ResourceRegistry: Sendable {
    public let resources: [RegisteredResource]
    public let templates: [RegisteredResource]
    private let byURI: [String: RegisteredResource]
    private let byTemplate: [String: RegisteredResource]

    public static let empty = ResourceRegistry(resources: [], templates: [])

    init(resources: [RegisteredResource], templates: [RegisteredResource]) {
        self.resources = resources
        self.templates = templates
        byURI = Dictionary(resources.map { ($0.uri, $0) }, uniquingKeysWith: { first, _ in first })
        byTemplate = Dictionary(templates.map { ($0.uri, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Where a read of `uri` goes: the resource that lists it, else the first template that
    /// matches it, with the template's variables.
    public enum Target {
        case resource(RegisteredResource)
        case template(RegisteredResource, variables: [String: String])
    }

    public func target(for uri: String) -> Target? {
        if let resource = byURI[uri] { return .resource(resource) }
        for template in templates {
            if let variables = template.template?.match(uri) { return .template(template, variables: variables) }
        }
        return nil
    }

    /// The template whose text is `uriTemplate` (completion requests name templates this way).
    public func template(_ uriTemplate: String) -> RegisteredResource? { byTemplate[uriTemplate] }

    static func build(plugins: [LoadedPlugin]) -> (ResourceRegistry, [PluginProblem]) {
        var resources: [RegisteredResource] = []
        var templates: [RegisteredResource] = []
        var owners: [String: LoadedPlugin] = [:]
        var templateOwners: [String: LoadedPlugin] = [:]
        var problems: [PluginProblem] = []
        for plugin in plugins {
            guard let table = plugin.resourcesTable else { continue }
            func problem(_ message: String) { problems.append(PluginProblem(path: plugin.path, plugin: plugin.id, message: message)) }
            guard let count = table.resource_count, let at = table.resource_at, table.read != nil else {
                problem("its resources table (\(TH_EXT_RESOURCES)) lacks resource_count, resource_at or read; no resources are read")
                continue
            }
            for (index, pointer) in items(count: count(plugin.state), limit: 10_000, what: "resources", problem: problem, at: { at(plugin.state, $0) }) {
                switch read(pointer, index: index, plugin: plugin, isTemplate: false) {
                case .failure(let failure): problems.append(failure)
                case .success(let resource):
                    if let owner = owners[resource.uri] {
                        problem("resource \(resource.uri) is already provided by plugin \(owner.id) (\(owner.path)); this one is skipped (the first plugin loaded keeps a URI)")
                        continue
                    }
                    owners[resource.uri] = plugin
                    resources.append(resource)
                }
            }
            guard let templateCount = table.template_count, let templateAt = table.template_at else {
                if (table.template_count == nil) != (table.template_at == nil) {
                    problem("its resources table has only one of template_count and template_at; no templates are read")
                }
                continue
            }
            for (index, pointer) in items(count: templateCount(plugin.state), limit: 1_000, what: "resource templates", problem: problem, at: { templateAt(plugin.state, $0) }) {
                switch read(pointer, index: index, plugin: plugin, isTemplate: true) {
                case .failure(let failure): problems.append(failure)
                case .success(let template):
                    if let owner = templateOwners[template.uri] {
                        problem("resource template \(template.uri) is already provided by plugin \(owner.id) (\(owner.path)); this one is skipped (the first plugin loaded keeps it)")
                        continue
                    }
                    templateOwners[template.uri] = plugin
                    templates.append(template)
                }
            }
        }
        return (ResourceRegistry(resources: resources, templates: templates), problems)
    }

    /// The (index, descriptor) pairs of a count/at list, at most `limit` of them.
    private static func items(count: UInt32, limit: UInt32, what: String, problem: (String) -> Void,
                              at: (UInt32) -> UnsafePointer<th_resource>?) -> [(UInt32, UnsafePointer<th_resource>?)] {
        if count > limit { problem("declares \(count) \(what); at most \(limit) are read") }
        return (0..<min(count, limit)).map { ($0, at($0)) }
    }

    private static func read(_ pointer: UnsafePointer<th_resource>?, index: UInt32, plugin: LoadedPlugin, isTemplate: Bool) -> Result<RegisteredResource, PluginProblem> {
        let kind = isTemplate ? "resource template" : "resource"
        func problem(_ message: String) -> Result<RegisteredResource, PluginProblem> {
            .failure(PluginProblem(path: plugin.path, plugin: plugin.id, message: message))
        }
        func string(_ p: UnsafePointer<CChar>?) -> String? { p.flatMap { HostCallbacks.string($0, ABIStatus.nulTerminated) } }
        guard let pointer else { return problem("\(isTemplate ? "template_at" : "resource_at")(\(index)) returned NULL although the count said there are more") }
        let r = ABIStruct.read(pointer, as: th_resource.self).value
        guard let uri = string(r.uri), !uri.isEmpty, uri.utf8.count <= 4096 else {
            return problem("\(kind) \(index) has no URI (or it is longer than 4096 bytes or not UTF-8)")
        }
        var template: URITemplate?
        if isTemplate {
            do {
                template = try URITemplate(uri)
            } catch {
                return problem("resource template \(uri) is skipped: \(error)")
            }
        } else if uri.contains("{") {
            return problem("resource \(uri) looks like a URI template; offer it through template_count/template_at")
        }
        guard let name = string(r.name), !name.isEmpty else { return problem("\(kind) \(uri) has no name") }
        var annotations: JSON?
        if let text = string(r.annotations_json) {
            guard let value = try? JSON(parsing: text), case .object = value else {
                return problem("\(kind) \(uri): annotations_json is not a JSON object")
            }
            annotations = value
        }
        return .success(RegisteredResource(
            uri: uri, name: name, title: string(r.title), summary: string(r.description), mimeType: string(r.mime_type),
            size: r.size >= 0 ? r.size : nil, annotations: annotations, plugin: plugin, template: template))
    }
}
