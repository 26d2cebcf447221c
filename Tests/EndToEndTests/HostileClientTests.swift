import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What a hostile client found (issue 11): each test failed before its fix.
@Suite struct HostileClientTests {
    func connected(arguments: [String] = []) throws -> MCPTestClient {
        let client = try MCPTestClient.start(arguments: arguments)
        try client.initialize()
        return client
    }

    /// Every response to `ids`, by id, read until each has one or the output ends; counts
    /// answers per id so a second answer shows.
    func collectAnswers(_ client: MCPTestClient, ids: Set<Int>, timeout: Double) -> [Int: [JSONDict]] {
        var answers: [Int: [JSONDict]] = [:]
        let deadline = Date().addingTimeInterval(timeout)
        while Set(answers.keys) != ids, Date() < deadline, let message = client.nextMessage(timeout: max(0.1, deadline.timeIntervalSinceNow)) {
            if let id = message["id"] as? Int { answers[id, default: []].append(message) }
        }
        return answers
    }

    /// More blocking calls than the pool has threads: the rest wait in the queue and every one
    /// is answered (this crashed with SIGSEGV past 256 calls).
    @Test func moreBlockingCallsThanThreadsAreQueuedAndAllAnswered() throws {
        let client = try connected()
        let ids = Set(1...300)
        for id in ids.sorted() {
            client.sendRequest("tools/call", ["name": "sleep", "arguments": ["ms": 1500]], id: id)
        }
        let answers = collectAnswers(client, ids: ids, timeout: 90)
        #expect(answers.count == ids.count, "answered \(answers.count) of \(ids.count)")
        #expect(answers.values.allSatisfy { $0.count == 1 && ($0[0]["result"] as? JSONDict)?["isError"] as? Bool != true })
        #expect(try client.request("ping")["result"] != nil)
        client.process.closeStdin()
        #expect(client.process.waitForExit(timeout: 30) == 0)
    }

    /// Five blocking calls, four allowed at once, then the client hangs up: the reader notices
    /// while it waits for room, the calls running get the grace period, and the process exits
    /// long before the 30 s sleeps would end.
    @Test func hangUpIsNoticedWhileTheReaderWaitsForRoom() throws {
        let client = try connected(arguments: ["--max-calls-in-flight", "4", "--shutdown-grace", "1"])
        for id in 1...5 {
            client.sendRequest("tools/call", ["name": "sleep", "arguments": ["ms": 30_000]], id: id)
        }
        client.drain(for: 0.5)
        client.process.closeStdin()
        #expect(client.process.waitForExit(timeout: 20) == 0, "still running after the input ended")
        let answers = collectAnswers(client, ids: Set(1...4), timeout: 5)
        for id in 1...4 {
            let result = answers[id]?.first?["result"] as? JSONDict
            #expect(result?["isError"] as? Bool == true, "call \(id): \(String(describing: answers[id]))")
            #expect(MCPTestClient.text(of: result ?? [:]).contains("input ended"), "call \(id) says why")
        }
    }

    /// Calls already read when the input ends run to completion within the grace period.
    @Test func callsReadBeforeTheEndOfInputFinish() throws {
        let client = try connected()
        for id in 1...5 {
            client.sendRequest("tools/call", ["name": "sleep", "arguments": ["ms": 300]], id: id)
        }
        // A burst of quick calls too: the tail of a piped file.
        for id in 100..<2100 {
            client.sendRequest("tools/call", ["name": "add", "arguments": ["a": id, "b": 1]], id: id)
        }
        client.process.closeStdin()
        let ids = Set(1...5).union(100..<2100)
        let answers = collectAnswers(client, ids: ids, timeout: 30)
        #expect(answers.count == ids.count)
        let failed = answers.filter { ($0.value.first?["result"] as? JSONDict)?["isError"] as? Bool == true }
        #expect(failed.isEmpty, "cancelled at the end of input: \(failed.keys.sorted().prefix(10))")
        #expect(client.process.waitForExit(timeout: 10) == 0)
    }

    /// Duplicate member names are refused wherever they are, naming the key, so a proxy and
    /// the plugin can never read one message two ways.
    @Test(arguments: [
        (#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","name":"fail","arguments":{}}}"#, "\"name\""),
        (#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"a","text":"b"}}}"#, "\"text\""),
        (#"{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}"#, "\"id\""),
        (#"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"_meta":{"a":[{"k":1,"k":2}]}}}"#, "\"k\""),
    ])
    func duplicateMemberNamesAreRefused(line: String, key: String) throws {
        let client = try connected()
        client.sendRaw(line)
        let reply = try #require(client.nextMessage())
        #expect(reply[path: "error", "code"] as? Int == -32700, "\(reply)")
        let message = reply[path: "error", "message"] as? String ?? ""
        #expect(message.contains("duplicate member name \(key)"), "\(message)")
        #expect(try client.request("ping")["result"] != nil)
    }

    /// A second request with an id already in flight is answered with id null (naming the
    /// duplicate in error.data), so the id still gets exactly one answer: the first request's.
    @Test func duplicateIDWhileInFlightGetsOneAnswerPerID() throws {
        let client = try connected()
        client.sendRequest("tools/call", ["name": "sleep", "arguments": ["ms": 500]], id: 7)
        client.sendRequest("tools/call", ["name": "fail", "arguments": ["message": "not me"]], id: 7)
        client.sendRequest("ping", id: 7)
        var withID7: [JSONDict] = []
        var nullID: [JSONDict] = []
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, withID7.isEmpty || nullID.count < 2, let message = client.nextMessage(timeout: 5) {
            if message["id"] as? Int == 7 { withID7.append(message) }
            if message.keys.contains("id"), message["id"] is NSNull { nullID.append(message) }
        }
        client.drain(for: 0.5)
        #expect(withID7.count == 1)
        #expect((withID7.first?["result"] as? JSONDict)?["isError"] as? Bool != true, "the first request's answer: \(withID7)")
        #expect(nullID.count == 2)
        for reply in nullID {
            #expect(reply[path: "error", "code"] as? Int == -32600)
            #expect(reply[path: "error", "data", "duplicateId"] as? Int == 7)
        }
        // Once the first answered, the id is free again.
        #expect(try client.request("ping", id: 7)["result"] != nil)
    }
}

/// A library cut short in a plugin folder (a half-copied file) is reported and skipped; it
/// crashed the host with SIGBUS inside dlopen.
@Suite struct TruncatedLibraryTests {
    @Test(arguments: [64, 1000, 5000])
    func truncatedLibraryIsReportedAndTheRestLoad(keep: Int) throws {
        let original = try Data(contentsOf: URL(fileURLWithPath: ServerProcess.plugin("CExample")))
        let dir = try PluginBuilder.temporaryDirectory("truncated")
        try original.prefix(keep).write(to: URL(fileURLWithPath: dir + "/libT.so"))
        let check = try runCommand(ServerProcess.toolhostPath, ["check", dir + "/libT.so"])
        #expect(check.status == 1, "exit \(check.status): \(check.stderr)")
        #expect(check.stdout.contains("libT.so"))
        #expect(check.stdout.contains("truncated") || check.stdout.contains("shorter than an ELF header"), "\(check.stdout)")

        // Served from a folder beside a good plugin: the good one's tools are there.
        try FileManager.default.copyItem(atPath: ServerProcess.plugin("CExample"), toPath: dir + "/libgood.so")
        let client = try MCPTestClient.start(plugins: [], arguments: ["--plugin-dir", dir])
        try client.initialize()
        let tools = try client.result("tools/list")["tools"] as? [JSONDict] ?? []
        #expect(tools.contains { $0["name"] as? String == "echo" })
        #expect(client.process.waitForStderr(containing: "libT.so"))
    }

    /// Cut anywhere, a library is either refused with a reason or (cut only in parts the loader
    /// never reads, such as debug sections) loads: never a signal.
    @Test func aCutAnywhereNeverCrashes() throws {
        let original = try Data(contentsOf: URL(fileURLWithPath: ServerProcess.plugin("CExample")))
        let dir = try PluginBuilder.temporaryDirectory("cuts")
        let steps = 24
        for step in 1..<steps {
            let keep = original.count * step / steps
            try original.prefix(keep).write(to: URL(fileURLWithPath: dir + "/libT.so"))
            let check = try runCommand(ServerProcess.toolhostPath, ["check", dir + "/libT.so"])
            #expect(check.status == 0 || check.status == 1, "cut at \(keep) of \(original.count) bytes: exit \(check.status)")
            if check.status == 1 { #expect(check.stdout.contains("libT.so"), "cut at \(keep): \(check.stdout)") }
        }
    }

    @Test func aFileThatIsNotELFIsReported() throws {
        let dir = try PluginBuilder.temporaryDirectory("notelf")
        try Data(repeating: 0x41, count: 10_000).write(to: URL(fileURLWithPath: dir + "/libA.so"))
        let check = try runCommand(ServerProcess.toolhostPath, ["check", dir + "/libA.so"])
        #expect(check.status == 1)
        #expect(check.stdout.contains("ELF magic"), "\(check.stdout)")
    }
}
