/// Shapes results for the revision a request speaks: fields a revision lacks are left out (or
/// folded into text), and modern results carry `resultType` and the server's identity.
enum ResultShaper {
    static let serverInfo: JSON = ["name": "toolhost", "version": .string(ToolHost.version)]

    /// `tools/call` result.
    static func callResult(_ outcome: CallOutcome, tool: RegisteredTool?, revision: ProtocolRevision) -> JSON {
        var content = outcome.content.map { block(for: $0, revision: revision) }
        var result = JSONObject()
        if let structured = outcome.structured {
            if content.isEmpty {
                // Clients that ignore structured output still see the data.
                content.append(.object(["type": "text", "text": .string(JSONWriter.string(structured))]))
            }
            if revision.hasStructuredOutput {
                if revision.structuredContentMustBeObject && (tool?.wrapsStructuredResult(structured) ?? (structured.objectValue == nil)) {
                    result["structuredContent"] = ["result": structured]
                } else {
                    result["structuredContent"] = structured
                }
            }
        }
        result.members.insert((key: "content", value: .array(content)), at: 0)
        if outcome.isError { result["isError"] = true }
        return finish(result, revision: revision)
    }

    /// Adds what every result of a modern request carries.
    static func finish(_ result: JSONObject, revision: ProtocolRevision) -> JSON {
        guard revision.isModern else { return .object(result) }
        var modern = result
        modern.members.insert((key: "resultType", value: "complete"), at: 0)
        var meta = modern["_meta"]?.objectValue ?? JSONObject()
        meta["io.modelcontextprotocol/serverInfo"] = serverInfo
        modern["_meta"] = .object(meta)
        return .object(modern)
    }

    /// One content block, rewritten as text when the revision has no such block type.
    static func block(for content: JSON, revision: ProtocolRevision) -> JSON {
        guard case .string(let type)? = content["type"] else { return content }
        switch type {
        case "audio" where !revision.hasAudioContent:
            let mime = content["mimeType"]?.stringValue ?? "audio"
            return ["type": "text", "text": .string("[\(mime) content omitted: protocol \(revision.rawValue) cannot carry audio]")]
        case "resource_link" where !revision.hasStructuredOutput:
            let uri = content["uri"]?.stringValue ?? ""
            let name = content["name"]?.stringValue ?? uri
            return ["type": "text", "text": .string("\(name): \(uri)")]
        default:
            return content
        }
    }
}
