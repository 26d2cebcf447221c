import ToolHostABI

/// A tool as the host serves it: read once from the plugin's `th_tool`, its schemas compiled
/// and its `tools/list` entry pre-encoded for every protocol revision.
public final class RegisteredTool: Sendable {
    public let name: String
    public let title: String?
    public let summary: String?
    public let inputSchema: Schema
    public let outputSchema: JSON?
    public let annotations: JSONObject?
    public let plugin: LoadedPlugin
    /// The tool's index in the plugin's list when it was read.
    let index: UInt32
    /// The plugin's count of `tools_changed` reports before the list was read: when it has
    /// moved on, `index` is re-checked before a call.
    let listVersion: Int
    /// The host's own copy of the name (what `th_invocation.tool_name` points to), freed with
    /// this object; calls keep their tool alive.
    nonisolated(unsafe) let namePointer: UnsafePointer<CChar>
    private let listEntries: [ProtocolRevision: JSON]

    init(
        name: String, title: String?, summary: String?, inputSchema: Schema, outputSchema: JSON?,
        annotations: JSONObject?, plugin: LoadedPlugin, index: UInt32, listVersion: Int
    ) {
        self.name = name
        self.title = title
        self.summary = summary
        self.inputSchema = inputSchema
        self.outputSchema = outputSchema
        self.annotations = annotations
        self.plugin = plugin
        self.index = index
        self.listVersion = listVersion
        self.namePointer = UnsafePointer(strdup(name)!)
        var entries: [ProtocolRevision: JSON] = [:]
        for revision in ProtocolRevision.allCases {
            entries[revision] = Self.listEntry(
                revision, name: name, title: title, summary: summary, inputSchema: inputSchema.json,
                outputSchema: outputSchema, annotations: annotations)
        }
        listEntries = entries
    }

    deinit {
        free(UnsafeMutablePointer(mutating: namePointer))
    }

    /// The tool as `tools/list` shows it to a client of `revision`.
    public func listEntry(for revision: ProtocolRevision) -> JSON { listEntries[revision]! }

    private static func listEntry(
        _ revision: ProtocolRevision, name: String, title: String?, summary: String?, inputSchema: JSON,
        outputSchema: JSON?, annotations: JSONObject?
    ) -> JSON {
        var entry: JSONObject = ["name": .string(name)]
        if let title, revision.hasStructuredOutput { entry["title"] = .string(title) }
        if let summary { entry["description"] = .string(summary) }
        entry["inputSchema"] = inputSchema
        if let outputSchema, revision.hasStructuredOutput {
            entry["outputSchema"] = revision.structuredContentMustBeObject ? objectOutputSchema(outputSchema) : outputSchema
        }
        if revision.hasAnnotations {
            var merged = annotations ?? JSONObject()
            // Before 2025-06-18 a tool's display name lived in its annotations.
            if !revision.hasStructuredOutput, let title, merged["title"] == nil { merged["title"] = .string(title) }
            if !merged.isEmpty { entry["annotations"] = .object(merged) }
        }
        return .object(entry)
    }

    /// Handshake revisions want an object root; a schema of anything else describes the
    /// `{"result": value}` wrapper the host puts around such structured results.
    static func objectOutputSchema(_ schema: JSON) -> JSON {
        if schema["type"] == .string("object") { return schema }
        return ["type": "object", "properties": ["result": schema], "required": ["result"]]
    }

    /// Whether structured results of this tool are wrapped as `{"result": value}` for
    /// handshake revisions.
    func wrapsStructuredResult(_ value: JSON) -> Bool {
        if case .object = value, outputSchema.map({ $0["type"] == .string("object") }) ?? true { return false }
        return true
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
