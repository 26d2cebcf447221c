import Foundation
import TestSupport
import Testing

/// Plugins dropped into a watched folder while serving (issue 14, "Drop-in"; the files here
/// live in temporary folders, so they run isolated unless a test says `--isolation none`): a
/// new file loads and its tools appear with list_changed; a file still being written waits
/// until it is complete; a broken one is reported and changes nothing; an isolated plugin's
/// file replaced or removed restarts or retires it; an in-process one's is reported as needing
/// a restart.
@Suite struct DropInTests {
    static let fixture = "Tests/Fixtures/plugins/fixture.c"

    /// A built plugin with one tool `<id>_tool`, outside the watched folder.
    static func build(_ id: String) throws -> String {
        let dir = try PluginBuilder.temporaryDirectory("dropin-src")
        return try PluginBuilder.build(fixture, name: id, into: dir, defines: [#"FIXTURE_ID="\#(id)""#, #"TOOL_NAME="\#(id)_tool""#])
    }

    static func names(_ client: MCPTestClient) throws -> [String] {
        (try client.result("tools/list")["tools"] as? [JSONDict] ?? []).compactMap { $0["name"] as? String }
    }

    /// A server watching a fresh folder that holds plugin `first`.
    static func serve(_ watch: String? = nil, arguments: [String] = []) throws -> (MCPTestClient, String) {
        let folder = try PluginBuilder.temporaryDirectory("dropin")
        try FileManager.default.copyItem(atPath: try build("first"), toPath: folder + "/libfirst.so")
        var environment = ProcessInfo.processInfo.environment
        environment["TOOLHOST_WATCH"] = watch
        let client = try MCPTestClient.start(plugins: [], arguments: ["--plugin-dir", folder] + arguments, environment: environment)
        try client.initialize()
        #expect(try names(client) == ["first_tool"])
        return (client, folder)
    }

    /// Waits for the tool list to contain `tool`, after a list_changed notification.
    static func expectAppears(_ tool: String, _ client: MCPTestClient, timeout: Double = 10) throws {
        #expect(client.notification("notifications/tools/list_changed", timeout: timeout) != nil, "list_changed for \(tool)")
        #expect(try names(client).contains(tool))
        #expect(MCPTestClient.text(of: try client.callTool(tool)).hasPrefix("second:\(tool)"))
    }

    @Test(arguments: [nil, "poll"])
    func aPluginRenamedIntoTheFolderLoads(watch: String?) throws {
        let (client, folder) = try Self.serve(watch)
        // The usual safe way: copy beside, then rename into place.
        try FileManager.default.copyItem(atPath: try Self.build("second"), toPath: folder + "/.libsecond.so.part")
        try FileManager.default.moveItem(atPath: folder + "/.libsecond.so.part", toPath: folder + "/libsecond.so")
        try Self.expectAppears("second_tool", client)
        #expect(try Self.names(client) == ["first_tool", "second_tool"])
    }

    @Test func aFileStillBeingWrittenLoadsOnlyOnceComplete() throws {
        let (client, folder) = try Self.serve()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: try Self.build("second")))
        let path = folder + "/libsecond.so"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.write(contentsOf: bytes.prefix(bytes.count / 2))
        client.drain(for: 0.5)
        #expect(try Self.names(client) == ["first_tool"], "half a file is not loaded")
        try handle.write(contentsOf: bytes.suffix(from: bytes.count / 2))
        try handle.close()
        try Self.expectAppears("second_tool", client)
    }

    @Test func aBrokenFileIsReportedAndChangesNothing() throws {
        let (client, folder) = try Self.serve()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: try Self.build("second")))
        try bytes.prefix(1000).write(to: URL(fileURLWithPath: folder + "/libcut.so"))
        try Data("not a library".utf8).write(to: URL(fileURLWithPath: folder + "/libjunk.so"))
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, !(client.process.stderr.contains("libcut.so") && client.process.stderr.contains("libjunk.so")) {
            client.drain(for: 0.1)
        }
        #expect(client.process.stderr.contains("libcut.so: is truncated"), "\(client.process.stderr)")
        #expect(client.process.stderr.contains("libjunk.so"), "\(client.process.stderr)")
        #expect(client.process.stderr.contains("the other plugins keep serving"))
        #expect(try Self.names(client) == ["first_tool"])
        #expect(MCPTestClient.text(of: try client.callTool("first_tool")).hasPrefix("first:first_tool"))
    }

    @Test func replacingOrRemovingAnInProcessPluginSaysARestartIsNeeded() throws {
        let (client, folder) = try Self.serve(arguments: ["--isolation", "none"])
        try FileManager.default.copyItem(atPath: try Self.build("first"), toPath: folder + "/.next")
        #expect(rename(folder + "/.next", folder + "/libfirst.so") == 0, "renamed over the loaded file")
        try FileManager.default.removeItem(atPath: folder + "/libfirst.so")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, !client.process.stderr.contains("was removed while serving") { client.drain(for: 0.1) }
        #expect(client.process.stderr.contains("the file of plugin first (\(folder)/libfirst.so) was replaced while serving"), "\(client.process.stderr)")
        #expect(client.process.stderr.contains("was removed while serving") && client.process.stderr.contains("until toolhost restarts"))
        #expect(try Self.names(client) == ["first_tool"], "its tools stay until a restart")
        #expect(MCPTestClient.text(of: try client.callTool("first_tool")).hasPrefix("first:first_tool"))
    }

    /// An isolated plugin (the default for a file in a folder of its own) is restarted from
    /// its new file: the call running on the old version finishes there, the next call gets the
    /// new behaviour, and the client hears list_changed; a removed file's tools go.
    @Test func anIsolatedPluginIsReplacedAndRemovedWhileServing() throws {
        let (client, folder) = try Self.serve()
        let running = client.sendRequest("tools/call", ["name": "first_tool", "arguments": ["sleep_ms": 1500]])
        client.drain(for: 0.3)
        let dir = try PluginBuilder.temporaryDirectory("dropin-src")
        let next = try PluginBuilder.build(Self.fixture, name: "first", into: dir, defines: [#"FIXTURE_ID="first""#, #"TOOL_NAME="first_v2""#])
        try FileManager.default.copyItem(atPath: next, toPath: folder + "/.next")
        #expect(rename(folder + "/.next", folder + "/libfirst.so") == 0, "renamed over the loaded file")
        #expect(client.notification("notifications/tools/list_changed", timeout: 10) != nil)
        #expect(try Self.names(client) == ["first_v2"])
        #expect(MCPTestClient.text(of: try client.callTool("first_v2")).hasPrefix("first:first_v2"), "the new file serves")
        let old = try client.response(to: running)
        #expect(MCPTestClient.text(of: try #require(old["result"] as? JSONDict)).hasPrefix("first:first_tool"),
                "the call running on the old file finished there: \(old)")
        try FileManager.default.removeItem(atPath: folder + "/libfirst.so")
        #expect(client.notification("notifications/tools/list_changed", timeout: 10) != nil)
        #expect(try Self.names(client).isEmpty)
        #expect(client.process.waitForStderr(containing: "was removed while serving"))
    }

    @Test func namedFilesAndTOOLHOST_WATCH_0TurnWatchingOff() throws {
        let folder = try PluginBuilder.temporaryDirectory("dropin-off")
        var environment = ProcessInfo.processInfo.environment
        environment["TOOLHOST_WATCH"] = "0"
        let client = try MCPTestClient.start(plugins: [], arguments: ["--plugin-dir", folder], environment: environment)
        try client.initialize()
        try FileManager.default.copyItem(atPath: try Self.build("second"), toPath: folder + "/libsecond.so")
        client.drain(for: 1.5)
        #expect(try Self.names(client).isEmpty)
    }
}
