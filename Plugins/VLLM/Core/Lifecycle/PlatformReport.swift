import ToolHostJSON

/// What `get_platform_status` reports and what `start_vllm` decides with: the Python server's
/// platform facts (platform, runtime, GPU, cache path, GPU flags, notes), and, for the status
/// tool, the OS, the CPU's features, every GPU, both container runtimes and the `process`
/// runtime.
struct PlatformReport: Sendable {
    var platform: HostPlatform
    var detection: RuntimeDetection
    var hasNvidiaGPU: Bool
    var cachePath: String
    var gpuFlags: [String]
    var notes: [String]
    var preference: LifecycleSettings.RuntimePreference

    // Only with `full`.
    var system: (system: String, release: String, machine: String)?
    var distribution: String?
    var cpu: (model: String?, count: Int, features: [String])?
    var gpus: [GPUInfo]?
    var runtimes: [(kind: ContainerKind, path: String?, running: Bool, version: String?)] = []
    var serveCommand: String = ""
    var serveExecutable: String?
    var servers: [(record: ServerRecord, running: Bool)] = []
    var stateFolder: String = ""

    /// - Parameter detection: the runtime already detected, if it was (detecting runs `podman
    ///   info`, which can take seconds).
    static func gather(_ settings: LifecycleSettings, full: Bool = false, detection known: RuntimeDetection? = nil) async -> PlatformReport {
        let platform = HostPlatform.current
        let detection: RuntimeDetection
        if let known {
            detection = known
        } else {
            detection = await RuntimeDetection.detect(settings.containerRuntime == .process ? .auto : settings.containerRuntime)
        }
        let gpus = await MachineFacts.nvidiaGPUs()
        var hasGPU = !(gpus ?? []).isEmpty
        if !hasGPU, detection.running, detection.kind == .docker,
           let runtimes = try? await ProcessRunner.run(["docker", "info", "--format", "{{.Runtimes}}"]),
           runtimes.succeeded, runtimes.stdout.lowercased().contains("nvidia") {
            hasGPU = true
        }
        let kind = detection.kind ?? .docker
        let gpuFlags = LaunchCommand.gpuFlags(kind, platform: platform, hasNvidiaGPU: hasGPU && detection.running)
        var notes: [String] = []
        switch detection.kind {
        case .podman?: notes.append("Using Podman as container runtime")
        case .docker?: notes.append("Using Docker as container runtime")
        case nil: notes.append("No container runtime available")
        }
        switch platform {
        case .linux:
            notes.append(hasGPU ? "NVIDIA GPU detected - full GPU acceleration available" : "No NVIDIA GPU detected - running in CPU mode")
        case .macosArm:
            notes.append("Apple Silicon detected - containers run in CPU mode")
            notes.append("For GPU acceleration, consider running vLLM natively with Metal")
        case .macosIntel:
            notes.append("Intel Mac detected - containers run in CPU mode")
        case .windows:
            notes.append(hasGPU ? "NVIDIA GPU detected via WSL2 - GPU acceleration available" : "No NVIDIA GPU detected - running in CPU mode")
            if !hasGPU { notes.append("Ensure WSL2 and NVIDIA Container Toolkit are installed for GPU support") }
        case .unknown: break
        }
        if settings.containerRuntime == .process {
            notes.append("VLLM_CONTAINER_RUNTIME=process: servers run as local processes, not containers")
        }
        let home = ProcessRunner.environment()["HOME"] ?? "/root"
        var report = PlatformReport(
            platform: platform, detection: detection, hasNvidiaGPU: hasGPU, cachePath: home + "/.cache/huggingface",
            gpuFlags: gpuFlags, notes: notes, preference: settings.containerRuntime)
        guard full else { return report }
        report.system = MachineFacts.system()
        report.distribution = MachineFacts.distribution()
        report.cpu = MachineFacts.cpu()
        report.gpus = gpus
        for kind in ContainerKind.allCases {
            let path = ProcessRunner.which(kind.rawValue)
            var running = false
            var version: String?
            if path != nil {
                running = detection.kind == kind && detection.running
                if detection.kind != kind {
                    running = (try? await ProcessRunner.run([kind.rawValue, "info"], timeout: 30))?.succeeded == true
                }
                if let result = try? await ProcessRunner.run([kind.rawValue, "--version"], timeout: 10), result.succeeded {
                    version = result.stdout.trimmingSpaces()
                }
            }
            report.runtimes.append((kind, path, running, version))
        }
        report.serveCommand = settings.serveCommand
        report.serveExecutable = (try? CommandLineWords.split(settings.serveCommand))?.first.flatMap { ProcessRunner.which($0) }
        let store = ServerStore(folder: ServerStore.defaultFolder())
        report.stateFolder = store.folder
        report.servers = store.all().map { ($0, $0.isRunning) }
        return report
    }

    var runtimeName: String {
        guard let kind = detection.kind else { return "None" }
        return kind.displayName
    }

    var runtimeStatus: String {
        if detection.kind == nil { return "❌ Not installed" }
        return detection.running ? "✅ Running" : "⚠️ Installed but not running"
    }

    /// The Python server's report, then what it did not tell.
    var text: String {
        let emoji: [HostPlatform: String] = [.linux: "🐧", .macosArm: "🍎", .macosIntel: "🍎", .windows: "🪟", .unknown: "❓"]
        var lines = [
            "## Platform Status \(emoji[platform] ?? "❓")", "",
            "**Platform:** \(platform.rawValue)",
            "**Container Runtime:** \(runtimeName) (\(runtimeStatus))",
            "**NVIDIA GPU:** \(hasNvidiaGPU ? "✅ Available" : "❌ Not available")",
            "**HF Cache Path:** `\(cachePath)`",
            "**GPU Flags:** `\(gpuFlags.isEmpty ? "None (CPU mode)" : gpuFlags.joined(separator: " "))`",
            "", "**Notes:**",
        ]
        lines += notes.isEmpty ? ["  - None"] : notes.map { "  - \($0)" }
        if let system {
            lines += ["", "### System", "- OS: \(distribution ?? system.system) (\(system.system) \(system.release), \(system.machine))"]
        }
        if let cpu {
            lines.append("- CPU: \(cpu.model ?? "unknown"), \(cpu.count) online")
            lines.append("- CPU features: \(cpu.features.isEmpty ? "none of note found" : cpu.features.joined(separator: " "))")
        }
        if let gpus {
            lines.append("- GPUs (nvidia-smi): " + (gpus.isEmpty ? "none" : gpus.map { "\($0.name)\($0.memory.map { ", \($0)" } ?? "")" }.joined(separator: "; ")))
        } else if system != nil {
            lines.append("- GPUs: nvidia-smi not found or failed")
        }
        if !runtimes.isEmpty {
            lines += ["", "### Runtimes", "- Selected: \(preference == .process ? "process" : runtimeName) (VLLM_CONTAINER_RUNTIME=\(preference.rawValue))"]
            for runtime in runtimes {
                let state = runtime.path == nil ? "not installed" : runtime.running ? "running" : "installed, not answering"
                lines.append("- \(runtime.kind.displayName): \(state)\(runtime.version.map { " — \($0)" } ?? "")")
            }
            let running = servers.filter(\.running).map { "\($0.record.name) (PID \($0.record.pid), port \($0.record.port))" }
            lines.append("- process: `\(serveCommand)` → \(serveExecutable ?? "not found in PATH"); running: \(running.isEmpty ? "none" : running.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n")
    }

    var json: JSON {
        var object: JSONObject = [
            "platform": .string(platform.rawValue),
            "container_runtime": detection.kind.map { .string($0.rawValue) } ?? .null,
            "runtime_available": .bool(detection.kind != nil),
            "runtime_running": .bool(detection.running),
            "runtime_preference": .string(preference.rawValue),
            "has_nvidia_gpu": .bool(hasNvidiaGPU),
            "cache_path": .string(cachePath),
            "gpu_flags": .array(gpuFlags.map(JSON.string)),
            "notes": .array(notes.map(JSON.string)),
        ]
        if let system {
            object["os"] = .object([
                "system": .string(system.system), "release": .string(system.release), "machine": .string(system.machine),
                "distribution": .optional(distribution),
            ])
        }
        if let cpu {
            object["cpu"] = .object(["model": .optional(cpu.model), "count": .int(cpu.count), "features": .array(cpu.features.map(JSON.string))])
        }
        if system != nil {
            object["gpus"] = gpus.map { list in
                .array(list.map { .object(["name": .string($0.name), "memory": .optional($0.memory), "driver": .optional($0.driver)]) })
            } ?? .null
            object["runtimes"] = .object(runtimes.map { runtime in
                (key: runtime.kind.rawValue, value: JSON.object([
                    "installed": .bool(runtime.path != nil), "path": .optional(runtime.path),
                    "running": .bool(runtime.running), "version": .optional(runtime.version),
                ]))
            }.reduce(into: JSONObject()) { $0[$1.key] = $1.value })
            object["process"] = .object([
                "serve_command": .string(serveCommand),
                "executable": .optional(serveExecutable),
                "state_folder": .string(stateFolder),
                "running": .array(servers.filter(\.running).map { .object(["name": .string($0.record.name), "pid": .int(Int($0.record.pid)), "port": .int($0.record.port)]) }),
            ])
        }
        return .object(object)
    }
}
