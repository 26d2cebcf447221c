import Synchronization
import Testing
import ToolHostJSON
@testable import VLLMCore

#if canImport(Glibc)
import Glibc
#endif

/// The exact command lines of the server-control tools.
@Suite struct LaunchCommandTests {
    private func request(_ mutate: (inout StartRequest) -> Void = { _ in }) -> StartRequest {
        var request = StartRequest(model: "TinyLlama/TinyLlama-1.1B-Chat-v1.0", name: "vllm-server", settings: LifecycleSettings())
        mutate(&request)
        return request
    }

    private func plan(_ kind: ContainerKind, gpu: Bool, platform: HostPlatform = .linux, settings: LifecycleSettings = LifecycleSettings(),
                      _ mutate: (inout StartRequest) -> Void = { _ in }) -> LaunchCommand.ContainerPlan {
        LaunchCommand.container(kind, platform: platform, gpuFlags: LaunchCommand.gpuFlags(kind, platform: platform, hasNvidiaGPU: gpu),
                                request: request(mutate), settings: settings, cachePath: "/home/u/.cache/huggingface")
    }

    @Test func podmanWithAGPU() {
        let plan = plan(.podman, gpu: true)
        #expect(plan.argv == [
            "podman", "run", "-d", "--init", "--name", "vllm-server", "-p", "8000:8000", "--shm-size", "8g",
            "-e", "HF_HOME=/root/.cache/huggingface",
            "-e", "VLLM_MODEL=TinyLlama/TinyLlama-1.1B-Chat-v1.0", "-e", "VLLM_DTYPE=auto", "-e", "VLLM_MAX_MODEL_LEN=8096",
            "--device", "nvidia.com/gpu=all",
            "-v", "/home/u/.cache/huggingface:/root/.cache/huggingface", "vllm/vllm-openai:0.11.0",
            "--model", "TinyLlama/TinyLlama-1.1B-Chat-v1.0", "--host", "0.0.0.0", "--port", "8000", "--dtype", "auto",
            "--max-model-len", "8096", "--max-num-batched-tokens", "8096", "--gpu-memory-utilization", "0.9",
        ])
        #expect(plan.useGPU)
        #expect(plan.environment.isEmpty)
    }

    @Test func podmanWithoutAGPU() {
        let plan = plan(.podman, gpu: false)
        #expect(plan.argv == [
            "podman", "run", "-d", "--init", "--name", "vllm-server", "-p", "8000:8000", "--shm-size", "8g",
            "-e", "HF_HOME=/home/vllm/.cache/huggingface",
            "-e", "VLLM_MODEL=TinyLlama/TinyLlama-1.1B-Chat-v1.0", "-e", "VLLM_DTYPE=bfloat16", "-e", "VLLM_MAX_MODEL_LEN=2048",
            "-e", "VLLM_CPU_KVCACHE_SPACE=4", "-e", "VLLM_TARGET_DEVICE=cpu", "-e", "VLLM_PLATFORM=cpu",
            "-v", "/home/u/.cache/huggingface:/home/vllm/.cache/huggingface", "quay.io/rh_ee_micyang/vllm-cpu:v0.11.0",
            "--model", "TinyLlama/TinyLlama-1.1B-Chat-v1.0", "--host", "0.0.0.0", "--port", "8000", "--dtype", "bfloat16",
            "--max-model-len", "2048", "--max-num-batched-tokens", "2048",
        ])
        #expect(!plan.useGPU)
    }

    @Test func dockerWithAGPUAndEveryArgument() {
        var settings = LifecycleSettings()
        settings.hfToken = "hf_secret_token"
        let plan = plan(.docker, gpu: true, settings: settings) {
            $0.port = 8123
            $0.name = "big"
            $0.gpuMemoryUtilization = 0.85
            $0.tensorParallelSize = 2
            $0.maxModelLen = 4096
            $0.dtype = "float16"
            $0.extraArgs = ["--enable-prefix-caching"]
        }
        #expect(plan.argv == [
            "docker", "run", "-d", "--init", "--name", "big", "-p", "8123:8000", "--shm-size", "8g",
            "-e", "HF_HOME=/root/.cache/huggingface", "-e", "HF_TOKEN",
            "-e", "VLLM_MODEL=TinyLlama/TinyLlama-1.1B-Chat-v1.0", "-e", "VLLM_DTYPE=float16", "-e", "VLLM_MAX_MODEL_LEN=4096",
            "--gpus", "all",
            "-v", "/home/u/.cache/huggingface:/root/.cache/huggingface", "vllm/vllm-openai:0.11.0",
            "--model", "TinyLlama/TinyLlama-1.1B-Chat-v1.0", "--host", "0.0.0.0", "--port", "8000", "--dtype", "float16",
            "--max-model-len", "4096", "--max-num-batched-tokens", "4096", "--gpu-memory-utilization", "0.85",
            "--tensor-parallel-size", "2", "--enable-prefix-caching",
        ])
        #expect(!plan.argv.joined(separator: " ").contains("hf_secret_token"), "the token is never on a command line")
        #expect(plan.environment == ["HF_TOKEN": "hf_secret_token"])
    }

    @Test func dockerWithoutAGPUOrWithCPUOnly() {
        let cpu = plan(.docker, gpu: false)
        #expect(cpu.argv == [
            "docker", "run", "-d", "--init", "--name", "vllm-server", "-p", "8000:8000", "--shm-size", "8g",
            "-e", "HF_HOME=/home/vllm/.cache/huggingface",
            "-e", "VLLM_MODEL=TinyLlama/TinyLlama-1.1B-Chat-v1.0", "-e", "VLLM_DTYPE=bfloat16", "-e", "VLLM_MAX_MODEL_LEN=2048",
            "-e", "VLLM_CPU_KVCACHE_SPACE=4", "-e", "VLLM_TARGET_DEVICE=cpu", "-e", "VLLM_PLATFORM=cpu",
            "-v", "/home/u/.cache/huggingface:/home/vllm/.cache/huggingface", "quay.io/rh_ee_micyang/vllm-cpu:v0.11.0",
            "--model", "TinyLlama/TinyLlama-1.1B-Chat-v1.0", "--host", "0.0.0.0", "--port", "8000", "--dtype", "bfloat16",
            "--max-model-len", "2048", "--max-num-batched-tokens", "2048",
        ])
        // A GPU that cpu_only declines: the same CPU command.
        #expect(plan(.docker, gpu: true) { $0.cpuOnly = true }.argv == cpu.argv)
    }

    @Test func macsRunTheMacImageOnTheCPU() {
        let plan = plan(.podman, gpu: true, platform: .macosArm)
        #expect(plan.image == "quay.io/rh_ee_micyang/vllm-mac:v0.11.0")
        #expect(!plan.useGPU)
        #expect(plan.argv.contains("quay.io/rh_ee_micyang/vllm-mac:v0.11.0"))
        #expect(LaunchCommand.gpuFlags(.docker, platform: .windows, hasNvidiaGPU: true) == ["--gpus", "all"])
        #expect(LaunchCommand.gpuFlags(.podman, platform: .linux, hasNvidiaGPU: false) == [])
    }

    @Test func processCommandLine() {
        let words = ["vllm", "serve"]
        #expect(LaunchCommand.process(serveCommand: words, request: request()) == [
            "vllm", "serve", "TinyLlama/TinyLlama-1.1B-Chat-v1.0", "--port", "8000", "--dtype", "auto", "--gpu-memory-utilization", "0.9",
        ])
        let cpu = request {
            $0.cpuOnly = true
            $0.maxModelLen = 512
            $0.tensorParallelSize = 2
            $0.dtype = "float32"
            $0.port = 9001
            $0.extraArgs = ["--enforce-eager", "--kv-cache-memory-bytes", "268435456"]
        }
        #expect(LaunchCommand.process(serveCommand: ["python", "-m", "vllm.entrypoints.openai.api_server", "--model"], request: cpu) == [
            "python", "-m", "vllm.entrypoints.openai.api_server", "--model", "TinyLlama/TinyLlama-1.1B-Chat-v1.0",
            "--port", "9001", "--dtype", "float32", "--max-model-len", "512", "--tensor-parallel-size", "2",
            "--enforce-eager", "--kv-cache-memory-bytes", "268435456",
        ])
    }

    @Test func startArgumentsAreCheckedAndDefaulted() throws {
        func parse(_ json: String, settings: LifecycleSettings = LifecycleSettings()) throws(ToolFailure) -> StartRequest {
            try StartRequest(try ToolArguments(json: Array(json.utf8)), settings: settings)
        }
        var settings = LifecycleSettings()
        settings.containerName = "mine"
        settings.gpuMemoryUtilization = 0.5
        let defaults = try parse(#"{"model": "m"}"#, settings: settings)
        #expect(defaults.name == "mine")
        #expect(defaults.gpuMemoryUtilization == 0.5)
        #expect(defaults.port == 8000 && defaults.dtype == "auto" && defaults.wait && !defaults.cpuOnly)
        #expect(try parse(#"{"model": "m", "extra_args": "--a 1  --b"}"#).extraArgs == ["--a", "1", "--b"])
        #expect(throws: ToolFailure.self) { try parse(#"{}"#) }
        #expect(throws: ToolFailure.self) { try parse(#"{"model": "m", "dtype": "int4"}"#) }
        #expect(throws: ToolFailure.self) { try parse(#"{"model": "m", "container_name": "../etc"}"#) }
        #expect(throws: ToolFailure.self) { try parse(#"{"model": "m", "port": 70000}"#) }
        #expect(throws: ToolFailure.self) { try parse(#"{"model": "m", "cpu_only": "yes"}"#) }
    }

    @Test func commandWordsSplitLikeAShell() throws {
        #expect(try CommandLineWords.split("vllm serve") == ["vllm", "serve"])
        #expect(try CommandLineWords.split(#"  "/opt/my venv/bin/python" -m 'a b' c\ d "x\"y" "# ) == ["/opt/my venv/bin/python", "-m", "a b", "c d", "x\"y"])
        #expect(try CommandLineWords.split(#"''"#) == [""])
        #expect(throws: CommandLineWords.UnclosedQuote.self) { try CommandLineWords.split(#"vllm "serve"#) }
        #expect(CommandLineWords.join(["vllm", "serve", "a b", "it's"]) == #"vllm serve 'a b' 'it'\''s'"#)
    }
}

@Suite struct ServerControlCatalogTests {
    private func json(_ text: String) throws -> JSON { try JSON(parsing: Array(text.utf8)) }

    /// Every property of the Python server's schemas, with its type, default and description.
    @Test func schemasKeepThePythonServersProperties() throws {
        let python: [String: String] = [
            "start_vllm": #"""
                {"model": {"type": "string", "description": "HuggingFace model ID to serve (e.g., 'TinyLlama/TinyLlama-1.1B-Chat-v1.0')"},
                 "port": {"type": "integer", "description": "Port to expose", "default": 8000},
                 "gpu_memory_utilization": {"type": "number", "description": "GPU memory fraction (0-1), only used when GPU is available", "default": 0.9},
                 "cpu_only": {"type": "boolean", "description": "Force CPU mode even if GPU is available", "default": false},
                 "tensor_parallel_size": {"type": "integer", "description": "Number of GPUs for tensor parallelism", "default": 1},
                 "max_model_len": {"type": "integer", "description": "Maximum model context length (optional, uses model default)"},
                 "dtype": {"type": "string", "description": "Data type: auto, float16, bfloat16, float32", "enum": ["auto", "float16", "bfloat16", "float32"], "default": "auto"},
                 "container_name": {"type": "string", "description": "Name for the Docker container"},
                 "extra_args": {"type": "array", "items": {"type": "string"}, "description": "Additional vLLM command-line arguments"}}
                """#,
            "stop_vllm": #"""
                {"container_name": {"type": "string", "description": "Name of the container to stop"},
                 "remove": {"type": "boolean", "description": "Whether to remove the container after stopping", "default": true},
                 "timeout": {"type": "integer", "description": "Seconds to wait before force killing", "default": 10}}
                """#,
            "restart_vllm": #"{"container_name": {"type": "string", "description": "Name of the container to restart"}}"#,
            "list_vllm_containers": #"{"all": {"type": "boolean", "description": "Show all containers including stopped ones", "default": false}}"#,
            "get_vllm_logs": #"""
                {"container_name": {"type": "string", "description": "Name of the container"},
                 "tail": {"type": "integer", "description": "Number of log lines to show", "default": 50}}
                """#,
            "get_platform_status": "{}",
            "run_benchmark": #"""
                {"target": {"type": "string", "description": "Target URL (default: from settings)"},
                 "model": {"type": "string", "description": "Model to benchmark"},
                 "rate": {"type": "string", "description": "Request rate (requests/sec) or 'sweep'", "default": "sweep"},
                 "max_requests": {"type": "integer", "description": "Maximum number of requests"},
                 "max_seconds": {"type": "integer", "description": "Maximum duration in seconds", "default": 120},
                 "data": {"type": "string", "description": "Dataset ('emulated' or path)", "default": "emulated"},
                 "output_path": {"type": "string", "description": "Path to save results"}}
                """#,
        ]
        #expect(ToolCatalog.all.map(\.name).suffix(7) == ["start_vllm", "stop_vllm", "restart_vllm", "list_vllm_containers", "get_vllm_logs", "get_platform_status", "run_benchmark"])
        for tool in ToolCatalog.all.suffix(7) {
            let schema = try json(tool.inputSchema)
            let expected = try json(try #require(python[tool.name]))
            guard case .object(let properties)? = schema["properties"], case .object(let pythonProperties) = expected else {
                Issue.record("\(tool.name): no properties")
                continue
            }
            for (key, value) in pythonProperties {
                #expect(properties[key] == value, "\(tool.name).\(key)")
            }
            // Added properties are optional.
            let required = schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(required == (tool.name == "start_vllm" ? ["model"] : []), "\(tool.name)")
            _ = try json(tool.annotations)
            if let output = tool.outputSchema { #expect(try json(output)["type"] == .string("object")) }
        }
    }
}

@Suite struct ServerControlSettingsTests {
    private func configuration(_ json: String) throws(ConfigurationError) -> VLLMConfiguration {
        try VLLMConfiguration(json: Array(json.utf8))
    }

    @Test func thePythonServersVariablesAndTheProcessRuntime() throws {
        let c = try configuration(#"""
            {"container_runtime": "PROCESS", "docker_image": "img:1", "docker_image_cpu": "cpu:1", "docker_image_macos": "mac:1",
             "container_name": "x", "gpu_memory_utilization": "0.5", "hf_token": "hf_abc", "serve_command": "python -m vllm.entrypoints.openai.api_server --model",
             "start_timeout": "30", "guidellm_command": "/venv/bin/guidellm"}
            """#)
        let l = c.lifecycle
        #expect(l.containerRuntime == .process)
        #expect(l.dockerImage == "img:1" && l.dockerImageCPU == "cpu:1" && l.dockerImageMacOS == "mac:1")
        #expect(l.containerName == "x" && l.gpuMemoryUtilization == 0.5 && l.hfToken == "hf_abc")
        #expect(l.serveCommand == "python -m vllm.entrypoints.openai.api_server --model")
        #expect(l.startTimeout == 30 && l.guidellmCommand == "/venv/bin/guidellm")
        #expect(c.ignoredKeys.isEmpty)
        let defaults = try configuration("{}").lifecycle
        #expect(defaults == LifecycleSettings())
        #expect(defaults.containerRuntime == .auto && defaults.serveCommand == "vllm serve" && defaults.containerName == "vllm-server")
    }

    @Test func badValuesNameTheSettingButNeverTheToken() {
        for (json, needle) in [(#"{"container_runtime": "lxc"}"#, "container_runtime"), (#"{"serve_command": "vllm \"serve"}"#, "serve_command"),
                               (#"{"gpu_memory_utilization": 2}"#, "gpu_memory_utilization"), (#"{"container_name": "a b"}"#, "container_name")] {
            #expect(message(json)?.contains(needle) == true, "\(json)")
        }
        let token = message(#"{"hf_token": 12345678}"#)
        #expect(token != nil && token?.contains("12345678") == false)
    }

    private func message(_ json: String) -> String? {
        do {
            _ = try configuration(json)
            return nil
        } catch {
            return error.message
        }
    }
}

@Suite struct ReadinessTests {
    /// A server that logs two lines per round and answers /health on the third round.
    @Test func logLinesBecomeProgressUntilHealthAnswers() async {
        let round = Locked(0)
        let probes = Readiness.Probes(
            newLines: { round.withLock { $0 += 1; return ["loading \($0)a", "", "loading \($0)b"] } },
            isAlive: { true },
            isHealthy: { round.withLock { $0 >= 3 } })
        let context = RecordingContext()
        let outcome = await Readiness.wait(probes, timeout: 3600, interval: .milliseconds(1), context: context, secret: nil)
        guard case .ready = outcome else { Issue.record("\(outcome)"); return }
        #expect(context.progress.map(\.message) == ["loading 1a", "loading 1b", "loading 2a", "loading 2b", "loading 3a", "loading 3b"])
        #expect(context.progress.map(\.value) == [1, 2, 3, 4, 5, 6])
    }

    @Test func aServerThatDiesEndsTheWaitWithItsLastWords() async {
        let said = Locked(false)
        let probes = Readiness.Probes(
            newLines: { said.withLock { s in defer { s = true }; return s ? ["error: hf_secret is wrong"] : [] } },
            isAlive: { false },
            isHealthy: { false })
        let context = RecordingContext()
        #expect(await Readiness.wait(probes, timeout: 3600, interval: .milliseconds(1), context: context, secret: "hf_secret") == .exited)
        #expect(context.progress.map(\.message) == ["error: [redacted] is wrong"])
    }

    @Test func timeOutAndNoProgressWhenNotAskedFor() async {
        let probes = Readiness.Probes(newLines: { ["x"] }, isAlive: { true }, isHealthy: { false })
        let context = RecordingContext(wantsProgress: false)
        #expect(await Readiness.wait(probes, timeout: 0, interval: .milliseconds(1), context: context, secret: nil) == .timedOut)
        #expect(context.progress.isEmpty)
    }
}

@Suite struct ServerStoreTests {
    private func temporaryFolder() -> String {
        var template = Array("/tmp/toolhost-store-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    @Test func recordsRoundTripAndLiveness() throws {
        let store = ServerStore(folder: temporaryFolder() + "/state")
        #expect(store.all().isEmpty)
        let me = getpid()
        let ticks = ProcessTable.startTicks(me)
        #expect(ticks != nil)
        let record = ServerRecord(name: "a", pid: me, startTicks: ticks, command: ["vllm", "serve", "m"], port: 8001, model: "m",
                                  logPath: store.logPath("a"), startedAt: 1_700_000_000.5)
        try store.save(record)
        try store.save(ServerRecord(name: "b", pid: me, startTicks: (ticks ?? 0) + 1, command: ["x"], port: 8002, model: "n",
                                    logPath: store.logPath("b"), startedAt: 0))
        #expect(store.load("a") == record)
        #expect(store.all().map(\.name) == ["a", "b"])
        #expect(store.load("a")?.isRunning == true)
        #expect(store.load("b")?.isRunning == false, "a PID whose start time differs is another process")
        store.remove("a")
        #expect(store.load("a") == nil)
        #expect(ServerStore.defaultFolder(environment: ["XDG_STATE_HOME": "/s", "HOME": "/h"]) == "/s/toolhost/vllm")
        #expect(ServerStore.defaultFolder(environment: ["HOME": "/h"]) == "/h/.local/state/toolhost/vllm")
    }

    @Test func logTailAndIncrementalReads() throws {
        let path = temporaryFolder() + "/x.log"
        let fd = open(path, O_WRONLY | O_CREAT, 0o644)
        defer { close(fd) }
        func append(_ text: String) { _ = text.withCString { write(fd, $0, strlen($0)) } }
        append("one\ntwo\nthr")
        var (lines, offset) = LogFile.lines(path, from: 0)
        #expect(lines == ["one", "two"])
        append("ee\nfour\n")
        (lines, offset) = LogFile.lines(path, from: offset)
        #expect(lines == ["three", "four"])
        #expect(LogFile.lines(path, from: offset).lines.isEmpty)
        #expect(LogFile.tail(path, lines: 2) == ["three", "four"])
        #expect(LogFile.tail(path, lines: 10) == ["one", "two", "three", "four"])
    }
}

@Suite struct ProcessRunnerTests {
    @Test func runsReadsAndReportsTheStatus() async throws {
        let result = try await ProcessRunner.run(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"])
        #expect(result.status == 3 && result.stdout == "out\n" && result.stderr == "err\n" && !result.timedOut)
        let lines = Locked<[String]>([])
        _ = try await ProcessRunner.run(["/bin/sh", "-c", "echo a; echo b"]) { line in lines.withLock { $0.append(line) } }
        #expect(lines.withLock { $0 } == ["a", "b"])
        let slow = try await ProcessRunner.run(["/bin/sh", "-c", "sleep 30"], timeout: 0.2)
        #expect(slow.timedOut && slow.status == 128 + SIGKILL)
        await #expect(throws: SpawnFailure.self) { try await ProcessRunner.run(["no-such-program-here"]) }
    }
}

@Suite struct BenchmarkTests {
    @Test func guidellmCommandLine() throws {
        func plan(_ json: String) throws(ToolFailure) -> BenchmarkPlan {
            try BenchmarkPlan(try ToolArguments(json: Array(json.utf8)), settings: LifecycleSettings(), baseURL: "http://localhost:8000", defaultModel: nil, temporaryFolder: "/t")
        }
        let defaults = try plan("{}")
        #expect(defaults.reportIsTemporary && defaults.reportPath.hasPrefix("/t/toolhost-guidellm-"))
        #expect(defaults.argv == [
            "guidellm", "run", "--backend", "kind=openai_http,target=http://localhost:8000/v1", "--profile", "kind=sweep",
            "--data", "kind=synthetic_text,prompt_tokens=256,output_tokens=128", "--constraint", "kind=max_duration,seconds=120",
            "--output", "kind=json,path=\(defaults.reportPath)", "--disable-console-interactive",
        ])
        let constant = try plan(#"{"target": "http://h:1/v1", "model": "m", "rate": "2.5", "max_requests": 20, "max_seconds": 5, "data": "prompt_tokens=8,output_tokens=4", "output_path": "/r/out.json"}"#)
        #expect(constant.argv == [
            "guidellm", "run", "--backend", "kind=openai_http,target=http://h:1/v1,model=m", "--profile", "kind=constant,rate=2.5",
            "--data", "kind=synthetic_text,prompt_tokens=8,output_tokens=4", "--constraint", "kind=max_duration,seconds=5", "--constraint", "kind=max_requests,count=20",
            "--output", "kind=json,path=/r/out.json", "--disable-console-interactive",
        ])
        #expect(!constant.reportIsTemporary)
        let local = try plan(#"{"rate": "synchronous", "max_seconds": 3, "tokenizer": "/models/tiny"}"#)
        #expect(local.argv.firstIndex(of: "--tokenizer").map { local.argv[$0 + 1] } == "kind=huggingface_auto,model=/models/tiny")
        let spec = try plan(#"{"tokenizer": "kind=hf_auto,model=org/name"}"#)
        #expect(spec.argv.firstIndex(of: "--tokenizer").map { spec.argv[$0 + 1] } == "kind=hf_auto,model=org/name")
        #expect(BenchmarkPlan.dataSpec("/d/prompts.jsonl") == "kind=json_file,path=/d/prompts.jsonl")
        #expect(BenchmarkPlan.dataSpec("/d/prompts.txt") == "kind=text_file,path=/d/prompts.txt")
        #expect(BenchmarkPlan.dataSpec("kind=hf,source=x") == "kind=hf,source=x")
        #expect(throws: ToolFailure.self) { try plan(#"{"rate": "fast; rm -rf"}"#) }
    }

    /// The parts of a GuideLLM 0.8 report the summary reads.
    @Test func reportSummary() throws {
        let report = try JSON(parsing: #"""
            {"benchmarks": [
              {"config": {"strategy": {"type_": "synchronous"}}, "metrics": {
                "request_totals": {"successful": 12, "errored": 0, "incomplete": 1, "total": 13},
                "requests_per_second": {"successful": {"mean": 1.234, "median": 1.2}},
                "time_to_first_token_ms": {"successful": {"mean": 40.5, "median": 38.25}},
                "inter_token_latency_ms": {"successful": {"mean": 8.1, "median": 7.9}},
                "output_tokens_per_second": {"successful": {"mean": 120.44}}}},
              {"config": {"strategy": {"type_": "constant", "rate": 2}}, "metrics": {
                "requests_per_second": {"successful": {"mean": 2.0}}}}]}
            """#)
        let summary = BenchmarkSummary(report: report)
        #expect(summary.rows.count == 2)
        #expect(summary.rows[0] == BenchmarkSummary.Row(strategy: "synchronous", requestsPerSecond: 1.234, ttftMedianMs: 38.25, ttftMeanMs: 40.5,
                                                        itlMedianMs: 7.9, itlMeanMs: 8.1, outputTokensPerSecond: 120.44, successful: 12, errored: 0))
        #expect(summary.rows[1].strategy == "constant@2.0" && summary.rows[1].ttftMedianMs == nil)
        #expect(summary.table.contains("| synchronous | 1.23 | 38.25 | 7.9 | 120.44 | 12 | 0 |"))
        #expect(JSON.object(summary.json)["benchmarks"]?[0]?["ttft_ms"]?["median"]?.doubleValue == 38.25)
    }
}
