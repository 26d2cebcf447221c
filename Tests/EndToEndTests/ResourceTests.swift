import Foundation
import TestSupport
import Testing

/// Resources, resource templates, subscriptions and completions from plugins
/// (TH_EXT_RESOURCES, TH_EXT_COMPLETIONS, ABI 1.1), over pipes, for every revision.
@Suite struct ResourceTests {
    static let fixture = "Tests/Fixtures/abi/resources_plugin.c"

    static func plugin(_ id: String = "resources") throws -> String {
        let dir = try PluginBuilder.temporaryDirectory("resources")
        return try PluginBuilder.build(fixture, name: id, into: dir, defines: [#"FIXTURE_ID="\#(id)""#])
    }

    nonisolated(unsafe) static let envelope: JSONDict = [
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": [:] as JSONDict,
    ]

    /// Sends `method` in the handshake era (after initialize) or, for 2026-07-28, enveloped.
    struct Session {
        let client: MCPTestClient
        let revision: String
        var modern: Bool { revision >= "2026-07-28" }
        private var initialized: JSONDict = [:]

        init(revision: String, plugins: [String]) throws {
            client = try MCPTestClient.start(plugins: plugins)
            self.revision = revision
            if revision < "2026-07-28" { initialized = try client.initialize(version: revision) }
        }

        func params(_ params: JSONDict) -> JSONDict {
            guard modern else { return params }
            var enveloped = params
            enveloped["_meta"] = ResourceTests.envelope
            return enveloped
        }
        func result(_ method: String, _ p: JSONDict = [:]) throws -> JSONDict { try client.result(method, params(p)) }
        func error(_ method: String, _ p: JSONDict) throws -> JSONDict {
            let response = try client.request(method, params(p))
            return try #require(response["error"] as? JSONDict, "expected an error: \(response)")
        }
        func capabilities() throws -> JSONDict {
            if modern { return try result("server/discover")["capabilities"] as? JSONDict ?? [:] }
            return initialized["capabilities"] as? JSONDict ?? [:]
        }
    }

    static let revisions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"]

    @Test(arguments: revisions)
    func listedAndReadInEveryRevision(revision: String) throws {
        let session = try Session(revision: revision, plugins: [try Self.plugin()])
        let capabilities = try session.capabilities()
        #expect(sameObject(capabilities["resources"], ["subscribe": true, "listChanged": true]), "\(capabilities)")
        #expect((capabilities["completions"] != nil) == (revision >= "2025-03-26"), "completions is a capability from 2025-03-26 on")

        let list = try session.result("resources/list")
        let resources = list["resources"] as? [JSONDict] ?? []
        #expect(resources.compactMap { $0["uri"] as? String } == ["fixture://notes", "fixture://logo.png", "fixture://slow", "fixture://broken", "fixture://gone"])
        let notes = try #require(resources.first)
        #expect(notes["name"] as? String == "Notes" && notes["mimeType"] as? String == "text/plain" && notes["size"] as? Int == 5)
        #expect((notes["title"] as? String) == (revision >= "2025-06-18" ? "The notes" : nil))
        let annotations = notes["annotations"] as? JSONDict ?? [:]
        #expect(annotations["priority"] as? Double == 0.5)
        #expect((annotations["lastModified"] != nil) == (revision >= "2025-06-18"), "lastModified is 2025-06-18's")
        #expect((list["ttlMs"] != nil) == session.modern && (list["resultType"] != nil) == session.modern)

        let templates = try session.result("resources/templates/list")["resourceTemplates"] as? [JSONDict] ?? []
        #expect(templates.compactMap { $0["uriTemplate"] as? String } == ["fixture://users/{id}", "fixture://search{?q,limit}"])

        let text = try session.result("resources/read", ["uri": "fixture://notes"])
        #expect((text["contents"] as? [JSONDict])?.count == 1)
        #expect(sameObject((text["contents"] as? [JSONDict])?.first, ["uri": "fixture://notes", "mimeType": "text/plain", "text": "notes"]))
        #expect((text["ttlMs"] != nil) == session.modern && (text["cacheScope"] != nil) == session.modern)

        let blob = try session.result("resources/read", ["uri": "fixture://logo.png"])
        let item = try #require((blob["contents"] as? [JSONDict])?.first)
        #expect(item["blob"] as? String == Data([0x89, 0x50, 0x4E, 0x47, 0x00, 0x01]).base64EncodedString(), "\(item)")
        #expect(item["mimeType"] as? String == "image/png" && item["text"] == nil)

        // Through templates: variables percent-decoded; query variables by name.
        let user = try session.result("resources/read", ["uri": "fixture://users/ada%20l"])
        #expect(sameObject((user["contents"] as? [JSONDict])?.first, ["uri": "fixture://users/ada%20l", "mimeType": "text/plain", "text": "user ada l"]))
        let search = try session.result("resources/read", ["uri": "fixture://search?q=tides&limit=3"])
        #expect((search["contents"] as? [JSONDict])?.first?["text"] as? String == #"{"limit":"3","q":"tides"}"#)

        // From the plugin's own thread.
        let slow = try session.result("resources/read", ["uri": "fixture://slow"])
        #expect((slow["contents"] as? [JSONDict])?.first?["text"] as? String == "slow")
    }

    @Test(arguments: ["2025-11-25", "2026-07-28"])
    func unknownAndFailingReadsAreErrorsNamingTheURI(revision: String) throws {
        let session = try Session(revision: revision, plugins: [try Self.plugin()])
        let notFoundCode = session.modern ? -32602 : -32002
        for uri in ["fixture://nope", "fixture://users/", "other://notes"] {
            let error = try session.error("resources/read", ["uri": uri])
            #expect(error["code"] as? Int == notFoundCode, "\(uri): \(error)")
            #expect((error["message"] as? String ?? "").contains(uri))
            #expect(sameObject(error["data"], ["uri": uri]))
        }
        // The plugin says the URI it lists is gone: the same error, with its reason.
        let gone = try session.error("resources/read", ["uri": "fixture://gone"])
        #expect(gone["code"] as? Int == notFoundCode && (gone["message"] as? String ?? "").contains("it was deleted"), "\(gone)")
        let broken = try session.error("resources/read", ["uri": "fixture://broken"])
        #expect(broken["code"] as? Int == -32603)
        #expect((broken["message"] as? String ?? "").contains("the disk is on fire; check the smoke detector"), "\(broken)")
        let noURI = try session.error("resources/read", [:])
        #expect(noURI["code"] as? Int == -32602 && (noURI["message"] as? String ?? "").contains("params.uri"))
        // The server keeps serving.
        #expect((try session.result("resources/read", ["uri": "fixture://notes"])["contents"] as? [Any])?.count == 1)
    }

    @Test func aCancelledReadIsNeverAnswered() throws {
        let session = try Session(revision: "2025-11-25", plugins: [try Self.plugin()])
        let id = session.client.sendRequest("resources/read", ["uri": "fixture://slow"])
        session.client.notify("notifications/cancelled", ["requestId": id])
        #expect(!session.client.hasResponse(to: id, within: 0.6), "a cancelled request gets no answer")
        #expect((try session.result("resources/read", ["uri": "fixture://notes"])["contents"] as? [Any])?.count == 1)
    }

    @Test func aReadObeysTheCallTimeoutAndTheCallLimitLikeAToolCall() throws {
        // --call-timeout: the slow read (200 ms) is answered with a timeout error and cancelled.
        let timed = try MCPTestClient.start(plugins: [try Self.plugin()], arguments: ["--call-timeout", "0.05"])
        try timed.initialize()
        let response = try timed.request("resources/read", ["uri": "fixture://slow"])
        let error = try #require(response["error"] as? JSONDict, "\(response)")
        #expect(error["code"] as? Int == -32603)
        #expect((error["message"] as? String ?? "").contains("did not answer resource fixture://slow within 0.05 s (toolhost --call-timeout)"), "\(error)")
        #expect((try timed.result("resources/read", ["uri": "fixture://notes"])["contents"] as? [Any])?.count == 1, "and it keeps serving")

        // --max-calls-in-flight 1: the second read waits for the first; both are answered once.
        let limited = try MCPTestClient.start(plugins: [try Self.plugin()], arguments: ["--max-calls-in-flight", "1"])
        try limited.initialize()
        let first = limited.sendRequest("resources/read", ["uri": "fixture://slow"])
        let second = limited.sendRequest("resources/read", ["uri": "fixture://slow"])
        let third = limited.sendRequest("prompts/get", ["name": "greet", "arguments": ["name": "x"]])
        for id in [first, second, third] {
            let answer = try limited.response(to: id)
            #expect(answer["result"] != nil, "\(answer)")
        }
        limited.drain(for: 0.3)
        #expect(limited.unclaimedResponses.isEmpty, "exactly one answer each: \(limited.unclaimedResponses)")
    }

    @Test func subscribersHearOfUpdatesAndListChangesInTheHandshakeEra() throws {
        let session = try Session(revision: "2025-11-25", plugins: [try Self.plugin()])
        let client = session.client
        #expect(try session.result("resources/subscribe", ["uri": "fixture://notes"]).isEmpty)
        #expect(try session.result("resources/subscribe", ["uri": "fixture://users/7"]).isEmpty, "a URI a template matches")
        #expect(try session.error("resources/subscribe", ["uri": "fixture://nope"])["code"] as? Int == -32002)

        _ = try client.callTool("resources_touch", ["uri": "fixture://logo.png"])
        _ = try client.callTool("resources_touch", ["uri": "fixture://notes"])
        let updated = try #require(client.notification("notifications/resources/updated"))
        #expect(sameObject(updated["params"], ["uri": "fixture://notes"]), "only the subscribed URI: \(updated)")

        #expect(try session.result("resources/unsubscribe", ["uri": "fixture://notes"]).isEmpty)
        _ = try client.callTool("resources_touch", ["uri": "fixture://notes"])
        _ = try client.callTool("resources_touch", ["uri": "fixture://users/7"])
        let next = try #require(client.notification("notifications/resources/updated"))
        #expect(sameObject(next["params"], ["uri": "fixture://users/7"]), "unsubscribed URIs are quiet: \(next)")

        _ = try client.callTool("resources_grow")
        #expect(client.notification("notifications/resources/list_changed") != nil)
        let uris = (try session.result("resources/list")["resources"] as? [JSONDict] ?? []).compactMap { $0["uri"] as? String }
        #expect(uris.last == "fixture://extra", "\(uris)")
        #expect((try session.result("resources/read", ["uri": "fixture://extra"])["contents"] as? [JSONDict])?.first?["text"] as? String == "extra")
    }

    @Test func listenStreamsCarryWhatTheyAskedFor() throws {
        let session = try Session(revision: "2026-07-28", plugins: [try Self.plugin()])
        let client = session.client
        // resources/subscribe is the handshake era's; 2026-07-28 subscribes on the stream.
        #expect(try session.error("resources/subscribe", ["uri": "fixture://notes"])["code"] as? Int == -32601)
        _ = client.sendRequest("subscriptions/listen", session.params([
            "notifications": ["resourcesListChanged": true, "promptsListChanged": true, "resourceSubscriptions": ["fixture://notes"]],
        ]), id: "L1")
        let acknowledged = try #require(client.notification("notifications/subscriptions/acknowledged"))
        let honoured = (acknowledged["params"] as? JSONDict)?["notifications"] as? JSONDict ?? [:]
        #expect(honoured["resourcesListChanged"] as? Bool == true && honoured["promptsListChanged"] as? Bool == true)
        #expect(honoured["resourceSubscriptions"] as? [String] == ["fixture://notes"])
        #expect(honoured["toolsListChanged"] == nil, "not asked for")

        _ = try client.callTool("resources_touch", ["uri": "fixture://logo.png"], meta: Self.envelope)
        _ = try client.callTool("resources_touch", ["uri": "fixture://notes"], meta: Self.envelope)
        let updated = try #require(client.notification("notifications/resources/updated"))
        let params = updated["params"] as? JSONDict ?? [:]
        #expect(params["uri"] as? String == "fixture://notes", "\(updated)")
        #expect(sameObject(params["_meta"], ["io.modelcontextprotocol/subscriptionId": "L1"]))
        _ = try client.callTool("resources_grow", meta: Self.envelope)
        let changed = try #require(client.notification("notifications/resources/list_changed"))
        #expect(sameObject((changed["params"] as? JSONDict)?["_meta"], ["io.modelcontextprotocol/subscriptionId": "L1"]))
    }

    @Test(arguments: ["2024-11-05", "2025-06-18", "2026-07-28"])
    func completionsComeFromThePluginThatOwnsTheReference(revision: String) throws {
        let session = try Session(revision: revision, plugins: [try Self.plugin()])
        func completion(_ params: JSONDict) throws -> JSONDict {
            try session.result("completion/complete", params)["completion"] as? JSONDict ?? [:]
        }
        let names = try completion(["ref": ["type": "ref/prompt", "name": "greet"], "argument": ["name": "name", "value": "al"]])
        #expect(names["values"] as? [String] == ["alice", "albert"] && names["total"] as? Int == 2 && names["hasMore"] as? Bool == false)
        let ids = try completion(["ref": ["type": "ref/resource", "uri": "fixture://users/{id}"], "argument": ["name": "id", "value": ""],
                                  "context": ["arguments": ["other": "x"]]])
        #expect((ids["values"] as? [String])?.count == 100, "at most 100 values reach the client")
        #expect(ids["total"] as? Int == 150 && ids["hasMore"] as? Bool == true)
        let plain = try completion(["ref": ["type": "ref/resource", "uri": "fixture://notes"], "argument": ["name": "x", "value": ""]])
        #expect((plain["values"] as? [Any])?.isEmpty == true, "a plain resource has nothing to complete")

        let unknownPrompt = try session.error("completion/complete", ["ref": ["type": "ref/prompt", "name": "nope"], "argument": ["name": "a", "value": ""]])
        #expect(unknownPrompt["code"] as? Int == -32602 && (unknownPrompt["message"] as? String ?? "").contains("nope"))
        let unknownArgument = try session.error("completion/complete", ["ref": ["type": "ref/prompt", "name": "greet"], "argument": ["name": "age", "value": ""]])
        #expect(unknownArgument["code"] as? Int == -32602 && (unknownArgument["message"] as? String ?? "").contains("age"))
        let badRef = try session.error("completion/complete", ["ref": ["type": "ref/tool", "name": "x"], "argument": ["name": "a", "value": ""]])
        #expect(badRef["code"] as? Int == -32602)
    }

    @Test func theFirstPluginKeepsAURIAndTheRestIsReported() throws {
        let first = try Self.plugin("first")
        let second = try Self.plugin("second")
        let client = try MCPTestClient.start(plugins: [first, second])
        try client.initialize()
        let uris = (try client.result("resources/list")["resources"] as? [JSONDict] ?? []).compactMap { $0["uri"] as? String }
        #expect(uris.count == 5, "each URI once: \(uris)")
        #expect((try client.result("resources/templates/list")["resourceTemplates"] as? [Any])?.count == 2)
        #expect(client.process.stderr.contains("resource fixture://notes is already provided by plugin first"))
        #expect(client.process.stderr.contains("resource template fixture://users/{id} is already provided by plugin first"))
        let check = try runCommand(ServerProcess.toolhostPath, ["check", first])
        #expect(check.status == 0)
        #expect(check.stdout.contains("resources: 5"), "\(check.stdout)")
        #expect(check.stdout.contains("fixture://users/{id}"), "\(check.stdout)")
    }

    @Test func noResourcesCapabilityWithoutPluginsThatOfferThem() throws {
        let client = try MCPTestClient.start(plugins: [try PromptTests.plugin()])
        let initialized = try client.initialize()
        let capabilities = initialized["capabilities"] as? JSONDict ?? [:]
        #expect(capabilities["resources"] == nil && capabilities["completions"] == nil, "\(capabilities)")
        #expect((try client.result("resources/list")["resources"] as? [Any])?.isEmpty == true)
        #expect((try client.request("resources/read", ["uri": "fixture://notes"])["error"] as? JSONDict)?["code"] as? Int == -32002)
        // A prompt of a plugin without completions: no suggestions, not an error.
        let none = try client.result("completion/complete", ["ref": ["type": "ref/prompt", "name": "greeting"], "argument": ["name": "name", "value": ""]])
        #expect(((none["completion"] as? JSONDict)?["values"] as? [Any])?.isEmpty == true)
    }

    @Test func cliListsAndReadsResourcesAndPrompts() throws {
        let plugin = try Self.plugin()
        let list = try runCommand(ServerProcess.toolhostPath, ["resources", "--plugin", plugin])
        #expect(list.status == 0)
        #expect(list.stdout.contains("\"fixture://notes\"") && list.stdout.contains("\"fixture://users/{id}\""), "\(list.stdout)")
        let read = try runCommand(ServerProcess.toolhostPath, ["read", "--plugin", plugin, "fixture://users/42"])
        #expect(read.status == 0 && read.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "user 42", "\(read.stdout)")
        let missing = try runCommand(ServerProcess.toolhostPath, ["read", "--plugin", plugin, "fixture://nope"])
        #expect(missing.status == 2 && missing.stderr.contains("Resource not found: fixture://nope"), "\(missing.stderr)")
        let prompts = try runCommand(ServerProcess.toolhostPath, ["prompts", "--plugin", plugin])
        #expect(prompts.status == 0 && prompts.stdout.contains("\"greet\""), "\(prompts.stdout)")
        let prompt = try runCommand(ServerProcess.toolhostPath, ["prompt", "--plugin", plugin, "greet", #"{"name":"Ada"}"#])
        #expect(prompt.status == 0 && prompt.stdout.contains("user: hello"), "\(prompt.stdout)")
        let bad = try runCommand(ServerProcess.toolhostPath, ["prompt", "--plugin", plugin, "greet", "{}"])
        #expect(bad.status == 2 && bad.stderr.contains("name"), "\(bad.stderr)")
    }
}
