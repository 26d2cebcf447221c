// toolhost-bench: measures MCP servers over stdio as a client sees them (separate processes,
// pipes, CLOCK_MONOTONIC), side by side in one run, and prints a table and JSON.
//
//   toolhost-bench --plan plan.json [--quick] [--json out.json] [--logs DIR] [--meta KEY=VALUE]…
//   toolhost-bench [--quick] [--scenarios spawn,calls] [--tool NAME] [--arguments JSON] -- COMMAND [ARG…]
//
// The plan names the servers (targets), the scenarios each takes part in, and the upstream
// helper (the vLLM double) for scenarios 3–5. scripts/bench writes the plan and runs this.
import Foundation
import ToolHostJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif



func usage() -> Never {
    FileHandle.standardError.write(Data("""
        usage: toolhost-bench --plan FILE [--quick] [--json OUT] [--logs DIR] [--only NAME,…] [--meta KEY=VALUE]…
               toolhost-bench [--quick] [--scenarios spawn,calls] [--tool NAME] [--arguments JSON] -- COMMAND [ARG…]
        scenarios: \(Scenario.allCases.map(\.rawValue).joined(separator: ", ")) (overhead, concurrency and streaming need an upstream in a plan)

        """.utf8))
    exit(2)
}

var planPath: String?
var quick = false
var jsonPath: String?
var logDirectory: String?
var only: Set<String>?
var meta = JSONObject()
var adHocScenarios: [String] = ["spawn", "calls"]
var adHocTool = "echo"
var adHocArguments = #"{"text":"hello"}"#
var adHocCommand: [String] = []

var args = CommandLine.arguments.dropFirst()
while let arg = args.popFirst() {
    func value() -> String {
        guard let v = args.popFirst() else { usage() }
        return v
    }
    switch arg {
    case "--plan": planPath = value()
    case "--quick": quick = true
    case "--json": jsonPath = value()
    case "--logs": logDirectory = value()
    case "--only": only = Set(value().split(separator: ",").map(String.init))
    case "--meta":
        let kv = value()
        guard let eq = kv.firstIndex(of: "=") else { usage() }
        meta.members.append((String(kv[..<eq]), .string(String(kv[kv.index(after: eq)...]))))
    case "--scenarios": adHocScenarios = value().split(separator: ",").map(String.init)
    case "--tool": adHocTool = value()
    case "--arguments": adHocArguments = value()
    case "--": adHocCommand = Array(args); args = []
    case "-h", "--help": usage()
    default: usage()
    }
}

let plan: Plan
do {
    if let planPath {
        let data = try Data(contentsOf: URL(fileURLWithPath: planPath))
        let json: JSON
        do { json = try JSON(parsing: data) } catch { throw BenchError("plan: \(error)") }
        plan = try Plan(json: json, quick: quick)
    } else {
        guard !adHocCommand.isEmpty else { usage() }
        let target: JSON = [
            "name": .string(URL(fileURLWithPath: adHocCommand[0]).lastPathComponent),
            "command": .array(adHocCommand.map(JSON.string)),
            "scenarios": .array(adHocScenarios.map(JSON.string)),
            "echoTool": .string(adHocTool), "echoArguments": .string(adHocArguments),
        ]
        plan = try Plan(json: ["targets": [target]], quick: quick)
    }
} catch {
    FileHandle.standardError.write(Data("toolhost-bench: \(error)\n".utf8))
    exit(2)
}

let logs = logDirectory ?? NSTemporaryDirectory() + "toolhost-bench-\(getpid())"
try? FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
let bench = Bench(plan: plan, logDirectory: logs)
let targets = plan.targets.filter { only?.contains($0.name) ?? true }

/// CPU seconds the whole machine has been busy (all cores, from /proc/stat).
func machineBusySeconds() -> Double {
    let text = (try? String(contentsOfFile: "/proc/stat", encoding: .utf8)) ?? ""
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return 0 }
    let f = line.split(separator: " ").dropFirst().compactMap { Double($0) }
    // user nice system idle iowait irq softirq steal: everything but idle and iowait.
    guard f.count >= 8 else { return 0 }
    return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// CPU seconds of this process and of every child it has reaped.
func ownCPUSeconds() -> Double {
    var me = rusage(), children = rusage()
    getrusage(RUSAGE_SELF.rawValue, &me)
    getrusage(RUSAGE_CHILDREN.rawValue, &children)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(me.ru_utime) + seconds(me.ru_stime) + seconds(children.ru_utime) + seconds(children.ru_stime)
}

var lastCPU = (busy: machineBusySeconds(), own: ownCPUSeconds(), upstream: 0.0, at: monotonicNanos())

/// The load average, and how much CPU other processes (not the bench, its servers or the
/// upstream) used since the previous checkpoint: the load average counts the bench's own work,
/// this does not.
@MainActor func loadAverage() -> JSON {
    let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
    let parts = text.split(separator: " ").prefix(3).compactMap { Double($0) }
    let now = (busy: machineBusySeconds(), own: ownCPUSeconds(),
               upstream: (bench.upstreamPID.flatMap(Child.cpuMillis(of:)) ?? 0) / 1000, at: monotonicNanos())
    let upstreamDelta = now.upstream >= lastCPU.upstream ? now.upstream - lastCPU.upstream : now.upstream
    let other = max(0, (now.busy - lastCPU.busy) - (now.own - lastCPU.own) - upstreamDelta)
    let wall = Nanos(from: lastCPU.at, to: now.at).seconds
    lastCPU = now
    return [
        "loadAverage": .array(parts.map(JSON.finite)),
        "otherCPUSeconds": .finite(other), "wallSeconds": .finite(wall),
        "otherCPUShare": .finite(wall > 0 ? other / (wall * Double(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) : 0),
    ]
}

var loads: JSONObject = ["start": loadAverage()]
let startedAt = monotonicNanos()
var failures = JSONObject()

@MainActor func attempt(_ what: String, _ body: () throws -> Void) {
    do { try body() } catch {
        bench.log("\(what): \(error)")
        failures.members.append((what, .string("\(error)")))
    }
}

// The bench's own ceiling: the same pipelined run against `cat`, which answers each request
// with the request itself. The servers' rates are only meaningful well below it.
if let responder = plan.responder, targets.contains(where: { $0.scenarios.contains(.calls) }) {
    var cat = Target(name: "responder", label: "cat (bench ceiling)", command: responder, scenarios: [.calls])
    cat.anyLineAnswers = true
    attempt("responder") {
        var quickSettings = plan
        quickSettings.settings.callRuns = 1
        let ceiling = Bench(plan: quickSettings, logDirectory: logs)
        if let (_, error) = ceiling.callsScenario([cat]).first { throw BenchError(error) }
        if let echo = ceiling.resultsJSON(for: cat)["calls"]?.objectValue?.members.first?.value {
            bench.addCheck("benchCeilingCallsPerSecond", echo["callsPerSecond"] ?? .null)
        }
    }
}

let needsUpstream = targets.contains { !$0.scenarios.isDisjoint(with: [.overhead, .streaming]) || ($0.scenarios.contains(.concurrency) && $0.concurrencyTool == nil) }
if needsUpstream {
    attempt("upstream") { try bench.startUpstream() }
}

let spawnTargets = targets.filter { $0.scenarios.contains(.spawn) }
if !spawnTargets.isEmpty {
    bench.log("scenario 1: spawn → first answer, \(plan.settings.spawns) spawns × 2 handshakes × \(spawnTargets.count) servers")
    bench.spawnScenario(spawnTargets)
    loads.members.append(("afterSpawn", loadAverage()))
}
let callTargets = targets.filter { $0.scenarios.contains(.calls) }
if !callTargets.isEmpty {
    bench.log("scenario 2: pipelined calls, \(plan.settings.callRuns) rounds over \(callTargets.map(\.name).joined(separator: ", "))")
    for (what, error) in bench.callsScenario(callTargets) { failures.members.append((what, .string(error))) }
}
loads.members.append(("afterCalls", loadAverage()))
for target in targets where target.scenarios.contains(.concurrency) && target.concurrencyTool != nil {
    bench.log("scenario 4 without upstream: \(plan.settings.concurrency) concurrent \(target.concurrencyTool!.tool) of \(plan.settings.latencyMillis) ms, \(target.name)")
    attempt("\(target.name) concurrency") { try bench.concurrencyScenario(target) }
}
if bench.upstream != nil {
    for target in targets where target.scenarios.contains(.overhead) {
        bench.log("scenario 3: vllm_chat overhead, \(target.name)")
        attempt("\(target.name) overhead") { try bench.overheadScenario(target, slow: target.slow) }
    }
    loads.members.append(("afterOverhead", loadAverage()))
    if targets.contains(where: { $0.scenarios.contains(.concurrency) && $0.concurrencyTool == nil }) {
        bench.log("scenario 4: \(plan.settings.concurrency) concurrent calls, upstream latency \(plan.settings.latencyMillis) ms")
        attempt("direct concurrency") { try bench.directConcurrency() }
        for target in targets where target.scenarios.contains(.concurrency) && target.concurrencyTool == nil {
            attempt("\(target.name) concurrency") { try bench.concurrencyScenario(target) }
        }
        loads.members.append(("afterConcurrency", loadAverage()))
    }
    for target in targets where target.scenarios.contains(.streaming) {
        bench.log("scenario 5: streaming, \(target.name)")
        attempt("\(target.name) streaming") { try bench.streamingScenario(target) }
    }
    bench.stopUpstream()
}
for target in targets { bench.sizes(target) }
loads.members.append(("end", loadAverage()))

// MARK: Output

func machine() -> JSON {
    var uts = utsname()
    uname(&uts)
    func field<T>(_ value: T) -> String {
        withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
    let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }.map { String($0.split(separator: ":", maxSplits: 1)[1]).trimmingCharacters(in: " ") } ?? "?"
    let memory = ((try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? "").split(separator: "\n").first.map(String.init) ?? ""
    let os = ((try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? "").split(separator: "\n")
        .first { $0.hasPrefix("PRETTY_NAME=") }.map { String($0.dropFirst(12)).trimmingCharacters(in: "\"") } ?? "?"
    return [
        "os": .string(os), "kernel": .string("\(field(uts.sysname)) \(field(uts.release)) \(field(uts.machine))"),
        "cpu": .string(model), "cpus": .int(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))),
        "memory": .string(memory.replacingOccurrences(of: "MemTotal:", with: "").trimmingCharacters(in: " ")),
    ]
}

let output: JSON = [
    "meta": .object(JSONObject(meta.members + [("quick", .bool(quick)), ("seconds", .finite(Nanos(from: startedAt, to: monotonicNanos()).seconds))])),
    "machine": machine(),
    "load": .object(loads),
    "settings": plan.settings.json,
    "checks": .object(bench.checks),
    "failures": .object(failures),
    "targets": .array(targets.map { t in
        .object(JSONObject([("name", .string(t.name)), ("label", .string(t.label)), ("note", .optional(t.note))]
            + bench.resultsJSON(for: t).members))
    }),
]

// Numbers to three decimals in what is written; the table reads the figures as measured.
let written = output.roundedForOutput.prettyText
if let jsonPath {
    try? (written + "\n").write(toFile: jsonPath, atomically: true, encoding: .utf8)
}
print(Table.render(output))
if jsonPath == nil { print(written) }
exit(failures.isEmpty ? 0 : 1)
