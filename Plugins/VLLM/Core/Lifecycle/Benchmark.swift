import Synchronization
import ToolHostJSON

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `run_benchmark`: GuideLLM against the server, its console lines as progress, and a summary
/// of its JSON report (requests/s, time to first token, inter-token latency, output tokens/s).
extension VLLMService {
    func benchmark(_ args: ToolArguments, context: any CallContext) async throws(ToolFailure) -> ToolOutcome {
        let settings = configuration.lifecycle
        let plan = try BenchmarkPlan(args, settings: settings, baseURL: configuration.baseURL, defaultModel: configuration.model)
        guard let program = plan.argv.first, ProcessRunner.which(program) != nil else {
            throw ToolFailure(.unavailable, """
                Error: GuideLLM is not installed. Install it with:
                ```bash
                pip install guidellm
                ```
                (or set VLLM_GUIDELLM_COMMAND to its command, e.g. the `guidellm` of a virtual environment)
                """)
        }
        let step = ProgressCounter()
        let wants = context.wantsProgress
        let result: CommandResult
        do {
            result = try await ProcessRunner.run(plan.argv, timeout: plan.timeout) { line in
                let text = line.trimmingSpaces()
                guard wants, !text.isEmpty else { return }
                context.progress(step.next(), total: nil, message: String(text.prefix(500)))
            }
        } catch {
            throw ToolFailure(.unavailable, "Error running benchmark: \(error.message)")
        }
        defer { if plan.reportIsTemporary { try? FileManager.default.removeItem(atPath: plan.reportPath) } }
        let shown = Redaction.url(CommandLineWords.join(plan.argv))
        if result.timedOut {
            throw ToolFailure(.timeout, "Benchmark did not finish within \(Int(plan.timeout)) s and was stopped.\n\n**Command:** `\(shown)`")
        }
        guard result.succeeded else {
            throw ToolFailure(.failed, """
                Benchmark failed with exit code \(result.status):

                **stderr:**
                ```
                \(String(result.stderr.suffix(4000)))
                ```

                **stdout:**
                ```
                \(String(result.stdout.suffix(4000)))
                ```
                """)
        }
        guard let data = FileManager.default.contents(atPath: plan.reportPath), let report = try? JSON(parsing: Array(data)) else {
            throw ToolFailure(.failed, "Benchmark finished but wrote no readable report at \(plan.reportPath).\n\n**Command:** `\(shown)`\n\n**Output:**\n```\n\(String(result.stdout.suffix(4000)))\n```")
        }
        let summary = BenchmarkSummary(report: report)
        var text = "## Benchmark Results\n\n**Command:** `\(shown)`\n\n" + summary.table
        if !plan.reportIsTemporary { text += "\n\nResults saved to: `\(plan.reportPath)`" }
        var structured = summary.json
        structured["command"] = .array(plan.argv.map { .string(Redaction.url($0)) })
        if !plan.reportIsTemporary { structured["output_path"] = .string(plan.reportPath) }
        return ToolOutcome(texts: [text], structured: JSON.object(structured).jsonText)
    }
}

/// Counts progress steps from the thread that reads GuideLLM's output.
final class ProgressCounter: Sendable {
    private let value = Locked(0.0)
    func next() -> Double {
        value.withLock { value in
            value += 1
            return value
        }
    }
}

/// The GuideLLM command line for a `run_benchmark` call (GuideLLM 0.8's `guidellm run`).
package struct BenchmarkPlan: Sendable, Equatable {
    package var argv: [String]
    package var reportPath: String
    package var reportIsTemporary: Bool
    package var timeout: Double

    package init(_ args: ToolArguments, settings: LifecycleSettings, baseURL: String, defaultModel: String?, temporaryFolder: String = "/tmp") throws(ToolFailure) {
        let target = try args.string("target") ?? baseURL + "/v1"
        let model = try args.string("model") ?? defaultModel
        // The Python schema says string; a number is taken too.
        let rate: String
        switch args.values["rate"] {
        case .number(let n)?: rate = n.description
        default: rate = try args.string("rate") ?? "sweep"
        }
        let maxRequests = try args.integer("max_requests")
        let maxSeconds = try args.integer("max_seconds") ?? 120
        guard maxSeconds >= 1 else { throw ToolFailure(.invalidArgument, "Error: `max_seconds` must be at least 1") }
        if let maxRequests, maxRequests < 1 { throw ToolFailure(.invalidArgument, "Error: `max_requests` must be at least 1") }
        let data = try args.string("data") ?? "emulated"
        let output = try args.string("output_path")
        let tokenizer = try args.string("tokenizer")

        var words: [String]
        do {
            words = try CommandLineWords.split(settings.guidellmCommand)
        } catch {
            throw ToolFailure(.invalidArgument, "Error: VLLM_GUIDELLM_COMMAND has an unclosed quote")
        }
        var backend = "kind=openai_http,target=\(target)"
        if let model { backend += ",model=\(model)" }
        let profile: String
        if let number = Double(rate), number > 0 {
            profile = "kind=constant,rate=\(rate)"
        } else if rate.contains("=") {
            profile = rate
        } else {
            guard rate.allSatisfy({ $0.isLetter || $0 == "_" }) else {
                throw ToolFailure(.invalidArgument, "Error: `rate` must be requests per second, `sweep`, or a GuideLLM profile (synchronous, throughput, concurrent, …), not \"\(rate)\"")
            }
            profile = "kind=\(rate)"
        }
        let dataSpec = Self.dataSpec(data)
        if let output, output.hasSuffix(".json") {
            reportPath = output
            reportIsTemporary = false
        } else {
            reportPath = temporaryFolder + "/toolhost-guidellm-\(UInt64.random(in: 0...UInt64.max)).json"
            reportIsTemporary = true
        }
        words += ["run", "--backend", backend, "--profile", profile, "--data", dataSpec,
                  "--constraint", "kind=max_duration,seconds=\(maxSeconds)"]
        if let maxRequests { words += ["--constraint", "kind=max_requests,count=\(maxRequests)"] }
        // GuideLLM sizes synthetic prompts with the model's tokenizer, from Hugging Face unless
        // told where it is (a server with a local model, a machine offline).
        if let tokenizer, !tokenizer.isEmpty {
            words += ["--tokenizer", tokenizer.hasPrefix("kind=") ? tokenizer : "kind=huggingface_auto,model=\(tokenizer)"]
        }
        words += ["--output", "kind=json,path=\(reportPath)"]
        if let output, !output.hasSuffix(".json") { words += ["--output", "kind=\(output.hasSuffix(".csv") ? "csv" : output.hasSuffix(".yaml") ? "yaml" : "json"),path=\(output)"] }
        words.append("--disable-console-interactive")
        argv = words
        // A sweep runs about ten benchmarks of max_seconds each.
        timeout = Double(maxSeconds) * (profile.hasPrefix("kind=sweep") ? 12 : 2) + 300
    }
}

extension BenchmarkPlan {
    /// GuideLLM's `--data`: "emulated" (the Python server's default) is synthetic text of 256
    /// prompt and 128 output tokens; `prompt_tokens=…,output_tokens=…` is synthetic text of
    /// that shape; a file is read by its kind (by extension); a `kind=…` spec goes as it is.
    static func dataSpec(_ data: String) -> String {
        if data == "emulated" { return "kind=synthetic_text,prompt_tokens=256,output_tokens=128" }
        if data.hasPrefix("kind=") || data.contains(",kind=") { return data }
        if data.contains("=") { return "kind=synthetic_text," + data }
        let lower = data.lowercased()
        let kinds = [(".json", "json_file"), (".jsonl", "json_file"), (".csv", "csv_file"), (".parquet", "parquet_file"),
                     (".arrow", "arrow_file"), (".h5", "hdf5_file"), (".hdf5", "hdf5_file"), (".tar", "tar_file"), (".db", "db_file")]
        let kind = kinds.first { lower.hasSuffix($0.0) }?.1 ?? "text_file"
        return "kind=\(kind),path=\(data)"
    }
}

/// What a GuideLLM JSON report says, benchmark by benchmark.
package struct BenchmarkSummary: Sendable, Equatable {
    package struct Row: Sendable, Equatable {
        package var strategy: String
        package var requestsPerSecond: Double?
        package var ttftMedianMs: Double?
        package var ttftMeanMs: Double?
        package var itlMedianMs: Double?
        package var itlMeanMs: Double?
        package var outputTokensPerSecond: Double?
        package var successful: Int?
        package var errored: Int?
    }

    package var rows: [Row]

    package init(report: JSON) {
        rows = (report["benchmarks"]?.arrayValue ?? []).map { benchmark in
            let metrics = benchmark["metrics"]
            func stat(_ name: String, _ kind: String) -> Double? {
                metrics?[name]?["successful"]?[kind]?.doubleValue
            }
            return Row(
                strategy: Self.strategy(benchmark),
                requestsPerSecond: stat("requests_per_second", "mean"),
                ttftMedianMs: stat("time_to_first_token_ms", "median"),
                ttftMeanMs: stat("time_to_first_token_ms", "mean"),
                itlMedianMs: stat("inter_token_latency_ms", "median"),
                itlMeanMs: stat("inter_token_latency_ms", "mean"),
                outputTokensPerSecond: stat("output_tokens_per_second", "mean"),
                successful: metrics?["request_totals"]?["successful"]?.intValue,
                errored: metrics?["request_totals"]?["errored"]?.intValue)
        }
    }

    /// The strategy's name: where GuideLLM versions put it, `config.strategy.type_` (or `type`).
    static func strategy(_ benchmark: JSON) -> String {
        for holder in [benchmark["config"]?["strategy"], benchmark["scheduler"]?["strategy"], benchmark["args"]?["strategy"], benchmark["strategy"]] {
            guard let holder else { continue }
            if let name = holder["type_"]?.stringValue ?? holder["type"]?.stringValue ?? holder.stringValue {
                if let rate = holder["rate"]?.doubleValue { return "\(name)@\(Self.format(rate))" }
                if let streams = holder["streams"]?.intValue { return "\(name)×\(streams)" }
                return name
            }
        }
        return "benchmark"
    }

    static func format(_ value: Double?) -> String {
        guard let value else { return "–" }
        return String((value * 100).rounded() / 100)
    }

    var table: String {
        guard !rows.isEmpty else { return "The report holds no benchmarks." }
        var lines = ["| Strategy | Requests/s | TTFT median (ms) | ITL median (ms) | Output tokens/s | OK | Errors |",
                     "|---|---|---|---|---|---|---|"]
        for row in rows {
            lines.append("| \(row.strategy) | \(Self.format(row.requestsPerSecond)) | \(Self.format(row.ttftMedianMs)) | \(Self.format(row.itlMedianMs)) | \(Self.format(row.outputTokensPerSecond)) | \(row.successful.map(String.init) ?? "–") | \(row.errored.map(String.init) ?? "–") |")
        }
        return lines.joined(separator: "\n")
    }

    var json: JSONObject {
        ["benchmarks": .array(rows.map { row in
            .object([
                "strategy": .string(row.strategy),
                "requests_per_second": row.requestsPerSecond.map(JSON.finite) ?? .null,
                "ttft_ms": .object(["median": row.ttftMedianMs.map(JSON.finite) ?? .null, "mean": row.ttftMeanMs.map(JSON.finite) ?? .null]),
                "itl_ms": .object(["median": row.itlMedianMs.map(JSON.finite) ?? .null, "mean": row.itlMeanMs.map(JSON.finite) ?? .null]),
                "output_tokens_per_second": row.outputTokensPerSecond.map(JSON.finite) ?? .null,
                "successful_requests": .optional(row.successful),
                "errored_requests": .optional(row.errored),
            ])
        })]
    }
}
