#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `http://HOST:PORT` split up.
struct Endpoint {
    let host: String
    let port: Int

    init(url: String) throws {
        guard url.hasPrefix("http://") else { throw BenchError("not an http:// URL: \(url)") }
        let rest = url.dropFirst("http://".count).split(separator: "/", maxSplits: 1)[0]
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]) else {
            throw BenchError("no port in \(url)")
        }
        host = String(rest[..<colon])
        self.port = port
    }

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    var url: String { "http://\(host):\(port)" }
}

/// Opens a TCP connection to `endpoint` with TCP_NODELAY.
func connectTCP(_ endpoint: Endpoint) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw BenchError("socket: \(String(cString: strerror(errno)))") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(endpoint.port).bigEndian)
    inet_pton(AF_INET, endpoint.host == "localhost" ? "127.0.0.1" : endpoint.host, &address.sin_addr)
    let rc = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard rc == 0 else {
        let message = String(cString: strerror(errno))
        close(fd)
        throw BenchError("connect \(endpoint.url): \(message)")
    }
    var one: Int32 = 1
    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    return fd
}

/// Writes all of `bytes` to `fd`.
@discardableResult
func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let n = send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
        if n < 0 {
            if errno == EINTR { continue }
            return false
        }
        offset += n
    }
    return true
}

/// The bench's own HTTP/1.1 client for the direct baseline: one keep-alive connection, the
/// request pre-encoded, the response parsed just enough to know where it ends. It is the least
/// a client can do, so the difference to a call through an MCP server is that server's cost.
final class HTTPConnection {
    let fd: Int32
    private var buffer: [UInt8] = []
    /// When the first byte of a streamed token event arrived, if the caller asked for it.
    private(set) var firstTokenAt: UInt64?

    init(_ endpoint: Endpoint) throws { fd = try connectTCP(endpoint) }
    deinit { close(fd) }

    /// A POST request with a JSON body, as bytes.
    static func post(_ path: String, body: String, endpoint: Endpoint) -> [UInt8] {
        let bodyBytes = Array(body.utf8)
        let head = "POST \(path) HTTP/1.1\r\nHost: \(endpoint.host):\(endpoint.port)\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: \(bodyBytes.count)\r\n\r\n"
        return Array(head.utf8) + bodyBytes
    }

    func send(_ request: [UInt8]) throws {
        firstTokenAt = nil
        let ok = request.withUnsafeBytes { writeAll(fd, $0) }
        if !ok { throw BenchError("write to upstream failed: \(String(cString: strerror(errno)))") }
    }

    /// Reads one whole response; returns its status. With `watchTokens`, notes when the first
    /// streamed token event arrived.
    func receive(deadline: UInt64, watchTokens: Bool = false) throws -> Int {
        while true {
            if let (status, length) = HTTPConnection.complete(buffer) {
                buffer.removeFirst(length)
                return status
            }
            if monotonicNanos() > deadline { throw BenchError("upstream response timed out") }
            guard try readSome(deadline: deadline) else { throw BenchError("upstream closed the connection") }
            if watchTokens, firstTokenAt == nil, TokenScanner.containsToken(buffer) { firstTokenAt = monotonicNanos() }
        }
    }

    /// Non-blocking step for many connections at once: reads what is there; returns the status
    /// once a whole response is in.
    func poll() throws -> Int? {
        if let (status, length) = HTTPConnection.complete(buffer) {
            buffer.removeFirst(length)
            return status
        }
        guard try readSome(deadline: 0) else { throw BenchError("upstream closed the connection") }
        if let (status, length) = HTTPConnection.complete(buffer) {
            buffer.removeFirst(length)
            return status
        }
        return nil
    }

    private func readSome(deadline: UInt64) throws -> Bool {
        if deadline > 0 {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let now = monotonicNanos()
            let wait = deadline > now ? Int32(min((deadline - now) / 1_000_000 + 1, 60_000)) : 0
            if Glibc.poll(&pfd, 1, wait) == 0 { return true }
        }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, Int32(MSG_DONTWAIT)) }
        if n < 0 {
            if errno == EAGAIN || errno == EINTR { return true }
            throw BenchError("upstream read: \(String(cString: strerror(errno)))")
        }
        if n == 0 { return false }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    /// If `bytes` begin with a whole response: its status and length.
    static func complete(_ bytes: [UInt8]) -> (Int, Int)? {
        guard let headEnd = find(bytes, Array("\r\n\r\n".utf8), from: 0) else { return nil }
        let head = String(decoding: bytes[0..<headEnd], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        guard let statusLine = lines.first else { return nil }
        let parts = statusLine.split(separator: " ")
        let status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        var contentLength: Int?
        var chunked = false
        for line in lines.dropFirst() {
            let lower = line.lowercased()
            if lower.hasPrefix("content-length:") { contentLength = Int(lower.dropFirst(15).trimmingCharacters(in: " ")) }
            if lower.hasPrefix("transfer-encoding:") && lower.contains("chunked") { chunked = true }
        }
        let bodyStart = headEnd + 4
        if chunked {
            // The last chunk: "0\r\n\r\n" (no trailers from the servers measured here).
            let last = Array("0\r\n\r\n".utf8)
            if bytes.count - bodyStart >= last.count, Array(bytes[bodyStart..<bodyStart + last.count]) == last {
                return (status, bodyStart + last.count)
            }
            guard let end = find(bytes, Array("\r\n0\r\n\r\n".utf8), from: bodyStart) else { return nil }
            return (status, end + 7)
        }
        let length = contentLength ?? 0
        guard bytes.count >= bodyStart + length else { return nil }
        return (status, bodyStart + length)
    }

    static func find(_ bytes: [UInt8], _ needle: [UInt8], from: Int) -> Int? {
        guard bytes.count - from >= needle.count else { return nil }
        return bytes.withUnsafeBytes { haystack in
            needle.withUnsafeBytes { n in
                guard let p = memfind(haystack.baseAddress! + from, bytes.count - from, n.baseAddress!, needle.count) else { return nil }
                return haystack.baseAddress!.distance(to: UnsafeRawPointer(p))
            }
        }
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s.removeFirst() }
        while let c = s.last, set.contains(c) { s.removeLast() }
        return String(s)
    }
}

/// Finds the first generated token in a vLLM chat stream: a `data:` event whose delta carries
/// non-empty `content` (the opening event's delta is `{"role":"assistant","content":""}`).
enum TokenScanner {
    static let pattern = Array(#""delta":{"content":""#.utf8)

    static func containsToken(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { containsToken($0) }
    }

    static func containsToken(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var from = 0
        return pattern.withUnsafeBytes { p in
            while from < bytes.count,
                  let hit = memfind(bytes.baseAddress! + from, bytes.count - from, p.baseAddress!, p.count) {
                let after = bytes.baseAddress!.distance(to: UnsafeRawPointer(hit)) + p.count
                if after < bytes.count && bytes[after] != 0x22 { return true }
                from = after
            }
            return false
        }
    }
}
