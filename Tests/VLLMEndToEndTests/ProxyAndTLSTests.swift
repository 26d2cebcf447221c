import Foundation
import TestSupport
import Testing
import VLLMDouble

/// The HTTP client honours the proxy settings of the environment (libcurl's: `http_proxy`,
/// `https_proxy`/`HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`), and TLS failures say what is wrong.
@Suite struct ProxyTests {
    /// toolhost's environment with every proxy variable of the developer's own taken out, then `extra`.
    static func environment(_ extra: [String: String]) -> [String: String] {
        var environment: [String: String] = [:]
        for name in ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"] {
            environment[name] = ""
        }
        return environment.merging(extra) { $1 }
    }

    @Test func requestsGoThroughTheProxyOfHttpProxy() async throws {
        let double = try await VLLMDouble.start()
        defer { Task { try? await double.shutdown() } }
        let proxy = try TinyProxy()
        defer { proxy.stop() }
        let session = try await VLLMSession.start(baseURL: double.baseURL, environment: Self.environment(["http_proxy": proxy.url]))
        defer { Task { await session.stop() } }

        let listed = try await session.call("list_models", timeout: 15)
        #expect(!listed.isError, "\(MCPTestClient.text(of: listed))")
        #expect(MCPTestClient.text(of: listed).contains("test-model"))
        let chat = try await session.chat("through the proxy", ["model": "test-model"], timeout: 15)
        #expect(!chat.isError, "\(MCPTestClient.text(of: chat))")
        // The proxy saw the absolute form a client sends to a proxy, and forwarded it.
        let lines = proxy.requestLines
        #expect(lines.contains("GET \(double.baseURL)/v1/models HTTP/1.1"), "\(lines)")
        #expect(lines.contains("POST \(double.baseURL)/v1/chat/completions HTTP/1.1"), "\(lines)")
        #expect(double.recordedRequests.contains { $0.path == "/v1/models" })
    }

    @Test func noProxyCoveringTheHostGoesDirect() async throws {
        let double = try await VLLMDouble.start()
        defer { Task { try? await double.shutdown() } }
        let proxy = try TinyProxy()
        defer { proxy.stop() }
        let host = try #require(URL(string: double.baseURL)?.host)
        let session = try await VLLMSession.start(
            baseURL: double.baseURL, environment: Self.environment(["http_proxy": proxy.url, "NO_PROXY": "example.invalid,\(host)"]))
        defer { Task { await session.stop() } }

        let listed = try await session.call("list_models", timeout: 15)
        #expect(!listed.isError, "\(MCPTestClient.text(of: listed))")
        #expect(proxy.requestLines.isEmpty, "\(proxy.requestLines)")
        #expect(double.recordedRequests.contains { $0.path == "/v1/models" })
    }

    @Test func aProxyThatIsNotThereSaysCannotConnect() async throws {
        let double = try await VLLMDouble.start()
        defer { Task { try? await double.shutdown() } }
        let nothing = try FailureTests.closedPortURL()
        let session = try await VLLMSession.start(baseURL: double.baseURL, environment: Self.environment(["http_proxy": nothing]))
        defer { Task { await session.stop() } }
        let listed = try await session.call("list_models", timeout: 15)
        #expect(listed.isError)
        let text = MCPTestClient.text(of: listed)
        #expect(text.contains("Cannot connect to the vLLM server at \(double.baseURL)"), "\(text)")
        #expect(text.contains("connection refused"), "\(text)")
        #expect(double.recordedRequests.isEmpty)
    }
}

/// `https://` to a server whose certificate is self-signed: refused with a TLS message (no hang),
/// and accepted once `VLLM_CA_BUNDLE` names that certificate. The server is `openssl s_server
/// -WWW`, which serves files (here `v1/models`) over TLS.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "needs /usr/bin/openssl"))
struct TLSTests {
    @Test func aSelfSignedCertificateIsRefusedThenTrustedWithTheCABundle() async throws {
        let server = try TLSFileServer()
        defer { server.stop() }

        let refused = try await VLLMSession.start(baseURL: server.url, settings: ["DEFAULT_TIMEOUT": "10"], environment: ProxyTests.environment([:]))
        defer { Task { await refused.stop() } }
        let failed = try await refused.call("list_models", timeout: 20)
        #expect(failed.isError)
        let text = MCPTestClient.text(of: failed)
        #expect(text.contains("Cannot connect to the vLLM server at \(server.url) over TLS"), "\(text)")
        #expect(text.contains("certificate"), "\(text)")
        #expect(text.contains("VLLM_CA_BUNDLE"), "\(text)")

        let trusted = try await VLLMSession.start(
            baseURL: server.url, settings: ["DEFAULT_TIMEOUT": "10", "CA_BUNDLE": server.certificate], environment: ProxyTests.environment([:]))
        defer { Task { await trusted.stop() } }
        let listed = try await trusted.call("list_models", timeout: 20)
        #expect(!listed.isError, "\(MCPTestClient.text(of: listed))")
        #expect(MCPTestClient.text(of: listed).contains("tls-model"))
        // https:// goes to the system's libcurl (OpenSSL), also when libcurl-http.so.4 is
        // installed beside toolhost.
        let mapped = try trusted.mappedLibraries()
        #expect(!LibcurlChoiceTests.systemLibcurl(mapped).isEmpty, "\(mapped.sorted())")
        #expect(!mapped.contains("libcurl-http.so.4"), "\(mapped.sorted())")
    }
}

/// A forward proxy for plain HTTP, one connection at a time: reads a request in absolute form,
/// records its request line, sends it on to the origin (in origin form, `Connection: close`)
/// and relays the answer until the origin closes.
final class TinyProxy: @unchecked Sendable {
    private let listener: Int32
    let port: Int
    private let lock = NSLock()
    private var lines: [String] = []
    private var stopped = false

    var url: String { "http://127.0.0.1:\(port)" }
    var requestLines: [String] { lock.withLock { lines } }

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        guard bound == 0, listen(listener, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        guard address.sin_port != 0 else { throw POSIXError(.EADDRINUSE) }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in serve() }
    }

    func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if lock.withLock({ stopped }) { return }
                continue
            }
            handle(client)
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let separator = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            let n = read(client, &buffer, buffer.count)
            if n <= 0 { return }
            received += buffer[..<n]
            headEnd = received.firstRange(of: separator)?.upperBound
        }
        let head = String(decoding: received[..<headEnd!], as: UTF8.self)
        var headerLines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let requestLine = headerLines.removeFirst()
        lock.withLock { lines.append(requestLine) }
        let parts = requestLine.split(separator: " ")
        guard parts.count == 3, let target = URL(string: String(parts[1])), let host = target.host, let port = target.port else {
            _ = write(client, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", 66)
            return
        }
        let length = headerLines.first { $0.lowercased().hasPrefix("content-length:") }.flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
        while received.count - headEnd! < length {
            let n = read(client, &buffer, buffer.count)
            if n <= 0 { return }
            received += buffer[..<n]
        }
        let kept = headerLines.filter {
            let name = $0.lowercased()
            return !name.hasPrefix("proxy-connection:") && !name.hasPrefix("connection:")
        }
        var path = target.path
        if let query = target.query { path += "?" + query }
        let forwarded = Array("\(parts[0]) \(path) HTTP/1.1\r\n\(kept.joined(separator: "\r\n"))\r\nConnection: close\r\n\r\n".utf8) + received[headEnd!...]

        let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(upstream) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(host)
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard connected == 0, Self.writeAll(upstream, forwarded) else { return }
        while true {
            let n = read(upstream, &buffer, buffer.count)
            if n <= 0 { return }
            if !Self.writeAll(client, Array(buffer[..<n])) { return }
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }
}

/// `openssl s_server -WWW` on a free port of 127.0.0.1 with a fresh self-signed certificate,
/// serving `v1/models` from a temporary folder.
final class TLSFileServer: @unchecked Sendable {
    let folder: URL
    let process = Process()
    let port: Int
    var url: String { "https://127.0.0.1:\(port)" }
    var certificate: String { folder.appendingPathComponent("cert.pem").path }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("toolhost-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("v1"), withIntermediateDirectories: true)
        let models = #"{"object":"list","data":[{"id":"tls-model","object":"model","created":1,"owned_by":"vllm","root":"tls-model","parent":null,"max_model_len":2048}]}"#
        try models.write(to: folder.appendingPathComponent("v1/models"), atomically: true, encoding: .utf8)
        let certificate = folder.appendingPathComponent("cert.pem").path
        let made = try runCommand("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", folder.appendingPathComponent("key.pem").path, "-out", certificate,
        ])
        guard made.status == 0 else { throw POSIXError(.EIO) }
        port = ServerControl.freePort()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", certificate, "-key", folder.appendingPathComponent("key.pem").path, "-WWW", "-quiet"]
        process.currentDirectoryURL = folder
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Ready once it accepts connections.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if Self.accepts(port) { return }
            usleep(50_000)
        }
        stop()
        throw POSIXError(.ETIMEDOUT)
    }

    private static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
    }

    func stop() {
        if process.isRunning {
            // SIGKILL: the test process may have SIGTERM blocked, and a child inherits that.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: folder)
    }
}
