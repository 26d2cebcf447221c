import Foundation
import TestSupport
import Testing

/// Real vLLM on the CPU, started by toolhost itself through the `process` runtime. scripts/test
/// exports `TOOLHOST_VLLM_SERVE_COMMAND` (a command that serves a model like `vllm serve`) and
/// `TOOLHOST_VLLM_MODEL_DIR` (a tiny model) once scripts/vllm-cpu has provisioned them.
enum RealVLLMServe {
    static var serveCommand: String? { nonEmpty("TOOLHOST_VLLM_SERVE_COMMAND") }
    static var modelDir: String? { nonEmpty("TOOLHOST_VLLM_MODEL_DIR") }

    private static func nonEmpty(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    static let skipReason: Comment = "no real vLLM: run scripts/vllm-cpu and set TOOLHOST_VLLM_SERVE_COMMAND and TOOLHOST_VLLM_MODEL_DIR"
}

@Suite(.serialized, .enabled(if: RealVLLMServe.serveCommand != nil && RealVLLMServe.modelDir != nil, RealVLLMServe.skipReason))
struct RealVLLMProcessTests {
    let stateHome = ServerControl.temporaryFolder("real-vllm-state")

    private func session(port: Int) async throws -> VLLMSession {
        try await VLLMSession.start(
            baseURL: "http://127.0.0.1:\(port)",
            settings: ["CONTAINER_RUNTIME": "process", "SERVE_COMMAND": RealVLLMServe.serveCommand!, "DEFAULT_TIMEOUT": "120"],
            environment: ["XDG_STATE_HOME": stateHome, "VLLM_TARGET_DEVICE": "cpu"])
    }

    @Test func startChatLogsListAndStopRealVLLM() async throws {
        defer { ServerControl.killAll(stateHome: stateHome) }
        let port = ServerControl.freePort()
        let session = try await session(port: port)
        let started = try await session.call(
            "start_vllm",
            ["model": RealVLLMServe.modelDir!, "port": port, "container_name": "real-vllm", "dtype": "float32", "max_model_len": 512, "cpu_only": true,
             "extra_args": ["--enforce-eager", "--kv-cache-memory-bytes", "268435456", "--enable-log-requests"], "startup_timeout": 400],
            meta: ["progressToken": "load"], timeout: 420)
        #expect(!started.isError, "\(MCPTestClient.text(of: started))")
        try #require(started[path: "structuredContent", "status"] as? String == "ready")
        let pid = try #require(started[path: "structuredContent", "pid"] as? Int)
        #expect(ServerControl.progressMessages(session, token: "load").count > 5, "vLLM's loading log came as progress")

        let chat = try await session.chat("Say hello.", ["max_tokens": 8, "temperature": 0], timeout: 180)
        #expect(!chat.isError, "\(MCPTestClient.text(of: chat))")
        #expect((chat[path: "structuredContent", "usage", "completion_tokens"] as? Int ?? 0) > 0)

        let logs = try await session.call("get_vllm_logs", ["container_name": "real-vllm", "tail": 200], timeout: 60)
        #expect(MCPTestClient.text(of: logs).contains("/v1/chat/completions"), "vLLM logged the chat request")

        await session.stop()
        // A later session finds it and stops it.
        let later = try await self.session(port: port)
        defer { Task { await later.stop() } }
        let listed = try await later.call("list_vllm_containers", timeout: 60)
        #expect((listed[path: "structuredContent", "servers"] as? [JSONDict])?.first?["pid"] as? Int == pid)
        let stopped = try await later.call("stop_vllm", ["container_name": "real-vllm", "timeout": 30], timeout: 120)
        #expect(!stopped.isError, "\(MCPTestClient.text(of: stopped))")
        #expect(!ServerControl.isAlive(Int32(pid)))
    }
}
