import Foundation
import TestSupport
import Testing

/// What the binaries expose to each other: the host carries its Swift runtime inside and
/// exports nothing; a plugin exports the ABI and nothing else.
@Suite struct LinkageTests {
    func definedDynamicSymbols(_ path: String) throws -> [String] {
        let result = try runCommand("/usr/bin/nm", ["-D", "--defined-only", path])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 3, ["T", "D", "B", "R", "W", "V", "i"].contains(parts[1]) else { return nil }
            return String(parts[2])
        }
    }

    @Test func hostExportsNothingAndNeedsNoSwiftRuntimeLibrary() throws {
        let exported = try definedDynamicSymbols(ServerProcess.toolhostPath).filter { !$0.hasPrefix("_") }
        #expect(exported.isEmpty, "exported: \(exported.prefix(10))")
        let needed = try runCommand("/usr/bin/readelf", ["-d", ServerProcess.toolhostPath]).stdout
        #expect(!needed.contains("libswiftCore.so"), "the Swift runtime is linked statically")
        #expect(needed.contains("libffi.so"))
    }

    @Test func examplePluginExportsOnlyTheEntryPoint() throws {
        let exported = try definedDynamicSymbols(ServerProcess.plugin("CExample")).filter { !$0.hasPrefix("_") }
        #expect(exported == ["th_plugin_entry_v1"])
    }
}
