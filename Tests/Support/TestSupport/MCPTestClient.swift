import Foundation

/// A JSON object as Foundation decodes it.
public typealias JSONDict = [String: Any]

/// A minimal MCP client over a ``ServerProcess``'s pipes: sends requests, matches responses by
/// id, and keeps every notification it sees, in order.
public final class MCPTestClient: @unchecked Sendable {
    public let process: ServerProcess
    private var nextID = 1
    public private(set) var notifications: [JSONDict] = []
    private var responses: [String: JSONDict] = [:]
    /// Lines that were not JSON objects (they should never appear: stdout is protocol only).
    public private(set) var strayLines: [String] = []

    public init(process: ServerProcess) {
        self.process = process
    }

    /// Starts `toolhost` with `--plugin` for each of `plugins` plus `arguments`.
    public static func start(
        plugins: [String] = [ServerProcess.plugin("CExample")], arguments: [String] = [],
        environment: [String: String]? = nil
    ) throws -> MCPTestClient {
        let args = plugins.flatMap { ["--plugin", $0] } + arguments
        return MCPTestClient(process: try ServerProcess(ServerProcess.toolhostPath, args, environment: environment))
    }

    // MARK: Sending

    public func sendRaw(_ line: String) { process.send(line) }

    public func send(_ message: JSONDict) {
        let data = try! JSONSerialization.data(withJSONObject: message, options: [.withoutEscapingSlashes])
        process.send(String(decoding: data, as: UTF8.self))
    }

    /// Sends a request without waiting; returns its id.
    @discardableResult
    public func sendRequest(_ method: String, _ params: JSONDict? = nil, id: Any? = nil) -> Any {
        let requestID: Any = id ?? { defer { nextID += 1 }; return nextID }()
        var message: JSONDict = ["jsonrpc": "2.0", "id": requestID, "method": method]
        if let params { message["params"] = params }
        send(message)
        return requestID
    }

    public func notify(_ method: String, _ params: JSONDict? = nil) {
        var message: JSONDict = ["jsonrpc": "2.0", "method": method]
        if let params { message["params"] = params }
        send(message)
    }

    /// Sends a request and waits for its response (the whole message).
    public func request(_ method: String, _ params: JSONDict? = nil, id: Any? = nil, timeout: Double = 10) throws -> JSONDict {
        let requestID = sendRequest(method, params, id: id)
        return try response(to: requestID, timeout: timeout)
    }

    /// Sends a request and returns its `result`, failing on an error response.
    public func result(_ method: String, _ params: JSONDict? = nil, timeout: Double = 10) throws -> JSONDict {
        let message = try request(method, params, timeout: timeout)
        guard let result = message["result"] as? JSONDict else {
            throw ProcessError("\(method) failed: \(message)")
        }
        return result
    }

    /// initialize + notifications/initialized.
    @discardableResult
    public func initialize(version: String = "2025-11-25") throws -> JSONDict {
        let result = try self.result("initialize", [
            "protocolVersion": version, "capabilities": [:] as JSONDict,
            "clientInfo": ["name": "toolhost-tests", "version": "1"],
        ])
        notify("notifications/initialized")
        return result
    }

    /// `tools/call` and its result.
    public func callTool(_ name: String, _ arguments: JSONDict = [:], meta: JSONDict? = nil, timeout: Double = 10) throws -> JSONDict {
        var params: JSONDict = ["name": name, "arguments": arguments]
        if let meta { params["_meta"] = meta }
        return try result("tools/call", params, timeout: timeout)
    }

    // MARK: Receiving

    /// Waits for the response with `id`.
    public func response(to id: Any, timeout: Double = 10) throws -> JSONDict {
        let key = Self.key(id)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let message = responses.removeValue(forKey: key) { return message }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0, pump(timeout: remaining) else {
                throw ProcessError("no response to id \(key) within \(timeout) s; stderr:\n\(process.stderr)")
            }
        }
    }

    /// True when a response for `id` arrives within `timeout`.
    public func hasResponse(to id: Any, within timeout: Double) -> Bool {
        (try? response(to: id, timeout: timeout)) != nil
    }

    /// Waits for a notification with `method` (and matching `predicate`) that has not been
    /// consumed yet; consumes it.
    public func notification(_ method: String, timeout: Double = 10, where predicate: (JSONDict) -> Bool = { _ in true }) -> JSONDict? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let index = notifications.firstIndex(where: { ($0["method"] as? String) == method && predicate($0) }) {
                return notifications.remove(at: index)
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0, pump(timeout: remaining) else { return nil }
        }
    }

    /// Reads for `seconds`, filing whatever arrives.
    public func drain(for seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while deadline.timeIntervalSinceNow > 0, pump(timeout: deadline.timeIntervalSinceNow) {}
    }

    /// Every response received but not yet consumed, by id.
    public var unclaimedResponses: [String: JSONDict] { responses }

    /// The next raw message, bypassing the filing (for tests of exact output).
    public func nextMessage(timeout: Double = 10) -> JSONDict? {
        guard let line = process.readLine(timeout: timeout) else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? JSONDict
    }

    /// Reads one line and files it. Returns false on timeout or end of output.
    @discardableResult
    private func pump(timeout: Double) -> Bool {
        guard let line = process.readLine(timeout: timeout) else { return false }
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) else {
            strayLines.append(line)
            return true
        }
        if let message = object as? JSONDict {
            if message["method"] == nil, message.keys.contains("id") {
                responses[Self.key(message["id"] ?? NSNull())] = message
            } else {
                notifications.append(message)
            }
        } else if let batch = object as? [JSONDict] {
            for message in batch { responses[Self.key(message["id"] ?? NSNull())] = message }
            responses["batch"] = ["batch": batch]
        } else {
            strayLines.append(line)
        }
        return true
    }

    /// A canonical key for an id: numbers as digits, strings quoted, null as null.
    public static func key(_ id: Any) -> String {
        switch id {
        case is NSNull: return "null"
        case let s as String: return "\"\(s)\""
        case let n as NSNumber: return n.stringValue
        case let i as Int: return String(i)
        default: return "\(id)"
        }
    }

    /// The text of a tool result's text blocks, joined by newlines.
    public static func text(of result: JSONDict) -> String {
        let blocks = result["content"] as? [JSONDict] ?? []
        return blocks.compactMap { $0["type"] as? String == "text" ? $0["text"] as? String : nil }.joined(separator: "\n")
    }
}

extension Dictionary where Key == String, Value == Any {
    /// `self[a][b]…` through nested objects.
    public subscript(path path: String...) -> Any? {
        var current: Any? = self
        for key in path { current = (current as? JSONDict)?[key] }
        return current
    }
}

/// True when `value` is a JSON object equal to `expected` (numbers compare by value).
public func sameObject(_ value: Any?, _ expected: JSONDict) -> Bool {
    guard let object = value as? JSONDict, object.count == expected.count else { return false }
    return expected.allSatisfy { key, want in object[key].map { sameValue($0, want) } ?? false }
}

private func sameValue(_ a: Any, _ b: Any) -> Bool {
    switch (a, b) {
    case (let x as JSONDict, let y as JSONDict): return sameObject(x, y)
    case (let x as [Any], let y as [Any]): return x.count == y.count && zip(x, y).allSatisfy { sameValue($0, $1) }
    case (let x as String, let y as String): return x == y
    case (is NSNull, is NSNull): return true
    case (let x as Bool, let y as Bool) where !(a is Int) || !(b is Int): return x == y
    default:
        guard let x = (a as? NSNumber)?.doubleValue, let y = (b as? NSNumber)?.doubleValue else { return false }
        return x == y
    }
}
