import Foundation
import TestSupport
import Testing

/// The plugin templates for third parties build with one command each and load: C with `cc`
/// and the header alone, Swift as a SwiftPM dynamic library product, Rust as a cargo cdylib
/// with no dependencies.
@Suite struct TemplateTests {
    /// Exported symbols a plugin defines (`nm -D --defined-only`), leaving out the linker's own.
    static func exportedSymbols(_ library: String) throws -> [String] {
        let nm = try runCommand("/usr/bin/nm", ["-D", "--defined-only", library])
        #expect(nm.status == 0, "\(nm.stderr)")
        return nm.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }
            .filter { !$0.hasPrefix("_") && $0 != "__bss_start" }
    }

    @Test func cTypedTemplateBuildsWithCcAndTheHeaderAlone() throws {
        let dir = try PluginBuilder.temporaryDirectory("ctyped")
        let library = try PluginBuilder.build("Plugins/Examples/CTypedExample/typed_example.c", name: "typed_example", into: dir)
        #expect(try Self.exportedSymbols(library) == ["th_plugin_entry_v1"])
        let client = try MCPTestClient.start(plugins: [library])
        try client.initialize()
        #expect(MCPTestClient.text(of: try client.callTool("typed_gcd", ["a": "-9223372036854775808", "b": 6])) == "2")
        #expect(MCPTestClient.text(of: try client.callTool("typed_clamp", ["value": 500])) == "100", "defaults")
        #expect(MCPTestClient.text(of: try client.callTool("typed_repeat", ["text": "ab", "times": 3])) == "ababab")
        let divmod = try client.callTool("typed_divmod", ["a": -7, "b": 2])
        #expect(sameObject(divmod["structuredContent"], ["result": 0, "quotient": -3, "remainder": -1]))
        let byZero = try client.callTool("typed_divmod", ["a": 1, "b": 0])
        #expect(byZero["isError"] as? Bool == true)
        // -EDOM reads as the errno it is, not only as a number.
        #expect(MCPTestClient.text(of: byZero).contains("-33 (as a negated errno: Numerical argument out of domain, errno 33)"), "\(byZero)")
        #expect(MCPTestClient.text(of: try client.callTool("typed_checksum", ["data": "Wikipedia"])) == "300286872")
        let cold = try client.callTool("typed_celsius", ["fahrenheit": -500])
        #expect(MCPTestClient.text(of: cold).contains("`fahrenheit` must be at least -459.67"))

        let check = try runCommand(ServerProcess.toolhostPath, ["check", library])
        #expect(check.status == 0, "\(check.stdout)")
        #expect(check.stdout.contains("plugin typed-example-native 1.0.0"))
    }

    @Test func swiftTemplateIsADynamicLibraryProductExportingOnlyTheABI() throws {
        let library = ServerProcess.plugin("SwiftExample")
        #expect(try Self.exportedSymbols(library) == ["th_plugin_entry_v1"], "exports.map keeps only th_*")
        let client = try MCPTestClient.start(plugins: [library])
        try client.initialize()
        let count = try client.callTool("swift_word_count", ["text": "one two  three"])
        #expect(MCPTestClient.text(of: count) == "3 words, 14 characters")
        #expect(sameObject(count["structuredContent"], ["words": 3, "characters": 14]))
        #expect(MCPTestClient.text(of: try client.callTool("swift_fibonacci", ["n": 93])) == "12200160415121876738")
        #expect(try client.callTool("swift_fibonacci", ["n": 94])["isError"] as? Bool == true)
    }

    static let cargo: String? = {
        var candidates = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/cargo" }
        candidates.append(NSHomeDirectory() + "/.cargo/bin/cargo")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    @Test(.enabled(if: TemplateTests.cargo != nil, "cargo is not installed: the Rust template is not built"))
    func rustTemplateBuildsOfflineWithCargoAndLoads() throws {
        let cargo = try #require(Self.cargo)
        let target = try PluginBuilder.temporaryDirectory("rust-target")
        var environment = ProcessInfo.processInfo.environment
        environment["CARGO_TARGET_DIR"] = target
        // cargo finds rustc next to itself when it is not on PATH.
        environment["PATH"] = URL(fileURLWithPath: cargo).deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        let build = try runCommand(cargo, [
            "build", "--release", "--offline", "--manifest-path", ServerProcess.packageRoot + "/Plugins/Examples/RustExample/Cargo.toml",
        ], environment: environment, timeout: 300)
        #expect(build.status == 0, "cargo build failed:\n\(build.stderr)")
        let library = target + "/release/libtoolhost_rust_example.so"
        #expect(try Self.exportedSymbols(library) == ["th_plugin_entry_v1"])

        let client = try MCPTestClient.start(plugins: [library])
        try client.initialize()
        #expect(MCPTestClient.text(of: try client.callTool("rust_upper", ["text": "straße \"q\" 😀"])) == "STRASSE \"Q\" 😀")
        #expect(MCPTestClient.text(of: try client.callTool("rust_isqrt", ["n": "18446744073709551615"])) == "4294967295")
        #expect(MCPTestClient.text(of: try client.callTool("rust_isqrt", ["n": 17])) == "4")
        #expect(MCPTestClient.text(of: try client.callTool("rust_reverse", ["text": "héllo"])) == "olléh")
        let check = try runCommand(ServerProcess.toolhostPath, ["check", library])
        #expect(check.status == 0, "\(check.stdout)")
    }
}
