import Foundation
import TestSupport
import Testing

/// Prompts from plugins (TH_EXT_PROMPTS, ABI 1.1): listed and answered per revision, with the
/// checks the host makes before the plugin runs.
@Suite struct PromptTests {
    static let fixture = "Tests/Fixtures/abi/prompts_plugin.c"

    static func plugin(_ id: String = "prompts") throws -> String {
        let dir = try PluginBuilder.temporaryDirectory("prompts")
        return try PluginBuilder.build(fixture, name: id, into: dir, defines: [#"FIXTURE_ID="\#(id)""#])
    }

    nonisolated(unsafe) static let envelope: JSONDict = [
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": [:] as JSONDict,
    ]

    @Test(arguments: ["2024-11-05", "2025-06-18", "2025-11-25"])
    func listedAndAnsweredInTheHandshakeEra(revision: String) throws {
        let client = try MCPTestClient.start(plugins: [try Self.plugin()])
        let initialized = try client.initialize(version: revision)
        let capabilities = initialized["capabilities"] as? JSONDict ?? [:]
        #expect(sameObject(capabilities["prompts"], ["listChanged": true]), "\(capabilities)")

        let prompts = try client.result("prompts/list")["prompts"] as? [JSONDict] ?? []
        #expect(prompts.compactMap { $0["name"] as? String } == ["greeting", "later", "picky", "picture"])
        let greeting = try #require(prompts.first)
        #expect((greeting["title"] as? String) == (revision >= "2025-06-18" ? "Greeting" : nil))
        let arguments = greeting["arguments"] as? [JSONDict] ?? []
        #expect(arguments.count == 2)
        #expect(arguments.first?["name"] as? String == "name" && arguments.first?["required"] as? Bool == true)
        #expect(arguments.last?["required"] as? Bool == false)

        let answer = try client.result("prompts/get", ["name": "greeting", "arguments": ["name": "Ada", "style": "formal"]])
        #expect(answer["description"] as? String == "A greeting for Ada")
        let messages = answer["messages"] as? [JSONDict] ?? []
        #expect(messages.count == 2)
        #expect(messages.first?["role"] as? String == "user")
        #expect(sameObject(messages.first?["content"], ["type": "text", "text": "Please greet Ada (formal)."]))
        #expect(messages.last?["role"] as? String == "assistant")
        #expect(answer["resultType"] == nil, "no modern fields in the handshake era")

        // From the plugin's own thread (TH_PENDING, then complete).
        let later = try client.result("prompts/get", ["name": "later", "arguments": ["topic": "tides", "delay": "20"]])
        #expect(sameObject((later["messages"] as? [JSONDict])?.first?["content"], ["type": "text", "text": "Tell me about tides."]))

        // Image and embedded resource content pass through; an unknown role is refused by the host.
        let picture = try client.result("prompts/get", ["name": "picture"])
        let kinds = (picture["messages"] as? [JSONDict] ?? []).compactMap { ($0["content"] as? JSONDict)?["type"] as? String }
        #expect(kinds == ["image", "resource"], "\(picture)")
    }

    @Test func badRequestsAreRefusedWithTheirNames() throws {
        let client = try MCPTestClient.start(plugins: [try Self.plugin()])
        try client.initialize()
        func error(_ params: JSONDict) throws -> JSONDict {
            let response = try client.request("prompts/get", params)
            return try #require(response["error"] as? JSONDict, "expected an error: \(response)")
        }
        let missing = try error(["name": "greeting", "arguments": ["style": "formal"]])
        #expect(missing["code"] as? Int == -32602)
        #expect((missing["message"] as? String ?? "").contains("name"), "\(missing)")
        let unknown = try error(["name": "no_such_prompt"])
        #expect(unknown["code"] as? Int == -32602)
        #expect((unknown["message"] as? String ?? "").contains("no_such_prompt"))
        let notString = try error(["name": "greeting", "arguments": ["name": 3]])
        #expect(notString["code"] as? Int == -32602)
        let refused = try error(["name": "picky", "arguments": ["value": "nope"]])
        #expect(refused["code"] as? Int == -32602)
        #expect((refused["message"] as? String ?? "").contains("value must be \"ok\""), "\(refused)")
        #expect(try client.result("prompts/get", ["name": "picky", "arguments": ["value": "ok"]])["messages"] != nil)
    }

    @Test func servedInTheModernEra() throws {
        let client = try MCPTestClient.start(plugins: [try Self.plugin()])
        let discovered = try client.result("server/discover", ["_meta": Self.envelope])
        #expect(sameObject((discovered["capabilities"] as? JSONDict)?["prompts"], ["listChanged": true]))
        let list = try client.result("prompts/list", ["_meta": Self.envelope])
        #expect(list["resultType"] as? String == "complete")
        #expect(list["ttlMs"] as? Int == 0 && list["cacheScope"] as? String == "private")
        #expect((list["prompts"] as? [JSONDict])?.count == 4)
        let answer = try client.result("prompts/get", ["_meta": Self.envelope, "name": "greeting", "arguments": ["name": "Lin"]])
        #expect(answer["resultType"] as? String == "complete")
        #expect(answer["description"] as? String == "A greeting for Lin")
    }

    @Test func noPromptsCapabilityWithoutPluginsThatOfferThem() throws {
        let client = try MCPTestClient.start(plugins: [ServerProcess.plugin("CTypedExample")])
        let initialized = try client.initialize()
        #expect((initialized["capabilities"] as? JSONDict)?["prompts"] == nil)
        // Asked anyway: an empty list, and an unknown name.
        #expect((try client.result("prompts/list")["prompts"] as? [Any])?.isEmpty == true)
        #expect((try client.request("prompts/get", ["name": "greeting"])["error"] as? JSONDict)?["code"] as? Int == -32602)
    }

    @Test func theFirstPluginKeepsAPromptName() throws {
        let first = try Self.plugin("first")
        let second = try Self.plugin("second")
        let client = try MCPTestClient.start(plugins: [first, second])
        try client.initialize()
        let prompts = try client.result("prompts/list")["prompts"] as? [JSONDict] ?? []
        #expect(prompts.count == 4, "each name once")
        #expect(client.process.stderr.contains("prompt name \"greeting\" is already provided by plugin first"))
        let check = try runCommand(ServerProcess.toolhostPath, ["check", first])
        #expect(check.status == 0)
        #expect(check.stdout.contains("prompts: 4"), "\(check.stdout)")
        #expect(check.stdout.contains("greeting(name, style?)"), "\(check.stdout)")
    }
}
