import NIOCore
import NIOHTTP1
import ToolHostJSON

/// Collects each request on a connection, records it, and hands it to the router.
///
/// The pipelining handler in front of it delivers one request at a time, so a connection has at
/// most one unfinished `Exchange`; when the connection closes under it, the exchange records the
/// client's disconnect (and its generation aborts, as vLLM's does).
final class HTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// Larger bodies are refused with 413.
    private static let maxBodyBytes = 64 * 1024 * 1024

    private let core: DoubleCore
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var bodyTooLarge = false
    private var exchange: Exchange?

    init(core: DoubleCore) {
        self.core = core
    }

    func channelActive(context: ChannelHandlerContext) {
        core.connectionOpened(context.channel)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        exchange?.connectionClosed()
        exchange = nil
        core.connectionClosed(context.channel)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
            bodyTooLarge = false
            if head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                // curl sends this for bodies over 1 KiB and waits a second for it; uvicorn answers it.
                let interim = HTTPResponseHead(version: head.version, status: .continue)
                context.writeAndFlush(wrapOutboundOut(.head(interim)), promise: nil)
            }
        case .body(var chunk):
            if body.readableBytes + chunk.readableBytes > Self.maxBodyBytes {
                bodyTooLarge = true
            } else {
                body.writeBuffer(&chunk)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            dispatch(head: head, context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func dispatch(head: HTTPRequestHead, context: ChannelHandlerContext) {
        var json: JSON?
        var jsonError: JSONParseError?
        if body.readableBytes > 0 && !bodyTooLarge {
            do {
                json = try JSON(parsing: body.readableBytesView, invalidUnicode: .replace)
            } catch {
                jsonError = error
            }
        }
        let id = core.recordArrival(
            method: head.method.rawValue, path: head.uri, headers: head.headers, body: String(buffer: body), json: json
        )
        let exchange = Exchange(id: id, context: context, core: core, head: head)
        self.exchange = exchange
        body.clear()
        if bodyTooLarge {
            exchange.respond(.json(["detail": "Request Entity Too Large"], status: .payloadTooLarge))
            return
        }
        Router(core: core).handle(IncomingRequest(head: head, json: json, jsonError: jsonError), on: exchange)
    }
}
