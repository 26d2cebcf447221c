import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// How the server ends: end of input, SIGTERM, a vanished client; and the command line.
@Suite struct LifecycleTests {
    static func fixturePlugin() throws -> String {
        let dir = try PluginBuilder.temporaryDirectory("lifecycle")
        return try PluginBuilder.build("Tests/Fixtures/plugins/fixture.c", name: "life", into: dir, defines: [#"FIXTURE_ID="life""#])
    }

    @Test func endOfInputCancelsCallsShutsPluginsDownAndExitsZero() throws {
        let client = try MCPTestClient.start(plugins: [ServerProcess.plugin("CExample"), try Self.fixturePlugin()])
        try client.initialize()
        let slow = client.sendRequest("tools/call", ["name": "slow_echo", "arguments": ["text": "x", "steps": 10_000, "delay_ms": 10]])
        client.drain(for: 0.1)
        client.process.closeStdin()
        #expect(client.process.waitForExit(timeout: 10) == 0)
        // stderr is read on a thread of its own: wait for the line rather than race it.
        #expect(client.process.waitForStderr(containing: "fixture life shutdown"))
        // The cancelled call ended with an error result (or nothing); never with its text.
        let lines = client.process.readRemainingLines(timeout: 1)
        #expect(!lines.contains { $0.contains("\"text\":\"x\"") })
        _ = slow
    }

    @Test func sigtermWhileCallsRunExitsZero() throws {
        let client = try MCPTestClient.start(plugins: [ServerProcess.plugin("CExample"), try Self.fixturePlugin()])
        try client.initialize()
        _ = client.sendRequest("tools/call", ["name": "slow_echo", "arguments": ["text": "x", "steps": 10_000, "delay_ms": 10]])
        _ = client.sendRequest("tools/call", ["name": "sleep", "arguments": ["ms": 600_000]])
        client.drain(for: 0.2)
        client.process.signal(SIGTERM)
        #expect(client.process.waitForExit(timeout: 10) == 0)
        // stderr is read on a thread of its own: wait for the line rather than race it.
        #expect(client.process.waitForStderr(containing: "fixture life shutdown"))
    }

    /// The client stops reading (its end of stdout closes) while stdin stays open: the next
    /// write fails with EPIPE, and the server must exit cleanly instead of dying of SIGPIPE.
    @Test func vanishedClientEndsTheServer() throws {
        let script = "\"$0\" --plugin \"$1\" | head -c 20 >/dev/null; echo \"toolhost-status=${PIPESTATUS[0]}\" >&2"
        let shell = try ServerProcess("/bin/bash", ["-c", script, ServerProcess.toolhostPath, ServerProcess.plugin("CExample")])
        // Each answer is longer than 20 bytes, so head exits after the first; keep the server
        // writing until a write finds the pipe closed.
        var i = 0
        while !shell.waitForStderr(containing: "toolhost-status=", timeout: 0.05) && i < 400 {
            shell.send(#"{"jsonrpc":"2.0","id":\#(i),"method":"ping"}"#)
            i += 1
        }
        #expect(shell.stderr.contains("toolhost-status=0"), "\(shell.stderr)")
        shell.closeStdin()
    }

    @Test func endOfInputGivesRunningCallsTheGraceThenCancelsThem() throws {
        // A call already read runs on after the input ends; past the grace period it is
        // answered as cancelled, saying why, and told to stop (sync sleep polls is_cancelled).
        let client = try MCPTestClient.start(arguments: ["--shutdown-grace", "1"])
        try client.initialize()
        let id = client.sendRequest("tools/call", ["name": "sleep", "arguments": ["ms": 600_000]])
        client.drain(for: 0.1)
        client.process.closeStdin()
        #expect(client.process.waitForExit(timeout: 20) == 0)
        let result = try client.response(to: id, timeout: 1)["result"] as? JSONDict ?? [:]
        #expect(result["isError"] as? Bool == true)
        #expect(MCPTestClient.text(of: result).contains("The input ended and the tool was still running 1 s later"))
    }

    // MARK: Command line

    @Test func toolsPrintsTheMergedList() throws {
        let result = try runCommand(ServerProcess.toolhostPath, ["tools", "--plugin", ServerProcess.plugin("CExample")])
        #expect(result.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? JSONDict
        let names = (json?["tools"] as? [JSONDict] ?? []).compactMap { $0["name"] as? String }
        #expect(names == ["echo", "add", "fail", "sleep", "slow_echo"])
        let old = try runCommand(ServerProcess.toolhostPath, ["tools", "--protocol-version", "2024-11-05", "--plugin", ServerProcess.plugin("CExample")])
        #expect(!old.stdout.contains("annotations"))
    }

    @Test func callPrintsTheResultAndProgressGoesToStderr() throws {
        let plugin = ServerProcess.plugin("CExample")
        let echo = try runCommand(ServerProcess.toolhostPath, ["call", "echo", #"{"text":"from the command line"}"#, "--plugin", plugin])
        #expect(echo.status == 0)
        #expect(echo.stdout == "from the command line")

        let slow = try runCommand(ServerProcess.toolhostPath, ["call", "slow_echo", #"{"text":"s","steps":2,"delay_ms":5}"#, "--plugin", plugin])
        #expect(slow.status == 0)
        #expect(slow.stdout == "s")
        #expect(slow.stderr.contains("progress 1/2: step 1 of 2"))

        let json = try runCommand(ServerProcess.toolhostPath, ["call", "add", #"{"a":1,"b":2}"#, "--json", "--plugin", plugin])
        #expect(json.stdout.contains("\"structuredContent\""))

        let failed = try runCommand(ServerProcess.toolhostPath, ["call", "fail", #"{"message":"nope"}"#, "--plugin", plugin])
        #expect(failed.status == 1)
        #expect(failed.stdout == "nope")

        let unknown = try runCommand(ServerProcess.toolhostPath, ["call", "nope", "{}", "--plugin", plugin])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown tool nope; available: echo, add"))

        let badJSON = try runCommand(ServerProcess.toolhostPath, ["call", "echo", "{text", "--plugin", plugin])
        #expect(badJSON.status == 2)
    }
}
