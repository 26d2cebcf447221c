import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Every malformed message gets the right JSON-RPC error and the server keeps serving.
@Suite struct HostileInputTests {
    /// Sends `line` raw and returns the one message that answers it (nil when none within
    /// `timeout`), then proves the server still serves.
    func answer(to line: String, client: MCPTestClient, timeout: Double = 2) throws -> JSONDict? {
        client.sendRaw(line)
        let reply = client.nextMessage(timeout: timeout)
        let ping = try client.request("ping", id: "alive-\(UUID().uuidString)")
        #expect(ping["result"] != nil, "still serving after \(line.prefix(80))")
        return reply
    }

    func connected() throws -> MCPTestClient {
        let client = try MCPTestClient.start()
        try client.initialize()
        return client
    }

    @Test(arguments: [
        ("not json", -32700),
        (#"{"jsonrpc":"2.0","id":1,"method":"ping""#, -32700),        // truncated
        ("42", -32600),
        (#""a string""#, -32600),
        ("null", -32600),
        ("true", -32600),
        (#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#, -32600),
        (#"{"id":1,"method":"ping"}"#, -32600),                          // no jsonrpc
        (#"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#, -32600),    // id of the wrong type
        (#"{"jsonrpc":"2.0","id":[1],"method":"ping"}"#, -32600),
        (#"{"jsonrpc":"2.0","id":true,"method":"ping"}"#, -32600),
        (#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#, -32600),
        (#"{"jsonrpc":"2.0","id":1}"#, -32600),                          // no method
        (#"{"jsonrpc":"2.0","id":1,"method":7}"#, -32600),
        (#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":"x"}"#, -32600),
        (#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":[1]}"#, -32602),
        (#"{"jsonrpc":"2.0","id":1,"method":"notifications/initialized"}"#, -32600),   // notification with an id
        (#"{"jsonrpc":"2.0","id":1,"method":"no/such/method"}"#, -32601),
        (#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":5}}"#, -32602),
        ("[]", -32600),
        ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"x\":\"\\ud800\"}}", -32700), // lone surrogate
    ])
    func malformedMessagesGetTheRightError(line: String, code: Int) throws {
        let client = try connected()
        let reply = try #require(try answer(to: line, client: client))
        #expect(reply[path: "error", "code"] as? Int == code, "\(line) → \(reply)")
        #expect(reply["jsonrpc"] as? String == "2.0")
    }

    @Test func invalidUTF8IsAParseError() throws {
        let client = try connected()
        client.process.writeRaw(Array(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":""#.utf8) + [0xC3, 0x28, 0xFF] + Array(#""}}}"#.utf8) + [0x0A])
        let reply = try #require(client.nextMessage())
        #expect(reply[path: "error", "code"] as? Int == -32700)
        #expect((reply[path: "error", "message"] as? String)?.contains("UTF-8") == true)
        #expect(try client.request("ping")["result"] != nil)
    }

    @Test func deepNestingIsRefusedWithoutCrashing() throws {
        let client = try connected()
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let reply = try #require(try answer(to: #"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":\#(deep)}}"#, client: client))
        #expect(reply[path: "error", "code"] as? Int == -32700)
        #expect((reply[path: "error", "message"] as? String)?.contains("nesting deeper than") == true)
    }

    @Test func hugeMessageIsRefusedAndSkipped() throws {
        let client = try connected()
        let huge = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":""# + String(repeating: "x", count: 16 << 20) + #""}}}"#
        let reply = try #require(try answer(to: huge, client: client, timeout: 20))
        #expect(reply[path: "error", "code"] as? Int == -32600)
        #expect((reply[path: "error", "message"] as? String)?.contains("exceeds the limit") == true)

        // A larger limit lets the same message through.
        let roomy = try MCPTestClient.start(arguments: ["--max-message-bytes", String(32 << 20)])
        try roomy.initialize()
        roomy.sendRaw(huge)
        let echoed = try roomy.response(to: 1, timeout: 30)
        #expect(MCPTestClient.text(of: echoed["result"] as? JSONDict ?? [:]).count == 16 << 20)
    }

    @Test func whitespaceLinesAreIgnoredAndCRLFWorks() throws {
        let client = try MCPTestClient.start()
        client.process.writeRaw(Array("   \n\t\n\r\n".utf8))
        client.process.writeRaw(Array("{\"jsonrpc\":\"2.0\",\"id\":\"crlf\",\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{}}}\r\n".utf8))
        let reply = try #require(client.nextMessage())
        #expect(MCPTestClient.key(reply["id"] ?? NSNull()) == "\"crlf\"", "the first output answers the first real message: \(reply)")
    }

    @Test func unsolicitedResponsesAreIgnored() throws {
        let client = try connected()
        client.sendRaw(#"{"jsonrpc":"2.0","id":99,"result":{}}"#)
        client.sendRaw(#"{"jsonrpc":"2.0","id":98,"error":{"code":1,"message":"x"}}"#)
        let ping = try client.request("ping", id: "after")
        #expect(ping["result"] != nil)
        #expect(client.unclaimedResponses.isEmpty)
        #expect(client.notifications.isEmpty)
    }

    @Test func endOfInputInTheMiddleOfAMessage() throws {
        let client = try connected()
        client.process.writeRaw(Array(#"{"jsonrpc":"2.0","id":5,"method":"pi"#.utf8))
        client.process.closeStdin()
        // The fragment is answered as what it is (not JSON), then a clean exit.
        let reply = client.nextMessage()
        #expect(reply?[path: "error", "code"] as? Int == -32700)
        #expect(client.process.waitForExit() == 0)
    }

    /// 100,000 pipelined calls while the client does not read: the server must stop reading
    /// (backpressure) instead of buffering without bound, then answer every call once the
    /// client reads.
    @Test func floodOfPipelinedCallsStaysBounded() throws {
        let client = try connected()
        let process = client.process
        let count = 100_000
        let line = Array(#"{"jsonrpc":"2.0","id":0,"method":"tools/call","params":{"name":"echo","arguments":{"text":"flood flood flood flood flood flood flood flood"}}}"#.utf8) + [0x0A]
        let marker = Array(#""id":"#.utf8)
        let idOffset = line.indices.first { Array(line[$0..<min($0 + marker.count, line.count)]) == marker }! + marker.count
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            var chunk: [UInt8] = []
            for i in 0..<count {
                var message = line
                message.replaceSubrange(idOffset..<(idOffset + 1), with: Array(String(i + 1000).utf8))
                chunk += message
                if chunk.count > 1 << 16 {
                    process.writeRaw(chunk)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            process.writeRaw(chunk)
            done.signal()
        }
        // Nobody reads for a while: the writer thread blocks once the server stops reading.
        Thread.sleep(forTimeInterval: 3)
        let stalledRSS = process.residentKilobytes() ?? 0
        // Now read everything.
        var answered = 0
        var peakRSS = stalledRSS
        while answered < count, let reply = process.readLine(timeout: 60) {
            if reply.contains("\"result\"") { answered += 1 }
            if answered % 20_000 == 0 { peakRSS = max(peakRSS, process.residentKilobytes() ?? 0) }
        }
        #expect(answered == count)
        #expect(done.wait(timeout: .now() + 30) == .success)
        // The requests alone are over 13 MB and the answers over 10 MB; buffering them would
        // show. 64 MB leaves room for the runtime and the cap of calls in flight.
        #expect(stalledRSS < 64_000, "resident while stalled: \(stalledRSS) kB")
        #expect(peakRSS < 64_000, "peak resident: \(peakRSS) kB")
    }

    @Test func floodOfNotificationsStaysBounded() throws {
        let client = try connected()
        let process = client.process
        let notification = Array(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":12345}}"#.utf8) + [0x0A]
        var chunk: [UInt8] = []
        for _ in 0..<100_000 { chunk += notification }
        process.writeRaw(chunk)
        let ping = try client.request("ping", timeout: 60)
        #expect(ping["result"] != nil)
        #expect((process.residentKilobytes() ?? 0) < 64_000)
    }
}
