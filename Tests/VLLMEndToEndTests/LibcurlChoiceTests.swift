import Foundation
import TestSupport
import Testing
import VLLMDouble

/// The HTTP-only libcurl beside the build's `toolhost` and `libVLLM.so`, which scripts/test
/// puts there (scripts/libcurl install).
enum HTTPOnlyLibcurl {
    static var path: String { ServerProcess.buildDirectory + "/libcurl-http.so.4" }
    static var installed: Bool { FileManager.default.fileExists(atPath: path) }
    static var underCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
    /// Tests that need it are skipped without it, except under CI=true, where they fail.
    static var needed: Bool { installed || underCI }
    static let skipped: Comment = "no libcurl-http.so.4 beside toolhost (scripts/libcurl install .build/debug); under CI=true this fails"

    static func require() throws {
        try #require(installed, "\(path) is missing: scripts/test puts it there (scripts/libcurl install)")
    }
}

/// Which libcurl toolhost's vLLM plugin opens, seen from outside: the libraries mapped into the
/// toolhost process after a call.
@Suite struct LibcurlChoiceTests {
    /// Libraries that only the system's libcurl brings (OpenSSL, GnuTLS through librtmp).
    static func tlsLibraries(_ names: Set<String>) -> [String] {
        names.filter { $0.hasPrefix("libcrypto") || $0.hasPrefix("libssl") || $0.hasPrefix("libgnutls") }.sorted()
    }

    static func systemLibcurl(_ names: Set<String>) -> [String] {
        names.filter { $0.hasPrefix("libcurl.so.4") }.sorted()
    }

    /// The same from the built-in plugin (it looks beside `toolhost`) and from `libVLLM.so`
    /// (beside itself).
    @Test(.enabled(if: HTTPOnlyLibcurl.needed, HTTPOnlyLibcurl.skipped), arguments: ["vllm", ServerProcess.plugin("VLLM")])
    func anHTTPServerGetsTheHTTPOnlyLibcurlAndNoTLSLibraries(plugin: String) async throws {
        try HTTPOnlyLibcurl.require()
        let session = try await VLLMSession.start(arguments: ["--log-level", "debug"], plugin: plugin)
        defer { Task { await session.stop() } }
        let chat = try await session.chat("which libcurl?", timeout: 20)
        #expect(!chat.isError, "\(MCPTestClient.text(of: chat))")

        let mapped = try session.mappedLibraries()
        #expect(mapped.contains("libcurl-http.so.4"), "\(mapped.sorted())")
        #expect(Self.systemLibcurl(mapped).isEmpty, "\(mapped.sorted())")
        #expect(Self.tlsLibraries(mapped).isEmpty, "\(mapped.sorted())")
        let log = session.client.process.stderr
        #expect(log.contains("libcurl: \(HTTPOnlyLibcurl.path) (7."), "\(log)")
        #expect(log.contains("HTTP only): nothing needs TLS"), "\(log)")
    }

    @Test func vllmLibcurlSystemOpensTheSystemLibcurl() async throws {
        let session = try await VLLMSession.start(settings: ["LIBCURL": "system"], arguments: ["--log-level", "debug"])
        defer { Task { await session.stop() } }
        let chat = try await session.chat("the system's, please", timeout: 20)
        #expect(!chat.isError, "\(MCPTestClient.text(of: chat))")
        let streamed = try await session.chat("streamed", meta: ["progressToken": "p"], timeout: 20)
        #expect(!streamed.isError, "\(MCPTestClient.text(of: streamed))")

        let mapped = try session.mappedLibraries()
        #expect(!Self.systemLibcurl(mapped).isEmpty, "\(mapped.sorted())")
        #expect(!mapped.contains("libcurl-http.so.4"), "\(mapped.sorted())")
        #expect(session.client.process.stderr.contains("VLLM_LIBCURL=system"), "\(session.client.process.stderr)")
    }

    @Test(.enabled(if: HTTPOnlyLibcurl.needed, HTTPOnlyLibcurl.skipped)) func anHTTPProxyWorksWithTheHTTPOnlyLibcurl() async throws {
        try HTTPOnlyLibcurl.require()
        let double = try await VLLMDouble.start()
        defer { Task { try? await double.shutdown() } }
        let proxy = try TinyProxy()
        defer { proxy.stop() }
        let session = try await VLLMSession.start(baseURL: double.baseURL, environment: ProxyTests.environment(["http_proxy": proxy.url]))
        defer { Task { await session.stop() } }

        let chat = try await session.chat("through the proxy", ["model": "test-model"], timeout: 15)
        #expect(!chat.isError, "\(MCPTestClient.text(of: chat))")
        #expect(proxy.requestLines.contains("POST \(double.baseURL)/v1/chat/completions HTTP/1.1"), "\(proxy.requestLines)")
        let mapped = try session.mappedLibraries()
        #expect(mapped.contains("libcurl-http.so.4"), "\(mapped.sorted())")
        #expect(Self.tlsLibraries(mapped).isEmpty, "\(mapped.sorted())")
    }

    /// An https:// proxy for http:// URLs needs TLS: the system's libcurl.
    @Test func anHTTPSProxyGetsTheSystemLibcurl() async throws {
        let double = try await VLLMDouble.start()
        defer { Task { try? await double.shutdown() } }
        let nothing = try FailureTests.closedPortURL().replacingOccurrences(of: "http://", with: "https://")
        let session = try await VLLMSession.start(
            baseURL: double.baseURL, arguments: ["--log-level", "debug"], environment: ProxyTests.environment(["http_proxy": nothing]))
        defer { Task { await session.stop() } }
        let listed = try await session.call("list_models", timeout: 15)
        #expect(listed.isError)
        let mapped = try session.mappedLibraries()
        #expect(!Self.systemLibcurl(mapped).isEmpty, "\(mapped.sorted())")
        #expect(session.client.process.stderr.contains("http_proxy is an https:// proxy"), "\(session.client.process.stderr)")
    }

    /// The HTTP-only libcurl named by VLLM_LIBCURL and an https:// server: a message that says
    /// what is wrong and what to do, not libcurl's "unsupported protocol".
    @Test(.enabled(if: HTTPOnlyLibcurl.needed, HTTPOnlyLibcurl.skipped)) func theHTTPOnlyLibcurlRefusesAnHTTPSServerClearly() async throws {
        try HTTPOnlyLibcurl.require()
        let url = try FailureTests.closedPortURL().replacingOccurrences(of: "http://", with: "https://")
        let session = try await VLLMSession.start(baseURL: url, settings: ["LIBCURL": HTTPOnlyLibcurl.path], environment: ProxyTests.environment([:]))
        defer { Task { await session.stop() } }
        let listed = try await session.call("list_models", timeout: 15)
        #expect(listed.isError)
        let text = MCPTestClient.text(of: listed)
        #expect(text.contains("needs TLS"), "\(text)")
        #expect(text.contains("HTTP-only libcurl"), "\(text)")
        #expect(text.contains("VLLM_LIBCURL=system"), "\(text)")
    }

    /// A VLLM_LIBCURL that cannot be opened is not replaced by another library silently.
    @Test func aVLLMLibcurlThatCannotBeOpenedIsReported() async throws {
        let session = try await VLLMSession.start(settings: ["LIBCURL": "/nonexistent/libcurl-http.so.4"])
        defer { Task { await session.stop() } }
        let chat = try await session.chat("hello", timeout: 15)
        #expect(chat.isError)
        let text = MCPTestClient.text(of: chat)
        #expect(text.contains("/nonexistent/libcurl-http.so.4 (VLLM_LIBCURL) cannot be opened"), "\(text)")
    }
}
