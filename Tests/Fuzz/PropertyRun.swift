import ToolHostCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The property test: generated sessions of valid, nearly valid and broken messages. Each
/// session runs on a fresh connection; afterwards every line the server wrote must be a
/// well-formed JSON-RPC message (a response with exactly one of result/error, or a
/// notification), and the process must not crash or hang.
enum PropertyRun {
    static func run(cases: Int, seed: UInt64) -> Int32 {
        var random = SplitMix64(seed: seed)
        var template = Array("/tmp/toolhost-fuzz-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else {
            print("cannot create a temporary file")
            return 1
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        var checked = 0
        for index in 0..<cases {
            let session = Generator.session(&random)
            ftruncate(fd, 0)
            lseek(fd, 0, SEEK_SET)
            session.withUnsafeBufferPointer { FuzzHarness.run($0, outputFD: fd) }
            guard FuzzHarness.settle() else {
                print("case \(index) (seed \(seed)): \(FuzzHarness.host.liveCallCount) call(s) never completed: a hang")
                print("input:  \(String(decoding: session, as: UTF8.self).prefix(2000))")
                return 1
            }
            let output = readAll(fd)
            for line in output.split(separator: 0x0A, omittingEmptySubsequences: true) {
                if let problem = check(Array(line)) {
                    print("case \(index) (seed \(seed)): \(problem)")
                    print("input:  \(String(decoding: session, as: UTF8.self).prefix(2000))")
                    print("output: \(String(decoding: line, as: UTF8.self).prefix(2000))")
                    return 1
                }
                checked += 1
            }
        }
        print("property run: \(cases) generated sessions (seed \(seed)), \(checked) output messages well-formed, 0 crashes")
        return 0
    }

    static func readAll(_ fd: Int32) -> [UInt8] {
        lseek(fd, 0, SEEK_SET)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { return bytes }
            bytes += chunk[..<n]
        }
    }

    /// Nil when `line` is a well-formed JSON-RPC message (or a batch of them).
    static func check(_ line: [UInt8]) -> String? {
        guard let value = try? JSONParser.parse(line) else { return "output is not JSON" }
        if case .array(let batch) = value {
            guard !batch.isEmpty else { return "empty batch response" }
            for element in batch { if let problem = checkMessage(element) { return problem } }
            return nil
        }
        return checkMessage(value)
    }

    static func checkMessage(_ value: JSON) -> String? {
        guard case .object(let message) = value else { return "message is not an object" }
        guard message["jsonrpc"] == .string("2.0") else { return "jsonrpc is not \"2.0\"" }
        if let method = message["method"] {
            guard case .string = method, message["id"] == nil else { return "malformed notification" }
            return nil
        }
        guard let id = message["id"] else { return "response without id" }
        switch id {
        case .string, .number, .null: break
        default: return "response id of the wrong type"
        }
        let hasResult = message["result"] != nil, hasError = message["error"] != nil
        guard hasResult != hasError else { return "response must carry exactly one of result and error" }
        if let error = message["error"] {
            guard case .number(let code)? = error["code"], code.isPlainInteger, case .string? = error["message"] else {
                return "error object without integer code and string message"
            }
        }
        if case .object(let result)? = message["result"], let content = result["content"] {
            guard case .array = content else { return "tool result content is not an array" }
        }
        return nil
    }
}

/// Builds sessions: mostly protocol-shaped messages, some of them damaged.
enum Generator {
    static let versions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28", "1999-01-01", ""]
    static let methods = [
        "initialize", "ping", "tools/list", "tools/call", "tools/call", "tools/call", "logging/setLevel", "server/discover",
        "subscriptions/listen", "notifications/initialized", "notifications/cancelled", "resources/list", "x/y",
    ]
    static let levels = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency", "loud"]

    static func session(_ r: inout SplitMix64) -> [UInt8] {
        var bytes: [UInt8] = []
        let lines = 1 + r.int(12)
        for _ in 0..<lines {
            var line = Array(JSONWriter.string(message(&r)).utf8)
            if r.chance(15) { line = damage(line, &r) }
            if r.chance(5) { line = Array("[".utf8) + line + Array(",".utf8) + Array(JSONWriter.string(message(&r)).utf8) + Array("]".utf8) }
            bytes += line
            bytes += r.chance(10) ? [0x0D, 0x0A] : [0x0A]
        }
        if r.chance(10) { bytes.removeLast() }
        return bytes
    }

    static func message(_ r: inout SplitMix64) -> JSON {
        var object: JSONObject = ["jsonrpc": r.chance(97) ? "2.0" : value(&r, depth: 1)]
        let method = r.pick(methods)
        if !r.chance(3) { object["method"] = r.chance(97) ? .string(method) : value(&r, depth: 1) }
        if !method.hasPrefix("notifications/") || r.chance(5) {
            object["id"] = r.chance(90) ? (r.chance(50) ? .int(r.int(6)) : .string("id\(r.int(6))")) : value(&r, depth: 1)
        }
        var params = JSONObject()
        switch method {
        case "initialize":
            params["protocolVersion"] = .string(r.pick(versions))
            params["capabilities"] = [:]
        case "tools/call":
            params["name"] = .string(r.pick(["echo", "async", "fail", "missing"]))
            params["arguments"] = r.chance(60) ? plausibleArguments(&r) : value(&r, depth: 3)
        case "tools/list":
            if r.chance(30) { params["cursor"] = r.chance(50) ? .string("t\(r.int(5))") : value(&r, depth: 1) }
        case "logging/setLevel":
            params["level"] = .string(r.pick(levels))
        case "notifications/cancelled":
            params["requestId"] = r.chance(70) ? (r.chance(50) ? .int(r.int(6)) : .string("id\(r.int(6))")) : value(&r, depth: 1)
        case "subscriptions/listen":
            params["notifications"] = ["toolsListChanged": .bool(r.chance(70))]
        default:
            break
        }
        if r.chance(50) {
            var meta = JSONObject()
            if r.chance(80) { meta["io.modelcontextprotocol/protocolVersion"] = r.chance(85) ? .string(r.pick(versions)) : value(&r, depth: 1) }
            if r.chance(85) { meta["io.modelcontextprotocol/clientCapabilities"] = r.chance(90) ? [:] : value(&r, depth: 1) }
            if r.chance(20) { meta["io.modelcontextprotocol/logLevel"] = .string(r.pick(levels)) }
            if r.chance(40) { meta["progressToken"] = r.chance(80) ? .int(r.int(100)) : value(&r, depth: 1) }
            params["_meta"] = .object(meta)
        }
        if !params.isEmpty || r.chance(20) { object["params"] = r.chance(95) ? .object(params) : value(&r, depth: 2) }
        return .object(object)
    }

    static func plausibleArguments(_ r: inout SplitMix64) -> JSON {
        var args: JSONObject = [:]
        if r.chance(90) { args["text"] = r.chance(90) ? .string(String(repeating: "é", count: r.int(70))) : value(&r, depth: 1) }
        if r.chance(40) { args["n"] = .int(r.int(14) - 7) }
        if r.chance(30) { args["x"] = .double(Double(r.int(2000)) / 100 - 5) }
        if r.chance(30) { args["mode"] = r.pick(["a", "b", 1, nil, "c"]) }
        if r.chance(30) { args["list"] = .array((0..<r.int(6)).map { _ in .int(r.int(4)) }) }
        if r.chance(20) { args["any"] = r.chance(50) ? .string(r.pick(["abc", "ABC", ""])) : .int(r.int(9)) }
        if r.chance(20) { args["steps"] = .int(r.int(6) - 1) }
        if r.chance(10) { args["unexpected"] = value(&r, depth: 2) }
        return .object(args)
    }

    static func value(_ r: inout SplitMix64, depth: Int) -> JSON {
        switch r.int(depth > 0 ? 8 : 6) {
        case 0: return .null
        case 1: return .bool(r.chance(50))
        case 2: return .int(r.int(2000) - 1000)
        case 3: return (try? JSONParser.parse(r.pick(["1e308", "-0.0", "1.5e-300", "9007199254740993", "18446744073709551615", "-1E+999"]))) ?? .null
        case 4: return .string(r.pick(["", "x", "\u{0}", "\u{FFFF}", "😀", String(repeating: "a", count: r.int(100))]))
        case 5: return .string("id\(r.int(6))")
        case 6: return .array((0..<r.int(4)).map { _ in value(&r, depth: depth - 1) })
        default:
            var object = JSONObject()
            for i in 0..<r.int(4) { object["k\(i)"] = value(&r, depth: depth - 1) }
            return .object(object)
        }
    }

    /// Truncation, byte flips, inserted bytes (invalid UTF-8, control characters), nesting,
    /// and members repeated under the same name (which must be refused, not read one way).
    static func damage(_ line: [UInt8], _ r: inout SplitMix64) -> [UInt8] {
        var line = line
        switch r.int(7) {
        case 5:
            // A second "id" (or another name the server reads) in the message's own object.
            if let brace = line.firstIndex(of: UInt8(ascii: "{")) {
                let member = r.pick([#""id":\#(r.int(6)),"#, #""method":"ping","#, #""jsonrpc":"2.0","#, #""params":{},"#])
                line.insert(contentsOf: Array(member.utf8), at: brace + 1)
            }
        case 6:
            // A repeated member inside the arguments or params (the plugin's view of the call).
            let marker = Array(r.pick([#""arguments":{"#, #""params":{"#, #""_meta":{"#]).utf8)
            if let at = line.indices.first(where: { line[$0...].starts(with: marker) }) {
                let member = r.pick([#""text":"dup","#, #""name":"fail","#, #""cursor":"t0","#])
                line.insert(contentsOf: Array(member.utf8), at: at + marker.count)
            }
        case 0: line = Array(line.prefix(r.int(line.count)))
        case 1: for _ in 0..<(1 + r.int(3)) where !line.isEmpty { line[r.int(line.count)] = UInt8(truncatingIfNeeded: r.next()) }
        case 2: line.insert(contentsOf: [r.pick([0xFF, 0xC3, 0xED, 0x00, 0x22, 0x5C, 0x7B, 0x0D] as [UInt8])], at: r.int(line.count + 1))
        case 3: line = Array(repeating: UInt8(ascii: "["), count: 100 + r.int(1000)) + line
        default: line += line
        }
        return line.filter { $0 != 0x0A }
    }
}
