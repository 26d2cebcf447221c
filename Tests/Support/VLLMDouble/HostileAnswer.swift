import NIOCore
import NIOHTTP1
import ToolHostJSON

/// Plays one `Hostility` out on an exchange, instead of a well-behaved answer.
///
/// Lives on the connection's event loop, like the exchange. Whatever runs over time (endless,
/// drip) stops once the client goes away, which the exchange records as a disconnect.
struct HostileAnswer {
    /// What was asked, which decides the shape of generated bodies.
    enum Shape {
        case chat(stream: Bool)
        case completion(stream: Bool)
        /// Not a generation (`/v1/models`, `/health` …).
        case other
    }

    let mode: Hostility
    let behavior: Behavior
    let exchange: Exchange
    let shape: Shape
    /// The request target, for a redirect to itself.
    let target: String
    /// The request's `Authorization` header, which `garbage` quotes back.
    let authorization: String?
    let model: String

    func play() {
        switch (mode, shape) {
        case (.garbage, _), (.endless, .other), (.oversized, .other):
            exchange.respond(HTTPReply(status: .ok, contentType: "text/html; charset=utf-8", body: garbage))
        case (.endless, _):
            endless()
        case (.oversized, _):
            oversized()
        case (.drip, _):
            drip()
        case (.redirect, _):
            var body = ByteBuffer()
            body.writeString("Redirecting")
            exchange.respond(
                HTTPReply(
                    status: .temporaryRedirect, contentType: "text/plain; charset=utf-8", body: body,
                    headers: ["location": behavior.redirectLocation ?? target]))
        }
    }

    /// An HTML page quoting the request's credentials near its start, then bytes that are not UTF-8.
    private var garbage: ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString("<html><body>vllm-double garbage; you sent Authorization: \(authorization ?? "(none)")")
        buffer.writeString("</body></html>\n")
        buffer.writeBytes([0x00, 0x01, 0x1B, 0xFE, 0xFF, 0xC3, 0x28])
        return buffer
    }

    private var text: String { String(repeating: "x", count: behavior.hostileBytes) }

    // MARK: Endless

    private func endless() {
        switch shape {
        case .chat(stream: true), .completion(stream: true):
            exchange.startStream()
            var event = ByteBuffer()
            event.writeStaticString("data: ")
            chunk(text: text, finishReason: nil).write(into: &event)
            event.writeStaticString("\n\n")
            repeatForever(event)
        default:
            exchange.startBody(status: .ok, contentType: "application/json", contentLength: nil)
            // A response whose content string never closes.
            var opening = ByteBuffer()
            let prefix = response(text: "", finishReason: "length").jsonText
            let field = isChat ? "\"content\":\"" : "\"text\":\""
            guard let range = prefix.firstRange(of: field) else { return }
            opening.writeString(String(prefix[..<range.upperBound]))
            guard exchange.sendPaced(opening) != nil else { return }
            var filler = ByteBuffer()
            filler.writeString(text)
            repeatForever(filler)
        }
    }

    /// Sends `buffer` again and again, each time the previous one was written, until the client
    /// goes away.
    private func repeatForever(_ buffer: ByteBuffer) {
        let exchange = self.exchange
        func next() {
            guard let written = exchange.sendPaced(buffer) else { return }
            written.assumeIsolated().whenSuccess {
                // Through the loop's queue, so a write that completes at once does not recurse.
                exchange.eventLoop.execute { next() }
            }
        }
        next()
    }

    // MARK: Oversized

    private func oversized() {
        switch shape {
        case .chat(stream: true), .completion(stream: true):
            exchange.startStream()
            for json in [chunk(text: text, finishReason: nil), chunk(text: "", finishReason: "length")] {
                var event = ByteBuffer()
                event.writeStaticString("data: ")
                json.write(into: &event)
                event.writeStaticString("\n\n")
                exchange.send(event, flush: false)
            }
            var done = ByteBuffer()
            done.writeStaticString("data: [DONE]\n\n")
            exchange.send(done, flush: false)
            exchange.endStream()
        default:
            exchange.respond(.json(response(text: text, finishReason: "length")))
        }
    }

    // MARK: Drip

    private func drip() {
        // A body that is valid once complete: an empty model list padded with spaces.
        var body = Array(#"{"object":"list","data":[]}"#.utf8)
        if body.count < behavior.dripLength {
            body += Array(repeating: 0x20, count: behavior.dripLength - body.count)
        } else {
            body = Array(body.prefix(behavior.dripLength))
        }
        exchange.startBody(status: .ok, contentType: "application/json", contentLength: body.count)
        let exchange = self.exchange
        let interval = TimeAmount(behavior.dripInterval)
        func send(_ index: Int) {
            guard index < body.count else {
                exchange.endStream()
                return
            }
            var byte = ByteBuffer()
            byte.writeInteger(body[index])
            guard exchange.sendPaced(byte) != nil else { return }
            exchange.eventLoop.scheduleTask(in: interval) { send(index + 1) }
        }
        send(0)
    }

    // MARK: Bodies

    private var isChat: Bool {
        if case .chat = shape { return true }
        return false
    }

    private func chunk(text: String, finishReason: String?) -> JSON {
        var choice: JSONObject = ["index": 0]
        if isChat {
            choice["delta"] = text.isEmpty ? .object([:]) : .object(["content": .string(text)])
        } else {
            choice["text"] = .string(text)
        }
        choice["logprobs"] = .null
        choice["finish_reason"] = finishReason.map(JSON.string) ?? .null
        return envelope(object: isChat ? "chat.completion.chunk" : "text_completion", choice: choice, usage: nil)
    }

    private func response(text: String, finishReason: String) -> JSON {
        var choice: JSONObject = ["index": 0]
        if isChat {
            choice["message"] = .object(["role": "assistant", "content": .string(text)])
        } else {
            choice["text"] = .string(text)
        }
        choice["logprobs"] = .null
        choice["finish_reason"] = .string(finishReason)
        let usage: JSON = ["prompt_tokens": 1, "total_tokens": 2, "completion_tokens": 1]
        return envelope(object: isChat ? "chat.completion" : "text_completion", choice: choice, usage: usage)
    }

    private func envelope(object: String, choice: JSONObject, usage: JSON?) -> JSON {
        var body: JSONObject = [
            "id": .string((isChat ? "chatcmpl-" : "cmpl-") + Identifiers.hex(32)),
            "object": .string(object),
            "created": .int(Identifiers.unixTime()),
            "model": .string(model),
            "choices": .array([.object(choice)]),
        ]
        if let usage { body["usage"] = usage }
        return .object(body)
    }
}
