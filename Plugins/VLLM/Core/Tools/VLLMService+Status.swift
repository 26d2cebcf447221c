import ToolHostJSON

extension VLLMService {
    /// `vllm_status`: the report, as a failure when nothing answers.
    func status() async -> ToolOutcome {
        let report = await statusReport()
        var outcome = ToolOutcome(texts: [report.text], structured: report.json.jsonText)
        if report.status == "offline" {
            outcome.failure = ToolFailure(.unavailable, report.text)
            outcome.texts = []
        }
        return outcome
    }

    /// Health, version, models and key metrics, read in parallel (for `vllm_status` and
    /// `vllm://status`). Routes a server lacks (llama.cpp has no `/version`, llama-cpp-python no
    /// `/health` or `/metrics`) are noted, not fatal.
    func statusReport() async -> StatusReport {
        async let healthReply = attempt { () async throws(UpstreamError) in try await client.get("/health", what: "GET /health") }
        async let versionReply = attempt { () async throws(UpstreamError) in try await client.get("/version", what: "GET /version") }
        async let metricsReply = attempt { () async throws(UpstreamError) in try await client.get("/metrics", what: "GET /metrics") }
        async let modelList = attempt { () async throws(UpstreamError) in try await client.fetchModels() }
        return StatusReport.build(
            baseURL: configuration.displayBaseURL,
            health: await healthReply, version: await versionReply, metrics: await metricsReply, models: await modelList)
    }

    func attempt<T: Sendable>(_ body: () async throws(UpstreamError) -> T) async -> Result<T, UpstreamError> {
        do throws(UpstreamError) {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }
}

/// What `vllm_status` found, as text and as a structured result.
package struct StatusReport: Sendable {
    package var status: String
    package var baseURL: String
    package var server: String
    package var version: String?
    package var health: String
    package var models: [String]
    package var metrics: ServerMetrics?
    /// Failures worth a person's attention.
    package var problems: [String]
    /// Routes this server does not have (not failures).
    package var notes: [String] = []

    /// The structured result (see the tool's output schema).
    package var json: JSON {
        .object([
            "status": .string(status),
            "base_url": .string(baseURL),
            "server": .string(server),
            "version": .optional(version),
            "health": .string(health),
            "models": .array(models.map(JSON.string)),
            "metrics": metrics?.json ?? .null,
            "problems": .array(problems.map(JSON.string)),
            "notes": .array(notes.map(JSON.string)),
        ])
    }

    package static func build(
        baseURL: String,
        health: Result<UpstreamClient.Reply, UpstreamError>,
        version: Result<UpstreamClient.Reply, UpstreamError>,
        metrics: Result<UpstreamClient.Reply, UpstreamError>,
        models: Result<[ModelCard], UpstreamError>
    ) -> StatusReport {
        var report = StatusReport(status: "unknown", baseURL: baseURL, server: "unknown", version: nil, health: "", models: [], metrics: nil, problems: [])

        // Nothing answers at all: offline, with the reason.
        let failures = [health.error, version.error, metrics.error, models.error]
        if let refused = failures.compactMap({ $0 }).first(where: { $0.code == .cannotConnect || $0.code == .connectTimeout }),
           failures.allSatisfy({ $0 != nil }) {
            report.status = "offline"
            report.health = "no answer"
            report.problems = [refused.message]
            return report
        }

        var healthStatus: Int?
        switch health {
        case .success(let reply):
            healthStatus = reply.status
            switch reply.status {
            case 200..<300: report.health = "ok (GET /health answered \(reply.status))"
            case 404: report.health = "no /health route"
            default: report.health = "failing (GET /health answered \(reply.status))"
            }
        case .failure(let error):
            report.health = "no answer"
            report.problems.append("GET /health: \(error.message)")
        }

        var cards: [ModelCard] = []
        switch models {
        case .success(let list):
            cards = list
            report.models = list.map(\.id)
        case .failure(let error):
            report.problems.append("GET /v1/models: \(error.message)")
        }

        switch metrics {
        case .success(let reply) where reply.status == 200:
            report.metrics = ServerMetrics.summarize(PrometheusText.parse(String(decoding: reply.body, as: UTF8.self)))
        case .success(let reply) where reply.status == 404:
            report.notes.append("This server has no /metrics route, so no metrics are shown.")
        case .success(let reply):
            report.problems.append("GET /metrics answered HTTP \(reply.status)")
        case .failure(let error):
            report.problems.append("GET /metrics: \(error.message)")
        }

        if case .success(let reply) = version, reply.status == 200,
           let json = try? JSON(parsing: reply.body, invalidUnicode: .replace), let number = json["version"]?.stringValue {
            report.version = number
        }

        report.server = identify(version: report.version, cards: cards, metrics: report.metrics)

        // Healthy: /health says so, or (as without a /health route) the model list answers.
        let modelsOK = models.error == nil
        if let code = healthStatus, (200..<300).contains(code) {
            report.status = "healthy"
        } else if let code = healthStatus, code >= 500 {
            report.status = "unhealthy"
            report.problems.insert("The engine is not healthy (GET /health answered \(code)); generation requests will fail until the server is restarted.", at: 0)
        } else if !modelsOK, models.error?.code == .unauthorized {
            report.status = healthStatus == nil ? "unhealthy" : "healthy"
        } else {
            report.status = modelsOK ? "healthy" : "unhealthy"
        }
        return report
    }

    /// Which server this is, as far as its answers tell.
    static func identify(version: String?, cards: [ModelCard], metrics: ServerMetrics?) -> String {
        let owners = Set(cards.compactMap(\.ownedBy))
        if owners.contains("vllm") || metrics?.family == "vllm" {
            return version.map { "vLLM \($0)" } ?? "vLLM"
        }
        if owners.contains("llamacpp") || metrics?.family == "llamacpp" { return "llama.cpp server" }
        if owners.contains("me") { return "llama-cpp-python (OpenAI-compatible, not vLLM)" }
        if owners.contains("sglang") { return "SGLang (OpenAI-compatible, not vLLM)" }
        if let version { return "an OpenAI-compatible server reporting version \(version)" }
        return cards.isEmpty ? "unknown" : "an OpenAI-compatible server (not recognisably vLLM)"
    }

    /// The report for people; the first lines follow the Python server's.
    package var text: String {
        let emoji = ["healthy": "✅", "unhealthy": "⚠️", "offline": "❌"][status] ?? "❓"
        var lines = ["## vLLM Server Status \(emoji)", "", "**Status:** \(status)", "**Base URL:** \(baseURL)"]
        if status != "offline" {
            lines.append("**Server:** \(server)")
            lines.append("**Health:** \(health)")
        }
        if !models.isEmpty { lines.append("**Models:** \(models.joined(separator: ", "))") }
        if let metrics { lines += ["", "### Metrics"] + metrics.lines }
        if !problems.isEmpty || !notes.isEmpty {
            lines += [""] + problems.map { "**Error:** \($0)" } + notes.map { "**Note:** \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}

extension Result {
    var error: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
