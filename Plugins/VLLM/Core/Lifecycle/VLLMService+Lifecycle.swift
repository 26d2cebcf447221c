import ToolHostJSON

/// The server-control tools of the Python vllm-mcp-server: `start_vllm`, `stop_vllm`,
/// `restart_vllm`, `list_vllm_containers`, `get_vllm_logs` and `get_platform_status`, on
/// Podman, Docker or (`VLLM_CONTAINER_RUNTIME=process`) a local process.
extension VLLMService {
    private var lifecycle: LifecycleSettings { configuration.lifecycle }

    /// Where servers run, as the settings and the machine decide.
    private enum Runtime {
        case process(ProcessControl)
        case container(ContainerControl, RuntimeDetection)
    }

    private func runtime() async throws(ToolFailure) -> Runtime {
        if lifecycle.containerRuntime == .process {
            return .process(ProcessControl(settings: lifecycle, store: ServerStore(folder: ServerStore.defaultFolder())))
        }
        // Only which runtime answers: the GPU and platform facts are gathered by start alone.
        let detection = await RuntimeDetection.detect(lifecycle.containerRuntime)
        guard let kind = detection.kind else {
            throw ToolFailure(.unavailable, """
                ❌ Error: No container runtime found. (\(detection.error))

                Please install Podman or Docker:
                - Podman: https://podman.io/getting-started/installation
                - Docker: https://docs.docker.com/engine/install/

                Or run vLLM as a local process: set VLLM_CONTAINER_RUNTIME=process (and VLLM_SERVE_COMMAND if `vllm serve` is not the command).
                """)
        }
        guard detection.running else {
            throw ToolFailure(.unavailable, "❌ Error: \(kind.displayName) is not running.\n\nPlease start \(kind.displayName). (\(detection.error))")
        }
        let baseURL = configuration.baseURL
        let note: @Sendable (Int) -> String? = { port in
            Self.servesOtherURL(baseURL, port: port)
        }
        return .container(ContainerControl(kind: kind, settings: lifecycle, baseURLNote: note), detection)
    }

    /// A note when the other tools talk to a server other than `http://localhost:PORT`.
    static func servesOtherURL(_ baseURL: String, port: Int) -> String? {
        let local = ["http://localhost:\(port)", "http://127.0.0.1:\(port)", "http://[::1]:\(port)"]
        if local.contains(baseURL.lowercased()) { return nil }
        return "vllm_chat and the other tools talk to \(Redaction.url(baseURL)); set VLLM_BASE_URL=http://localhost:\(port) to use this server with them."
    }

    func startServer(_ args: ToolArguments, context: any CallContext) async throws(ToolFailure) -> ToolOutcome {
        let request = try StartRequest(args, settings: lifecycle)
        switch try await runtime() {
        case .process(let control):
            var outcome = try await control.start(request, context: context)
            if let note = Self.servesOtherURL(configuration.baseURL, port: request.port), !outcome.texts.isEmpty {
                outcome.texts[0] += "\n\n**Note:** \(note)"
            }
            return outcome
        case .container(let control, let detection):
            let report = await PlatformReport.gather(lifecycle, detection: detection)
            return try await control.start(request, platform: report.platform, gpuFlags: report.gpuFlags, notes: report.notes, context: context)
        }
    }

    func stopServer(_ args: ToolArguments) async throws(ToolFailure) -> ToolOutcome {
        let name = try LifecycleArguments.name(args, settings: lifecycle)
        let remove = try LifecycleArguments.boolean(args, "remove") ?? true
        let timeout = try args.integer("timeout") ?? 10
        guard timeout >= 0 else { throw ToolFailure(.invalidArgument, "Error: `timeout` must be 0 or more seconds") }
        switch try await runtime() {
        case .process(let control): return try await control.stop(name: name, remove: remove, timeout: Double(timeout))
        case .container(let control, _): return try await control.stop(name: name, remove: remove, timeout: timeout)
        }
    }

    func restartServer(_ args: ToolArguments, context: any CallContext) async throws(ToolFailure) -> ToolOutcome {
        let name = try LifecycleArguments.name(args, settings: lifecycle)
        let wait = try LifecycleArguments.boolean(args, "wait") ?? true
        let startupTimeout = try args.number("startup_timeout") ?? lifecycle.startTimeout
        let timeout = try args.integer("timeout") ?? 10
        guard startupTimeout > 0, timeout >= 0 else {
            throw ToolFailure(.invalidArgument, "Error: `startup_timeout` must be above 0 and `timeout` 0 or more seconds")
        }
        switch try await runtime() {
        case .process(let control):
            return try await control.restart(name: name, stopTimeout: Double(timeout), wait: wait, startupTimeout: startupTimeout, context: context)
        case .container(let control, _):
            return try await control.restart(name: name, wait: wait, startupTimeout: startupTimeout, context: context)
        }
    }

    func listServers(_ args: ToolArguments) async throws(ToolFailure) -> ToolOutcome {
        let all = try LifecycleArguments.boolean(args, "all") ?? false
        switch try await runtime() {
        case .process(let control): return control.list(all: all)
        case .container(let control, _): return try await control.list(all: all)
        }
    }

    func serverLogs(_ args: ToolArguments) async throws(ToolFailure) -> ToolOutcome {
        let name = try LifecycleArguments.name(args, settings: lifecycle)
        let tail = try args.integer("tail") ?? 50
        guard tail >= 1 else { throw ToolFailure(.invalidArgument, "Error: `tail` must be at least 1") }
        switch try await runtime() {
        case .process(let control): return try control.logs(name: name, tail: tail)
        case .container(let control, _): return try await control.logs(name: name, tail: tail)
        }
    }

    func platformStatus() async -> ToolOutcome {
        let report = await PlatformReport.gather(lifecycle, full: true)
        return ToolOutcome(texts: [report.text], structured: report.json.jsonText)
    }
}
