import NIOCore
import NIOHTTP1

/// One request's response on its connection: writes the response, and records how it ended.
///
/// Lives on the connection's event loop; every method must be called there.
final class Exchange {
    /// The recorded request's id.
    let id: Int
    private let context: ChannelHandlerContext
    private let core: DoubleCore
    private let keepAlive: Bool
    private let version: HTTPVersion
    private(set) var headSent = false
    private(set) var isFinished = false
    /// Runs once if the client goes away before the response is finished.
    var onClientGone: (() -> Void)?

    init(id: Int, context: ChannelHandlerContext, core: DoubleCore, head: HTTPRequestHead) {
        self.id = id
        self.context = context
        self.core = core
        self.keepAlive = head.isKeepAlive
        self.version = head.version
    }

    /// The connection's event loop, for timers that need no `Sendable` closures.
    var eventLoop: NIOIsolatedEventLoop { context.eventLoop.assumeIsolated() }

    /// Writes a complete response and finishes the exchange.
    func respond(_ reply: HTTPReply) {
        guard !isFinished, !headSent else { return }
        var headers = baseHeaders()
        headers.add(name: "content-length", value: String(reply.body.readableBytes))
        if let contentType = reply.contentType { headers.add(name: "content-type", value: contentType) }
        headers.add(contentsOf: reply.headers)
        writeHead(status: reply.status, headers: headers)
        if reply.body.readableBytes > 0 {
            context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(reply.body))), promise: nil)
        }
        finishResponse()
    }

    /// Sends the head of a `text/event-stream` response, chunked.
    func startStream() {
        guard !isFinished, !headSent else { return }
        var headers = baseHeaders()
        headers.add(name: "content-type", value: "text/event-stream; charset=utf-8")
        headers.add(name: "transfer-encoding", value: "chunked")
        writeHead(status: .ok, headers: headers)
        context.flush()
    }

    /// Sends the head of a body written over time: `contentLength` announced, or chunked.
    func startBody(status: HTTPResponseStatus, contentType: String, contentLength: Int?) {
        guard !isFinished, !headSent else { return }
        var headers = baseHeaders()
        headers.add(name: "content-type", value: contentType)
        if let contentLength {
            headers.add(name: "content-length", value: String(contentLength))
        } else {
            headers.add(name: "transfer-encoding", value: "chunked")
        }
        writeHead(status: status, headers: headers)
        context.flush()
    }

    /// Sends part of a body and flushes; the future completes once it was written, so a sender
    /// that waits for it goes at the pace the client reads. Nil once the exchange is finished.
    func sendPaced(_ buffer: ByteBuffer) -> EventLoopFuture<Void>? {
        guard !isFinished, headSent else { return nil }
        return context.writeAndFlush(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))))
    }

    /// Sends part of a streamed body.
    func send(_ buffer: ByteBuffer, flush: Bool) {
        guard !isFinished, headSent else { return }
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
        if flush { context.flush() }
    }

    /// Flushes what `send(_:flush:)` has written so far.
    func flush() {
        context.flush()
    }

    /// Ends a streamed body and finishes the exchange.
    func endStream() {
        guard !isFinished, headSent else { return }
        finishResponse()
    }

    /// Closes the connection mid-response, as a crashed or cut upstream would.
    func cut() {
        guard !isFinished else { return }
        isFinished = true
        onClientGone = nil
        core.recordEnd(id: id, outcome: .cutByServer)
        context.flush()
        context.close(promise: nil)
    }

    /// Tells the exchange that its connection closed; records a disconnect if it was unfinished.
    func connectionClosed() {
        guard !isFinished else { return }
        isFinished = true
        core.recordEnd(id: id, outcome: .clientDisconnected)
        let handler = onClientGone
        onClientGone = nil
        handler?()
    }

    /// A buffer from the connection's allocator.
    func buffer(capacity: Int) -> ByteBuffer {
        context.channel.allocator.buffer(capacity: capacity)
    }

    private func baseHeaders() -> HTTPHeaders {
        var headers: HTTPHeaders = ["server": "uvicorn"]
        if !keepAlive {
            headers.add(name: "connection", value: "close")
        } else if version.major == 1 && version.minor == 0 {
            headers.add(name: "connection", value: "keep-alive")
        }
        return headers
    }

    private func writeHead(status: HTTPResponseStatus, headers: HTTPHeaders) {
        headSent = true
        core.recordStatus(id: id, status: Int(status.code))
        let head = HTTPResponseHead(version: version, status: status, headers: headers)
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
    }

    private func finishResponse() {
        isFinished = true
        onClientGone = nil
        core.recordEnd(id: id, outcome: .completed)
        let written = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
        if !keepAlive {
            let context = self.context
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
