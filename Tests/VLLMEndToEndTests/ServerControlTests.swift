import Foundation
import TestSupport
import Testing

/// Helpers for the server-control tests: a state folder of the test's own, free ports, and the
/// clean-up that stops whatever a failed test left running.
enum ServerControl {
    static var doublePath: String { ServerProcess.buildDirectory + "/vllm-double" }

    static func temporaryFolder(_ label: String) -> String {
        var template = Array("/tmp/toolhost-\(label)-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    /// A port nothing listens on now (the kernel's pick for a socket bound to port 0).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether `pid` is a live process (not gone, not a zombie).
    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)]
        return state != "Z" && state != "X"
    }

    /// Kills every server recorded in `stateHome` (what a failed test would leave running).
    static func killAll(stateHome: String) {
        let folder = stateHome + "/toolhost/vllm"
        for file in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where file.hasSuffix(".json") {
            guard let data = FileManager.default.contents(atPath: folder + "/" + file),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let pid = object["pid"] as? Int, pid > 1 else { continue }
            kill(-Int32(pid), SIGKILL)
        }
    }

    static func progressMessages(_ session: VLLMSession, token: String) -> [String] {
        session.client.progressNotifications(token: token).compactMap { $0[path: "params", "message"] as? String }
    }
}

/// start_vllm … stop_vllm through the real binary with the `process` runtime, serving the vLLM
/// double as a stand-in for `vllm serve` (it takes `MODEL --port N --dtype …` the same way).
@Suite(.serialized) struct ProcessRuntimeTests {
    let stateHome = ServerControl.temporaryFolder("state")

    private func session(port: Int, serveCommand: String? = nil, more: [String: String] = [:]) async throws -> VLLMSession {
        var settings = ["CONTAINER_RUNTIME": "process",
                        "SERVE_COMMAND": serveCommand ?? "\(ServerControl.doublePath) --ignore-stdin --startup-delay-ms 600"]
        for (key, value) in more { settings[key] = value }
        return try await VLLMSession.start(baseURL: "http://127.0.0.1:\(port)", settings: settings, environment: ["XDG_STATE_HOME": stateHome])
    }

    @Test func startChatListLogsRestartAndStopFromALaterSession() async throws {
        defer { ServerControl.killAll(stateHome: stateHome) }
        let port = ServerControl.freePort()
        let first = try await session(port: port)

        let started = try await first.call("start_vllm", ["model": "tiny-double", "port": port, "container_name": "e2e-a", "max_model_len": 2048],
                                           meta: ["progressToken": "start"], timeout: 60)
        #expect(!started.isError, "\(MCPTestClient.text(of: started))")
        #expect(started[path: "structuredContent", "status"] as? String == "ready")
        let pid = try #require(started[path: "structuredContent", "pid"] as? Int)
        #expect(ServerControl.isAlive(Int32(pid)))
        let command = started[path: "structuredContent", "command"] as? [String] ?? []
        #expect(Array(command.dropFirst(4)) == ["tiny-double", "--port", String(port), "--dtype", "auto", "--max-model-len", "2048", "--gpu-memory-utilization", "0.9"])
        let progress = ServerControl.progressMessages(first, token: "start")
        #expect(progress.contains { $0.contains("loading model weights") }, "the log came as progress: \(progress)")
        #expect(MCPTestClient.text(of: started).contains("/health answered"))

        // The started server is the one the other tools talk to.
        let chat = try await first.chat("Hello from the lifecycle test")
        #expect(!chat.isError, "\(MCPTestClient.text(of: chat))")
        #expect(chat[path: "structuredContent", "model"] as? String == "tiny-double")

        let listed = try await first.call("list_vllm_containers")
        let servers = listed[path: "structuredContent", "servers"] as? [JSONDict] ?? []
        #expect(servers.map { $0["name"] as? String } == ["e2e-a"])
        #expect(servers.first?["status"] as? String == "running")
        #expect(MCPTestClient.text(of: listed).contains("e2e-a"))

        let logs = try await first.call("get_vllm_logs", ["container_name": "e2e-a", "tail": 3])
        #expect(!logs.isError)
        #expect((logs[path: "structuredContent", "lines"] as? [String])?.count == 3)
        #expect(MCPTestClient.text(of: logs).contains("loading model weights"))

        let restarted = try await first.call("restart_vllm", ["container_name": "e2e-a"], meta: ["progressToken": "restart"], timeout: 60)
        #expect(!restarted.isError, "\(MCPTestClient.text(of: restarted))")
        let newPID = try #require(restarted[path: "structuredContent", "pid"] as? Int)
        #expect(newPID != pid)
        #expect(!ServerControl.isAlive(Int32(pid)), "the old process was stopped")
        #expect(!ServerControl.progressMessages(first, token: "restart").isEmpty)
        await first.stop()

        // A new toolhost finds the server through the state folder.
        #expect(ServerControl.isAlive(Int32(newPID)), "the server outlives the session")
        let second = try await session(port: port)
        defer { Task { await second.stop() } }
        let again = try await second.call("list_vllm_containers")
        #expect((again[path: "structuredContent", "servers"] as? [JSONDict])?.first?["pid"] as? Int == newPID)
        let laterLogs = try await second.call("get_vllm_logs", ["container_name": "e2e-a"])
        #expect(MCPTestClient.text(of: laterLogs).contains("loading model weights"))
        #expect(!(try await second.chat("Still there?")).isError)

        let stopped = try await second.call("stop_vllm", ["container_name": "e2e-a"], timeout: 30)
        #expect(!stopped.isError, "\(MCPTestClient.text(of: stopped))")
        #expect(stopped[path: "structuredContent", "stopped"] as? Bool == true)
        #expect(stopped[path: "structuredContent", "removed"] as? Bool == true)
        #expect(!ServerControl.isAlive(Int32(newPID)))
        let gone = try await second.call("list_vllm_containers", ["all": true])
        #expect((gone[path: "structuredContent", "servers"] as? [JSONDict])?.isEmpty == true)
        let twice = try await second.call("stop_vllm", ["container_name": "e2e-a"])
        #expect(twice.isError)
        #expect(MCPTestClient.text(of: twice).contains("does not exist"))
    }

    @Test func failuresSayWhatToDo() async throws {
        defer { ServerControl.killAll(stateHome: stateHome) }
        let port = ServerControl.freePort()
        let session = try await session(port: port)
        defer { Task { await session.stop() } }

        let unknown = try await session.call("get_vllm_logs", ["container_name": "nobody"])
        #expect(unknown.isError)
        #expect(MCPTestClient.text(of: unknown).contains("Server 'nobody' does not exist"))

        // A server that exits at once: its last log lines are the answer.
        let bad = try await session.call("start_vllm", ["model": "m", "port": port, "container_name": "bad", "extra_args": ["--no-such-flag"]], timeout: 60)
        #expect(bad.isError)
        let text = MCPTestClient.text(of: bad)
        #expect(text.contains("exited before it was ready (exit status 2)"), "\(text)")
        #expect(text.contains("Prints http://HOST:PORT once listening"), "the log's last lines: \(text)")
        let log = try await session.call("get_vllm_logs", ["container_name": "bad", "tail": 100])
        #expect(MCPTestClient.text(of: log).contains("vllm-double: unknown option --no-such-flag"))
        let listed = try await session.call("list_vllm_containers", ["all": true])
        #expect((listed[path: "structuredContent", "servers"] as? [JSONDict])?.first?["status"] as? String == "exited")

        // Answer at once, then the same port again: in use.
        let quick = try await session.call("start_vllm", ["model": "m", "port": port, "container_name": "quick", "wait": false], timeout: 30)
        #expect(!quick.isError, "\(MCPTestClient.text(of: quick))")
        #expect(quick[path: "structuredContent", "status"] as? String == "starting")
        let running = try await session.call("start_vllm", ["model": "m", "port": ServerControl.freePort(), "container_name": "quick"])
        #expect(running.isError)
        #expect(MCPTestClient.text(of: running).contains("already running"))
        var listening = false
        for _ in 0..<100 where !listening {
            listening = (try? await session.call("vllm_status"))?.isError == false
            if !listening { try await Task.sleep(for: .milliseconds(100)) }
        }
        let clash = try await session.call("start_vllm", ["model": "m", "port": port, "container_name": "clash"])
        #expect(clash.isError)
        #expect(MCPTestClient.text(of: clash).contains("port \(port) is in use"))
        let stopped = try await session.call("stop_vllm", ["container_name": "quick", "timeout": 5])
        #expect(!stopped.isError)
    }

    @Test func aMissingServeCommandAndAMissingGuideLLMAreExplained() async throws {
        let port = ServerControl.freePort()
        let session = try await session(port: port, serveCommand: "/nonexistent/bin/vllm serve", more: ["GUIDELLM_COMMAND": "/nonexistent/bin/guidellm"])
        defer { Task { await session.stop() } }
        let start = try await session.call("start_vllm", ["model": "m", "port": port])
        #expect(start.isError)
        #expect(MCPTestClient.text(of: start).contains("cannot start vLLM"))
        #expect(MCPTestClient.text(of: start).contains("VLLM_SERVE_COMMAND"))
        let bench = try await session.call("run_benchmark", ["max_seconds": 5])
        #expect(bench.isError)
        #expect(MCPTestClient.text(of: bench).contains("pip install guidellm"))
    }

    @Test func platformStatusTellsTheMachineAndTheRuntimes() async throws {
        let session = try await session(port: ServerControl.freePort())
        defer { Task { await session.stop() } }
        let status = try await session.call("get_platform_status", timeout: 120)
        #expect(!status.isError, "\(MCPTestClient.text(of: status))")
        let text = MCPTestClient.text(of: status)
        #expect(text.hasPrefix("## Platform Status"))
        #expect(text.contains("**Container Runtime:**"))
        #expect(status[path: "structuredContent", "platform"] as? String == "linux")
        #expect((status[path: "structuredContent", "cpu", "count"] as? Int ?? 0) >= 1)
        #expect(status[path: "structuredContent", "process", "executable"] as? String == ServerControl.doublePath)
        #expect(status[path: "structuredContent", "runtimes", "podman"] != nil && status[path: "structuredContent", "runtimes", "docker"] != nil)
    }

    /// GuideLLM's part played by a script that prints progress and writes a report shaped like
    /// GuideLLM 0.8's: the command line, the progress and the summary as the tool makes them.
    @Test func runBenchmarkRunsGuideLLMAndSummarisesItsReport() async throws {
        let folder = ServerControl.temporaryFolder("guidellm")
        let script = folder + "/guidellm"
        let report = #"{"benchmarks": [{"config": {"strategy": {"type_": "synchronous"}}, "metrics": {"request_totals": {"successful": 7, "errored": 0}, "requests_per_second": {"successful": {"mean": 3.5}}, "time_to_first_token_ms": {"successful": {"mean": 12, "median": 11}}, "inter_token_latency_ms": {"successful": {"mean": 2, "median": 1.5}}, "output_tokens_per_second": {"successful": {"mean": 99}}}}]}"#
        try """
            #!/bin/sh
            echo "$@" > \(folder)/args
            for a in "$@"; do case "$a" in kind=json,path=*) out="${a#kind=json,path=}";; esac; done
            echo "Benchmark synchronous: 3/7 requests"
            echo "Benchmark synchronous: 7/7 requests"
            printf '%s' '\(report)' > "$out"
            """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let port = ServerControl.freePort()
        let session = try await session(port: port, more: ["GUIDELLM_COMMAND": script])
        defer { Task { await session.stop() } }
        let result = try await session.call("run_benchmark", ["rate": "synchronous", "max_seconds": 5, "max_requests": 7], meta: ["progressToken": "bench"], timeout: 60)
        #expect(!result.isError, "\(MCPTestClient.text(of: result))")
        let row = try #require((result[path: "structuredContent", "benchmarks"] as? [JSONDict])?.first)
        #expect(row["strategy"] as? String == "synchronous")
        #expect(row["requests_per_second"] as? Double == 3.5)
        #expect(row[path: "ttft_ms", "median"] as? Int == 11)
        #expect(row[path: "itl_ms", "median"] as? Double == 1.5)
        #expect(MCPTestClient.text(of: result).contains("| synchronous | 3.5 | 11.0 | 1.5 | 99.0 | 7 | 0 |"))
        #expect(ServerControl.progressMessages(session, token: "bench") == ["Benchmark synchronous: 3/7 requests", "Benchmark synchronous: 7/7 requests"])
        let args = try String(contentsOfFile: folder + "/args", encoding: .utf8)
        #expect(args.hasPrefix("run --backend kind=openai_http,target=http://127.0.0.1:\(port)/v1 --profile kind=synchronous"))
        #expect(args.contains("--constraint kind=max_requests,count=7"))
    }
}
