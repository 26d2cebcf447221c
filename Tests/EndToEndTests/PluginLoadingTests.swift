import Foundation
import TestSupport
import Testing

/// Discovery, the ABI checks, broken plugins and the collision rule, with plugins built by
/// plain `cc` against include/toolhost.h, as a third party builds them.
@Suite struct PluginLoadingTests {
    static let fixture = "Tests/Fixtures/plugins/fixture.c"

    /// A folder with one good plugin and one of every kind of broken one.
    static func brokenZoo() throws -> String {
        let dir = try PluginBuilder.temporaryDirectory("zoo")
        let variants: [(String, [String])] = [
            ("a_good", [#"FIXTURE_ID="good""#, #"TOOL_NAME="good_tool""#]),
            ("b_collides", [#"FIXTURE_ID="collider""#, #"TOOL_NAME="good_tool""#]),
            ("c_not_a_plugin", ["NOT_A_PLUGIN"]),
            ("d_abi2", [#"FIXTURE_ID="abi2""#, "EXPORT_V2_ONLY", "ABI_MAJOR_VALUE=2"]),
            ("e_wrong_major", [#"FIXTURE_ID="major""#, "ABI_MAJOR_VALUE=3"]),
            ("g_init_fails", [#"FIXTURE_ID="initfail""#, "INIT_FAILS"]),
            ("h_invalid_schema", [#"FIXTURE_ID="schema""#, #"TOOL_NAME="bad_schema""#, "INVALID_SCHEMA"]),
            ("i_broken_json", [#"FIXTURE_ID="json""#, #"TOOL_NAME="bad_json""#, "BROKEN_JSON"]),
            ("j_bad_magic", [#"FIXTURE_ID="magic""#, "BAD_MAGIC"]),
            ("k_no_invoke", [#"FIXTURE_ID="noinvoke""#, "NO_INVOKE"]),
        ]
        for (name, defines) in variants {
            try PluginBuilder.build(fixture, name: name, into: dir, defines: defines)
        }
        // Not even a shared object.
        try "this is not ELF".write(toFile: dir + "/libz_text.so", atomically: true, encoding: .utf8)
        return dir
    }

    @Test func brokenPluginsAreReportedAndTheRestLoad() throws {
        let dir = try Self.brokenZoo()
        let client = try MCPTestClient.start(plugins: [], arguments: ["--plugin-dir", dir])
        try client.initialize()
        let tools = (try client.result("tools/list")["tools"] as? [JSONDict] ?? []).compactMap { $0["name"] as? String }
        #expect(tools == ["good_tool"], "only the good plugin's tool, once")
        #expect(MCPTestClient.text(of: try client.callTool("good_tool")) == "good:good_tool max_running=1")

        let stderr = client.process.stderr
        let expectations: [(String, String)] = [
            ("libb_collides.so", "already provided by plugin good"),
            ("libc_not_a_plugin.so", "does not export th_plugin_entry_v1"),
            ("libd_abi2.so", "is a plugin for ABI 2"),
            ("libe_wrong_major.so", "this host speaks ABI 1.x (it is ABI 1.1)"),
            ("libg_init_fails.so", "the fixture was told to fail (INIT_FAILS)"),
            ("libh_invalid_schema.so", "the root must be {\"type\": \"object\""),
            ("libi_broken_json.so", "input schema is not valid JSON"),
            ("libj_bad_magic.so", "wrong magic number 0xdeadbeef"),
            ("libk_no_invoke.so", "lacks required functions: invoke"),
            ("libz_text.so", "is not a shared object"),
        ]
        for (file, reason) in expectations {
            let line = stderr.split(separator: "\n").first { $0.contains(file) }
            #expect(line?.contains(reason) == true, "\(file): expected \"\(reason)\" in \(line.map(String.init) ?? "no line")")
        }
    }

    /// NULL where a host function needs a pointer is refused (TH_ERR_INVALID_ARGUMENT, -2) or
    /// ignored; the host keeps serving.
    @Test func nullArgumentsToHostFunctionsAreRefused() throws {
        let dir = try PluginBuilder.temporaryDirectory("nullargs")
        let plugin = try PluginBuilder.build(Self.fixture, name: "nullargs", into: dir, defines: [#"FIXTURE_ID="nulls""#, "NULL_ARGUMENTS"])
        let client = try MCPTestClient.start(plugins: [plugin])
        try client.initialize()
        let text = MCPTestClient.text(of: try client.callTool("fixture_tool"))
        #expect(text.hasSuffix("null:\(-2),\(-2),\(-2),\(-2) cancelled:1"), "\(text)")
        #expect(try client.request("ping")["result"] != nil)
    }

    @Test func checkReportsProblemsWithExitStatus() throws {
        let dir = try Self.brokenZoo()
        let bad = try runCommand(ServerProcess.toolhostPath, ["check", dir + "/libh_invalid_schema.so"])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("bad_schema"))
        #expect(bad.stdout.contains("FAILED"))

        let good = try runCommand(ServerProcess.toolhostPath, ["check", dir + "/liba_good.so"])
        #expect(good.status == 0)
        #expect(good.stdout.contains("plugin good 0.0.1"))
        #expect(good.stdout.contains("ABI: 1.1 (host is ABI 1.1)"))
        #expect(good.stdout.contains("good_tool"))

        let missing = try runCommand(ServerProcess.toolhostPath, ["check", dir + "/nope.so"])
        #expect(missing.status == 1)
    }

    /// The template plugin compiled by plain cc, as a third party would, loads and works.
    @Test func thirdPartyBuildOfTheExamplePlugin() throws {
        let dir = try PluginBuilder.temporaryDirectory("thirdparty")
        let library = try PluginBuilder.build("Plugins/Examples/CExample/example.c", name: "example", into: dir)
        let client = try MCPTestClient.start(plugins: [library])
        try client.initialize()
        #expect(MCPTestClient.text(of: try client.callTool("echo", ["text": "built with cc"])) == "built with cc")
        let slow = try client.callTool("slow_echo", ["text": "async", "steps": 2, "delay_ms": 5], meta: ["progressToken": 1])
        #expect(MCPTestClient.text(of: slow) == "async")
    }

    @Test func loadOrderDecidesCollisionsAndIsDocumentedOrder() throws {
        let first = try PluginBuilder.temporaryDirectory("first")
        let second = try PluginBuilder.temporaryDirectory("second")
        try PluginBuilder.build(Self.fixture, name: "z_one", into: first, defines: [#"FIXTURE_ID="one""#, #"TOOL_NAME="shared""#])
        try PluginBuilder.build(Self.fixture, name: "a_two", into: second, defines: [#"FIXTURE_ID="two""#, #"TOOL_NAME="shared""#])
        // --plugin-dir order wins over file names.
        let client = try MCPTestClient.start(plugins: [], arguments: ["--plugin-dir", first, "--plugin-dir", second])
        try client.initialize()
        #expect(MCPTestClient.text(of: try client.callTool("shared")).hasPrefix("one:"))
        let reversed = try MCPTestClient.start(plugins: [], arguments: ["--plugin-dir", second, "--plugin-dir", first])
        try reversed.initialize()
        #expect(MCPTestClient.text(of: try reversed.callTool("shared")).hasPrefix("two:"))
    }

    @Test func pluginPathEnvironmentAndExplicitFiles() throws {
        let dir = try PluginBuilder.temporaryDirectory("envpath")
        try PluginBuilder.build(Self.fixture, name: "envplugin", into: dir, defines: [#"FIXTURE_ID="env""#, #"TOOL_NAME="from_env""#])
        var environment = ProcessInfo.processInfo.environment
        environment["TOOLHOST_PLUGIN_PATH"] = "/nonexistent/folder:" + dir
        let viaEnv = try MCPTestClient.start(plugins: [], environment: environment)
        try viaEnv.initialize()
        let names = (try viaEnv.result("tools/list")["tools"] as? [JSONDict] ?? []).compactMap { $0["name"] as? String }
        #expect(names == ["from_env"])
        #expect(viaEnv.process.stderr.contains("/nonexistent/folder: plugin folder does not exist"))

        // --plugin loads only the files named, ignoring the search path.
        let explicit = try MCPTestClient.start(plugins: [ServerProcess.plugin("CExample")], environment: environment)
        try explicit.initialize()
        let explicitNames = (try explicit.result("tools/list")["tools"] as? [JSONDict] ?? []).compactMap { $0["name"] as? String }
        #expect(!explicitNames.contains("from_env"))
        #expect(explicitNames.contains("echo"))
    }

    @Test func defaultFolderIsTheExecutablesFolder() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["TOOLHOST_PLUGIN_PATH"] = nil
        environment["TOOLHOST_EXAMPLES"] = nil
        func names(_ arguments: [String], _ environment: [String: String]) throws -> [String] {
            let client = try MCPTestClient.start(plugins: [], arguments: arguments, environment: environment)
            try client.initialize()
            return (try client.result("tools/list")["tools"] as? [JSONDict] ?? []).compactMap { $0["name"] as? String }
        }
        // The plugins next to the binary load by default, but not the examples (TH_PLUGIN_EXAMPLE).
        let plain = try names([], environment)
        #expect(plain.contains("vllm_chat"), "libVLLM.so next to the binary loads by default: \(plain)")
        #expect(!plain.contains("echo") && !plain.contains("typed_gcd"), "no demo tools for real clients: \(plain)")
        // Asked for: --examples, TOOLHOST_EXAMPLES=1, or the file named.
        #expect(try names(["--examples"], environment).contains("echo"))
        var withExamples = environment
        withExamples["TOOLHOST_EXAMPLES"] = "1"
        #expect(try names([], withExamples).contains("echo"))
        #expect(try names(["--plugin", ServerProcess.plugin("CExample")], environment).contains("echo"))
        let check = try runCommand(ServerProcess.toolhostPath, ["check"], environment: environment)
        #expect(check.stdout.contains("examples not loaded (--examples loads them)") && check.stdout.contains("libCExample.so"), "\(check.stdout)")
    }

    @Test func serialPluginsNeverRunTwoInvokesAtOnce() throws {
        let dir = try PluginBuilder.temporaryDirectory("serial")
        let serial = try PluginBuilder.build(Self.fixture, name: "serial", into: dir, defines: [#"FIXTURE_ID="serial""#, "SERIAL"])
        let client = try MCPTestClient.start(plugins: [serial])
        try client.initialize()
        let ids = (0..<4).map { _ in client.sendRequest("tools/call", ["name": "fixture_tool", "arguments": ["sleep_ms": 100]]) }
        let texts = try ids.map { MCPTestClient.text(of: try client.response(to: $0)["result"] as? JSONDict ?? [:]) }
        #expect(texts.allSatisfy { $0.hasSuffix("max_running=1") }, "\(texts)")

        let parallelPlugin = try PluginBuilder.build(Self.fixture, name: "parallel", into: dir, defines: [#"FIXTURE_ID="parallel""#])
        let parallel = try MCPTestClient.start(plugins: [parallelPlugin])
        try parallel.initialize()
        let pids = (0..<4).map { _ in parallel.sendRequest("tools/call", ["name": "fixture_tool", "arguments": ["sleep_ms": 300]]) }
        let ptexts = try pids.map { MCPTestClient.text(of: try parallel.response(to: $0)["result"] as? JSONDict ?? [:]) }
        #expect(ptexts.contains { !$0.hasSuffix("max_running=1") }, "non-serial plugins run invokes concurrently: \(ptexts)")
    }

    @Test func pluginConfigurationComesFromFileAndEnvironment() throws {
        // The settings object a plugin receives is covered in ToolHostCoreTests; here the file is
        // rejected clearly when it is not JSON.
        let dir = try PluginBuilder.temporaryDirectory("config")
        try "{not json".write(toFile: dir + "/bad.json", atomically: true, encoding: .utf8)
        let result = try runCommand(ServerProcess.toolhostPath, ["tools", "--config", dir + "/bad.json"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("is not valid JSON"))
    }
}
