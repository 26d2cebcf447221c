// The schema checker's cost, outside the unit tests (scripts/bench-schema): compiling a tool's
// input schema (once per tool, at load) and checking one call's arguments (every call), for the
// vLLM plugin's vllm_chat schema and a trivial one. Built by scripts/bench-schema from the
// ToolHostJSON and Schema sources of any revision, so numbers compare side by side.
#if canImport(Glibc)
import Glibc
#endif

func now() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// The best of five runs of `count` iterations, in nanoseconds per iteration.
func measure(_ count: Int, _ body: () -> Void) -> Double {
    var best = Double.infinity
    for _ in 0..<5 {
        let start = now()
        for _ in 0..<count { body() }
        best = min(best, Double(now() - start) / Double(count))
    }
    return best
}

let trivialSchema = #"{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}"#
let trivialArguments = #"{"text":"hello"}"#
let chatSchema = ToolCatalog.definition(.chat).inputSchema
let chatArguments = #"{"messages":[{"role":"system","content":"Answer briefly."},{"role":"user","content":"What is the capital of France?"},{"role":"assistant","content":"Paris."},{"role":"user","content":"And of Italy?"}],"temperature":0.7,"max_tokens":256,"top_p":0.9,"stop":["\n\n"]}"#

let cases = [("trivial", trivialSchema, trivialArguments), ("vllm_chat", chatSchema, chatArguments)]
var sink = 0

// `schema-bench compile|validate NAME N`: that loop alone, N times, for instruction counts under
// callgrind (scripts/bench-schema --callgrind), which a busy machine cannot disturb.
let arguments = CommandLine.arguments
if arguments.count == 4, let n = Int(arguments[3]), let (_, schemaText, argumentsText) = cases.first(where: { $0.0 == arguments[2] }) {
    let json = try! JSONParser.parse(schemaText)
    let value = try! JSONParser.parse(argumentsText)
    let schema = try! Schema(json, requireObjectRoot: true)
    if arguments[1] == "compile" {
        for _ in 0..<n { sink &+= (try? Schema(json, requireObjectRoot: true)) == nil ? 1 : 0 }
    } else {
        for _ in 0..<n { sink &+= schema.validate(value) == nil ? 0 : 1 }
    }
    exit(sink == 0 ? 0 : 1)
}

for (name, schemaText, argumentsText) in cases {
    let json = try! JSONParser.parse(schemaText)
    let arguments = try! JSONParser.parse(argumentsText)
    let schema = try! Schema(json, requireObjectRoot: true)
    precondition(schema.validate(arguments) == nil, "\(name): the arguments must match")
    let compile = measure(20_000) { sink &+= (try? Schema(json, requireObjectRoot: true)) == nil ? 1 : 0 }
    let validate = measure(200_000) { sink &+= schema.validate(arguments) == nil ? 0 : 1 }
    print("\(name): compile \(Int(compile.rounded())) ns, validate \(Int(validate.rounded())) ns per call")
}
if sink != 0 { print("unexpected failures: \(sink)") }
