import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

/// Receives one response on the event loop: its head, then its body — collected, or, for a
/// successful streamed request, fed to a ``StreamSink`` as it arrives.
final class ExchangeDelegate: HTTPClientResponseDelegate, @unchecked Sendable {
    // Every callback runs on the one event loop of the request, and the task that started the
    // exchange reads these only after it completed, so no lock is needed.
    typealias Response = Void

    private(set) var status = 0
    private(set) var headers = HTTPHeaders()
    private(set) var body = ByteBuffer()
    private(set) var overflow = false
    /// Bytes of the body received, counted also past the limit.
    private(set) var received = 0
    let sink: StreamSink?
    private let limit: Int

    init(sink: StreamSink?, limit: Int) {
        self.sink = sink
        self.limit = limit
    }

    var streaming: Bool { sink != nil && status / 100 == 2 }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        status = Int(head.status.code)
        headers = head.headers
        if streaming { sink?.contentType = head.headers.first(name: "content-type") }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        received += buffer.readableBytes
        if streaming, let sink {
            if !sink.feed(buffer) { task.cancel() }
        } else if body.readableBytes + buffer.readableBytes > limit {
            overflow = true
            task.cancel()
        } else {
            var buffer = buffer
            body.writeBuffer(&buffer)
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        if streaming { sink?.finish() }
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: any Error) {}
}

/// The running request of a task, so that cancelling the task cancels the request, whichever
/// comes first.
final class RequestHandle: Sendable {
    private enum State {
        case waiting
        case running(HTTPClient.Task<Void>)
        case cancelled
    }

    private let state = Mutex(State.waiting)

    func started(_ task: HTTPClient.Task<Void>) {
        let cancelNow = state.withLock { s -> Bool in
            if case .cancelled = s { return true }
            s = .running(task)
            return false
        }
        if cancelNow { task.cancel() }
    }

    func cancel() {
        let task = state.withLock { s -> HTTPClient.Task<Void>? in
            defer { s = .cancelled }
            if case .running(let task) = s { return task }
            return nil
        }
        // Closes the connection: for vLLM, the signal to abort the generation.
        task?.cancel()
    }
}
