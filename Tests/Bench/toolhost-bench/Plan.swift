import Foundation
import ToolHostJSON

/// One MCP server command to measure, and which scenarios apply to it.
struct Target {
    /// Short id used in the JSON (`toolhost-c`, `python-vllm`, …).
    var name: String
    /// What the tables call it.
    var label: String
    var command: [String]
    /// Added to the bench's environment; `{upstream}` in a value becomes the upstream's URL.
    var environmentTemplate: [(String, String)] = []
    var scenarios: Set<Scenario>
    /// The trivial tool for scenario 2 and its arguments (JSON text).
    var echoTool: String = "echo"
    var echoArguments: String = #"{"text":"hello"}"#
    /// More trivial tools measured the same way (scenario 2), e.g. a typed native function.
    var extraCalls: [(label: String, tool: String, arguments: String)] = []
    /// The chat tool for scenarios 3–5.
    var chatTool: String = "vllm_chat"
    /// For scenario 4 without the upstream: a tool that completes after the latency by itself
    /// (e.g. the example plugin's `slow_echo`), to show the host's own share. `{latency}` in the
    /// arguments becomes the latency in milliseconds.
    var concurrencyTool: (tool: String, arguments: String)?
    /// How long a start may take before the bench gives up on it.
    var startTimeoutMillis: Int = 15_000
    /// Files or folders whose size is reported (label, path).
    var sizes: [(String, String)] = []
    /// Whether every stdout line counts as an answer (the bench's own ceiling check with `cat`).
    var anyLineAnswers = false
    /// A slow server: fewer sequential calls in scenario 3 (`overheadCallsSlow`).
    var slow = false
    var note: String?

    var environment: [(String, String)] { environmentTemplate }

    func environment(upstream: String) -> [(String, String)] {
        environmentTemplate.map { ($0.0, $0.1.replacingOccurrences(of: "{upstream}", with: upstream)) }
    }
}

enum Scenario: String, CaseIterable, Hashable {
    case spawn, calls, overhead, concurrency, streaming
}

/// Every knob of a run; `--quick` shrinks them all.
struct Settings {
    var spawns = 20
    var callSeconds = 2.0
    var callRuns = 5
    var minCalls = 2_000
    var maxCalls = 300_000
    var overheadCalls = 2_000
    var sequentialCalls = 1_000
    var overheadCallsSlow = 300
    var concurrency = 256
    var latencyMillis = 100
    var concurrencyRounds = 5
    var streamCalls = 50
    var streamLatencyMillis = 20
    var streamTokenDelayMillis = 5
    var chatPrompt = "Say hello in five words"
    var maxTokens = 16

    static var quick: Settings {
        var s = Settings()
        s.spawns = 3
        s.callSeconds = 0.3
        s.callRuns = 1
        s.minCalls = 200
        s.maxCalls = 20_000
        s.overheadCalls = 100
        s.sequentialCalls = 50
        s.overheadCallsSlow = 20
        s.concurrencyRounds = 1
        s.streamCalls = 5
        return s
    }

    var json: JSON {
        [
            "spawns": .int(spawns), "callSeconds": .finite(callSeconds), "callRuns": .int(callRuns),
            "overheadCalls": .int(overheadCalls), "overheadCallsSlow": .int(overheadCallsSlow),
            "concurrency": .int(concurrency), "latencyMillis": .int(latencyMillis),
            "concurrencyRounds": .int(concurrencyRounds), "streamCalls": .int(streamCalls),
            "streamLatencyMillis": .int(streamLatencyMillis), "streamTokenDelayMillis": .int(streamTokenDelayMillis),
            "chatPrompt": .string(chatPrompt), "maxTokens": .int(maxTokens),
        ]
    }
}

/// The plan file: targets, the upstream helper, and optional overrides of the settings.
///
/// ```json
/// {"upstream": {"command": [".build/release/vllm-double", "--model", "test-model"], "model": "test-model"},
///  "targets": [{"name": "toolhost-c", "label": "toolhost + C plugin", "command": ["…/toolhost", "--plugin", "…/libexample.so"],
///               "scenarios": ["spawn", "calls"], "sizes": {"binary": "…/toolhost"}}]}
/// ```
struct Plan {
    var targets: [Target]
    var upstreamCommand: [String]?
    var model = "test-model"
    var responder: [String]?
    var settings = Settings()

    init(json: JSON, quick: Bool) throws {
        if quick { settings = .quick }
        if let s = json["settings"]?.objectValue {
            for (key, value) in s {
                switch key {
                case "spawns": settings.spawns = value.intValue ?? settings.spawns
                case "callSeconds": settings.callSeconds = value.doubleValue ?? settings.callSeconds
                case "callRuns": settings.callRuns = value.intValue ?? settings.callRuns
                case "overheadCalls": settings.overheadCalls = value.intValue ?? settings.overheadCalls
                case "concurrency": settings.concurrency = value.intValue ?? settings.concurrency
                case "latencyMillis": settings.latencyMillis = value.intValue ?? settings.latencyMillis
                case "concurrencyRounds": settings.concurrencyRounds = value.intValue ?? settings.concurrencyRounds
                case "streamCalls": settings.streamCalls = value.intValue ?? settings.streamCalls
                default: throw BenchError("unknown setting \(key)")
                }
            }
        }
        if let upstream = json["upstream"] {
            upstreamCommand = upstream["command"]?.arrayValue?.compactMap(\.stringValue)
            model = upstream["model"]?.stringValue ?? model
        }
        responder = json["responder"]?.arrayValue?.compactMap(\.stringValue)
        targets = try (json["targets"]?.arrayValue ?? []).map { t in
            guard let name = t["name"]?.stringValue, let command = t["command"]?.arrayValue?.compactMap(\.stringValue), !command.isEmpty else {
                throw BenchError("each target needs a name and a command")
            }
            var scenarios = Set<Scenario>()
            for s in t["scenarios"]?.arrayValue?.compactMap(\.stringValue) ?? ["spawn"] {
                guard let scenario = Scenario(rawValue: s) else { throw BenchError("\(name): unknown scenario \(s)") }
                scenarios.insert(scenario)
            }
            var target = Target(name: name, label: t["label"]?.stringValue ?? name, command: command, scenarios: scenarios)
            target.environmentTemplate = (t["env"]?.objectValue ?? [:]).compactMap { key, value in value.stringValue.map { (key, $0) } }
            if let tool = t["echoTool"]?.stringValue { target.echoTool = tool }
            if let args = t["echoArguments"] { target.echoArguments = args.stringValue ?? args.jsonText }
            for extra in t["extraCalls"]?.arrayValue ?? [] {
                guard let tool = extra["tool"]?.stringValue, let args = extra["arguments"] else { continue }
                target.extraCalls.append((extra["label"]?.stringValue ?? tool, tool, args.stringValue ?? args.jsonText))
            }
            if let tool = t["chatTool"]?.stringValue { target.chatTool = tool }
            if let c = t["concurrencyTool"], let tool = c["tool"]?.stringValue, let args = c["arguments"] {
                target.concurrencyTool = (tool, args.stringValue ?? args.jsonText)
            }
            if let timeout = t["startTimeoutMillis"]?.intValue { target.startTimeoutMillis = timeout }
            target.sizes = (t["sizes"]?.objectValue ?? [:]).compactMap { key, value in value.stringValue.map { (key, $0) } }
            target.note = t["note"]?.stringValue
            target.slow = t["slow"]?.boolValue ?? false
            return target
        }
    }
}
