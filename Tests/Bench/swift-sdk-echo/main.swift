// A trivial MCP server on the official Swift SDK (modelcontextprotocol/swift-sdk), for
// `scripts/bench`: one tool, `echo(text)`, over stdio. Written the way the SDK's README shows,
// with nothing tuned, so it stands for what a plain swift-sdk server costs.
import Logging
import MCP

let server = Server(
    name: "swift-sdk-echo",
    version: "1.0.0",
    capabilities: .init(tools: .init(listChanged: false))
)

let echoTool = Tool(
    name: "echo",
    description: "Returns the text it is given.",
    inputSchema: .object([
        "type": .string("object"),
        "properties": .object(["text": .object(["type": .string("string")])]),
        "required": .array([.string("text")]),
    ])
)

await server.withMethodHandler(ListTools.self) { _ in
    .init(tools: [echoTool])
}

await server.withMethodHandler(CallTool.self) { params in
    guard params.name == "echo" else {
        return .init(content: [.text(text: "unknown tool \(params.name)", annotations: nil, _meta: nil)], isError: true)
    }
    return .init(content: [.text(text: params.arguments?["text"]?.stringValue ?? "", annotations: nil, _meta: nil)], isError: false)
}

// Logs (none at this level) go to stderr; stdout belongs to the protocol.
var logger = Logger(label: "swift-sdk-echo", factory: { StreamLogHandler.standardError(label: $0) })
logger.logLevel = .warning
try await server.start(transport: StdioTransport(logger: logger))
await server.waitUntilCompleted()
