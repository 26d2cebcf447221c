import ToolHostJSON

/// The arguments of `start_vllm`, with the Python server's defaults.
package struct StartRequest: Sendable, Equatable {
    package var model: String
    package var port = 8000
    package var gpuMemoryUtilization: Double
    package var cpuOnly = false
    package var tensorParallelSize = 1
    package var maxModelLen: Int?
    package var dtype = "auto"
    package var name: String
    package var extraArgs: [String] = []
    /// Added here: an image for this call (the Python server reads it too, without declaring it).
    package var dockerImage: String?
    /// Added here: GiB of KV cache for CPU containers (`VLLM_CPU_KVCACHE_SPACE`, default 4).
    package var cpuKVCacheSpace = 4
    /// Added here: wait for `/health` (default) or answer once the server was started.
    package var wait = true
    /// Added here: how long to wait for `/health`, in seconds.
    package var startupTimeout: Double

    package static let dtypes = ["auto", "float16", "bfloat16", "float32"]

    package init(model: String, name: String, settings: LifecycleSettings) {
        self.model = model
        self.name = name
        gpuMemoryUtilization = settings.gpuMemoryUtilization
        startupTimeout = settings.startTimeout
    }

    package init(_ args: ToolArguments, settings: LifecycleSettings) throws(ToolFailure) {
        guard let model = try args.string("model"), !model.trimmingSpaces().isEmpty else {
            throw ToolFailure(.invalidArgument, "❌ Error: 'model' is required to start vLLM server")
        }
        self.init(model: model, name: try LifecycleArguments.name(args, settings: settings), settings: settings)
        if let port = try args.integer("port") {
            guard (1...65535).contains(port) else { throw ToolFailure(.invalidArgument, "Error: `port` must be from 1 to 65535, not \(port)") }
            self.port = port
        }
        if let fraction = try args.number("gpu_memory_utilization") {
            guard fraction > 0, fraction <= 1 else {
                throw ToolFailure(.invalidArgument, "Error: `gpu_memory_utilization` must be a fraction above 0 and at most 1, not \(fraction)")
            }
            gpuMemoryUtilization = fraction
        }
        cpuOnly = try LifecycleArguments.boolean(args, "cpu_only") ?? false
        if let size = try args.integer("tensor_parallel_size") {
            guard size >= 1 else { throw ToolFailure(.invalidArgument, "Error: `tensor_parallel_size` must be at least 1") }
            tensorParallelSize = size
        }
        if let length = try args.integer("max_model_len") {
            guard length >= 1 else { throw ToolFailure(.invalidArgument, "Error: `max_model_len` must be at least 1") }
            maxModelLen = length
        }
        if let dtype = try args.string("dtype") {
            guard Self.dtypes.contains(dtype) else {
                throw ToolFailure(.invalidArgument, "Error: `dtype` must be one of \(Self.dtypes.joined(separator: ", ")), not \"\(dtype)\"")
            }
            self.dtype = dtype
        }
        // A list of words, or (as the Python server takes it) one string split at spaces.
        if case .string(let text)? = args.values["extra_args"] {
            extraArgs = text.split(whereSeparator: \.isWhitespace).map(String.init)
        } else {
            extraArgs = try args.strings("extra_args") ?? []
        }
        if let image = try args.string("docker_image"), !image.isEmpty { dockerImage = image }
        if let space = try args.integer("cpu_kvcache_space") {
            guard space >= 1 else { throw ToolFailure(.invalidArgument, "Error: `cpu_kvcache_space` must be at least 1 (GiB)") }
            cpuKVCacheSpace = space
        }
        wait = try LifecycleArguments.boolean(args, "wait") ?? true
        if let seconds = try args.number("startup_timeout") {
            guard seconds > 0 else { throw ToolFailure(.invalidArgument, "Error: `startup_timeout` must be above 0 seconds") }
            startupTimeout = seconds
        }
    }
}

/// Arguments the server-control tools share.
enum LifecycleArguments {
    static func boolean(_ args: ToolArguments, _ key: String) throws(ToolFailure) -> Bool? {
        switch args.values[key] {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        default: throw ToolArguments.wrongType(key, "true or false")
        }
    }

    /// `container_name`, else the configured default; refused when no container or state file
    /// could be called that.
    static func name(_ args: ToolArguments, settings: LifecycleSettings) throws(ToolFailure) -> String {
        guard let name = try args.string("container_name"), !name.isEmpty else { return settings.containerName }
        guard ServerName.isValid(name) else {
            throw ToolFailure(.invalidArgument, "Error: `container_name` must be \(ServerName.rule), not \"\(name)\"")
        }
        return name
    }
}

/// The command lines the server-control tools run. Pure functions of their inputs, so tests
/// pin them exactly.
package enum LaunchCommand {
    /// The Python server's GPU flags: CDI for Podman, `--gpus all` for Docker (Linux, and
    /// Windows through WSL2); none without a GPU or on a Mac.
    package static func gpuFlags(_ runtime: ContainerKind, platform: HostPlatform, hasNvidiaGPU: Bool) -> [String] {
        guard hasNvidiaGPU else { return [] }
        switch platform {
        case .linux: return runtime == .podman ? ["--device", "nvidia.com/gpu=all"] : ["--gpus", "all"]
        case .windows: return ["--gpus", "all"]
        default: return []
        }
    }

    /// What `start_vllm` runs for a container, and the facts its answer reports.
    package struct ContainerPlan: Sendable, Equatable {
        package var argv: [String]
        package var image: String
        package var useGPU: Bool
        package var dtype: String
        package var maxModelLen: Int
        /// Set in the runtime's environment: `-e HF_TOKEN` then passes it without putting it
        /// on any command line.
        package var environment: [String: String]
    }

    /// `docker run` / `podman run` as the Python server builds it, except that the Hugging Face
    /// token travels in the environment (`-e HF_TOKEN`, no value on the command line) and that
    /// `--init` runs a small init as PID 1, which passes `stop`'s SIGTERM on to the server (a
    /// server as PID 1 that sets no handler ignores it, and every stop would wait the timeout).
    package static func container(
        _ runtime: ContainerKind, platform: HostPlatform, gpuFlags: [String], request: StartRequest,
        settings: LifecycleSettings, cachePath: String
    ) -> ContainerPlan {
        let useGPU = !request.cpuOnly && !gpuFlags.isEmpty
        let maxModelLen = request.maxModelLen ?? (useGPU ? 8096 : 2048)
        let image = request.dockerImage ?? (platform.isMac ? settings.dockerImageMacOS : useGPU ? settings.dockerImage : settings.dockerImageCPU)
        let hfHome = useGPU ? "/root/.cache/huggingface" : "/home/vllm/.cache/huggingface"
        let dtype = !useGPU && request.dtype == "auto" ? "bfloat16" : request.dtype
        var argv = [runtime.rawValue, "run", "-d", "--init", "--name", request.name, "-p", "\(request.port):8000", "--shm-size", "8g", "-e", "HF_HOME=\(hfHome)"]
        var environment: [String: String] = [:]
        if let token = settings.hfToken {
            argv += ["-e", "HF_TOKEN"]
            environment["HF_TOKEN"] = token
        }
        argv += ["-e", "VLLM_MODEL=\(request.model)", "-e", "VLLM_DTYPE=\(dtype)", "-e", "VLLM_MAX_MODEL_LEN=\(maxModelLen)"]
        if !useGPU {
            argv += ["-e", "VLLM_CPU_KVCACHE_SPACE=\(request.cpuKVCacheSpace)", "-e", "VLLM_TARGET_DEVICE=cpu", "-e", "VLLM_PLATFORM=cpu"]
        } else {
            argv += gpuFlags
        }
        argv += ["-v", "\(cachePath):\(hfHome)", image]
        argv += ["--model", request.model, "--host", "0.0.0.0", "--port", "8000", "--dtype", dtype]
        argv += ["--max-model-len", String(maxModelLen), "--max-num-batched-tokens", String(maxModelLen)]
        if useGPU {
            argv += ["--gpu-memory-utilization", number(request.gpuMemoryUtilization)]
            if request.tensorParallelSize > 1 { argv += ["--tensor-parallel-size", String(request.tensorParallelSize)] }
        }
        argv += request.extraArgs
        return ContainerPlan(argv: argv, image: image, useGPU: useGPU, dtype: dtype, maxModelLen: maxModelLen, environment: environment)
    }

    /// The `process` runtime's command: `VLLM_SERVE_COMMAND`, the model, then the flags.
    package static func process(serveCommand: [String], request: StartRequest) -> [String] {
        var argv = serveCommand + [request.model, "--port", String(request.port), "--dtype", request.dtype]
        if let length = request.maxModelLen { argv += ["--max-model-len", String(length)] }
        if request.tensorParallelSize > 1 { argv += ["--tensor-parallel-size", String(request.tensorParallelSize)] }
        if !request.cpuOnly { argv += ["--gpu-memory-utilization", number(request.gpuMemoryUtilization)] }
        return argv + request.extraArgs
    }

    /// A fraction as Python's `str(float)` writes it (0.9, 0.85, 1.0).
    static func number(_ value: Double) -> String {
        let text = String(value)
        return text.contains(".") || text.contains("e") ? text : text + ".0"
    }
}
