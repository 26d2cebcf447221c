/// The texts of the plugin's resources, made from what the tools gather, for people (the same
/// Markdown-like form as the tools' reports). Nothing here fails: a server that does not
/// answer gives a text saying so, why, and what to check.
package enum ResourceText {
    /// `vllm://status`: the status tool's report; when nothing answers, that the server is not
    /// reachable instead.
    package static func status(_ report: StatusReport) -> String {
        guard report.status == "offline" else { return report.text }
        return unreachable("## vLLM Server Status ❌", baseURL: report.baseURL, reason: report.problems.first)
    }

    /// `vllm://metrics`: the key numbers of `GET /metrics` (`reply`), or why there are none.
    package static func metrics(baseURL: String, reply: Result<UpstreamClient.Reply, UpstreamError>) -> String {
        let heading = "## vLLM Performance Metrics"
        let body: [String]
        switch reply {
        case .failure(let error) where error.code == .cannotConnect || error.code == .connectTimeout:
            return unreachable(heading, baseURL: baseURL, reason: error.message)
        case .failure(let error):
            body = ["Reading the metrics failed: \(error.message)"]
        case .success(let reply) where reply.status == 404:
            body = ["This server has no /metrics route (llama-cpp-python has none), so there are no metrics to show."]
        case .success(let reply) where reply.status != 200:
            body = ["GET /metrics answered HTTP \(reply.status), so there are no metrics to show."]
        case .success(let reply):
            let samples = PrometheusText.parse(String(decoding: reply.body, as: UTF8.self))
            if let metrics = ServerMetrics.summarize(samples) {
                body = ["**Naming:** \(metrics.family == "vllm" ? "vLLM (vllm:…)" : "llama.cpp (llamacpp:…)")", ""] + metrics.lines
            } else {
                body = ["GET /metrics answered with \(samples.count) samples, none of them under the names the plugin knows (vLLM's vllm:… or llama.cpp's llamacpp:…)."]
            }
        }
        return ([heading, "", "**Base URL:** \(baseURL)", ""] + body).joined(separator: "\n")
    }

    /// `vllm://config`: every setting the plugin uses. The API key and the Hugging Face token
    /// appear only as set or not set, and are taken out of every other value too (a serve
    /// command may carry `--api-key`); the base URL loses its user and password.
    package static func configuration(_ configuration: VLLMConfiguration) -> String {
        let c = configuration, l = configuration.lifecycle
        func seconds(_ value: Double?) -> String { value.map { "\(SecondsFormat.text($0)) s" } ?? "none" }
        func milliseconds(_ value: Duration) -> String {
            "\(value.components.seconds * 1000 + value.components.attoseconds / 1_000_000_000_000_000) ms"
        }
        func secret(_ value: String?) -> String { value == nil ? "not set" : "set" }
        var lines = [
            "## vLLM MCP Configuration", "",
            "**Base URL:** \(c.displayBaseURL)",
            "**Model:** \(c.model ?? "(the server's first)")",
            "**API key:** \(secret(c.apiKey))",
            "**Default temperature:** \(SecondsFormat.text(c.defaultTemperature))",
            "**Default max tokens:** \(c.defaultMaxTokens)",
            "**Timeout:** \(seconds(c.timeout))",
            "**Streaming:** \(c.stream.rawValue)",
            "**Progress interval:** \(milliseconds(c.progressInterval))",
            "**Heartbeat:** \(milliseconds(c.heartbeatInterval))",
            "**Max connections:** \(c.maxConnections)",
            "", "### Server control",
            "**Container runtime:** \(l.containerRuntime.rawValue)",
            "**Docker image:** \(l.dockerImage)",
            "**Docker image (macOS):** \(l.dockerImageMacOS)",
            "**Docker image (CPU):** \(l.dockerImageCPU)",
            "**Container name:** \(l.containerName)",
            "**GPU memory utilization:** \(SecondsFormat.text(l.gpuMemoryUtilization))",
            "**HF token:** \(secret(l.hfToken))",
            "**Serve command:** `\(l.serveCommand)`",
            "**Start timeout:** \(seconds(l.startTimeout))",
            "**GuideLLM command:** `\(l.guidellmCommand)`",
        ]
        if !c.ignoredKeys.isEmpty { lines += ["", "**Settings not used by the plugin:** \(c.ignoredKeys.joined(separator: ", "))"] }
        let text = lines.joined(separator: "\n")
        return Redaction.scrub(Redaction.scrub(text, secret: c.apiKey), secret: l.hfToken)
    }

    /// The text of a resource whose server does not answer: which server, why (`reason`, the
    /// connection error, which says what to check), and what to do.
    static func unreachable(_ heading: String, baseURL: String, reason: String?) -> String {
        [
            heading, "",
            "vLLM at \(baseURL) is not reachable.", "",
            reason ?? "Check that the server is running and that VLLM_BASE_URL is right.", "",
            "To start a server on this machine, use the start_vllm tool; to use another one, set VLLM_BASE_URL.",
        ].joined(separator: "\n")
    }
}
