import Synchronization
import ToolHostJSON

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Whether a container runtime is there and answers, found as the Python server finds it.
package struct RuntimeDetection: Sendable, Equatable {
    /// The runtime found installed (nil: none is).
    package var kind: ContainerKind?
    package var running: Bool
    package var error: String

    /// Podman first, then Docker, unless one of them is asked for (`VLLM_CONTAINER_RUNTIME`).
    /// One that answers wins; else the first one installed, reported as not running (so the
    /// user is told to start it, not to install one).
    static func detect(_ preference: LifecycleSettings.RuntimePreference) async -> RuntimeDetection {
        var installed: RuntimeDetection?
        for kind in ContainerKind.allCases where preference == .auto || preference.rawValue == kind.rawValue {
            guard ProcessRunner.which(kind.rawValue) != nil else { continue }
            let info = try? await ProcessRunner.run([kind.rawValue, "info"], timeout: 30)
            if info?.succeeded == true { return RuntimeDetection(kind: kind, running: true, error: "") }
            if installed == nil {
                installed = RuntimeDetection(kind: kind, running: false, error: "\(kind.displayName) is not running: \(info?.complaint ?? "")")
            }
        }
        if let installed { return installed }
        switch preference {
        case .podman: return RuntimeDetection(kind: nil, running: false, error: "Podman is not installed or not in PATH")
        case .docker: return RuntimeDetection(kind: nil, running: false, error: "Docker is not installed or not in PATH")
        default: return RuntimeDetection(kind: nil, running: false, error: "No container runtime (Podman or Docker) found")
        }
    }
}

/// The `docker` and `podman` runtimes: the Python server's commands, with failures as errors
/// and `start_vllm` waiting for `/health`.
struct ContainerControl {
    let kind: ContainerKind
    let settings: LifecycleSettings
    let baseURLNote: @Sendable (Int) -> String?

    private var cli: String { kind.rawValue }

    private func run(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 30) async throws(ToolFailure) -> CommandResult {
        do {
            return try await ProcessRunner.run([cli] + arguments, extraEnvironment: environment, timeout: timeout)
        } catch {
            throw ToolFailure(.unavailable, "❌ Error: \(error.message)")
        }
    }

    private func scrub(_ text: String) -> String { Redaction.scrub(text, secret: settings.hfToken) }

    func exists(_ name: String, running: Bool) async throws(ToolFailure) -> Bool {
        let result = try await run(["ps"] + (running ? [] : ["-a"]) + ["--filter", "name=^\(name)$", "--format", "{{.Names}}"])
        return result.succeeded && result.stdout.trimmingSpaces().split(separator: "\n").contains { $0.trimmingSpaces() == name }
    }

    // MARK: start / restart

    func start(_ request: StartRequest, platform: HostPlatform, gpuFlags: [String], notes: [String], context: any CallContext) async throws(ToolFailure) -> ToolOutcome {
        if try await exists(request.name, running: true) {
            throw ToolFailure(.invalidArgument, """
                ⚠️ Container '\(request.name)' is already running.

                Options:
                - Stop it first with `stop_vllm`
                - Use a different `container_name`
                - Use `restart_vllm` to restart it
                """)
        }
        if try await exists(request.name, running: false) {
            _ = try await run(["rm", request.name])
        }
        if LocalPort.isInUse(request.port) {
            throw ToolFailure(.invalidArgument, """
                ❌ Error: port \(request.port) is in use: something already listens there.

                Choose another `port`, or stop what listens on it (`list_vllm_containers` shows the containers).
                """)
        }
        let home = ProcessRunner.environment()["HOME"] ?? "/root"
        let cachePath = home + "/.cache/huggingface"
        // Podman refuses to mount a folder that does not exist (Docker makes it, owned by root).
        try? FileManager.default.createDirectory(atPath: cachePath, withIntermediateDirectories: true)
        let plan = LaunchCommand.container(kind, platform: platform, gpuFlags: gpuFlags, request: request, settings: settings, cachePath: cachePath)
        let result = try await run(Array(plan.argv.dropFirst()), environment: plan.environment, timeout: 60)
        let shownCommand = CommandLineWords.join(plan.argv)
        guard result.succeeded else {
            throw ToolFailure(.failed, "❌ Failed to start vLLM container:\n\n```\n\(scrub(result.complaint))\n```\n\n**Command:** `\(scrub(shownCommand))`")
        }
        let containerID = String(result.stdout.trimmingSpaces().prefix(12))
        var facts = """
            **Container Info:**
            - Runtime: **\(kind.displayName)**
            - Container ID: `\(containerID)`
            - Container Name: `\(request.name)`
            - Image: `\(plan.image)`
            - Model: `\(request.model)`
            - Mode: **\(plan.useGPU ? "GPU" : "CPU")**
            - Port: \(request.port)
            - Data Type: \(plan.dtype)

            """
        if plan.useGPU {
            facts += "- GPU Memory: \(Int((request.gpuMemoryUtilization * 100).rounded()))%\n"
            if request.tensorParallelSize > 1 { facts += "- Tensor Parallel: \(request.tensorParallelSize) GPUs\n" }
        }
        facts += """

            **API Endpoints:**
            - Base URL: http://localhost:\(request.port)
            - OpenAI API: http://localhost:\(request.port)/v1
            - Health: http://localhost:\(request.port)/health

            **Platform (\(platform.rawValue)):**
            \(notes.map { "  - \($0)" }.joined(separator: "\n"))
            """
        if let note = baseURLNote(request.port) { facts += "\n\n**Note:** \(note)" }
        var structured: JSONObject = [
            "name": .string(request.name), "runtime": .string(kind.rawValue), "container_id": .string(containerID),
            "image": .string(plan.image), "model": .string(request.model), "mode": .string(plan.useGPU ? "gpu" : "cpu"),
            "port": .int(request.port), "dtype": .string(plan.dtype), "base_url": .string("http://localhost:\(request.port)"),
        ]
        return try await finish(name: request.name, port: request.port, verb: "started", wait: request.wait, timeout: request.startupTimeout,
                                facts: facts, structured: &structured, context: context)
    }

    func restart(name: String, wait: Bool, startupTimeout: Double, context: any CallContext) async throws(ToolFailure) -> ToolOutcome {
        guard try await exists(name, running: false) else {
            throw ToolFailure(.invalidArgument, "❌ Container '\(name)' does not exist.\nUse `start_vllm` to create a new container.")
        }
        let result = try await run(["restart", name], timeout: 120)
        guard result.succeeded else { throw ToolFailure(.failed, "❌ Failed to restart container: \(scrub(result.complaint))") }
        var structured: JSONObject = ["name": .string(name), "runtime": .string(kind.rawValue)]
        // The host port published for the server's 8000, to wait for /health on.
        let mapping = try? await run(["port", name, "8000"])
        let port = mapping?.stdout.split(separator: "\n").first.flatMap { $0.split(separator: ":").last.flatMap { Int($0.trimmingSpaces()) } }
        guard let port else {
            return ToolOutcome(texts: ["✅ Container '\(name)' restarted.\n\n⏳ The model may take a minute to reload. Use `vllm_status` to check."],
                               structured: JSON.object(structured).jsonText)
        }
        structured["port"] = .int(port)
        return try await finish(name: name, port: port, verb: "restarted", wait: wait, timeout: startupTimeout,
                                facts: "- Container Name: `\(name)`\n- Port: \(port)", structured: &structured, context: context)
    }

    /// Waits for `/health` (unless told not to) and answers.
    private func finish(name: String, port: Int, verb: String, wait: Bool, timeout: Double, facts: String, structured: inout JSONObject, context: any CallContext) async throws(ToolFailure) -> ToolOutcome {
        guard wait else {
            structured["status"] = .string("starting")
            return ToolOutcome(
                texts: ["✅ vLLM server \(verb) successfully!\n\n\(facts)\n\n⏳ **Note:** The model may take several minutes to download and load.\nUse `vllm_status` to check when it's ready, or `get_vllm_logs` to see progress."],
                structured: JSON.object(structured).jsonText)
        }
        let seen = Locked(0)
        let cli = self.cli
        let probes = Readiness.Probes(
            newLines: {
                // The whole log each round (a start writes a few hundred lines at most); what is
                // new is what lies past the lines already seen.
                guard let result = try? await ProcessRunner.run([cli, "logs", name], timeout: 30), result.succeeded else { return [] }
                var lines = (result.stdout + result.stderr).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                if lines.last == "" { lines.removeLast() }
                let already = seen.withLock { count in defer { count = max(count, lines.count) }; return count }
                return lines.count > already ? Array(lines[already...]) : []
            },
            isAlive: {
                let result = try? await ProcessRunner.run([cli, "inspect", "--format", "{{.State.Running}}", name], timeout: 30)
                return result?.stdout.trimmingSpaces() == "true"
            },
            isHealthy: { await LocalPort.healthy(port) })
        switch await Readiness.wait(probes, timeout: timeout, interval: .seconds(1), context: context, secret: settings.hfToken) {
        case .ready(let seconds):
            structured["status"] = .string("ready")
            structured["seconds_to_ready"] = .double((seconds * 10).rounded() / 10)
            return ToolOutcome(texts: ["✅ vLLM server \(verb) and ready: /health answered after \(Int(seconds.rounded())) s.\n\n\(facts)"],
                               structured: JSON.object(structured).jsonText)
        case .exited:
            throw ToolFailure(.failed, "❌ vLLM container '\(name)' stopped before it was ready.\n\nLast log lines:\n```\n\(await lastLines(name))\n```\n\nCheck the model and the arguments; `get_vllm_logs` shows more.")
        case .timedOut:
            throw ToolFailure(.timeout, "⏳ vLLM container '\(name)' did not answer /health within \(Int(timeout)) s. It keeps running.\n\nLast log lines:\n```\n\(await lastLines(name))\n```\n\nCheck again with `vllm_status` or `get_vllm_logs`, raise `startup_timeout`, or stop it with `stop_vllm`.")
        case .cancelled:
            throw ToolFailure(.cancelled, "The wait was cancelled; container '\(name)' keeps starting. `stop_vllm` stops it.")
        }
    }

    private func lastLines(_ name: String) async -> String {
        guard let result = try? await run(["logs", "--tail", "20", name]) else { return "" }
        return scrub((result.stdout + result.stderr).trimmingSpaces())
    }

    // MARK: stop / list / logs

    func stop(name: String, remove: Bool, timeout: Int) async throws(ToolFailure) -> ToolOutcome {
        let running = try await exists(name, running: true)
        guard try await exists(name, running: false) else {
            throw ToolFailure(.invalidArgument, "ℹ️ Container '\(name)' does not exist. `list_vllm_containers` with `all: true` shows the containers there are.")
        }
        var parts: [String] = []
        if running {
            let result = try await run(["stop", "-t", String(timeout), name], timeout: Double(timeout) + 60)
            guard result.succeeded else { throw ToolFailure(.failed, "❌ Failed to stop container: \(scrub(result.complaint))") }
            parts.append("✅ Container '\(name)' stopped.")
        } else {
            parts.append("ℹ️ Container '\(name)' was not running.")
        }
        var removed = false
        if remove {
            let result = try await run(["rm", name])
            removed = result.succeeded
            parts.append(removed ? "✅ Container '\(name)' removed." : "⚠️ Failed to remove container: \(scrub(result.complaint))")
        }
        let structured: JSONObject = ["name": .string(name), "runtime": .string(kind.rawValue), "stopped": .bool(running), "removed": .bool(removed)]
        return ToolOutcome(texts: [parts.joined(separator: "\n")], structured: JSON.object(structured).jsonText)
    }

    func list(all: Bool) async throws(ToolFailure) -> ToolOutcome {
        // Tab-separated (a `table` format would pad the columns with spaces), laid out below as
        // the runtime's own table.
        let result = try await run(["ps"] + (all ? ["-a"] : []) + ["--format", "{{.Names}}\t{{.Status}}\t{{.Ports}}\t{{.Image}}"])
        guard result.succeeded else { throw ToolFailure(.failed, "❌ Error listing containers: \(scrub(result.complaint))") }
        let rows = result.stdout.split(separator: "\n").map { line in
            (line.split(separator: "\t", omittingEmptySubsequences: false).map { $0.trimmingSpaces() } + ["", "", "", ""]).prefix(4).map { $0 }
        }.filter { !$0[0].isEmpty }
        let structured = JSON.object([
            "runtime": .string(kind.rawValue),
            "containers": .array(rows.map { fields in
                .object(["name": .string(fields[0]), "status": .string(fields[1]), "ports": .string(fields[2]), "image": .string(fields[3])])
            }),
        ]).jsonText
        guard !rows.isEmpty else {
            return ToolOutcome(texts: ["ℹ️ No containers found.\n\nUse `start_vllm` to create one."], structured: structured)
        }
        let table = [["NAMES", "STATUS", "PORTS", "IMAGE"]] + rows
        let widths = (0..<4).map { column in table.map { $0[column].count }.max() ?? 0 }
        let text = table.map { row in
            row.enumerated().map { $0.offset == 3 ? $0.element : $0.element.padding(to: widths[$0.offset]) }.joined(separator: "   ")
        }.joined(separator: "\n")
        return ToolOutcome(texts: ["## \(kind.displayName) Containers\n\n```\n\(text)\n```"], structured: structured)
    }

    func logs(name: String, tail: Int) async throws(ToolFailure) -> ToolOutcome {
        guard try await exists(name, running: false) else {
            throw ToolFailure(.invalidArgument, "❌ Container '\(name)' does not exist. `list_vllm_containers` with `all: true` shows the containers there are.")
        }
        let result = try await run(["logs", "--tail", String(tail), name])
        guard result.succeeded else { throw ToolFailure(.failed, "❌ Error getting logs: \(scrub(result.complaint))") }
        // vLLM logs to stderr.
        let logs = scrub(result.stdout + result.stderr)
        let structured = JSON.object([
            "name": .string(name), "runtime": .string(kind.rawValue),
            "lines": .array(logs.split(separator: "\n").map { .string(String($0)) }),
        ]).jsonText
        return ToolOutcome(
            texts: ["## Logs for '\(name)' (last \(tail) lines)\n\n```\n\(logs)\n```\n\n💡 **Tip:** Run `\(cli) logs -f \(name)` in terminal to follow logs in real-time."],
            structured: structured)
    }
}
