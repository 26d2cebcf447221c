import Foundation
import TestSupport
import Testing

/// Plugins out of process (issue 14, "Isolation"): the fixture Tests/Fixtures/plugins/crashy.c,
/// built with plain cc into a temporary folder (so `--isolation auto` runs it in a runner),
/// segfaults, aborts, exits, eats memory, hangs and crashes while loading; each case checks
/// that every request gets exactly one answer, the answer says what happened, and the other
/// plugin (the C example, in process) keeps serving.
@Suite struct IsolationTests {
    static let source = "Tests/Fixtures/plugins/crashy.c"

    static func build(_ defines: [String] = [], name: String = "crashy") throws -> String {
        let dir = try PluginBuilder.temporaryDirectory("crashy")
        return try PluginBuilder.build(source, name: name, into: dir, defines: defines)
    }

    /// A server with the crashy plugin (isolated) and the C example (beside toolhost: in process).
    static func serve(_ crashy: String? = nil, arguments: [String] = [], environment extra: [String: String] = [:]) throws -> MCPTestClient {
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in extra { environment[k] = v }
        let client = try MCPTestClient.start(
            plugins: [try crashy ?? build(), ServerProcess.plugin("CExample")], arguments: arguments, environment: environment)
        try client.initialize()
        return client
    }

    static func names(_ client: MCPTestClient) throws -> [String] {
        (try client.result("tools/list")["tools"] as? [JSONDict] ?? []).compactMap { $0["name"] as? String }
    }

    /// Calls crashy_echo until the restarted runner answers (each try is answered: while the
    /// runner restarts, the call waits for it).
    static func expectServesAgain(_ client: MCPTestClient) throws {
        let result = try client.callTool("crashy_echo", ["text": "back"], timeout: 15)
        #expect(result["isError"] as? Bool != true, "\(result)")
        #expect(MCPTestClient.text(of: result) == "back")
    }

    static func expectExampleServes(_ client: MCPTestClient) throws {
        let result = try client.callTool("echo", ["text": "still here"])
        #expect(MCPTestClient.text(of: result) == "still here", "the in-process plugin keeps serving")
    }

    @Test(arguments: [
        ("crashy_segv", "killed by signal SIGSEGV (11)", "crashy: about to segfault"),
        ("crashy_abort", "killed by signal SIGABRT (6)", "crashy: about to abort"),
        ("crashy_exit", "exited with status 7", "crashy: about to exit with status 7"),
    ])
    func aCrashIsAnErrorResultAndThePluginRestarts(tool: String, how: String, lastLine: String) throws {
        let client = try Self.serve()
        let result = try client.callTool(tool)
        let text = MCPTestClient.text(of: result)
        #expect(result["isError"] as? Bool == true)
        #expect(text.contains("Plugin crashy ("), "names the plugin: \(text)")
        #expect(text.contains(how), "says how the runner ended: \(text)")
        #expect(text.contains(lastLine), "quotes its last stderr line: \(text)")
        #expect(text.contains("restarting"), "\(text)")
        try Self.expectExampleServes(client)
        try Self.expectServesAgain(client)
        #expect(client.strayLines.isEmpty)
        #expect(client.process.waitForStderr(containing: "[runner libcrashy.so] \(lastLine)"), "the runner's stderr reaches the host's")
    }

    @Test func everyCallInFlightOnACrashedRunnerIsAnsweredOnce() throws {
        let client = try Self.serve()
        let hanging = (0..<4).map { _ in client.sendRequest("tools/call", ["name": "crashy_hang", "arguments": [:] as JSONDict]) }
        client.drain(for: 0.3)
        let crash = client.sendRequest("tools/call", ["name": "crashy_segv", "arguments": [:] as JSONDict])
        for id in hanging + [crash] {
            let response = try client.response(to: id)
            let result = try #require(response["result"] as? JSONDict, "\(response)")
            #expect(result["isError"] as? Bool == true)
            #expect(MCPTestClient.text(of: result).contains("SIGSEGV"))
        }
        client.drain(for: 0.5)
        #expect(client.unclaimedResponses.isEmpty, "no second answer: \(client.unclaimedResponses)")
        try Self.expectExampleServes(client)
        try Self.expectServesAgain(client)
    }

    @Test func repeatedCrashesDisableThePluginAndItsToolsLeave() throws {
        let client = try Self.serve(environment: ["CRASHY_MAX_CRASHES": "2"])
        #expect(try Self.names(client).contains("crashy_segv"))
        _ = try client.callTool("crashy_segv")
        let second = try client.callTool("crashy_segv", timeout: 15)
        #expect(MCPTestClient.text(of: second).contains("is disabled"), "\(second)")
        #expect(client.notification("notifications/tools/list_changed", timeout: 10) != nil)
        let names = try Self.names(client)
        #expect(!names.contains { $0.hasPrefix("crashy_") }, "\(names)")
        #expect(names.contains("echo"))
        #expect(client.process.waitForStderr(containing: "plugin crashy is disabled: it crashed 2 times within 60 s"), "\(client.process.stderr)")
        let late = try client.request("tools/call", ["name": "crashy_echo", "arguments": ["text": "x"]])
        #expect(late["error"] != nil || ((late["result"] as? JSONDict)?["isError"] as? Bool) == true, "\(late)")
        try Self.expectExampleServes(client)
    }

    @Test func aRunnerOverItsMemoryLimitIsStopped() throws {
        let client = try Self.serve(environment: ["CRASHY_MEMORY_LIMIT_MB": "96"])
        let result = try client.callTool("crashy_memory", timeout: 20)
        let text = MCPTestClient.text(of: result)
        #expect(result["isError"] as? Bool == true)
        #expect(text.contains("was stopped by toolhost: it used"), "\(text)")
        #expect(text.contains("more than its limit of 96 MB"), "\(text)")
        try Self.expectServesAgain(client)
    }

    @Test func aHungPluginThatIgnoresCancellationIsKilledAndRestarted() throws {
        let client = try Self.serve(arguments: ["--call-timeout", "0.5"], environment: ["CRASHY_CANCEL_GRACE": "0.5"])
        let result = try client.callTool("crashy_hang", timeout: 10)
        #expect(result["isError"] as? Bool == true, "the deadline answers the call: \(result)")
        #expect(client.process.waitForStderr(containing: "had not stopped 0.5 s later"), "\(client.process.stderr)")
        try Self.expectServesAgain(client)
        try Self.expectExampleServes(client)
    }

    @Test(arguments: [("CRASH_IN_INIT", "segfault in init"), ("CRASH_IN_TOOL_AT", "segfault in tool_at")])
    func aCrashWhileLoadingIsReportedAndTheRestLoads(define: String, line: String) throws {
        let client = try Self.serve(try Self.build([define]))
        #expect(try Self.names(client).contains("echo"))
        #expect(!(try Self.names(client)).contains { $0.hasPrefix("crashy_") })
        // stderr is read on its own thread: wait for the report rather than race the answers.
        #expect(client.process.waitForStderr(containing: "SIGSEGV"))
        let stderr = client.process.stderr
        #expect(stderr.contains("libcrashy.so: the plugin crashed or stopped while loading"), "\(stderr)")
        #expect(stderr.contains("SIGSEGV") && stderr.contains("crashy: about to \(line)"), "\(stderr)")
        try Self.expectExampleServes(client)
    }

    /// A runner does not compile its tools' schemas (the host does, from the catalog, and
    /// checks every call's arguments): a schema the host cannot check is still refused at load,
    /// naming the tool, and the plugin's other tools serve.
    @Test func aSchemaTheHostCannotCheckIsRefusedForAnIsolatedPlugin() throws {
        let client = try Self.serve(try Self.build(["BAD_SCHEMA"]))
        let names = try Self.names(client)
        #expect(names.contains("crashy_echo") && !names.contains("crashy_unchecked"), "\(names)")
        #expect(client.process.waitForStderr(containing: "crashy_unchecked"))
        let stderr = client.process.stderr
        #expect(stderr.contains("(tool crashy_unchecked): input schema is invalid at") && stderr.contains("$ref"), "\(stderr)")
        let result = try client.callTool("crashy_echo", ["text": 5])
        #expect(result["isError"] as? Bool == true, "arguments are still checked before they reach the runner: \(result)")
        try Self.expectServesAgain(client)
    }

    @Test func anIsolatedPluginsStdoutNeverReachesTheClient() throws {
        let client = try Self.serve()
        #expect(MCPTestClient.text(of: try client.callTool("crashy_print")) == "printed")
        #expect(client.strayLines.isEmpty)
        #expect(client.process.waitForStderr(containing: "[runner libcrashy.so] this line went to the plugin's stdout"))
    }

    @Test func isolationNoneAndPerPluginSettingsDecideWhereAPluginRuns() throws {
        let crashy = try Self.build()
        func kinds(_ arguments: [String], _ environment: [String: String] = [:]) throws -> String {
            var env = ProcessInfo.processInfo.environment
            for (k, v) in environment { env[k] = v }
            let result = try runCommand(ServerProcess.toolhostPath, ["plugins", "--plugin", crashy, "--plugin", ServerProcess.plugin("CExample")] + arguments, environment: env)
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout
        }
        let auto = try kinds([])
        #expect(auto.contains("crashy") && auto.contains("isolated"), "\(auto)")
        #expect(auto.contains("example") && auto.contains("in the host's process"), "\(auto)")
        let none = try kinds(["--isolation", "none"])
        #expect(!none.contains("isolated"), "\(none)")
        let all = try kinds(["--isolation", "process"])
        #expect(!all.contains("in the host's process"), "\(all)")
        let configured = try kinds([], ["CRASHY_ISOLATION": "none", "EXAMPLE_ISOLATION": "process"])
        #expect(configured.contains("isolated") && configured.contains("in the host's process"), "\(configured)")
        #expect(!configured.components(separatedBy: "\n").contains { $0.hasPrefix("crashy") && $0.contains("isolated") }, "\(configured)")
    }

    /// A runner is told its own plugin's settings only: another plugin's secret never
    /// reaches a third party's process through toolhost.
    @Test func aRunnerGetsOnlyItsOwnPluginsSettings() throws {
        let dir = try PluginBuilder.temporaryDirectory("crashy-config")
        let config = dir + "/toolhost.json"
        try #"{"plugins": {"crashy": {"greeting": "hi"}, "vllm": {"api_key": "sk-not-for-crashy"}}}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        let client = try Self.serve(arguments: ["--config", config, "--log-level", "debug"], environment: ["CRASHY_COLOUR": "blue"])
        let text = MCPTestClient.text(of: try client.callTool("crashy_config"))
        #expect(text.contains("\"greeting\":\"hi\"") && text.contains("\"colour\":\"blue\""), "\(text)")
        #expect(!text.contains("sk-not-for-crashy"), "\(text)")
        // What the runner process itself was sent (it says so at debug level).
        #expect(client.process.waitForStderr(containing: "settings received for plugins [crashy]"), "\(client.process.stderr)")
        #expect(!client.process.stderr.contains("sk-not-for-crashy"))
    }

    /// `toolhost plugins --running` asks the serving host itself (its status socket): the
    /// runner's restart and last crash show as they are now, and a stopped server is gone.
    @Test func thePluginsOfARunningServerAreShownLive() throws {
        // A folder of this test's own (the default ones hold the sockets of every server the
        // other tests run at the same time).
        let folder = try PluginBuilder.temporaryDirectory("runtime") + "/toolhost"
        var environment = ProcessInfo.processInfo.environment
        environment["TOOLHOST_STATUS_DIR"] = folder
        let client = try Self.serve(environment: ["TOOLHOST_STATUS_DIR": folder])
        #expect(try client.callTool("crashy_segv")["isError"] as? Bool == true)
        try Self.expectServesAgain(client)
        let live = try runCommand(ServerProcess.toolhostPath, ["plugins", "--running"], environment: environment)
        #expect(live.status == 0, "\(live.stderr)")
        #expect(live.stdout.contains("toolhost pid \(client.process.pid), serving for"), "\(live.stdout)")
        let crashy = live.stdout.split(separator: "\n").first { $0.hasPrefix("crashy ") }.map(String.init) ?? ""
        #expect(crashy.contains("isolated (runner pid") && crashy.contains("restarts: 1") && crashy.contains("SIGSEGV"), "\(live.stdout)")
        #expect(live.stdout.contains("in the host's process"), "the example plugin: \(live.stdout)")
        let mode = try FileManager.default.attributesOfItem(atPath: folder)[.posixPermissions] as? Int
        #expect(mode == 0o700, "the sockets' folder is the user's alone")
        client.process.closeStdin()
        #expect(client.process.waitForExit() == 0)
        let after = try runCommand(ServerProcess.toolhostPath, ["plugins", "--running"], environment: environment)
        #expect(after.stdout.hasPrefix("no toolhost is serving"), "\(after.stdout)")
    }

    @Test func theCallCommandSurvivesACrash() throws {
        let crashy = try Self.build()
        let result = try runCommand(ServerProcess.toolhostPath, ["call", "--plugin", crashy, "crashy_segv"])
        #expect(result.status == 1, "a tool error, not a crashed host: \(result.stderr)")
        #expect(result.stdout.contains("SIGSEGV"), "\(result.stdout)")
    }
}
