import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A TCP relay between a server under test and the upstream that notes the moment the
/// upstream's first generated token is handed on to the server's socket. The streaming
/// scenario measures from that moment to the client's first progress notification, so the
/// relay's own hop lies before the clock starts.
final class Relay: @unchecked Sendable {
    private let upstream: Endpoint
    private let listener: Int32
    let endpoint: Endpoint
    private let lock = NSCondition()
    private var armed = false
    private var stamp: UInt64?
    private var stopped = false

    init(upstream: Endpoint) throws {
        self.upstream = upstream
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        self.listener = listener
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa -> Bool in
                bind(listener, sa, length) == 0 && listen(listener, 128) == 0 && getsockname(listener, sa, &length) == 0
            }
        }
        guard bound else { throw BenchError("relay: cannot listen: \(String(cString: strerror(errno)))") }
        endpoint = Endpoint(host: "127.0.0.1", port: Int(UInt16(bigEndian: address.sin_port)))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Watch for the next first token.
    func arm() {
        lock.lock()
        armed = true
        stamp = nil
        lock.unlock()
    }

    /// When the armed first token was passed on (CLOCK_MONOTONIC ns), waiting up to `millis`.
    func firstToken(waitMillis: Int) -> UInt64? {
        let deadline = Date(timeIntervalSinceNow: Double(waitMillis) / 1000)
        lock.lock()
        defer { lock.unlock() }
        while stamp == nil {
            if !lock.wait(until: deadline) { break }
        }
        return stamp
    }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            var one: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            guard let server = try? connectTCP(upstream) else { close(client); continue }
            // Both directions on their own threads; each end closes the other.
            Thread.detachNewThread { [self] in pump(from: client, to: server, watch: false) }
            Thread.detachNewThread { [self] in pump(from: server, to: client, watch: true) }
        }
    }

    private func pump(from source: Int32, to sink: Int32, watch: Bool) {
        let capacity = 65536
        let tailLength = TokenScanner.pattern.count + 1
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity + tailLength, alignment: 16)
        defer {
            buffer.deallocate()
            shutdown(sink, Int32(SHUT_WR))
            shutdown(source, Int32(SHUT_RD))
        }
        var tail = 0
        while true {
            // The last bytes of the previous read stay in front, so a pattern split across two
            // reads is still found.
            let n = recv(source, buffer + tail, capacity, 0)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            let fresh = UnsafeRawBufferPointer(start: buffer + tail, count: n)
            var token = false
            if watch {
                lock.lock()
                let isArmed = armed
                lock.unlock()
                if isArmed { token = TokenScanner.containsToken(UnsafeRawBufferPointer(start: buffer, count: tail + n)) }
            }
            guard writeAll(sink, fresh) else { return }
            if token {
                let now = monotonicNanos()
                lock.lock()
                if armed {
                    armed = false
                    stamp = now
                    lock.broadcast()
                }
                lock.unlock()
            }
            let total = tail + n
            let keep = min(tailLength, total)
            memmove(buffer, buffer + total - keep, keep)
            tail = keep
        }
    }
}
