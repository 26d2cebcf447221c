import Logging
import Testing
@testable import ToolHostCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Routing through the server's line input, in process: the one method table, and the era
/// rules around it (no plugin, no spawned binary).
@Suite struct RoutingTests {
    /// A server with no plugins whose output is a pipe this reads.
    final class InProcess {
        let server: MCPServer
        let host: PluginHost
        private let output: (read: Int32, write: Int32)
        private var framer = LineFramer(maxLineBytes: 1 << 20)
        private var pending: [JSON] = []

        init() {
            var fds: [Int32] = [-1, -1]
            precondition(pipe(&fds) == 0)
            output = (fds[0], fds[1])
            var configuration = HostConfiguration()
            configuration.defaultPluginDirectories = []
            host = PluginHost(configuration: configuration, logger: Logger(label: "routing-tests"))
            server = MCPServer(host: host, logger: Logger(label: "routing-tests"), inputFD: -1, outputFD: fds[1])
        }

        deinit {
            server.stop(reason: "test done", grace: 0)
            close(output.read)
            close(output.write)
        }

        func send(_ line: String) {
            var bytes = Array(line.utf8)
            bytes.append(UInt8(ascii: "\n"))
            bytes.withUnsafeBufferPointer { server.feed($0) }
        }

        /// The next message written, within `timeout` seconds.
        func next(timeout: Double = 5) -> JSON? {
            let end = monotonicSeconds() + timeout
            while pending.isEmpty {
                let left = end - monotonicSeconds()
                guard left > 0 else { return nil }
                var poller = pollfd(fd: output.read, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, Int32(left * 1000) + 1) > 0 else { continue }
                var buffer = [UInt8](repeating: 0, count: 65536)
                let n = buffer.withUnsafeMutableBytes { read(output.read, $0.baseAddress, $0.count) }
                guard n > 0 else { return nil }
                buffer.withUnsafeBufferPointer { chunk in
                    framer.feed(UnsafeBufferPointer(rebasing: chunk[0..<n])) { event in
                        if case .line(let line) = event, let message = try? JSONParser.parse(line) { pending.append(message) }
                    }
                }
            }
            return pending.removeFirst()
        }

        /// Sends a request and returns its answer's error code, or nil for a result.
        func code(_ line: String) -> Int? {
            send(line)
            guard let answer = next() else { return -1 }
            return answer["error"]?["code"].flatMap { Int(JSONWriter.string($0)) }
        }
    }

    static let envelope = #""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}"#

    @Test func everyMethodOfTheTableIsRoutedInItsErasOnly() {
        let server = InProcess()
        // Before initialize: only ping; the rest ask for initialize first.
        #expect(server.code(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#) == nil)
        #expect(server.code(#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#) == -32600)
        #expect(server.code(#"{"jsonrpc":"2.0","id":3,"method":"resources/subscribe","params":{"uri":"x://y"}}"#) == -32600)
        // Methods of 2026-07-28 without the envelope name what is missing.
        #expect(server.code(#"{"jsonrpc":"2.0","id":4,"method":"server/discover"}"#) == -32602)
        #expect(server.code(#"{"jsonrpc":"2.0","id":5,"method":"no/such"}"#) == -32601)

        #expect(server.code(#"{"jsonrpc":"2.0","id":6,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{}}}"#) == nil)
        for (id, method) in ["tools/list", "prompts/list", "resources/list", "resources/templates/list"].enumerated() {
            #expect(server.code(#"{"jsonrpc":"2.0","id":\#(10 + id),"method":"\#(method)"}"#) == nil, "\(method)")
        }
        #expect(server.code(#"{"jsonrpc":"2.0","id":20,"method":"logging/setLevel","params":{"level":"info"}}"#) == nil)
        #expect(server.code(#"{"jsonrpc":"2.0","id":21,"method":"resources/read","params":{"uri":"x://y"}}"#) == -32002)
        #expect(server.code(#"{"jsonrpc":"2.0","id":22,"method":"prompts/get","params":{"name":"p"}}"#) == -32602)
        #expect(server.code(#"{"jsonrpc":"2.0","id":23,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"p"},"argument":{"name":"a","value":""}}}"#) == -32602)

        // Enveloped: the modern era's methods; the handshake-only ones are not found there.
        #expect(server.code(#"{"jsonrpc":"2.0","id":30,"method":"server/discover","params":{\#(Self.envelope)}}"#) == nil)
        #expect(server.code(#"{"jsonrpc":"2.0","id":31,"method":"tools/list","params":{\#(Self.envelope)}}"#) == nil)
        #expect(server.code(#"{"jsonrpc":"2.0","id":32,"method":"resources/read","params":{\#(Self.envelope),"uri":"x://y"}}"#) == -32602)
        for (id, method) in ["ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe", "no/such"].enumerated() {
            #expect(server.code(#"{"jsonrpc":"2.0","id":\#(40 + id),"method":"\#(method)","params":{\#(Self.envelope)}}"#) == -32601, "\(method)")
        }
    }

    @Test func capabilitiesFollowWhatPluginsOffer() {
        let server = InProcess()
        server.send(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{}}}"#)
        let capabilities = server.next()?["result"]?["capabilities"]
        #expect(capabilities?["tools"] != nil && capabilities?["logging"] != nil)
        #expect(capabilities?["prompts"] == nil && capabilities?["resources"] == nil && capabilities?["completions"] == nil,
                "no plugin offers them: \(capabilities.map { JSONWriter.string($0) } ?? "none")")
    }

    @Test func aListenStreamIsAcknowledgedWithOnlyWhatCanBeSent() {
        let server = InProcess()
        server.send(#"{"jsonrpc":"2.0","id":"L","method":"subscriptions/listen","params":{\#(Self.envelope),"notifications":{"toolsListChanged":true,"promptsListChanged":true,"resourceSubscriptions":["x://y"]}}}"#)
        let acknowledged = server.next()
        #expect(acknowledged?["method"] == "notifications/subscriptions/acknowledged")
        #expect(acknowledged?["params"]?["notifications"] == .object(["toolsListChanged": true]),
                "prompts and resources are not offered: \(acknowledged.map { JSONWriter.string($0) } ?? "none")")
    }
}
