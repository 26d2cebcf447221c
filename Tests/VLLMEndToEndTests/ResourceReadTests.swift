import Foundation
import TestSupport
import Testing
import VLLMDouble

/// The four resources through toolhost: listed, read as plain text, the secrets never shown,
/// a server that does not answer explained in the text.
@Suite struct ResourceReadTests {
    /// `resources/read` of `uri`: the whole response message.
    private func read(_ session: VLLMSession, _ uri: String) async throws -> JSONDict {
        try await session.client { try $0.request("resources/read", ["uri": uri], timeout: 60) }
    }

    /// The one text item of a successful read.
    private func text(_ session: VLLMSession, _ uri: String) async throws -> String {
        let response = try await read(session, uri)
        let contents = try #require(response[path: "result", "contents"] as? [JSONDict], "\(response)")
        #expect(contents.count == 1)
        #expect(contents.first?["uri"] as? String == uri)
        #expect(contents.first?["mimeType"] as? String == "text/plain")
        return try #require(contents.first?["text"] as? String)
    }

    @Test func theFourAreListedAndRead() async throws {
        let session = try await VLLMSession.start()
        defer { Task { await session.stop() } }
        let list = try await session.client { try $0.result("resources/list") }
        let resources = list["resources"] as? [JSONDict] ?? []
        #expect(resources.compactMap { $0["uri"] as? String } == ["vllm://status", "vllm://metrics", "vllm://config", "vllm://platform"])
        #expect(resources.compactMap { $0["name"] as? String } == ["vLLM Server Status", "vLLM Performance Metrics", "vLLM MCP Configuration", "Platform Information"])
        #expect(resources.allSatisfy { $0["mimeType"] as? String == "text/plain" })

        _ = try await session.chat("warm up")
        #expect(try await text(session, "vllm://status").hasPrefix("## vLLM Server Status ✅\n\n**Status:** healthy"))
        #expect(try await text(session, "vllm://metrics").contains("- Requests running: 0"))
        #expect(try await text(session, "vllm://platform").hasPrefix("## Platform Status"))
        #expect(try await read(session, "vllm://nothing")["error"] != nil, "an unknown URI is an error")
    }

    @Test func configShowsSecretsOnlyAsSet() async throws {
        let key = "sk-e2e-resource-7c1d", token = "hf_E2EResourceToken"
        let session = try await VLLMSession.start(settings: ["API_KEY": key, "HF_TOKEN": token])
        defer { Task { await session.stop() } }
        let text = try await text(session, "vllm://config")
        #expect(text.contains("**API key:** set"))
        #expect(text.contains("**HF token:** set"))
        #expect(!session.everythingVisible.contains(key) && !text.contains(key))
        #expect(!session.everythingVisible.contains(token) && !text.contains(token))
    }

    @Test func anUnreachableServerIsExplained() async throws {
        let session = try await VLLMSession.start(baseURL: "http://127.0.0.1:1")
        defer { Task { await session.stop() } }
        for uri in ["vllm://status", "vllm://metrics"] {
            let text = try await text(session, uri)
            #expect(text.contains("vLLM at http://127.0.0.1:1 is not reachable"), "\(text)")
            #expect(text.contains("VLLM_BASE_URL"))
        }
    }
}
