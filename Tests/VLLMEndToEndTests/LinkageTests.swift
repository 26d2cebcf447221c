import Foundation
import TestSupport
import Testing

/// libVLLM.so exports the ABI and nothing else (the linker version script), as a third-party
/// loader would see it.
@Suite struct LinkageTests {
    @Test func onlyTheEntryPointIsExported() async throws {
        let run = try await VLLMSession.offPool { try runCommand("/usr/bin/env", ["nm", "-D", "--defined-only", "--extern-only", ServerProcess.plugin("VLLM")]) }
        #expect(run.status == 0, "\(run.stderr)")
        let symbols = run.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }
        #expect(symbols == ["th_plugin_entry_v1"])
    }
}
