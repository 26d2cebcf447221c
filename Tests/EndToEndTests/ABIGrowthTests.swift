import Foundation
import TestSupport
import Testing

/// The growth rules of include/toolhost.h, proven with real plugins over pipes: plugins built
/// against the frozen 1.0 header, a plugin of a later minor whose structures are larger than the
/// host's, and a plugin that rebuilds (and frees) its tool descriptors at run time.
@Suite struct ABIGrowthTests {
    static let future = "Tests/Fixtures/abi/future_plugin.c"
    static let rebuild = "Tests/Fixtures/abi/rebuild_plugin.c"

    static func names(_ client: MCPTestClient) throws -> [String] {
        (try client.result("tools/list")["tools"] as? [JSONDict] ?? []).compactMap { $0["name"] as? String }
    }

    @Test func theFrozenHeaderIsABI10() throws {
        let text = try String(contentsOfFile: ServerProcess.packageRoot + "/" + PluginBuilder.abi10Headers + "/toolhost.h", encoding: .utf8)
        #expect(text.contains("#define TH_ABI_MINOR 0"))
        #expect(text.contains("the toolhost plugin ABI, version 1."))
    }

    /// Plugins as third parties built them for 1.0: JSON tools, tools that change at run time,
    /// typed functions and the C template, all compiled against the frozen header.
    @Test func pluginsBuiltAgainstABI10LoadAndWork() throws {
        let dir = try PluginBuilder.temporaryDirectory("abi10")
        let headers = PluginBuilder.abi10Headers
        let fixture = try PluginBuilder.build(
            "Tests/Fixtures/plugins/fixture.c", name: "old_dynamic", into: dir, defines: [#"FIXTURE_ID="old""#, "DYNAMIC"], headers: headers)
        let native = try PluginBuilder.build("Tests/Fixtures/plugins/native_fixture.c", name: "old_native", into: dir, headers: headers)
        let example = try PluginBuilder.build("Plugins/Examples/CExample/example.c", name: "old_example", into: dir, headers: headers)

        let client = try MCPTestClient.start(plugins: [fixture, native, example])
        try client.initialize()
        let names = try Self.names(client)
        for name in ["fixture_tool", "greet", "hex", "echo", "slow_echo"] {
            #expect(names.contains(name), "\(name) missing from \(names)")
        }
        #expect(MCPTestClient.text(of: try client.callTool("fixture_tool")).hasPrefix("old:fixture_tool"))
        // DYNAMIC: the call added extra_tool and reported tools_changed.
        #expect(client.notification("notifications/tools/list_changed") != nil)
        #expect(try Self.names(client).contains("extra_tool"))
        #expect(MCPTestClient.text(of: try client.callTool("extra_tool")).hasPrefix("old:fixture_tool"))
        #expect(MCPTestClient.text(of: try client.callTool("greet", ["name": "1.0"])) == "hello, 1.0")
        #expect(MCPTestClient.text(of: try client.callTool("hex", ["data": "AAEC/w=="])) == "000102ff")
        #expect(MCPTestClient.text(of: try client.callTool("echo", ["text": "built in 1.0"])) == "built in 1.0")
        let slow = try client.callTool("slow_echo", ["text": "async", "steps": 2, "delay_ms": 5], meta: ["progressToken": 7])
        #expect(MCPTestClient.text(of: slow) == "async")

        let check = try runCommand(ServerProcess.toolhostPath, ["check", fixture, native, example])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.components(separatedBy: "ABI: 1.0 (host is ABI 1.1)").count == 4, "\(check.stdout)")
    }

    /// A plugin of ABI 1.9: larger descriptor, tool, typed-function and parameter structures
    /// with poisoned unknown fields, arrays stepped by their own struct_size.
    @Test func aPluginOfANewerMinorLoadsAndWorks() throws {
        let dir = try PluginBuilder.temporaryDirectory("future")
        let plugin = try PluginBuilder.build(Self.future, name: "future", into: dir)
        for revision in ["2024-11-05", "2025-06-18", "2025-11-25"] {
            let client = try MCPTestClient.start(plugins: [plugin])
            try client.initialize(version: revision)
            #expect(try Self.names(client) == ["future_echo", "future_add", "future_scale"])
            let echo = MCPTestClient.text(of: try client.callTool("future_echo", ["text": "from 1.9"]))
            #expect(echo.hasPrefix("future_echo: from 1.9 (host ABI 1.1, th_host "), "\(echo)")
            #expect(echo.contains("get_extension present, tool_index 0, revision \(revision))"), "\(echo)")
            #expect(MCPTestClient.text(of: try client.callTool("future_add", ["a": 40, "b": 2])) == "42")
            #expect(MCPTestClient.text(of: try client.callTool("future_add", ["a": 5])) == "5", "b's default from the second, larger param")
            #expect(MCPTestClient.text(of: try client.callTool("future_scale", ["x": 1.5, "k": -4])) == "-6")
            let outOfRange = try client.callTool("future_scale", ["x": 1, "k": 11])
            #expect(outOfRange["isError"] as? Bool == true, "k's maximum, read from the second element of a larger array")
            // Resources and prompts through larger tables, descriptors and argument arrays.
            let resources = try client.result("resources/list")["resources"] as? [JSONDict] ?? []
            #expect(resources.map { $0["uri"] as? String } == ["future://notes"] && resources.first?["size"] as? Int == 14, "\(resources)")
            let read = try client.result("resources/read", ["uri": "future://notes"])
            #expect((read["contents"] as? [JSONDict])?.first?["text"] as? String == "notes from 1.9")
            let arguments = (try client.result("prompts/list")["prompts"] as? [JSONDict])?.first?["arguments"] as? [JSONDict] ?? []
            #expect(arguments.compactMap { $0["name"] as? String } == ["first", "second"], "the second argument, stepped by its own size")
            let prompt = try client.result("prompts/get", ["name": "future_prompt", "arguments": ["first": "a", "second": "b"]])
            #expect(((prompt["messages"] as? [JSONDict])?.first?["content"] as? JSONDict)?["text"] as? String == "first=a second=b")
        }
        let check = try runCommand(ServerProcess.toolhostPath, ["check", plugin])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("ABI: 1.9 (host is ABI 1.1; the plugin's fields newer than that are not used)"))
        #expect(check.stdout.contains("double future_scale(double x, int32_t k)"))
    }

    /// A typed-function array whose elements disagree about their size is refused with the
    /// index, not read by the host's own size.
    @Test func anArrayOfMixedElementSizesIsReported() throws {
        let dir = try PluginBuilder.temporaryDirectory("mixed")
        let plugin = try PluginBuilder.build(Self.future, name: "future_mixed", into: dir, defines: ["MIXED_SIZES"])
        let check = try runCommand(ServerProcess.toolhostPath, ["check", plugin])
        #expect(check.status == 1)
        #expect(check.stdout.contains("functions[1].struct_size") && check.stdout.contains("first element's"), "\(check.stdout)")
    }

    /// After `tools_changed` the invocation still names the tool that was called: a plugin that
    /// resolves tools by index alone (as a 1.0 plugin may) gets the right one although every
    /// rotation shifts the indices, and calls queued behind the change see it.
    @Test func theToolIndexFollowsTheListAfterToolsChanged() throws {
        let dir = try PluginBuilder.temporaryDirectory("byindex")
        let plugin = try PluginBuilder.build(Self.rebuild, name: "byindex", into: dir, defines: ["BY_INDEX", "SERIAL"])
        let client = try MCPTestClient.start(plugins: [plugin])
        try client.initialize()
        for round in 1...12 {
            // Pipelined: both are resolved against the list before the rotation.
            let rotate = client.sendRequest("tools/call", ["name": "rotate", "arguments": [:] as JSONDict])
            let stable = client.sendRequest("tools/call", ["name": "stable", "arguments": [:] as JSONDict])
            let rotateResponse = try client.response(to: rotate), stableResponse = try client.response(to: stable)
            let rotated = MCPTestClient.text(of: rotateResponse["result"] as? JSONDict ?? [:])
            let answer = MCPTestClient.text(of: stableResponse["result"] as? JSONDict ?? [:])
            // (The whole response in the message: an error answer has no result to show.)
            #expect(rotated.hasPrefix("rotate: now generation \(round) (index ok)"), "round \(round): \(rotateResponse)")
            #expect(answer.hasPrefix("stable: generation") && answer.hasSuffix("(index ok)"), "round \(round): \(stableResponse)")
        }
    }

    /// A tool the plugin dropped is answered with an error naming it, whether the host has
    /// re-read the list yet or not.
    @Test func aToolDroppedByItsPluginIsAnErrorNotAnotherTool() throws {
        let dir = try PluginBuilder.temporaryDirectory("dropped")
        let plugin = try PluginBuilder.build(Self.rebuild, name: "dropped", into: dir)
        let client = try MCPTestClient.start(plugins: [plugin])
        try client.initialize()
        #expect(MCPTestClient.text(of: try client.callTool("gen0")) == "gen0: generation 0 (index ok)")
        let rotate = client.sendRequest("tools/call", ["name": "rotate", "arguments": [:] as JSONDict])
        let old = client.sendRequest("tools/call", ["name": "gen0", "arguments": [:] as JSONDict])
        _ = try client.response(to: rotate)
        let answer = try client.response(to: old)
        let result = answer["result"] as? JSONDict
        if let result, result["isError"] as? Bool != true {
            // The call ran before the rotation.
            #expect(MCPTestClient.text(of: result) == "gen0: generation 0 (index ok)")
        } else {
            let text = result.map(MCPTestClient.text(of:)) ?? "\(answer["error"] ?? "")"
            #expect(text.contains("gen0"), "\(answer)")
        }
        // Sent after the rotation was answered: the dropped name is refused, naming it, and
        // never reaches the tool that took its place.
        let late = try client.request("tools/call", ["name": "gen0", "arguments": [:] as JSONDict])
        let lateText = (late["result"] as? JSONDict).map(MCPTestClient.text(of:)) ?? "\(late["error"] ?? "")"
        #expect(lateText.contains("gen0") && !lateText.contains("generation"), "\(late)")
        #expect(client.notification("notifications/tools/list_changed") != nil)
        #expect(try Self.names(client) == ["pad", "rotate", "stable", "gen1"])
        #expect(MCPTestClient.text(of: try client.callTool("gen1")) == "gen1: generation 1 (index ok)")
    }
}

/// The same plugin under valgrind: the host never reads a descriptor the plugin freed, and
/// what the host copied is freed with the registry it belonged to.
private let valgrindPath = "/usr/bin/valgrind"

@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: valgrindPath), "valgrind is not installed (.ci/run installs it)"))
struct ABIRebuildMemoryTests {
    @Test func rebuiltAndFreedDescriptorsAreNeverReadAgain() throws {
        let dir = try PluginBuilder.temporaryDirectory("rebuild-valgrind")
        let plugin = try PluginBuilder.build(ABIGrowthTests.rebuild, name: "rebuild", into: dir)
        let process = try ServerProcess(valgrindPath, [
            "--leak-check=full", "--num-callers=40", ServerProcess.toolhostPath, "--plugin", plugin,
        ])
        let client = MCPTestClient(process: process)
        _ = try client.result("initialize", [
            "protocolVersion": "2025-11-25", "capabilities": [:] as JSONDict, "clientInfo": ["name": "rebuild", "version": "1"],
        ], timeout: 120)
        client.notify("notifications/initialized")
        for generation in 1...15 {
            let rotated = MCPTestClient.text(of: try client.callTool("rotate", timeout: 60))
            #expect(rotated.hasPrefix("rotate: now generation \(generation)"), "\(rotated)")
            // A call resolved before the host re-read the list, then one after.
            #expect(MCPTestClient.text(of: try client.callTool("stable", timeout: 60)).hasPrefix("stable: generation \(generation)"))
            #expect(client.notification("notifications/tools/list_changed", timeout: 60) != nil)
            let names = (try client.result("tools/list", timeout: 60)["tools"] as? [JSONDict] ?? []).compactMap { $0["name"] as? String }
            #expect(names.last == "gen\(generation)", "\(names)")
            #expect(MCPTestClient.text(of: try client.callTool("gen\(generation)", timeout: 60)) == "gen\(generation): generation \(generation) (index ok)")
        }
        process.closeStdin()
        let status = process.waitForExit(timeout: 180)
        #expect(status == 0, "toolhost under valgrind exited with \(status.map(String.init) ?? "nothing")")
        _ = process.readRemainingLines(timeout: 5)
        let stderr = process.stderr
        #expect(stderr.contains("ERROR SUMMARY"), "valgrind did not finish: \(stderr.suffix(2000))")
        for kind in ["Invalid read", "Invalid write", "Invalid free", "uninitialised"] {
            #expect(!stderr.contains(kind), "\(kind):\n\(stderr.suffix(6000))")
        }
        // The plugin frees every list it built (retired ones at tool_count, the last at shutdown).
        #expect(!stderr.contains("build_list"), "a descriptor list leaked:\n\(stderr.suffix(6000))")
    }
}
