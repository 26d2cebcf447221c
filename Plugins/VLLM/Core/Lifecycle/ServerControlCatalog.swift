/// The server-control tools as the Python vllm-mcp-server 0.1.4 declares them: the same names,
/// descriptions, properties, types and defaults. Properties added here are optional (marked
/// in their descriptions) and change nothing for a call that leaves them out.
enum ServerControlCatalog {
    static let all: [ToolDefinition] = [start, stop, restart, list, logs, platform, benchmark]

    /// Starts something on the machine.
    static let starting = #"{"readOnlyHint": false, "destructiveHint": false, "idempotentHint": false, "openWorldHint": false}"#
    /// Stops (and by default removes) a server.
    static let stopping = #"{"readOnlyHint": false, "destructiveHint": true, "idempotentHint": true, "openWorldHint": false}"#
    static let restarting = #"{"readOnlyHint": false, "destructiveHint": true, "idempotentHint": false, "openWorldHint": false}"#
    /// Reads the machine's state.
    static let inspecting = #"{"readOnlyHint": true, "destructiveHint": false, "idempotentHint": true, "openWorldHint": false}"#
    /// Sends load to a server.
    static let loading = #"{"readOnlyHint": true, "destructiveHint": false, "idempotentHint": false, "openWorldHint": true}"#

    static let start = ToolDefinition(
        name: "start_vllm",
        title: "Start vLLM",
        description: "Start a vLLM server in a Docker container. Automatically detects platform (Linux/macOS/Windows) and GPU availability.",
        inputSchema: #"""
            {"type": "object", "properties": {
                "model": {"type": "string", "description": "HuggingFace model ID to serve (e.g., 'TinyLlama/TinyLlama-1.1B-Chat-v1.0')"},
                "port": {"type": "integer", "description": "Port to expose", "default": 8000},
                "gpu_memory_utilization": {"type": "number", "description": "GPU memory fraction (0-1), only used when GPU is available", "default": 0.9},
                "cpu_only": {"type": "boolean", "description": "Force CPU mode even if GPU is available", "default": false},
                "tensor_parallel_size": {"type": "integer", "description": "Number of GPUs for tensor parallelism", "default": 1},
                "max_model_len": {"type": "integer", "description": "Maximum model context length (optional, uses model default)"},
                "dtype": {"type": "string", "description": "Data type: auto, float16, bfloat16, float32", "enum": ["auto", "float16", "bfloat16", "float32"], "default": "auto"},
                "container_name": {"type": "string", "description": "Name for the Docker container"},
                "extra_args": {"type": "array", "items": {"type": "string"}, "description": "Additional vLLM command-line arguments"},
                "docker_image": {"type": "string", "description": "Container image to run instead of the configured one (VLLM_DOCKER_IMAGE, VLLM_DOCKER_IMAGE_CPU, VLLM_DOCKER_IMAGE_MACOS)"},
                "cpu_kvcache_space": {"type": "integer", "description": "GiB of KV cache for a CPU container (VLLM_CPU_KVCACHE_SPACE)", "default": 4},
                "wait": {"type": "boolean", "description": "Wait until /health answers, reporting the log as progress (false: answer once started)", "default": true},
                "startup_timeout": {"type": "number", "description": "Seconds to wait for /health (default: VLLM_START_TIMEOUT, 900)"}},
             "required": ["model"]}
            """#,
        outputSchema: nil,
        annotations: starting)

    static let stop = ToolDefinition(
        name: "stop_vllm",
        title: "Stop vLLM",
        description: "Stop a running vLLM Docker container",
        inputSchema: #"""
            {"type": "object", "properties": {
                "container_name": {"type": "string", "description": "Name of the container to stop"},
                "remove": {"type": "boolean", "description": "Whether to remove the container after stopping", "default": true},
                "timeout": {"type": "integer", "description": "Seconds to wait before force killing", "default": 10}}}
            """#,
        outputSchema: nil,
        annotations: stopping)

    static let restart = ToolDefinition(
        name: "restart_vllm",
        title: "Restart vLLM",
        description: "Restart a vLLM Docker container",
        inputSchema: #"""
            {"type": "object", "properties": {
                "container_name": {"type": "string", "description": "Name of the container to restart"},
                "wait": {"type": "boolean", "description": "Wait until /health answers again, reporting the log as progress", "default": true},
                "startup_timeout": {"type": "number", "description": "Seconds to wait for /health (default: VLLM_START_TIMEOUT, 900)"},
                "timeout": {"type": "integer", "description": "process runtime: seconds to wait for the old process to stop before force killing", "default": 10}}}
            """#,
        outputSchema: nil,
        annotations: restarting)

    static let list = ToolDefinition(
        name: "list_vllm_containers",
        title: "List vLLM servers",
        description: "List all vLLM Docker containers",
        inputSchema: #"""
            {"type": "object", "properties": {
                "all": {"type": "boolean", "description": "Show all containers including stopped ones", "default": false}}}
            """#,
        outputSchema: nil,
        annotations: inspecting)

    static let logs = ToolDefinition(
        name: "get_vllm_logs",
        title: "vLLM logs",
        description: "Get logs from a vLLM container to check loading progress or errors",
        inputSchema: #"""
            {"type": "object", "properties": {
                "container_name": {"type": "string", "description": "Name of the container"},
                "tail": {"type": "integer", "description": "Number of log lines to show", "default": 50}}}
            """#,
        outputSchema: nil,
        annotations: inspecting)

    static let platform = ToolDefinition(
        name: "get_platform_status",
        title: "Platform status",
        description: "Get platform information including Docker and GPU availability",
        inputSchema: #"{"type": "object", "properties": {}}"#,
        outputSchema: nil,
        annotations: inspecting)

    static let benchmark = ToolDefinition(
        name: "run_benchmark",
        title: "Benchmark vLLM",
        description: "Run a performance benchmark against the vLLM server using GuideLLM",
        inputSchema: #"""
            {"type": "object", "properties": {
                "target": {"type": "string", "description": "Target URL (default: from settings)"},
                "model": {"type": "string", "description": "Model to benchmark"},
                "rate": {"type": "string", "description": "Request rate (requests/sec) or 'sweep'", "default": "sweep"},
                "max_requests": {"type": "integer", "description": "Maximum number of requests"},
                "max_seconds": {"type": "integer", "description": "Maximum duration in seconds", "default": 120},
                "data": {"type": "string", "description": "Dataset ('emulated' or path)", "default": "emulated"},
                "output_path": {"type": "string", "description": "Path to save results"},
                "tokenizer": {"type": "string", "description": "Tokenizer for the synthetic prompts: a Hugging Face model name or a local folder (default: the model's own, fetched from Hugging Face), or a GuideLLM --tokenizer spec (kind=...)"}}}
            """#,
        outputSchema: #"""
            {"type": "object", "properties": {
                "benchmarks": {"type": "array", "items": {"type": "object", "properties": {
                    "strategy": {"type": "string"},
                    "requests_per_second": {"type": ["number", "null"]},
                    "ttft_ms": {"type": "object", "description": "Time to first token", "properties": {"median": {"type": ["number", "null"]}, "mean": {"type": ["number", "null"]}}},
                    "itl_ms": {"type": "object", "description": "Inter-token latency", "properties": {"median": {"type": ["number", "null"]}, "mean": {"type": ["number", "null"]}}},
                    "output_tokens_per_second": {"type": ["number", "null"]},
                    "successful_requests": {"type": ["integer", "null"]},
                    "errored_requests": {"type": ["integer", "null"]}},
                    "required": ["strategy"]}},
                "command": {"type": "array", "items": {"type": "string"}},
                "output_path": {"type": "string"}},
             "required": ["benchmarks"]}
            """#,
        annotations: loading)
}
