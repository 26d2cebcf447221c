import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// MCP 2026-07-28: server/discover, the per-request envelope, modern results, progress,
/// cancellation, per-request log levels and subscriptions/listen — beside the handshake era on
/// the same connection.
@Suite struct ModernEraTests {
    static let version = "2026-07-28"

    static func envelope(_ extra: JSONDict = [:]) -> JSONDict {
        var meta: JSONDict = [
            "io.modelcontextprotocol/protocolVersion": version,
            "io.modelcontextprotocol/clientCapabilities": [:] as JSONDict,
            "io.modelcontextprotocol/clientInfo": ["name": "modern-test", "version": "1"],
        ]
        for (key, value) in extra { meta[key] = value }
        return ["_meta": meta]
    }

    static func params(_ params: JSONDict, meta: JSONDict = [:]) -> JSONDict {
        var all = envelope(meta)
        for (key, value) in params { all[key] = value }
        return all
    }

    static func dynamicPlugin() throws -> String {
        let dir = try PluginBuilder.temporaryDirectory("dynamic")
        return try PluginBuilder.build("Tests/Fixtures/plugins/fixture.c", name: "dynamic", into: dir, defines: [#"FIXTURE_ID="dynamic""#, "DYNAMIC"])
    }

    @Test func discoverDescribesTheServer() throws {
        let client = try MCPTestClient.start()
        let result = try client.result("server/discover", Self.envelope())
        #expect(result["resultType"] as? String == "complete")
        #expect(result["supportedVersions"] as? [String] == [Self.version])
        #expect(result[path: "capabilities", "tools", "listChanged"] as? Bool == true)
        #expect(result["ttlMs"] is Int)
        #expect(result["cacheScope"] as? String == "private")
        #expect(result[path: "_meta", "io.modelcontextprotocol/serverInfo", "name"] as? String == "toolhost")
        #expect(result["serverInfo"] == nil, "no top-level serverInfo in this era")
    }

    @Test func envelopedToolsListAsTheVeryFirstMessage() throws {
        let client = try MCPTestClient.start()
        let result = try client.result("tools/list", Self.envelope())
        #expect(result["resultType"] as? String == "complete")
        #expect(result["ttlMs"] is Int)
        #expect(result["cacheScope"] as? String == "private")
        let tools = result["tools"] as? [JSONDict] ?? []
        #expect(tools.map { $0["name"] as? String } == ["echo", "add", "fail", "sleep", "slow_echo"])
        #expect(tools.first { $0["name"] as? String == "add" }?["outputSchema"] != nil)
        #expect(tools.first { $0["name"] as? String == "echo" }?["title"] as? String == "Echo")
    }

    @Test func envelopedCallsCarryResultTypeAndServerInfo() throws {
        let client = try MCPTestClient.start()
        let result = try client.result("tools/call", Self.params(["name": "echo", "arguments": ["text": "modern"]]))
        #expect(result["resultType"] as? String == "complete")
        #expect(result[path: "_meta", "io.modelcontextprotocol/serverInfo", "version"] is String)
        #expect(MCPTestClient.text(of: result) == "modern")
        let invalid = try client.result("tools/call", Self.params(["name": "echo", "arguments": ["text": 1]]))
        #expect(invalid["isError"] as? Bool == true)
        #expect(invalid["resultType"] as? String == "complete")
        let unknown = try client.request("tools/call", Self.params(["name": "nope", "arguments": [:] as JSONDict]))
        #expect(unknown[path: "error", "code"] as? Int == -32602)
    }

    @Test func structuredContentMayBeAnyValueInTheModernEraOnly() throws {
        let plugin = try Self.dynamicPlugin()
        let modern = try MCPTestClient.start(plugins: [plugin])
        let result = try modern.result("tools/call", Self.params(["name": "fixture_tool", "arguments": [:] as JSONDict]))
        #expect(result["structuredContent"] as? [Int] == [1, 2, 3])

        let handshake = try MCPTestClient.start(plugins: [plugin])
        try handshake.initialize(version: "2025-06-18")
        let old = try handshake.callTool("fixture_tool")
        #expect(old[path: "structuredContent", "result"] as? [Int] == [1, 2, 3], "wrapped in an object before 2026-07-28")
    }

    @Test func envelopeErrors() throws {
        let client = try MCPTestClient.start()
        var noCapabilities = Self.envelope()
        var meta = noCapabilities["_meta"] as! JSONDict
        meta["io.modelcontextprotocol/clientCapabilities"] = nil
        noCapabilities["_meta"] = meta
        let missing = try client.request("tools/list", noCapabilities)
        #expect(missing[path: "error", "code"] as? Int == -32602)
        #expect((missing[path: "error", "message"] as? String)?.contains("clientCapabilities") == true)

        let wrongType = try client.request("tools/list", ["_meta": ["io.modelcontextprotocol/protocolVersion": 20260728]])
        #expect(wrongType[path: "error", "code"] as? Int == -32602)

        var future = Self.envelope()
        meta = future["_meta"] as! JSONDict
        meta["io.modelcontextprotocol/protocolVersion"] = "2099-01-01"
        future["_meta"] = meta
        let unsupported = try client.request("server/discover", future)
        #expect(unsupported[path: "error", "code"] as? Int == -32022)
        #expect(unsupported[path: "error", "data", "requested"] as? String == "2099-01-01")
        let supported = unsupported[path: "error", "data", "supported"] as? [String] ?? []
        #expect(supported.contains(Self.version) && supported.contains("2025-11-25"))

        let badLevel = try client.request("tools/list", Self.envelope(["io.modelcontextprotocol/logLevel": "chatty"]))
        #expect(badLevel[path: "error", "code"] as? Int == -32602)

        let discoverWithoutEnvelope = try client.request("server/discover")
        #expect(discoverWithoutEnvelope[path: "error", "code"] as? Int == -32602)

        for method in ["ping", "logging/setLevel", "resources/subscribe"] {
            let gone = try client.request(method, Self.envelope())
            #expect(gone[path: "error", "code"] as? Int == -32601, "\(method)")
        }
    }

    @Test func bothErasOnOneConnection() throws {
        let client = try MCPTestClient.start()
        _ = try client.result("server/discover", Self.envelope())
        let initialized = try client.initialize(version: "2025-11-25")
        #expect(initialized["protocolVersion"] as? String == "2025-11-25")
        let handshakeList = try client.result("tools/list")
        #expect(handshakeList["resultType"] == nil)
        let modernList = try client.result("tools/list", Self.envelope())
        #expect(modernList["resultType"] as? String == "complete")
    }

    @Test func progressAndCancellation() throws {
        let client = try MCPTestClient.start()
        let id = client.sendRequest("tools/call", Self.params(
            ["name": "slow_echo", "arguments": ["text": "x", "steps": 1000, "delay_ms": 20]], meta: ["progressToken": "m1"]))
        let progress = try #require(client.notification("notifications/progress"))
        #expect(progress[path: "params", "progressToken"] as? String == "m1")
        client.notify("notifications/cancelled", ["requestId": id])
        #expect(!client.hasResponse(to: id, within: 0.5))
        let after = try client.result("tools/call", Self.params(["name": "echo", "arguments": ["text": "alive"]]))
        #expect(MCPTestClient.text(of: after) == "alive")
    }

    @Test func perRequestLogLevel() throws {
        let client = try MCPTestClient.start()
        _ = try client.result("tools/call", Self.params(["name": "slow_echo", "arguments": ["text": "a", "steps": 1, "delay_ms": 1]]))
        #expect(client.notification("notifications/message", timeout: 0.3) == nil, "no logLevel: no log messages")
        _ = try client.result("tools/call", Self.params(
            ["name": "slow_echo", "arguments": ["text": "b", "steps": 1, "delay_ms": 1]], meta: ["io.modelcontextprotocol/logLevel": "info"]))
        let log = try #require(client.notification("notifications/message", timeout: 2))
        #expect(log[path: "params", "data"] as? String == "slow_echo finished")
    }

    @Test func subscriptionsDeliverToolListChanges() throws {
        let client = try MCPTestClient.start(plugins: [try Self.dynamicPlugin()])
        let listenID = client.sendRequest("subscriptions/listen", Self.params(["notifications": ["toolsListChanged": true, "somethingElse": true]]), id: "L1")
        let ack = try #require(client.notification("notifications/subscriptions/acknowledged"))
        #expect(ack[path: "params", "_meta", "io.modelcontextprotocol/subscriptionId"] as? String == "L1")
        #expect(ack[path: "params", "notifications"] as? [String: Bool] == ["toolsListChanged": true], "only the filters honoured")

        // Each call of the dynamic fixture toggles a tool in or out of the list.
        _ = try client.result("tools/call", Self.params(["name": "fixture_tool", "arguments": [:] as JSONDict]))
        let event = try #require(client.notification("notifications/tools/list_changed"))
        #expect(event[path: "params", "_meta", "io.modelcontextprotocol/subscriptionId"] as? String == "L1")
        let names = (try client.result("tools/list", Self.envelope())["tools"] as? [JSONDict] ?? []).compactMap { $0["name"] as? String }
        #expect(names == ["fixture_tool", "extra_tool"])

        // The client ends the stream: no response, and no further events.
        client.notify("notifications/cancelled", ["requestId": listenID])
        _ = try client.result("tools/call", Self.params(["name": "fixture_tool", "arguments": [:] as JSONDict]))
        #expect(client.notification("notifications/tools/list_changed", timeout: 0.5) == nil)
        #expect(!client.hasResponse(to: listenID, within: 0.1))
    }

    @Test func handshakeClientsHearListChangesToo() throws {
        let client = try MCPTestClient.start(plugins: [try Self.dynamicPlugin()])
        try client.initialize()
        _ = try client.callTool("fixture_tool")
        let event = try #require(client.notification("notifications/tools/list_changed"))
        #expect(event[path: "params", "_meta"] == nil)
    }

    @Test func serverEndsSubscriptionsGracefullyOnShutdown() throws {
        let client = try MCPTestClient.start()
        let listenID = client.sendRequest("subscriptions/listen", Self.params(["notifications": ["toolsListChanged": true]]), id: "L2")
        #expect(client.notification("notifications/subscriptions/acknowledged") != nil)
        client.process.signal(SIGTERM)
        let end = try client.response(to: listenID)
        #expect(end[path: "result", "resultType"] as? String == "complete")
        #expect(end[path: "result", "_meta", "io.modelcontextprotocol/subscriptionId"] as? String == "L2")
        #expect(client.process.waitForExit() == 0)
    }
}
