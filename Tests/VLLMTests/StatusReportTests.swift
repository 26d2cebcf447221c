import Testing
import ToolHostJSON
@testable import VLLMCore

@Suite struct StatusReportTests {
    typealias Reply = UpstreamClient.Reply

    private func reply(_ status: Int, _ body: String = "") -> Result<Reply, UpstreamError> {
        .success(Reply(status: status, headers: ResponseHeaders(), body: Array(body.utf8)))
    }

    private func cards(_ json: String) -> Result<[ModelCard], UpstreamError> {
        .success(ModelCard.list(from: try! JSON(parsing: json)) ?? [])
    }

    private let refused = UpstreamError(.cannotConnect, message: "Cannot connect to the vLLM server at http://h:1: connection refused.")

    @Test func vLLMIsRecognisedWithItsVersionAndMetrics() {
        let report = StatusReport.build(
            baseURL: "http://h:8000", health: reply(200), version: reply(200, #"{"version":"0.33.0"}"#),
            metrics: reply(200, "vllm:num_requests_running{model_name=\"m\"} 2\nvllm:num_requests_waiting{model_name=\"m\"} 1\n"),
            models: cards(#"{"data":[{"id":"m","owned_by":"vllm"}]}"#))
        #expect(report.status == "healthy")
        #expect(report.server == "vLLM 0.33.0")
        #expect(report.metrics?.requestsRunning == 2)
        #expect(report.problems.isEmpty)
        #expect(report.text.contains("- Requests waiting: 1"))
    }

    @Test func llamaCppPythonHasNoHealthVersionOrMetricsAndIsStillHealthy() {
        let report = StatusReport.build(
            baseURL: "http://h:8000", health: reply(404, #"{"detail":"Not Found"}"#), version: reply(404), metrics: reply(404),
            models: cards(#"{"object":"list","data":[{"id":"gemma","object":"model","owned_by":"me","permissions":[]}]}"#))
        #expect(report.status == "healthy")
        #expect(report.server.hasPrefix("llama-cpp-python"))
        #expect(report.health == "no /health route")
        #expect(report.problems.isEmpty, "missing routes are notes, not errors")
        #expect(report.notes.count == 1)
    }

    @Test func llamaCppServerIsRecognisedByItsMetrics() {
        let report = StatusReport.build(
            baseURL: "http://h:8080", health: reply(200, #"{"status":"ok"}"#), version: reply(404),
            metrics: reply(200, "llamacpp:requests_processing 1\nllamacpp:requests_deferred 3\n"),
            models: cards(#"{"data":[{"id":"model.gguf","owned_by":"llamacpp"}]}"#))
        #expect(report.server == "llama.cpp server")
        #expect(report.metrics?.requestsWaiting == 3)
    }

    @Test func aDeadEngineIsUnhealthy() {
        let report = StatusReport.build(
            baseURL: "http://h:8000", health: reply(503), version: reply(200, #"{"version":"0.33.0"}"#), metrics: reply(200, ""),
            models: cards(#"{"data":[{"id":"m","owned_by":"vllm"}]}"#))
        #expect(report.status == "unhealthy")
        #expect(report.problems.first?.contains("503") == true)
    }

    @Test func nothingListeningIsOffline() {
        let report = StatusReport.build(baseURL: "http://h:1", health: .failure(refused), version: .failure(refused), metrics: .failure(refused), models: .failure(refused))
        #expect(report.status == "offline")
        #expect(report.text.contains("connection refused"))
        #expect(report.json["status"] == .string("offline"))
    }

    @Test func aRefusedKeyIsReportedButHealthStands() {
        let unauthorized = UpstreamError(.unauthorized, status: 401, message: "refused the API key")
        let report = StatusReport.build(
            baseURL: "http://h:8000", health: reply(200), version: reply(200, #"{"version":"0.33.0"}"#), metrics: reply(200, ""),
            models: .failure(unauthorized))
        #expect(report.status == "healthy")
        #expect(report.problems.contains { $0.contains("refused the API key") })
    }
}
