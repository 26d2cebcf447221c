import Foundation
import TestSupport
import Testing

/// JSON Schema 2020-12 over pipes: a plugin whose tool schema uses dependentRequired, `$ref`
/// beside other keywords, `contains` and `unevaluatedProperties` (Tests/Fixtures/plugins/fixture.c,
/// SCHEMA_2020). The fixture answers "<id>:<tool>" when it runs, so a host message instead
/// proves the plugin never saw the bad arguments.
@Suite struct SchemaEndToEndTests {
    static let plugins: (modern: String, remote: String) = {
        let dir = try! PluginBuilder.temporaryDirectory("schema")
        let modern = try! PluginBuilder.build(
            "Tests/Fixtures/plugins/fixture.c", name: "schema2020", into: dir,
            defines: [#"FIXTURE_ID="schema2020""#, #"TOOL_NAME="orders""#, "SCHEMA_2020"])
        let remote = try! PluginBuilder.build(
            "Tests/Fixtures/plugins/fixture.c", name: "remote_ref", into: dir,
            defines: [#"FIXTURE_ID="remote""#, #"TOOL_NAME="remote_tool""#, "REMOTE_REF"])
        return (modern, remote)
    }()

    func call(_ client: MCPTestClient, _ arguments: String, id: Int) throws -> (isError: Bool, text: String) {
        client.sendRaw(#"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"orders","arguments":\#(arguments)}}"#)
        let result = try #require(try client.response(to: id)["result"] as? JSONDict)
        return (result["isError"] as? Bool == true, MCPTestClient.text(of: result))
    }

    @Test func badArgumentsAreRefusedBeforeThePluginRuns() throws {
        let client = try MCPTestClient.start(plugins: [Self.plugins.modern])
        try client.initialize(version: "2025-11-25")
        let cases: [(String, String)] = [
            (#"{"card":"4111"}"#, "`expiry` is required when `card` is present (dependentRequired)"),
            (#"{"messages":[{"role":"user"},{"role":"bot"}]}"#, #"`messages[1].role` must be one of "system", "user", "assistant" (got the string "bot")"#),
            (#"{"messages":[{"role":"user","extra":1}]}"#, "`messages[0].extra` is not an accepted argument (unevaluatedProperties)"),
            (#"{"messages":[{"role":"system"}]}"#, "`messages` must contain at least 1 item that matches contains (found 0)"),
            (#"{"cardd":"4111"}"#, "`cardd` is not an accepted argument (unevaluatedProperties)"),
        ]
        for (i, (arguments, expected)) in cases.enumerated() {
            let (isError, text) = try call(client, arguments, id: i + 1)
            #expect(isError)
            #expect(text.hasPrefix("Invalid arguments for tool orders: \(expected)"), "\(text)")
        }
        let (isError, text) = try call(client, #"{"card":"4111","expiry":"12/30","messages":[{"role":"user","content":"hi"}]}"#, id: 99)
        #expect(!isError, "\(text)")
        #expect(text.hasPrefix("schema2020:orders"), "the plugin ran: \(text)")
    }

    @Test func aRemoteReferenceIsRefusedAtLoadNamingTheKeyword() throws {
        let client = try MCPTestClient.start(plugins: [Self.plugins.modern, Self.plugins.remote])
        try client.initialize(version: "2025-11-25")
        let tools = try client.result("tools/list")["tools"] as? [JSONDict] ?? []
        #expect(tools.map { $0["name"] as? String } == ["orders"])
        let stderr = client.process.stderr
        #expect(stderr.contains("remote_tool"), "\(stderr)")
        #expect(stderr.contains(#"#/properties/a/$ref: "https://example.com/a.json" is a remote reference"#), "\(stderr)")
    }
}
