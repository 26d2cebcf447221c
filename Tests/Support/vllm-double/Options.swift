import VLLMDouble

/// The command line of `vllm-double`, turned into a `Configuration`.
struct Options {
    var configuration = Configuration(models: [])
    var threads: Int?
    var watchStdin = true
    var showHelp = false
    /// Time spent "loading" (with log lines on stderr) before it listens.
    var startupDelayMs = 0

    static let usage = """
        usage: vllm-double [options]
          --host ADDR                 listen address (default 127.0.0.1)
          --port N                    port, 0 for a free one (default 0)
          --api-key KEY               require "Authorization: Bearer KEY" on /v1 paths
          --model NAME [NAME ...]     served model names, first is the default (repeatable)
          --max-model-len N           context window of the models named after it (default 4096)
          --model-scenario NAME=DIRS  scenario directives for every request to model NAME
          --lora NAME[=PATH]          a LoRA adapter on the first model
          --latency-ms N              prefill time before the first token
          --queue-ms N                queue wait before the request runs
          --token-delay-ms N          time between tokens
          --reply TEXT                fixed reply instead of echoing the prompt
          --reply-tokens N            reply of N lorem tokens
          --reasoning off|on|only     emit reasoning text
          --reasoning-field F         reasoning (0.32) or reasoning_content (old)
          --errors nested|flat        error body shape
          --metrics-naming current|old
          --legacy                    pre-0.10.1 dialect (flat errors, reasoning_content, old metric)
          --dead                      engine dead: 503 on /health, 500 on generation
          --scenario DIRECTIVES       any scenario directives, server-wide
          --server-version V          what /version reports (default 0.32.0)
          --threads N                 event loop threads (default: one per core)
          --ignore-stdin              keep serving after stdin closes
          --startup-delay-ms N        log loading lines for N ms before listening
          MODEL                       like `vllm serve MODEL`: a served model name
          --dtype, --gpu-memory-utilization, --tensor-parallel-size, --max-num-batched-tokens V
                                      vLLM's flags, accepted and ignored
        Prints http://HOST:PORT once listening; serves until SIGTERM, SIGINT or stdin EOF.
        """

    /// Parses the arguments after the program name.
    ///
    /// - Throws: `UsageError` for an unknown option or a bad value.
    init(arguments: [String]) throws(UsageError) {
        var remaining = arguments[...]
        var maxModelLen = 4096
        var modelScenarios: [(String, String)] = []

        func value(_ option: String) throws(UsageError) -> String {
            guard let next = remaining.popFirst() else { throw UsageError("\(option) needs a value") }
            return next
        }
        func number(_ option: String) throws(UsageError) -> Int {
            let text = try value(option)
            guard let number = Int(text), number >= 0 else { throw UsageError("\(option) needs a whole number") }
            return number
        }
        func scenario(_ directives: String) throws(UsageError) {
            do {
                try Scenario.apply(directives, to: &configuration.behavior)
            } catch {
                throw UsageError(error.description)
            }
        }

        while let option = remaining.popFirst() {
            switch option {
            case "-h", "--help": showHelp = true
            case "--host": configuration.host = try value(option)
            case "--port": configuration.port = try number(option)
            case "--api-key": configuration.apiKey = try value(option)
            case "--model":
                configuration.models.append(ServedModel(name: try value(option), maxModelLen: maxModelLen))
                while let next = remaining.first, !next.hasPrefix("--") {
                    remaining.removeFirst()
                    configuration.models.append(ServedModel(name: next, maxModelLen: maxModelLen))
                }
            case "--max-model-len":
                maxModelLen = try number(option)
                for index in configuration.models.indices { configuration.models[index].maxModelLen = maxModelLen }
            case "--model-scenario":
                let text = try value(option)
                guard let equals = text.firstIndex(of: "=") else {
                    throw UsageError("--model-scenario is NAME=DIRECTIVES")
                }
                modelScenarios.append((String(text[..<equals]), String(text[text.index(after: equals)...])))
            case "--lora":
                let text = try value(option)
                let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
                configuration.loraAdapters.append(LoRAAdapter(name: parts[0], path: parts.count > 1 ? parts[1] : nil))
            case "--latency-ms": try scenario("latency=\(try number(option))ms")
            case "--queue-ms": try scenario("queue=\(try number(option))ms")
            case "--token-delay-ms": try scenario("token-delay=\(try number(option))ms")
            case "--reply": configuration.behavior.reply = .fixed(try value(option))
            case "--reply-tokens": configuration.behavior.reply = .lorem(tokens: try number(option))
            case "--reasoning": try scenario("reasoning=\(try value(option))")
            case "--reasoning-field": try scenario("reasoning-field=\(try value(option))")
            case "--errors": try scenario("errors=\(try value(option))")
            case "--metrics-naming":
                guard let naming = MetricsNaming(rawValue: try value(option)) else {
                    throw UsageError("--metrics-naming is current or old")
                }
                configuration.metricsNaming = naming
            case "--legacy":
                configuration.behavior.reasoningField = .reasoningContent
                configuration.behavior.errorStyle = .flat
                configuration.behavior.contextCheck = .rejectOverflow
                configuration.metricsNaming = .old
            case "--dead": configuration.behavior.engineDead = true
            case "--scenario": try scenario(try value(option))
            case "--server-version": configuration.version = try value(option)
            case "--threads":
                let count = try number(option)
                guard count > 0 else { throw UsageError("--threads must be at least 1") }
                threads = count
            case "--ignore-stdin": watchStdin = false
            case "--startup-delay-ms": startupDelayMs = try number(option)
            case "--dtype", "--gpu-memory-utilization", "--tensor-parallel-size", "--max-num-batched-tokens":
                _ = try value(option)
            default:
                // `vllm serve MODEL …`: the model comes first, without an option name.
                guard !option.hasPrefix("-") else { throw UsageError("unknown option \(option)") }
                configuration.models.append(ServedModel(name: option, maxModelLen: maxModelLen))
            }
        }
        if configuration.models.isEmpty {
            configuration.models = [ServedModel(name: "test-model", maxModelLen: maxModelLen)]
        }
        for (name, directives) in modelScenarios {
            guard let index = configuration.models.firstIndex(where: { $0.name == name }) else {
                throw UsageError("--model-scenario names an unknown model \(name)")
            }
            configuration.models[index].scenario = directives
        }
    }
}

/// A command line that cannot be used.
struct UsageError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = "vllm-double: \(description)"
    }
}
