import Foundation
import TestSupport
import Testing

/// Manifests: functions of existing shared libraries bound by a JSON file, no C to write.
@Suite struct ManifestTests {
    static let manifests = ServerProcess.packageRoot + "/Plugins/Examples/Manifests"

    /// The shipped libm manifest, through a real MCP session.
    @Test func libmManifestAnswersThroughMCP() throws {
        let client = try MCPTestClient.start(plugins: [Self.manifests + "/libm.toolhost.json"])
        try client.initialize(version: "2025-11-25")
        let tools = try client.result("tools/list")["tools"] as? [JSONDict] ?? []
        let names = tools.compactMap { $0["name"] as? String }
        #expect(["math_pow", "math_hypot", "math_cbrt", "math_frexp"].allSatisfy(names.contains), "\(names)")
        let pow = try #require(tools.first { $0["name"] as? String == "math_pow" })
        #expect(pow[path: "inputSchema", "properties", "x", "type"] as? String == "number")
        #expect(pow[path: "outputSchema", "properties", "result", "type"] as? [String] == ["number", "null"])
        #expect(pow[path: "annotations", "readOnlyHint"] as? Bool == true)

        let power = try client.callTool("math_pow", ["x": 2, "y": 10])
        #expect(MCPTestClient.text(of: power) == "1024")
        #expect(sameObject(power["structuredContent"], ["result": 1024]))
        #expect(MCPTestClient.text(of: try client.callTool("math_hypot", ["x": 3, "y": 4])) == "5")
        #expect(MCPTestClient.text(of: try client.callTool("math_pow", ["x": 2, "y": 0.5])) == "1.4142135623730951")
        let frexp = try client.callTool("math_frexp", ["x": 48])
        #expect(sameObject(frexp["structuredContent"], ["result": 0.75, "exponent": 6]))
        #expect(MCPTestClient.text(of: try client.callTool("math_sqrtf", ["x": 2])) == "1.4142135")

        let overflow = try client.callTool("math_pow", ["x": 10, "y": 400])
        #expect(overflow["isError"] as? Bool == true)
        #expect(MCPTestClient.text(of: overflow).contains("pow failed: Numerical result out of range"))
        let wrong = try client.callTool("math_pow", ["x": "two", "y": 1])
        #expect(wrong["isError"] as? Bool == true)
        #expect(MCPTestClient.text(of: wrong).contains("`x` must be a number"))
    }

    @Test func zlibAndLibcManifestsTakeStringsAndBuffers() throws {
        let client = try MCPTestClient.start(plugins: [], arguments: ["--plugin-dir", Self.manifests])
        try client.initialize()
        // CRC-32 of "hello" is 0x3610a686.
        #expect(MCPTestClient.text(of: try client.callTool("zlib_crc32", ["data": "hello"])) == "907060870")
        #expect(MCPTestClient.text(of: try client.callTool("zlib_crc32_base64", ["data": "aGVsbG8="])) == "907060870")
        // Continuing a CRC across pieces.
        let first = try client.callTool("zlib_crc32", ["data": "hel"])
        let crc = Int(MCPTestClient.text(of: first))!
        #expect(MCPTestClient.text(of: try client.callTool("zlib_crc32", ["crc": crc, "data": "lo"])) == "907060870")
        #expect(MCPTestClient.text(of: try client.callTool("zlib_adler32", ["data": "Wikipedia"])) == "300286872")
        #expect(MCPTestClient.text(of: try client.callTool("zlib_version")).hasPrefix("1."))
        #expect(Int(MCPTestClient.text(of: try client.callTool("version_compare", ["a": "1.9", "b": "1.10"])))! < 0)
        #expect(MCPTestClient.text(of: try client.callTool("glob_match", ["pattern": "*.txt", "string": "notes.txt"])) == "0")
        #expect(MCPTestClient.text(of: try client.callTool("glob_match", ["pattern": "*.txt", "string": "notes.md"])) == "1")
        #expect(MCPTestClient.text(of: try client.callTool("byte_length", ["text": "héllo"])) == "6")
    }

    /// Strings a manifest declares as owned are released through the library's own function
    /// (free_with) or the C library's free, once per call.
    @Test func ownedStringsOfAManifestAreReleased() throws {
        let dir = try PluginBuilder.temporaryDirectory("manifestlib")
        let library = try Self.buildLibrary(into: dir)
        try Self.write(dir + "/fx.toolhost.json", Self.fixtureManifest(library: "./" + URL(fileURLWithPath: library).lastPathComponent))
        let client = try MCPTestClient.start(plugins: [dir + "/fx.toolhost.json"])
        try client.initialize()
        for i in 0..<20 {
            #expect(MCPTestClient.text(of: try client.callTool("shout", ["text": "hey \(i)"])) == "HEY \(i)!")
            #expect(MCPTestClient.text(of: try client.callTool("dup", ["text": "copy \(i)"])) == "copy \(i)")
        }
        #expect(MCPTestClient.text(of: try client.callTool("released")) == "20", "fx_release ran once per shout")
        #expect(MCPTestClient.text(of: try client.callTool("made")) == "40")
        #expect(MCPTestClient.text(of: try client.callTool("add16", ["a": 32767, "b": -32768])) == "-1")
    }

    static func buildLibrary(into dir: String) throws -> String {
        let output = dir + "/libfx.so"
        let result = try runCommand("/usr/bin/cc", [
            "-std=c99", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-o", output,
            ServerProcess.packageRoot + "/Tests/Fixtures/plugins/manifest_lib.c",
        ])
        guard result.status == 0 else { throw ProcessError("cc failed: \(result.stderr)") }
        return output
    }

    static func write(_ path: String, _ text: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func fixtureManifest(library: String, id: String = "fx", shoutOwnership: String = #""free_with": "fx_release""#) -> String {
        """
        {
          "toolhost_manifest": 1, "id": "\(id)", "library": "\(library)",
          "functions": [
            {"symbol": "fx_shout", "tool": "shout", "params": [{"name": "text", "type": "const char *"}],
             "returns": {"type": "char *", \(shoutOwnership)}},
            {"symbol": "fx_dup", "tool": "dup", "params": [{"name": "text", "type": "string"}],
             "returns": {"type": "string", "ownership": "free"}},
            {"symbol": "fx_released", "tool": "released", "returns": "int64_t"},
            {"symbol": "fx_made", "tool": "made", "returns": "int64_t"},
            {"symbol": "fx_add16", "tool": "add16", "params": [{"name": "a", "type": "short"}, {"name": "b", "type": "int16"}], "returns": "short"}
          ]
        }
        """
    }

    /// A folder of broken manifests beside good ones: each problem names the file and the
    /// field, and everything usable loads.
    @Test func brokenManifestsAreReportedWithFileAndFieldAndTheRestLoad() throws {
        let dir = try PluginBuilder.temporaryDirectory("manifests")
        let library = try Self.buildLibrary(into: dir)
        try Self.write(dir + "/a_good.toolhost.json", Self.fixtureManifest(library: library))
        try Self.write(dir + "/b_no_library.toolhost.json", """
            {"toolhost_manifest": 1, "id": "nolib", "library": "libtoolhost-does-not-exist.so.9",
             "functions": [{"symbol": "x", "returns": "int"}]}
            """)
        try Self.write(dir + "/c_partly.toolhost.json", """
            {"toolhost_manifest": 1, "id": "partly", "library": "\(library)",
             "functions": [
               {"symbol": "fx_made", "tool": "partly_made", "returns": "int64"},
               {"symbol": "fx_no_such_symbol", "returns": "int"},
               {"symbol": "fx_add16", "tool": "long_double", "params": [{"name": "a", "type": "long double"}], "returns": "int16"},
               {"symbol": "fx_dup", "tool": "no_ownership", "params": [{"name": "t", "type": "string"}], "returns": "string"},
               {"symbol": "fx_add16", "tool": "typo", "params": [{"name": "a", "type": "int16", "minimun": 0}], "returns": "int16"},
               {"symbol": "fx_add16", "tool": "bad_bound", "params": [{"name": "a", "type": "int16", "maximum": 40000}], "returns": "int16"}
             ]}
            """)
        try Self.write(dir + "/d_not_json.toolhost.json", "{\n  \"toolhost_manifest\": 1,\n  \"id\": \"broken\",,\n}")
        try Self.write(dir + "/e_version.toolhost.json", #"{"toolhost_manifest": 2, "id": "future", "library": "libm.so.6", "functions": []}"#)
        try Self.write(dir + "/ignored.json", "not a manifest: only *.toolhost.json files are read from folders")

        let check = try runCommand(ServerProcess.toolhostPath, ["check", "--plugin-dir", dir])
        #expect(check.status == 1)
        let out = check.stdout
        let expectations = [
            "b_no_library.toolhost.json: library: cannot load libtoolhost-does-not-exist.so.9",
            "c_partly.toolhost.json (tool fx_no_such_symbol): functions[1].symbol: the library has no symbol fx_no_such_symbol",
            "c_partly.toolhost.json (tool long_double): functions[2].params[0].type: unsupported type \"long double\"",
            "c_partly.toolhost.json (tool no_ownership): functions[3].returns.ownership: a returned string needs its ownership",
            "c_partly.toolhost.json (tool typo): functions[4].params[0].minimun: unknown field",
            "c_partly.toolhost.json (tool bad_bound): functions[5].params[0].maximum: 40000 is not a valid bound for int16",
            "d_not_json.toolhost.json: line 3, column 18: the manifest is not valid JSON",
            "e_version.toolhost.json: toolhost_manifest: is 2; this host reads manifest version 1",
        ]
        for expected in expectations {
            #expect(out.contains(expected), "missing: \(expected)\n\(out)")
        }
        #expect(!out.contains("ignored.json"))
        #expect(out.contains("plugin fx 0"))
        #expect(out.contains("plugin partly 0"))
        #expect(out.contains("C: short fx_add16(short a, int16_t b)"), "\(out)")
        #expect(out.contains("C: const char *fx_shout(const char *text) [result freed with fx_release]"), "\(out)")
        #expect(out.contains("C: const char *fx_dup(const char *text) [result freed with free]"), "\(out)")

        // The server serves what loaded.
        let client = try MCPTestClient.start(plugins: [], arguments: ["--plugin-dir", dir])
        try client.initialize()
        let names = Set((try client.result("tools/list")["tools"] as? [JSONDict] ?? []).compactMap { $0["name"] as? String })
        #expect(names == ["shout", "dup", "released", "made", "add16", "partly_made"])
        #expect(MCPTestClient.text(of: try client.callTool("partly_made")) == "0")
    }

    /// Binding a function a client should not hold loads, with a warning at start and in
    /// `toolhost check` (which still exits 0: a warning is not a problem).
    @Test func riskyFunctionsAreWarnedOf() throws {
        let dir = try PluginBuilder.temporaryDirectory("risky")
        try Self.write(dir + "/risky.toolhost.json", """
            {"toolhost_manifest": 1, "id": "risky", "library": "libc.so.6",
             "functions": [
               {"symbol": "abort", "tool": "risky_abort", "returns": "void"},
               {"symbol": "system", "tool": "risky_system", "params": [{"name": "command", "type": "string"}], "returns": "int"},
               {"symbol": "getpid", "tool": "risky_getpid", "returns": "int"}
             ]}
            """)
        let check = try runCommand(ServerProcess.toolhostPath, ["check", dir + "/risky.toolhost.json"])
        #expect(check.status == 0, "\(check.stdout)")
        #expect(check.stdout.contains("warnings: 2"), "\(check.stdout)")
        #expect(check.stdout.contains("(tool risky_abort): binds abort, which ends or signals the host process"))
        #expect(check.stdout.contains("(tool risky_system): binds system, which runs programs"))
        #expect(!check.stdout.contains("binds getpid"))
        let serve = try MCPTestClient.start(plugins: [dir + "/risky.toolhost.json"])
        try serve.initialize()
        #expect(serve.process.waitForStderr(containing: "binds system"))
    }

    @Test func manifestsComeFromTheSearchPathAndExplicitFiles() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["TOOLHOST_PLUGIN_PATH"] = Self.manifests + "/libm.toolhost.json"
        let client = try MCPTestClient.start(plugins: [], environment: environment)
        try client.initialize()
        let names = (try client.result("tools/list")["tools"] as? [JSONDict] ?? []).compactMap { $0["name"] as? String }
        #expect(names.contains("math_pow"))
        #expect(!names.contains("zlib_crc32"))

        let check = try runCommand(ServerProcess.toolhostPath, ["check", Self.manifests + "/libz.toolhost.json"])
        #expect(check.status == 0, "\(check.stdout)\n\(check.stderr)")
        #expect(check.stdout.contains("kind: manifest binding libz.so.1"))
        #expect(check.stdout.contains("C: unsigned long crc32(unsigned long crc, const void *data, uint32_t data_len)"))
    }
}
