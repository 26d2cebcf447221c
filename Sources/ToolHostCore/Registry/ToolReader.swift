import ToolHostABI

/// Reads and checks one `th_tool` of a plugin.
enum ToolReader {
    /// MCP tool names: 1–128 characters of A-Z a-z 0-9 _ - .
    static func isValidName(_ name: String) -> Bool {
        guard (1...128).contains(name.utf8.count) else { return false }
        return name.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D || b == 0x2E
        }
    }

    /// Reads tool `index`: the descriptor is copied (``ABIStruct``) and every string turned
    /// into the host's own before this returns; nothing of the plugin's memory is kept.
    /// - Parameters:
    ///   - listVersion: the plugin's `tools_changed` count before its list was read.
    ///   - compileSchema: false keeps the input schema as text (a runner's; its host compiles it).
    static func read(plugin: LoadedPlugin, index: UInt32, listVersion: Int, compileSchema: Bool = true) -> Result<RegisteredTool, PluginProblem> {
        func problem(_ message: String, tool: String? = nil) -> Result<RegisteredTool, PluginProblem> {
            .failure(PluginProblem(path: plugin.path, plugin: plugin.id, tool: tool, message: message))
        }
        guard let pointer = plugin.tool(at: index) else {
            return problem("tool_at(\(index)) returned NULL although tool_count() said there are more")
        }
        let copy = ABIStruct.read(pointer, as: th_tool.self)
        guard copy.declaredSize >= 8 else {
            return problem("tool \(index) has struct_size \(copy.declaredSize), too small for any version of th_tool")
        }
        let t = copy.value
        guard let namePointer = t.name, let name = HostCallbacks.string(namePointer, ABIStatus.nulTerminated) else {
            return problem("tool \(index) has no name (or it is not UTF-8)")
        }
        guard isValidName(name) else {
            return problem("tool name \"\(name)\" is not 1-128 characters of A-Z a-z 0-9 _ - .", tool: name)
        }
        let title = t.title.flatMap { HostCallbacks.string($0, ABIStatus.nulTerminated) }
        let summary = t.description.flatMap { HostCallbacks.string($0, ABIStatus.nulTerminated) }

        guard let inputText = t.input_schema_json else {
            return problem("has no input schema (input_schema_json is NULL)", tool: name)
        }
        let inputJSON: JSON
        do {
            inputJSON = try parse(inputText)
        } catch {
            return problem("input schema is not valid JSON: \(error)", tool: name)
        }
        let inputSchema: Schema
        do {
            inputSchema = compileSchema ? try Schema(inputJSON, requireObjectRoot: true) : Schema(deferring: inputJSON)
        } catch {
            return problem("input schema is invalid at \(error)", tool: name)
        }

        var outputSchema: JSON?
        if let outputText = t.output_schema_json {
            do {
                let json = try parse(outputText)
                if compileSchema { _ = try Schema(json, requireObjectRoot: false) }
                outputSchema = json
            } catch {
                return problem("output schema is invalid: \(error)", tool: name)
            }
        }

        var annotations: JSONObject?
        if let annotationsText = t.annotations_json {
            guard case .object(let object)? = try? parse(annotationsText) else {
                return problem("annotations are not a JSON object", tool: name)
            }
            annotations = object
        }

        return .success(RegisteredTool(
            name: name, title: title, summary: summary, inputSchema: inputSchema, outputSchema: outputSchema,
            annotations: annotations, plugin: plugin, index: index, listVersion: listVersion))
    }

    private static func parse(_ text: UnsafePointer<CChar>) throws -> JSON {
        let count = strlen(text)
        return try text.withMemoryRebound(to: UInt8.self, capacity: count) {
            try JSONParser.parse(UnsafeBufferPointer(start: $0, count: count))
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
