import Foundation
import TestSupport
import Testing
import VLLMDouble

/// The vLLM plugin's two builds: built into toolhost (`--plugin vllm`, what the other suites
/// run by default) and `libVLLM.so` (its own Swift runtime, loaded with dlopen). They are one
/// plugin behind one C ABI, so a client must not be able to tell them apart.
@Suite struct BuiltInAndLibraryTests {
    static let library = ServerProcess.plugin("VLLM")

    @Test func bothBuildsOfferTheSameToolsPromptsAndResources() async throws {
        var lists: [[String]] = []
        for plugin in ["vllm", Self.library] {
            let session = try await VLLMSession.start(plugin: plugin)
            defer { Task { await session.stop() } }
            var texts: [String] = []
            for method in ["tools/list", "prompts/list", "resources/list", "resources/templates/list"] {
                let result = try await session.client { try $0.result(method) }
                let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
                texts.append(String(decoding: data, as: UTF8.self))
            }
            lists.append(texts)
        }
        #expect(lists[0] == lists[1])
        #expect(lists[0][0].contains("\"vllm_chat\""))
    }

    /// Streaming with progress, and cancellation reaching the upstream, through each build.
    @Test(arguments: ["vllm", BuiltInAndLibraryTests.library])
    func chatStreamingAndCancellation(plugin: String) async throws {
        let session = try await VLLMSession.start(Configuration(behavior: Behavior(tokenDelay: .milliseconds(20))), plugin: plugin)
        defer { Task { await session.stop() } }
        let plain = try await session.chat("plain answer")
        #expect(plain[path: "structuredContent", "content"] as? String == "plain answer")

        let streamed = try await session.chat("[[double: reply-tokens=8]] streamed", meta: ["progressToken": "p"])
        #expect(!streamed.isError)
        #expect(!session.client.progressNotifications(token: "p").isEmpty)

        let double = try #require(session.double)
        let id = Unchecked(session.client.sendRequest("tools/call", [
            "name": "vllm_chat", "arguments": ["messages": [["role": "user", "content": "[[double: reply-tokens=500]] long"]]],
            "_meta": ["progressToken": "long"],
        ]))
        #expect(try await session.client {
            $0.notification("notifications/progress", timeout: 10) { $0[path: "params", "progressToken"] as? String == "long" } != nil
        })
        session.client.notify("notifications/cancelled", ["requestId": id.value])
        try await double.waitForRecordedRequests(timeout: .seconds(5)) { $0.contains(where: \.clientDisconnected) }
        #expect(try await !session.client { $0.hasResponse(to: id.value, within: 0.3) })
    }

    /// The built-in shares the host's process image: no libVLLM.so is mapped, and the host's
    /// executable is the only Swift image (the library build brings a second runtime).
    @Test func theBuiltInMapsNoLibrary() async throws {
        for (plugin, mapsLibrary) in [("vllm", false), (Self.library, true)] {
            let session = try await VLLMSession.start(plugin: plugin)
            defer { Task { await session.stop() } }
            _ = try await session.chat("map me")
            let mapped = try session.mappedLibraries()
            #expect(mapped.contains("toolhost"))
            #expect(mapped.contains("libVLLM.so") == mapsLibrary, "\(plugin)")
        }
    }

    /// Isolated, the built-in runs in a runner started from the same executable.
    @Test func theBuiltInRunsIsolatedToo() async throws {
        let session = try await VLLMSession.start(arguments: ["--isolation", "process"], plugin: "vllm")
        defer { Task { await session.stop() } }
        let result = try await session.chat("from the runner")
        #expect(result[path: "structuredContent", "content"] as? String == "from the runner")
        let children = try session.procFile("task/\(session.client.process.pid)/children")
        let runner = try #require(children.split(separator: " ").first.map(String.init))
        let command = try String(contentsOfFile: "/proc/\(runner)/cmdline", encoding: .utf8).split(separator: "\0").map(String.init)
        #expect(command.contains("builtin:vllm"), "\(command)")
    }

    @Test func unknownNamesAndTwoCopiesAreReported() async throws {
        let unknown = try runCommand(ServerProcess.toolhostPath, ["check", "--plugin", "vlm"])
        #expect(unknown.stdout.contains("no such file, and toolhost has no built-in plugin named \"vlm\" (built in: vllm)"), "\(unknown.stdout)\(unknown.stderr)")
        let both = try runCommand(ServerProcess.toolhostPath, ["check", "--plugin", "vllm", "--plugin", Self.library])
        #expect(both.stdout.contains("file: none, built into toolhost (--plugin vllm)"), "\(both.stdout)")
        #expect(both.stdout.contains("plugin id vllm is already loaded from builtin:vllm; this copy is skipped"), "\(both.stdout)")
    }
}
