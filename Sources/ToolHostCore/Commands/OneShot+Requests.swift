import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The work behind `toolhost resources`, `read`, `prompts` and `prompt`.
extension OneShot {
    /// The merged resource and template lists as one object of `resources/list` and
    /// `resources/templates/list` entries for `revision`.
    public static func resourceList(_ host: PluginHost, revision: ProtocolRevision) -> JSON {
        let resources = host.resources
        return .object([
            "resources": .array(resources.resources.map { $0.listEntry(for: revision) }),
            "resourceTemplates": .array(resources.templates.map { $0.listEntry(for: revision) }),
        ])
    }

    /// The merged prompt list as a `prompts/list` result for `revision`.
    public static func promptList(_ host: PluginHost, revision: ProtocolRevision) -> JSON {
        .object(["prompts": .array(host.prompts.prompts.map { $0.listEntry(for: revision) })])
    }

    /// Sends one request through an in-process server, as a client over stdio would (after
    /// `initialize` at the latest handshake revision), and waits for its answer: the same
    /// checks and answers as `toolhost serve` gives.
    /// - Returns: the result, or the JSON-RPC error object.
    public static func request(_ host: PluginHost, method: String, params: JSON) -> Result<JSON, RequestFailure> {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return .failure(RequestFailure(message: "cannot create a pipe: \(String(cString: strerror(errno)))")) }
        defer { close(fds[0]) }
        let server = MCPServer(host: host, logger: host.logger, inputFD: -1, outputFD: fds[1])
        let lines = [
            JSON.object(["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": [
                "protocolVersion": .string(ProtocolRevision.latestHandshake.rawValue), "capabilities": .object([:]),
                "clientInfo": ["name": "toolhost", "version": .string(ToolHost.version)],
            ]]),
            JSON.object(["jsonrpc": "2.0", "method": "notifications/initialized"]),
            JSON.object(["jsonrpc": "2.0", "id": 2, "method": .string(method), "params": params]),
        ]
        for line in lines {
            var bytes = Array(JSONWriter.string(line).utf8)
            bytes.append(UInt8(ascii: "\n"))
            bytes.withUnsafeBufferPointer { server.feed($0) }
        }
        // Read answers until request 2's; notifications and the initialize answer are skipped.
        var framer = LineFramer(maxLineBytes: Int.max / 2)
        var answer: JSON?
        var buffer = [UInt8](repeating: 0, count: 65536)
        while answer == nil {
            let n = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            buffer.withUnsafeBufferPointer { chunk in
                framer.feed(UnsafeBufferPointer(rebasing: chunk[0..<n])) { event in
                    guard answer == nil, case .line(let line) = event, let message = try? JSONParser.parse(line),
                          message["id"] == .number(JSONNumber(2)) else { return }
                    answer = message
                }
            }
        }
        server.stop(reason: "the command is done", grace: host.configuration.shutdownGrace)
        close(fds[1])
        guard let answer else { return .failure(RequestFailure(message: "the server ended without answering \(method)")) }
        if let result = answer["result"] { return .success(result) }
        return .failure(RequestFailure(message: answer["error"]?["message"]?.stringValue ?? "\(method) failed: \(JSONWriter.string(answer))"))
    }

    public struct RequestFailure: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// The contents of a `resources/read` result as text: each text item as it is, a blob as a
    /// line saying what it is.
    public static func contentsText(_ result: JSON) -> String {
        guard case .array(let items)? = result["contents"] else { return "" }
        return items.map { item -> String in
            if let text = item["text"]?.stringValue { return text }
            let size = (item["blob"]?.stringValue?.utf8.count ?? 0) * 3 / 4
            return "(\(item["uri"]?.stringValue ?? "?"): about \(size) bytes of \(item["mimeType"]?.stringValue ?? "binary data"); use --json for the base64)"
        }.joined(separator: "\n")
    }

    /// The messages of a `prompts/get` result as "role: text" lines.
    public static func messagesText(_ result: JSON) -> String {
        var lines: [String] = []
        if let description = result["description"]?.stringValue { lines.append("# \(description)") }
        if case .array(let messages)? = result["messages"] {
            for message in messages {
                let role = message["role"]?.stringValue ?? "?"
                let content = message["content"]
                let text = content?["text"]?.stringValue ?? "(\(content?["type"]?.stringValue ?? "?") content)"
                lines.append("\(role): \(text)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
