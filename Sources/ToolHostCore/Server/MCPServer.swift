import Dispatch
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// MCP over stdio: reads newline-delimited JSON-RPC from one file descriptor, answers on
/// another, and runs tool calls through a ``PluginHost``.
///
/// One thread reads and dispatches. Requests that need no plugin (initialize, ping,
/// tools/list, …) are answered on it at once; tool calls run on the host's worker threads, so
/// a slow call never delays anything else. Every byte of output goes through one
/// ``OutputWriter``.
///
/// Era rule: each request is routed by its own form. `initialize` opens the handshake era;
/// a request whose `params._meta` carries `io.modelcontextprotocol/protocolVersion` is served
/// by 2026-07-28 rules; any other request follows handshake rules (before `initialize` only
/// `ping` is served). A connection is never locked to one era, so a client that probes
/// `server/discover` first, one that sends `initialize` only, and one that opens with an
/// enveloped `tools/list` all end up connected.
public final class MCPServer: @unchecked Sendable {
    let host: PluginHost
    let configuration: HostConfiguration
    let logger: Logger
    let writer: OutputWriter
    private let inputFD: Int32

    let session = Mutex(Session())
    let inFlight = Mutex<[RequestID: InFlight]>([:])
    /// The reader waits while too many calls are live (backpressure), in `poll(2)` on the
    /// input (to notice a client that hangs up meanwhile) and on this pipe, written when a call
    /// is released while the reader waits.
    private let capacityWake: (read: Int32, write: Int32)
    private let readerWaiting = Atomic<Bool>(false)
    /// Set once the reader gives up on the input (it hung up while calls kept the reader
    /// waiting past the grace period): requests still buffered are answered, not run.
    private let inputAbandoned = Atomic<Bool>(false)
    private let framer: Mutex<LineFramer>
    private let stopLock = ConditionLock()
    private var stopped = false
    /// The live view's socket, once open (guarded by `stopLock`, like `stopped`).
    private var status: StatusSocket?
    private let startedAt = monotonicSeconds()

    public init(host: PluginHost, logger: Logger, inputFD: Int32 = 0, outputFD: Int32 = 1) {
        self.host = host
        self.configuration = host.configuration
        self.logger = logger
        self.inputFD = inputFD
        self.framer = Mutex(LineFramer(maxLineBytes: host.configuration.maxMessageBytes))
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            }
        } else {
            // Without the pipe the reader still notices freed room: it looks again every 50 ms.
            logger.warning("cannot create the reader's wake-up pipe (\(String(cString: strerror(errno)))); waiting for free call slots by polling")
            fds = [-1, -1]
        }
        capacityWake = (fds[0], fds[1])
        // The writer is built before `self` exists; it reaches the server through this. (Not a
        // closure kept in a Mutex: reading one back wraps it in reabstraction thunks each time.)
        let server = ServerReference()
        self.writer = OutputWriter(
            fd: outputFD, pressure: host.outputPressure,
            onFailure: { error in server.value?.outputFailed(error) })
        server.value = self
        // Last: from here on the host may report to this server, from any thread.
        host.addObserver(self)
    }

    deinit {
        if capacityWake.read >= 0 {
            close(capacityWake.read)
            close(capacityWake.write)
        }
    }

    /// Serves until the input ends, then shuts down (cancel calls, let them finish within the
    /// grace period, shut plugins down).
    /// - Returns: the exit status: 0 after end of input, 1 after a read error.
    public func run() -> Int32 {
        host.startWatching()
        startStatusSocket()
        let error = ChunkReader(fd: inputFD).run { chunk in
            feed(chunk)
            return !inputAbandoned.load(ordering: .acquiring)
        }
        if inputAbandoned.load(ordering: .acquiring) {
            // The grace period already passed while the reader waited.
            stop(reason: "the client closed its input", ending: .inputEnded, grace: 0)
            return 0
        }
        feed(UnsafeBufferPointer(start: nil, count: 0), end: true)
        if error != 0 { logger.error("reading stdin failed: \(String(cString: strerror(error)))") }
        stop(reason: error == 0 ? "end of input" : "read error", ending: error == 0 ? .inputEnded : .immediately(reason: "reading the input failed"))
        return error == 0 ? 0 : 1
    }

    /// Feeds raw input, as it would arrive on stdin, through framing and dispatch on the
    /// calling thread; `end` marks the end of input (a last unterminated line still counts).
    /// ``run()`` is this in a loop over stdin; the fuzzer drives it directly.
    public func feed(_ bytes: UnsafeBufferPointer<UInt8>, end: Bool = false) {
        // Calls to isolated plugins started from this chunk leave for their runners together.
        DeferredSends.batching {
            framer.withLock { framer in
                framer.feed(bytes) { handle($0) }
                if end { framer.finish { handle($0) } }
            }
        }
    }

    private func handle(_ event: LineFramer.Event) {
        switch event {
        case .line(let bytes):
            handleLine(bytes)
        case .oversized(let size):
            send(RPCEncoder.error(id: nil, RPCError(
                RPCErrorCode.invalidRequest,
                "Invalid Request: a message of \(size) bytes exceeds the limit of \(configuration.maxMessageBytes) bytes (toolhost --max-message-bytes); it was skipped")))
        }
    }

    /// Stops serving: cancels calls in flight, gives them the grace period to finish (their
    /// results are still written), ends subscriptions and shuts the plugins down. Safe to call
    /// from any thread and more than once; later callers wait for the first to finish.
    /// - Parameters:
    ///   - ending: how running calls end (see ``PluginHost/Ending``): at the end of input they
    ///     may finish within the grace period; on a signal they are cancelled at once.
    ///   - grace: seconds running calls are given (default: `--shutdown-grace`).
    public func stop(reason: String, ending: PluginHost.Ending? = nil, grace: Double? = nil) {
        stopLock.lock()
        defer { stopLock.unlock() }
        guard !stopped else { return }
        stopped = true
        logger.debug("stopping: \(reason)")
        status?.stop()
        session.withLock { $0.stopping = true }
        endSubscriptions()
        host.shutdown(grace: grace ?? configuration.shutdownGrace, ending: ending ?? .immediately(reason: reason))
        writer.flush()
    }

    /// Answers `toolhost plugins --running` on a socket of its own (``StatusSocket``) when the
    /// configuration asks for it, on a thread of its own (its folder found and made off the way
    /// to the first answer); without one, the server serves on.
    private func startStatusSocket() {
        guard configuration.liveView else { return }
        let host = self.host, startedAt = self.startedAt
        spawnThread(name: "th-status", stackSize: 256 << 10) { [self] in
            switch StatusSocket.open(folder: StatusSocket.folder(environment: configuration.environment)) {
            case .success(let socket):
                let kept = stopLock.withLock { () -> Bool in
                    guard !stopped else { return false }
                    status = socket
                    return true
                }
                guard kept else { return socket.stop() }
                logger.debug("live plugin states for `toolhost plugins --running` at \(socket.path)")
                socket.serve { OneShot.liveReport(host, startedAt: startedAt) }
            case .failure(let error):
                logger.info("no live view for `toolhost plugins --running`: \(error)")
            }
        }
    }

    /// Waits until every message queued so far has been written.
    public func flush() {
        writer.flush()
    }

    private func outputFailed(_ error: Int32) {
        logger.notice("the client stopped reading (\(String(cString: strerror(error)))); shutting down")
        // Not on this thread: it may be delivering a call that shutdown would wait for.
        spawnThread(name: "th-stop") { [self] in
            stop(reason: "output closed")
            exit(0)
        }
    }

    // MARK: Reading

    func handleLine(_ line: UnsafeBufferPointer<UInt8>) {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }) { return }
        if session.withLock({ $0.stopping }) { return }
        let value: JSON
        do {
            value = try JSONParser.parse(line)
        } catch {
            send(RPCEncoder.error(id: nil, RPCError(RPCErrorCode.parseError, "Parse error: \(error)")))
            return
        }
        if case .array(let elements) = value {
            handleBatch(elements)
        } else {
            handle(RPCMessage(value), batch: nil)
        }
    }

    private func handleBatch(_ elements: [JSON]) {
        let revision = session.withLock { $0.revision }
        guard let revision, revision.allowsBatches else {
            let detail = revision.map { "this connection speaks \($0.rawValue)" } ?? "no protocol revision has been negotiated yet"
            send(RPCEncoder.error(id: nil, .invalidRequest("Invalid Request: JSON-RPC batches are part of protocol revision 2025-03-26 only (\(detail))")))
            return
        }
        guard !elements.isEmpty else {
            send(RPCEncoder.error(id: nil, .invalidRequest("Invalid Request: empty batch")))
            return
        }
        let batch = Batch(send: { [weak self] bytes in self?.writer.send(bytes) })
        for element in elements { handle(RPCMessage(element), batch: batch) }
        batch.seal()
    }

    func handle(_ message: RPCMessage, batch: Batch?) {
        switch message {
        case .invalid(let id, let error):
            batch?.expect()
            emit(RPCEncoder.error(id: id, error), batch: batch)
        case .response(let id):
            logger.debug("ignoring a response to a request this server never sent (id \(id.map { JSONWriter.string($0) } ?? "none"))")
        case .notification(let method, let params):
            handleNotification(method, params)
        case .request(let id, let method, let params):
            batch?.expect()
            if inputAbandoned.load(ordering: .acquiring) {
                emit(RPCEncoder.error(id: id, RPCError(
                    RPCErrorCode.internalError, "Request not run: the client closed its input and the server is stopping")), batch: batch)
                return
            }
            handleRequest(id: id, method: method, params: params, batch: batch)
        }
    }

    // MARK: Writing

    func send(_ bytes: [UInt8]) {
        writer.send(bytes)
    }

    func emit(_ bytes: [UInt8], batch: Batch?) {
        if let batch { batch.add(bytes) } else { writer.send(bytes) }
    }

    func reply(_ context: RequestContext, _ result: JSON) {
        emit(RPCEncoder.response(id: context.id, result: result), batch: context.batch)
    }

    func reply(_ context: RequestContext, error: RPCError) {
        emit(RPCEncoder.error(id: context.id, error), batch: context.batch)
    }

    /// A notification to the client; never blocks (dropped when the client is far behind and
    /// `droppable`).
    func notify(_ method: String, _ params: JSON, droppable: Bool) {
        writer.post(RPCEncoder.notification(method: method, params: params), droppable: droppable)
    }

    // MARK: Backpressure

    /// Blocks the reader while the number of live calls is at the limit. A client that hangs
    /// up meanwhile is noticed at once: the calls running get the grace period to finish, then
    /// the reader gives up on the input.
    /// - Returns: false when the reader gave up (the request in hand must not run).
    /// The answer to a request read but not run because the reader gave up on the input while
    /// waiting for room (``waitForCapacity()``).
    var notRunError: RPCError {
        RPCError(
            RPCErrorCode.internalError,
            "Request not run: the client closed its input while \(configuration.maxCallsInFlight) calls were still running (toolhost --max-calls-in-flight); the server is stopping")
    }

    func waitForCapacity() -> Bool {
        let limit = configuration.maxCallsInFlight
        guard host.liveCallCount >= limit else { return true }
        DeferredSends.flush()  // the calls that would free room may be among them
        if inputAbandoned.load(ordering: .acquiring) { return false }
        readerWaiting.store(true, ordering: .sequentiallyConsistent)
        defer { readerWaiting.store(false, ordering: .sequentiallyConsistent) }
        var hungUpAt: Double?
        while host.liveCallCount >= limit {
            var timeout: Int32 = capacityWake.read < 0 ? 50 : -1
            if let hungUpAt {
                let left = hungUpAt + configuration.shutdownGrace - monotonicSeconds()
                if left <= 0 {
                    logger.notice("the client closed its input while \(host.liveCallCount) calls were running; stopping")
                    inputAbandoned.store(true, ordering: .releasing)
                    return false
                }
                timeout = Int32(min(left * 1000 + 1, timeout < 0 ? 60_000 : Double(timeout)))
            }
            var fds = [
                pollfd(fd: capacityWake.read, events: Int16(POLLIN), revents: 0),
                pollfd(fd: hungUpAt == nil ? inputFD : -1, events: Self.pollHangUp, revents: 0),
            ]
            let n = poll(&fds, 2, timeout)
            if n < 0 && errno != EINTR { return true }  // cannot wait: let the call run
            if fds[0].revents & Int16(POLLIN) != 0 {
                var drain = [UInt8](repeating: 0, count: 64)
                while read(capacityWake.read, &drain, drain.count) > 0 {}
            }
            if fds[1].revents & (Self.pollHangUp | Int16(POLLHUP) | Int16(POLLERR)) != 0 {
                hungUpAt = monotonicSeconds()
                logger.debug("the client closed its input while the reader waited for a call to finish")
            }
        }
        return true
    }

    /// POLLRDHUP (Linux; the peer of a stream socket shut down its writing side), which the
    /// Glibc module leaves out; elsewhere POLLHUP alone tells.
    private static let pollHangUp: Int16 = {
        #if os(Linux)
        return 0x2000
        #else
        return Int16(POLLHUP)
        #endif
    }()
}

// MARK: Reports from the host

extension MCPServer: PluginHostObserver {
    public func toolsChanged(_ registry: ToolRegistry) { publish(.listChanged(.tools)) }
    public func promptsChanged(_ prompts: PromptRegistry) { publish(.listChanged(.prompts)) }
    public func resourcesChanged(_ resources: ResourceRegistry) { publish(.listChanged(.resources)) }
    public func resourceUpdated(_ uri: String) { publish(.resourceUpdated(uri)) }

    /// A plugin's own log line, sent to the client when it asked for that level.
    public func pluginLogged(_ plugin: LoadedPlugin, level: LogLevel, message: String) {
        guard let threshold = session.withLock({ $0.logLevel }), level >= threshold else { return }
        notify("notifications/message", ["level": .string(level.name), "logger": .string(plugin.id), "data": .string(message)], droppable: true)
    }

    /// Wakes the reader when it waits for a free call slot.
    public func callReleased(remaining: Int) {
        guard readerWaiting.load(ordering: .sequentiallyConsistent) else { return }
        var one: UInt8 = 1
        _ = write(capacityWake.write, &one, 1)
    }
}

/// A weak reference to the server, for a part built before it.
private final class ServerReference: Sendable {
    private struct Weak { weak var server: MCPServer? }
    private let reference = Mutex(Weak())

    var value: MCPServer? {
        get { reference.withLock { $0.server } }
        set { reference.withLock { $0.server = newValue } }
    }
}
