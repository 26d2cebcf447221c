import NIOCore
import NIOHTTP1
import NIOPosix
import ToolHostJSON
import VLLMDouble

/// A response read in full.
struct TestResponse {
    var status: Int
    var headers: HTTPHeaders
    var body: String

    /// The body parsed as JSON.
    func json() throws -> JSON { try JSON(parsing: body) }
}

/// One HTTP/1.1 keep-alive connection to a double, driven step by step so a test can stop
/// reading (and close) in the middle of a response.
struct TestConnection: ~Copyable {
    private var inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>
    private var pendingText = ""
    private let host: String

    /// Connects, runs `body`, then closes the connection, whatever state the response is in.
    static func with<Result>(
        _ double: VLLMDouble,
        _ body: (inout TestConnection) async throws -> Result
    ) async throws -> Result {
        try await with(host: double.host, port: double.port, body)
    }

    /// Connects to any server (a real vLLM, say), runs `body`, then closes the connection.
    static func with<Result>(
        host: String, port: Int,
        _ body: (inout TestConnection) async throws -> Result
    ) async throws -> Result {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                        wrappingChannelSynchronously: channel
                    )
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var connection = TestConnection(
                inbound: inbound.makeAsyncIterator(), outbound: outbound, host: "\(host):\(port)"
            )
            return try await body(&connection)
        }
    }

    private init(
        inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>,
        host: String
    ) {
        self.inbound = inbound
        self.outbound = outbound
        self.host = host
    }

    /// Sends a request; a `json` body is sent as `application/json`.
    func send(
        _ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], json: String? = nil
    ) async throws {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "host", value: host)
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if let json {
            head.headers.add(name: "content-type", value: "application/json")
            head.headers.add(name: "content-length", value: String(json.utf8.count))
        }
        try await outbound.write(.head(head))
        if let json { try await outbound.write(.body(.byteBuffer(ByteBuffer(string: json)))) }
        try await outbound.write(.end(nil))
    }

    /// Reads the next response head.
    mutating func readHead() async throws -> HTTPResponseHead {
        pendingText = ""
        while let part = try await inbound.next() {
            if case .head(let head) = part { return head }
        }
        throw TestClientError("connection closed before a response head")
    }

    /// Reads the next piece of body; nil at the end of the response.
    ///
    /// - Throws: When the connection closes before the response ended.
    mutating func readBodyPart() async throws -> String? {
        guard let part = try await inbound.next() else { throw TestClientError("connection closed mid-response") }
        switch part {
        case .head: throw TestClientError("unexpected head")
        case .body(let buffer): return String(buffer: buffer)
        case .end: return nil
        }
    }

    /// Reads a whole response.
    mutating func readResponse() async throws -> TestResponse {
        let head = try await readHead()
        var body = ""
        while let part = try await readBodyPart() { body += part }
        return TestResponse(status: Int(head.status.code), headers: head.headers, body: body)
    }

    /// Sends a request and reads its whole response.
    mutating func request(
        _ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], json: String? = nil
    ) async throws -> TestResponse {
        try await send(method, path, headers: headers, json: json)
        return try await readResponse()
    }

    /// Reads the next server-sent event (`data: …` or a `: comment`), without its blank line;
    /// nil when the response ended.
    mutating func nextEvent() async throws -> String? {
        while true {
            if let range = pendingText.range(of: "\n\n") {
                let event = String(pendingText[..<range.lowerBound])
                pendingText = String(pendingText[range.upperBound...])
                return event
            }
            guard let part = try await readBodyPart() else {
                if !pendingText.isEmpty { throw TestClientError("trailing partial event: \(pendingText)") }
                return nil
            }
            pendingText += part
        }
    }

    /// Reads every remaining event of a stream.
    ///
    /// - Returns: The events, and whether the response ended properly (false when the server cut it).
    mutating func readAllEvents() async -> (events: [String], complete: Bool) {
        var events: [String] = []
        do {
            while let event = try await nextEvent() { events.append(event) }
            return (events, true)
        } catch {
            return (events, false)
        }
    }
}

/// A failure of the test client.
struct TestClientError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
