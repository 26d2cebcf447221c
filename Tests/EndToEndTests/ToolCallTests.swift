import Foundation
import TestSupport
import Testing

/// tools/call through the real binary: sync and async tools, argument checks, errors,
/// progress, logging, concurrency and cancellation.
@Suite struct ToolCallTests {
    func connected(_ arguments: [String] = [], version: String = "2025-11-25") throws -> MCPTestClient {
        let client = try MCPTestClient.start(arguments: arguments)
        try client.initialize(version: version)
        return client
    }

    @Test func syncCallReturnsText() throws {
        let client = try connected()
        let result = try client.callTool("echo", ["text": "héllo \"wörld\" \\ \t ✓"])
        #expect(MCPTestClient.text(of: result) == "héllo \"wörld\" \\ \t ✓")
        #expect(result["isError"] == nil)
    }

    @Test func asyncCallCompletesFromAnotherThread() throws {
        let client = try connected()
        let result = try client.callTool("slow_echo", ["text": "later", "steps": 3, "delay_ms": 20])
        #expect(MCPTestClient.text(of: result) == "later")
        #expect(client.notifications.filter { $0["method"] as? String == "notifications/progress" }.isEmpty,
                "no progressToken, no progress")
    }

    @Test func progressArrivesBeforeTheResultAndIncreases() throws {
        let client = try connected()
        let id = client.sendRequest("tools/call", [
            "name": "slow_echo", "arguments": ["text": "p", "steps": 4, "delay_ms": 20],
            "_meta": ["progressToken": "tok-1"],
        ])
        // Read raw messages in order: every progress must come before the response.
        var progress: [Double] = []
        var result: JSONDict?
        while result == nil, let message = client.nextMessage() {
            if message["method"] as? String == "notifications/progress" {
                #expect(message[path: "params", "progressToken"] as? String == "tok-1")
                progress.append(message[path: "params", "progress"] as? Double ?? -1)
                #expect(message[path: "params", "total"] as? Double == 4)
                #expect((message[path: "params", "message"] as? String)?.hasPrefix("step ") == true)
            } else if MCPTestClient.key(message["id"] ?? NSNull()) == MCPTestClient.key(id) {
                result = message["result"] as? JSONDict
            }
        }
        #expect(progress == [1, 2, 3, 4])
        #expect(MCPTestClient.text(of: try #require(result)) == "p")
    }

    @Test func progressOmitsMessageFor20241105() throws {
        let client = try connected(version: "2024-11-05")
        _ = try client.callTool("slow_echo", ["text": "p", "steps": 2, "delay_ms": 5], meta: ["progressToken": 7])
        let note = try #require(client.notification("notifications/progress"))
        #expect(note[path: "params", "progressToken"] as? Int == 7)
        #expect(note[path: "params", "message"] == nil)
    }

    @Test func unknownToolIsInvalidParams() throws {
        let client = try connected()
        let response = try client.request("tools/call", ["name": "no_such_tool", "arguments": [:] as JSONDict])
        #expect(response[path: "error", "code"] as? Int == -32602)
        #expect((response[path: "error", "message"] as? String)?.contains("no_such_tool") == true)
    }

    /// Arguments are checked against the schema before the plugin runs: `fail` would answer
    /// with its own message, so seeing the host's message proves the plugin never ran.
    @Test(arguments: [
        (#"{"text":5}"#, "echo", "`text` must be a string"),
        (#"{}"#, "echo", "`text` is required"),
        (#"{"text":"x","extra":1}"#, "echo", "`extra` is not an accepted argument"),
        (#"{"ms":-1}"#, "sleep", "`ms` must be at least 0"),
        (#"{"ms":1.5}"#, "sleep", "`ms` must be an integer"),
        (#"{"a":1,"b":9223372036854775808}"#, "add", "`b` must be at most 9223372036854775807"),
        (#"{"text":"x","steps":100001}"#, "slow_echo", "`steps` must be at most 100000"),
        (#"{}"#, "fail", "`message` is required"),
    ])
    func invalidArgumentsAreToolErrorsNamingTheField(arguments: String, tool: String, expected: String) throws {
        let client = try connected()
        client.sendRaw(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"\#(tool)","arguments":\#(arguments)}}"#)
        let result = try #require(try client.response(to: 1)["result"] as? JSONDict)
        #expect(result["isError"] as? Bool == true)
        let text = MCPTestClient.text(of: result)
        #expect(text.contains(expected), "\(text)")
        #expect(text.contains("Invalid arguments for tool \(tool)"))
    }

    @Test func pluginErrorsAreToolErrors() throws {
        let client = try connected()
        let result = try client.callTool("fail", ["message": "the disk is full"])
        #expect(result["isError"] as? Bool == true)
        #expect(MCPTestClient.text(of: result) == "the disk is full")
    }

    @Test func argumentsMustBeAnObject() throws {
        let client = try connected()
        let response = try client.request("tools/call", ["name": "echo", "arguments": [1, 2]])
        #expect(response[path: "error", "code"] as? Int == -32602)
    }

    @Test func largeIntegersKeepEveryDigit() throws {
        let client = try connected()
        // 2^53 + 1 is not representable as a double; the plugin must see it exactly.
        client.sendRaw(#"{"jsonrpc":"2.0","id":"big","method":"tools/call","params":{"name":"add","arguments":{"a":9007199254740993,"b":0}}}"#)
        let line = try #require(client.process.readLine())
        #expect(line.contains(#""text":"9007199254740993""#))
        #expect(line.contains(#""structuredContent":{"sum":9007199254740993}"#))
    }

    // MARK: Concurrency

    @Test func pingAndOtherCallsAreNotDelayedBySlowCalls() throws {
        let client = try connected()
        // Four blocking synchronous calls (more than this machine's cores) and a slow async one.
        var slow: [Any] = []
        for _ in 0..<4 { slow.append(client.sendRequest("tools/call", ["name": "sleep", "arguments": ["ms": 60_000]])) }
        slow.append(client.sendRequest("tools/call", ["name": "slow_echo", "arguments": ["text": "x", "steps": 600, "delay_ms": 100]]))
        let ping = client.sendRequest("ping")
        let list = client.sendRequest("tools/list")
        let echo = client.sendRequest("tools/call", ["name": "echo", "arguments": ["text": "not delayed"]])
        #expect(try client.response(to: ping, timeout: 30)["result"] != nil)
        #expect(try client.response(to: list, timeout: 30)["result"] != nil)
        let echoed = try client.response(to: echo, timeout: 30)
        #expect(MCPTestClient.text(of: echoed["result"] as? JSONDict ?? [:]) == "not delayed")
        for id in slow {
            #expect(client.unclaimedResponses[MCPTestClient.key(id)] == nil, "slow calls are still running")
            client.notify("notifications/cancelled", ["requestId": id, "reason": "test over"])
        }
    }

    // MARK: Cancellation

    @Test func cancelledAsyncCallGetsNoResponseAndStops() throws {
        let client = try connected()
        let id = client.sendRequest("tools/call", [
            "name": "slow_echo", "arguments": ["text": "x", "steps": 1000, "delay_ms": 20],
            "_meta": ["progressToken": "c1"],
        ])
        #expect(client.notification("notifications/progress") != nil)
        client.notify("notifications/cancelled", ["requestId": id, "reason": "user pressed stop"])
        // After the cancel: no response for that id, and progress stops.
        let after = try client.result("tools/call", ["name": "echo", "arguments": ["text": "still here"]])
        #expect(MCPTestClient.text(of: after) == "still here")
        client.drain(for: 0.5)
        let countAfterDrain = client.notifications.count
        client.drain(for: 0.5)
        #expect(client.notifications.count == countAfterDrain, "no progress after the cancellation settled")
        #expect(!client.hasResponse(to: id, within: 0.2))
    }

    @Test func cancelledSyncCallIsToldThroughIsCancelled() throws {
        let client = try connected()
        let id = client.sendRequest("tools/call", ["name": "sleep", "arguments": ["ms": 600_000]])
        client.drain(for: 0.2)
        client.notify("notifications/cancelled", ["requestId": id])
        // The sleep polls is_cancelled every 10 ms and returns; the host then sends nothing.
        #expect(!client.hasResponse(to: id, within: 1))
        // The request id is free again.
        let reused = try client.request("tools/call", ["name": "echo", "arguments": ["text": "reuse"]], id: id)
        #expect(MCPTestClient.text(of: reused["result"] as? JSONDict ?? [:]) == "reuse")
    }

    @Test func cancellingAnUnknownIdChangesNothing() throws {
        let client = try connected()
        client.notify("notifications/cancelled", ["requestId": 424242])
        client.notify("notifications/cancelled", ["requestId": ["not": "an id"]])
        #expect(try client.request("ping")["result"] != nil)
    }

    @Test func duplicateIdInFlightIsRefused() throws {
        let client = try connected()
        let first = client.sendRequest("tools/call", ["name": "slow_echo", "arguments": ["text": "first", "steps": 5, "delay_ms": 40]], id: "dup")
        client.sendRequest("tools/call", ["name": "echo", "arguments": ["text": "second"]], id: "dup")
        // Answered with id null (the id "dup" belongs to the first request's answer alone).
        let second = try client.response(to: NSNull())
        #expect(second[path: "error", "code"] as? Int == -32600)
        #expect(second[path: "error", "data", "duplicateId"] as? String == "dup")
        let original = try client.response(to: first)
        #expect(MCPTestClient.text(of: original["result"] as? JSONDict ?? [:]) == "first")
    }

    @Test func deadlineAnswersWithATimeoutError() throws {
        let client = try connected(["--call-timeout", "0.3"])
        let result = try client.callTool("slow_echo", ["text": "x", "steps": 100, "delay_ms": 50])
        #expect(result["isError"] as? Bool == true)
        #expect(MCPTestClient.text(of: result).contains("did not finish within 0.3 s"))
    }

    // MARK: Logging

    @Test func callLogsReachTheClientOnlyAfterSetLevel() throws {
        let client = try connected()
        _ = try client.callTool("slow_echo", ["text": "quiet", "steps": 1, "delay_ms": 1])
        client.drain(for: 0.2)
        #expect(client.notification("notifications/message", timeout: 0.1) == nil)

        _ = try client.result("logging/setLevel", ["level": "info"])
        _ = try client.callTool("slow_echo", ["text": "loud", "steps": 1, "delay_ms": 1])
        let log = try #require(client.notification("notifications/message", timeout: 2))
        #expect(log[path: "params", "level"] as? String == "info")
        #expect(log[path: "params", "logger"] as? String == "example")
        #expect(log[path: "params", "data"] as? String == "slow_echo finished")

        _ = try client.result("logging/setLevel", ["level": "error"])
        _ = try client.callTool("slow_echo", ["text": "quiet again", "steps": 1, "delay_ms": 1])
        #expect(client.notification("notifications/message", timeout: 0.3) == nil)

        let bad = try client.request("logging/setLevel", ["level": "loud"])
        #expect(bad[path: "error", "code"] as? Int == -32602)
    }
}
