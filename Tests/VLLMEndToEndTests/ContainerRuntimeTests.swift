import Foundation
import TestSupport
import Testing

/// Where the container tests' Podman is: scripts/test runs `scripts/podman-image` (a
/// containers.conf that works as root here, and a stand-in vLLM image built locally) and passes
/// the configuration's path in `TOOLHOST_E2E_PODMAN`.
enum PodmanSetup {
    static var containersConf: String? {
        guard let path = ProcessInfo.processInfo.environment["TOOLHOST_E2E_PODMAN"], !path.isEmpty else { return nil }
        return path
    }

    static let image = "localhost/toolhost-vllm-standin:1"
    static let skipReason: Comment = "no container runtime for the tests: run `scripts/podman-image` and set TOOLHOST_E2E_PODMAN to the path it prints"
}

/// start_vllm … stop_vllm through the real binary with real containers: `podman`, and `docker`
/// (the machine's docker CLI against Podman's Docker-compatible API socket).
@Suite(.serialized, .enabled(if: PodmanSetup.containersConf != nil, PodmanSetup.skipReason))
struct ContainerRuntimeTests {
    let home = ServerControl.temporaryFolder("home")

    private func session(_ runtime: String, port: Int, environment more: [String: String] = [:]) async throws -> VLLMSession {
        var environment = ["CONTAINERS_CONF": PodmanSetup.containersConf!, "HOME": home]
        for (key, value) in more { environment[key] = value }
        return try await VLLMSession.start(
            baseURL: "http://127.0.0.1:\(port)",
            settings: ["CONTAINER_RUNTIME": runtime, "DOCKER_IMAGE_CPU": PodmanSetup.image, "HF_TOKEN": "hf_test_secret_0123"],
            environment: environment)
    }

    private func removeContainer(_ name: String) {
        _ = try? runCommand("/usr/bin/env", ["podman", "rm", "-f", name],
                            environment: ProcessInfo.processInfo.environment.merging(["CONTAINERS_CONF": PodmanSetup.containersConf!]) { $1 }, timeout: 60)
    }

    /// start, list, logs, restart, stop, and a start that fails, on one runtime.
    private func lifecycle(_ runtime: String, environment: [String: String] = [:]) async throws {
        let name = "toolhost-e2e-\(runtime)-\(getpid())"
        defer { removeContainer(name); removeContainer(name + "-bad") }
        let port = ServerControl.freePort()
        let session = try await session(runtime, port: port, environment: environment)
        defer { Task { await session.stop() } }

        let started = try await session.call("start_vllm", ["model": "stand-in", "port": port, "container_name": name],
                                             meta: ["progressToken": "start"], timeout: 180)
        #expect(!started.isError, "\(MCPTestClient.text(of: started))")
        #expect(started[path: "structuredContent", "status"] as? String == "ready")
        #expect(started[path: "structuredContent", "runtime"] as? String == runtime)
        #expect(started[path: "structuredContent", "image"] as? String == PodmanSetup.image)
        #expect(started[path: "structuredContent", "mode"] as? String == "cpu")
        #expect(ServerControl.progressMessages(session, token: "start").contains { $0.contains("loading model weights") })
        #expect(!session.everythingVisible.contains("hf_test_secret_0123"), "the token is never shown")

        let listed = try await session.call("list_vllm_containers", timeout: 60)
        #expect(!listed.isError, "\(MCPTestClient.text(of: listed))")
        let containers = listed[path: "structuredContent", "containers"] as? [JSONDict] ?? []
        let row = containers.first { $0["name"] as? String == name }
        #expect(row?["image"] as? String == PodmanSetup.image)
        if runtime == "podman" {
            // (Podman's Docker-compatible API lists only the container's side, "8000/tcp".)
            let ports = row?["ports"] as? String ?? ""
            #expect(ports.contains("\(port)->8000"), "published ports: \(ports)")
        }

        let logs = try await session.call("get_vllm_logs", ["container_name": name], timeout: 60)
        #expect(!logs.isError, "\(MCPTestClient.text(of: logs))")
        let logText = MCPTestClient.text(of: logs)
        #expect(logText.contains("--model stand-in --host 0.0.0.0 --port 8000 --dtype bfloat16"), "vLLM's arguments reached the server: \(logText)")
        #expect(logText.contains("loading model weights"))

        let restarted = try await session.call("restart_vllm", ["container_name": name], meta: ["progressToken": "restart"], timeout: 180)
        #expect(!restarted.isError, "\(MCPTestClient.text(of: restarted))")
        #expect(restarted[path: "structuredContent", "status"] as? String == "ready")
        #expect(restarted[path: "structuredContent", "port"] as? Int == port)

        let stopped = try await session.call("stop_vllm", ["container_name": name], timeout: 120)
        #expect(!stopped.isError, "\(MCPTestClient.text(of: stopped))")
        #expect(stopped[path: "structuredContent", "removed"] as? Bool == true)
        let gone = try await session.call("get_vllm_logs", ["container_name": name], timeout: 60)
        #expect(gone.isError)
        #expect(MCPTestClient.text(of: gone).contains("does not exist"))

        // A server that stops while loading: its last log lines are the answer.
        let bad = try await session.call("start_vllm", ["model": "stand-in", "port": ServerControl.freePort(), "container_name": name + "-bad", "extra_args": ["--fail"]], timeout: 180)
        #expect(bad.isError)
        #expect(MCPTestClient.text(of: bad).contains("asked to fail"), "\(MCPTestClient.text(of: bad))")
        #expect(!session.everythingVisible.contains("hf_test_secret_0123"), "the token is never shown")
    }

    @Test func podman() async throws {
        try await lifecycle("podman")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/local/bin/docker") || FileManager.default.isExecutableFile(atPath: "/usr/bin/docker"),
                   "no docker CLI"))
    func dockerThroughPodmansAPISocket() async throws {
        let folder = ServerControl.temporaryFolder("docker-api")
        let socket = folder + "/podman.sock"
        var environment = ProcessInfo.processInfo.environment
        environment["CONTAINERS_CONF"] = PodmanSetup.containersConf!
        let service = try ServerProcess("/usr/bin/env", ["podman", "system", "service", "--time=0", "unix://" + socket], environment: environment)
        defer {
            service.signal(SIGTERM)
            _ = service.waitForExit(timeout: 10)
        }
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: socket) { try await Task.sleep(for: .milliseconds(100)) }
        try #require(FileManager.default.fileExists(atPath: socket), "podman system service did not open its socket")
        try await lifecycle("docker", environment: ["DOCKER_HOST": "unix://" + socket])
    }
}
