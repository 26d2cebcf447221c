import Foundation
import TestSupport
import Testing

/// The initialize handshake and the version-gated shapes of every handshake-era revision,
/// against the real binary over pipes.
@Suite struct HandshakeTests {
    static let handshakeVersions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"]

    @Test(arguments: handshakeVersions)
    func initializeAnswersTheClientsVersion(version: String) throws {
        let client = try MCPTestClient.start()
        let result = try client.initialize(version: version)
        #expect(result["protocolVersion"] as? String == version)
        #expect(result[path: "capabilities", "tools", "listChanged"] as? Bool == true)
        #expect(result[path: "serverInfo", "name"] as? String == "toolhost")
        #expect(result["resultType"] == nil, "handshake results carry no modern fields")
        #expect(((result["serverInfo"] as? JSONDict)?["title"] != nil) == (version >= "2025-06-18"))
    }

    @Test func unknownVersionGetsTheLatest() throws {
        let client = try MCPTestClient.start()
        let result = try client.initialize(version: "1999-01-01")
        #expect(result["protocolVersion"] as? String == "2025-11-25")
    }

    @Test(arguments: handshakeVersions)
    func toolFieldsAreGatedByVersion(version: String) throws {
        let client = try MCPTestClient.start()
        try client.initialize(version: version)
        let tools = try client.result("tools/list")["tools"] as? [JSONDict] ?? []
        let add = try #require(tools.first { $0["name"] as? String == "add" })
        #expect(add["inputSchema"] is JSONDict)
        #expect((add["annotations"] != nil) == (version >= "2025-03-26"))
        #expect((add["title"] != nil) == (version >= "2025-06-18"))
        #expect((add["outputSchema"] != nil) == (version >= "2025-06-18"))
        if version == "2025-03-26" {
            #expect(add[path: "annotations", "title"] as? String == "Add", "before 2025-06-18 the title lives in annotations")
        }
        let result = try client.callTool("add", ["a": 2, "b": 3])
        #expect(MCPTestClient.text(of: result) == "5")
        if version >= "2025-06-18" {
            #expect(result[path: "structuredContent", "sum"] as? Int == 5)
        } else {
            #expect(result["structuredContent"] == nil)
        }
    }

    @Test func pingWorksBeforeInitializeButToolsDoNot() throws {
        let client = try MCPTestClient.start()
        let ping = try client.request("ping")
        #expect(ping["result"] is JSONDict)
        let list = try client.request("tools/list")
        #expect(list[path: "error", "code"] as? Int == -32600)
        #expect((list[path: "error", "message"] as? String)?.contains("initialize") == true)
    }

    @Test func secondInitializeIsRefused() throws {
        let client = try MCPTestClient.start()
        try client.initialize()
        let again = try client.request("initialize", ["protocolVersion": "2025-11-25", "capabilities": [:] as JSONDict])
        #expect(again[path: "error", "code"] as? Int == -32600)
        // …and the connection still serves.
        #expect(try client.request("ping")["result"] != nil)
    }

    @Test func batchesOnlyIn20250326() throws {
        let old = try MCPTestClient.start()
        try old.initialize(version: "2025-03-26")
        old.sendRaw(#"[{"jsonrpc":"2.0","id":"a","method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":"b","method":"tools/call","params":{"name":"echo","arguments":{"text":"in a batch"}}}]"#)
        let message = try #require(old.process.readLine())
        let batch = try #require(try JSONSerialization.jsonObject(with: Data(message.utf8)) as? [JSONDict])
        #expect(batch.count == 2, "two requests, one notification: two responses")
        let call = try #require(batch.first { $0["id"] as? String == "b" })
        #expect(MCPTestClient.text(of: call["result"] as? JSONDict ?? [:]) == "in a batch")

        let new = try MCPTestClient.start()
        try new.initialize(version: "2025-06-18")
        new.sendRaw(#"[{"jsonrpc":"2.0","id":"a","method":"ping"}]"#)
        let refused = try new.response(to: NSNull())
        #expect(refused[path: "error", "code"] as? Int == -32600)
    }

    @Test func paginationWalksEveryTool() throws {
        let client = try MCPTestClient.start(arguments: ["--page-size", "2"])
        try client.initialize()
        var names: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let result = try client.result("tools/list", cursor.map { ["cursor": $0] })
            names += (result["tools"] as? [JSONDict] ?? []).compactMap { $0["name"] as? String }
            cursor = result["nextCursor"] as? String
            pages += 1
        } while cursor != nil && pages < 10
        #expect(names == ["echo", "add", "fail", "sleep", "slow_echo"])
        #expect(pages == 3)
        let bad = try client.request("tools/list", ["cursor": "bogus"])
        #expect(bad[path: "error", "code"] as? Int == -32602)
    }
}
