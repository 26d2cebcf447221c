import Foundation
import ToolHostJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs the plan's scenarios against every target, side by side, and collects the results.
final class Bench {
    let plan: Plan
    let logDirectory: String
    var settings: Settings { plan.settings }
    /// Results per target name, in the order they were measured.
    private(set) var results: [String: JSONObject] = [:]
    private(set) var checks = JSONObject()
    private var upstreamChild: Child?
    private(set) var upstream: Endpoint?
    private var relay: Relay?

    init(plan: Plan, logDirectory: String) {
        self.plan = plan
        self.logDirectory = logDirectory
    }

    func log(_ message: String) {
        FileHandle.standardError.write(Data(("bench: " + message + "\n").utf8))
    }

    func record(_ target: Target, _ key: String, _ value: JSON) {
        results[target.name, default: JSONObject()].members.append((key, value))
    }

    func addCheck(_ key: String, _ value: JSON) { checks.members.append((key, value)) }
    func resultsJSON(for target: Target) -> JSONObject { results[target.name] ?? JSONObject() }

    func logPath(_ name: String) -> String { "\(logDirectory)/\(name).stderr.log" }

    // MARK: Upstream

    /// Starts the vLLM double (the upstream of scenarios 3–5) and waits for its URL.
    func startUpstream() throws {
        guard let command = plan.upstreamCommand else { throw BenchError("scenarios 3-5 need an upstream command in the plan") }
        let child = try Child(command, env: Child.environment([]), stderrPath: logPath("upstream"))
        guard let line = child.reader.nextLine(timeoutMillis: 30_000), line.hasPrefix("http://") else {
            throw BenchError("the upstream printed no URL (see \(logPath("upstream")))")
        }
        upstreamChild = child
        upstream = try Endpoint(url: line.trimmingCharacters(in: " \r"))
        relay = try Relay(upstream: upstream!)
        log("upstream \(line) (relay for streaming on \(relay!.endpoint.url))")
    }

    func stopUpstream() {
        relay?.stop()
        upstreamChild?.stop()
    }

    var upstreamPID: pid_t? { upstreamChild?.pid }

    // MARK: Scenario 1: spawn to first answer

    /// Spawns every target `spawns` times for each handshake, round-robin, so that a change in
    /// machine load touches all of them alike.
    func spawnScenario(_ targets: [Target]) {
        let methods = ["initialize", "server/discover"]
        var times: [String: [String: [Double]]] = [:]
        var answers: [String: [String: String]] = [:]
        var memory: [String: [Double]] = [:]
        var failures: [String: Int] = [:]
        for round in 0..<settings.spawns {
            for target in targets {
                for method in round % 2 == 0 ? methods : methods.reversed() {
                    do {
                        let (time, answer, rss) = try spawnOnce(target, method: method, measureMemory: method == "initialize")
                        times[target.name, default: [:]][method, default: []].append(time.millis)
                        answers[target.name, default: [:]][method] = answer
                        if let rss { memory[target.name, default: []].append(Double(rss)) }
                    } catch {
                        failures[target.name, default: 0] += 1
                        log("\(target.name) \(method): \(error)")
                    }
                }
            }
        }
        for target in targets {
            var entry = JSONObject()
            for method in methods {
                var m: JSONObject = ["answer": .string(answers[target.name]?[method] ?? "none")]
                if let s = Summary(times[target.name]?[method] ?? []) { m.members.append(("ms", s.json)) }
                entry.members.append((method, .object(m)))
            }
            entry.members.append(("failures", .int(failures[target.name] ?? 0)))
            record(target, "spawn", .object(entry))
            if let s = Summary(memory[target.name] ?? []) {
                record(target, "rssAfterSpawnKiB", .int(Int(s.p50)))
            }
        }
    }

    /// One spawn: time from before posix_spawn to the first response line read.
    private func spawnOnce(_ target: Target, method: String, measureMemory: Bool) throws -> (Nanos, String, Int?) {
        let upstreamURL = upstream?.url ?? "http://127.0.0.1:9"
        let env = Child.environment(target.environment(upstream: upstreamURL))
        let request = Array(((method == "initialize" ? Requests.initialize(id: 1) : Requests.discover(id: 1)) + "\n").utf8)
        let child = try Child(target.command, env: env, stderrPath: logPath(target.name))
        defer { child.stop() }
        child.write(request)
        var answer: MessageShape?
        var end: UInt64 = 0
        var code: String?
        let outcome = child.reader.lines(until: child.startedAt + UInt64(target.startTimeoutMillis) * 1_000_000) { line in
            let shape = MessageShape(line)
            if target.anyLineAnswers || (shape.id == 1 && (shape.isResult || shape.isError)) {
                end = monotonicNanos()
                answer = shape
                if shape.isError { code = Bench.errorCode(String(decoding: line, as: UTF8.self)) }
                return false
            }
            return true
        }
        guard let answer, outcome == .line else {
            throw BenchError("no answer to \(method) (\(outcome)); see \(logPath(target.name))")
        }
        let time = Nanos(from: child.startedAt, to: end)
        let kind = answer.isResult ? "result" : "error \(code ?? "?")"
        var rss: Int?
        if measureMemory && answer.isResult {
            // Idle after the handshake and one tools/list: what a connected client leaves it at.
            child.send(Requests.initialized)
            child.send(Requests.toolsList(id: 2))
            _ = child.reader.lines(until: monotonicNanos() + 10_000_000_000) { MessageShape($0).id != 2 }
            rss = child.memory()?.rss
        }
        return (time, kind, rss)
    }

    /// The `code` of a JSON-RPC error line.
    static func errorCode(_ line: String) -> String? {
        guard let range = line.range(of: "\"code\":") else { return nil }
        let digits = line[range.upperBound...].drop { $0 == " " }.prefix { $0 == "-" || $0.isNumber }
        return digits.isEmpty ? nil : String(digits)
    }

    // MARK: Scenario 2: pipelined trivial calls

    /// One target's part of scenario 2: its session and the calls it measures.
    private struct CallsRun {
        let target: Target
        let session: Session
        /// (label, tool, arguments, calls per run, the runs' rates so far, errors, tool errors)
        var tools: [(label: String, tool: String, arguments: String, count: Int, rates: [Double], errors: Int, toolErrors: Int)] = []
    }

    /// Scenario 2 for every target at once: each server is started and warmed up, then the
    /// measured runs go round-robin (a run of each target's tools in turn, `callRuns` rounds),
    /// so a change in the machine's speed during the scenario touches every target alike and
    /// the ratios between them hold even on a noisy machine.
    /// - Returns: what failed, by what was attempted.
    func callsScenario(_ targets: [Target]) -> [(String, String)] {
        var failures: [(String, String)] = []
        var runs: [CallsRun] = []
        for target in targets {
            do {
                let session = try Session(target, environment: target.environment(upstream: upstream?.url ?? "http://127.0.0.1:9"), log: logPath(target.name))
                var run = CallsRun(target: target, session: session)
                for (label, tool, arguments) in [(target.echoTool, target.echoTool, target.echoArguments)] + target.extraCalls {
                    // A short warm-up run sizes the measured runs to about `callSeconds` each.
                    let warm = try pipelined(session, tool: tool, arguments: arguments, count: settings.minCalls / 2)
                    let count = min(settings.maxCalls, max(settings.minCalls, Int(warm.rate * settings.callSeconds)))
                    run.tools.append((label, tool, arguments, count, [], 0, 0))
                }
                runs.append(run)
            } catch {
                log("\(target.name) calls: \(error)")
                failures.append(("\(target.name) calls", "\(error)"))
            }
        }
        var failed = Set<String>()
        for _ in 0..<settings.callRuns {
            for r in runs.indices where !failed.contains(runs[r].target.name) {
                for t in runs[r].tools.indices {
                    do {
                        let tool = runs[r].tools[t]
                        let result = try pipelined(runs[r].session, tool: tool.tool, arguments: tool.arguments, count: tool.count)
                        runs[r].tools[t].rates.append(result.rate)
                        runs[r].tools[t].errors += result.errors
                        runs[r].tools[t].toolErrors += result.toolErrors
                    } catch {
                        log("\(runs[r].target.name) calls: \(error)")
                        failures.append(("\(runs[r].target.name) calls", "\(error)"))
                        failed.insert(runs[r].target.name)
                    }
                }
            }
        }
        for run in runs {
            defer { run.session.close() }
            guard !failed.contains(run.target.name) else { continue }
            var entries = JSONObject()
            for tool in run.tools where !tool.rates.isEmpty {
                let median = tool.rates.sorted()[tool.rates.count / 2]
                // And one at a time: the round trip of a trivial call, the server's floor for any tool.
                var sequential: [Double] = []
                do {
                    for i in 0..<(run.target.anyLineAnswers ? 0 : settings.sequentialCalls + 50) {
                        let (_, time) = try run.session.call(tool: tool.tool, arguments: tool.arguments)
                        if i >= 50 { sequential.append(time.micros) }
                    }
                } catch {
                    log("\(run.target.name) sequential \(tool.label): \(error)")
                    failures.append(("\(run.target.name) sequential calls", "\(error)"))
                }
                log("\(run.target.name) \(tool.label): \(Int(median)) calls/s pipelined (\(tool.count) calls × \(tool.rates.count), interleaved with the other targets)")
                entries.members.append((tool.label, [
                    "tool": .string(tool.tool), "calls": .int(tool.count), "callsPerSecond": .finite(median),
                    "runs": .array(tool.rates.map(JSON.finite)),
                    "sequentialMicros": Summary(sequential)?.json ?? .null,
                    "errors": .int(tool.errors),
                    "toolErrors": .int(tool.toolErrors),
                ]))
            }
            record(run.target, "calls", .object(entries))
            if let m = run.session.memory() {
                record(run.target, "rssAfterCallsKiB", .int(m.rss))
                record(run.target, "hwmAfterCallsKiB", .int(m.hwm))
            }
        }
        return failures
    }

    struct Pipelined {
        var rate: Double
        var errors: Int
        var toolErrors: Int
    }

    /// `count` calls written by one thread while this one reads the answers; the rate is
    /// calls over the time from the first byte written to the last answer read.
    private func pipelined(_ session: Session, tool: String, arguments: String, count: Int) throws -> Pipelined {
        // Pre-encoded, so the writer only copies bytes into the pipe.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * (90 + tool.utf8.count + arguments.utf8.count))
        for _ in 0..<count {
            bytes.append(contentsOf: (Requests.call(id: session.takeID(), tool: tool, arguments: arguments) + "\n").utf8)
        }
        let child = session.child
        let stdinFD = child.stdinFD
        let writerDone = DispatchSemaphore(value: 0)
        let payload = bytes
        let start = monotonicNanos()
        Thread.detachNewThread {
            payload.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = min(65536, raw.count - offset)
                    guard Child.write(stdinFD, UnsafeRawBufferPointer(rebasing: raw[offset..<offset + n])) else { break }
                    offset += n
                }
            }
            writerDone.signal()
        }
        var answered = 0, errors = 0, toolErrors = 0
        let anyLine = session.target.anyLineAnswers
        let deadline = start + UInt64(max(60, count / 500)) * 1_000_000_000
        let outcome = child.reader.lines(until: deadline) { line in
            if anyLine {
                answered += 1
            } else {
                let shape = MessageShape(line, needID: false)
                if shape.isResult {
                    answered += 1
                    if shape.toolError { toolErrors += 1 }
                } else if shape.isError {
                    answered += 1
                    errors += 1
                }
            }
            return answered < count
        }
        let end = monotonicNanos()
        writerDone.wait()
        guard outcome == .line else { throw BenchError("\(session.target.name): \(answered) of \(count) answers before \(outcome)") }
        return Pipelined(rate: Double(count) / Nanos(from: start, to: end).seconds, errors: errors, toolErrors: toolErrors)
    }

    // MARK: Scenario 3: vllm_chat overhead over a direct keep-alive request

    var chatBody: String {
        #"{"model":\#(JSON.string(plan.model).jsonText),"messages":[{"role":"user","content":\#(JSON.string(settings.chatPrompt).jsonText)}],"temperature":0.7,"max_tokens":\#(settings.maxTokens),"stream":false}"#
    }

    func chatArguments(prompt: String) -> String {
        #"{"messages":[{"role":"user","content":\#(JSON.string(prompt).jsonText)}],"temperature":0.7,"max_tokens":\#(settings.maxTokens)}"#
    }

    func overheadScenario(_ target: Target, slow: Bool) throws {
        guard let upstream else { throw BenchError("no upstream") }
        let session = try Session(target, environment: target.environment(upstream: upstream.url), log: logPath(target.name))
        defer { session.close() }
        let direct = try HTTPConnection(upstream)
        let request = HTTPConnection.post("/v1/chat/completions", body: chatBody, endpoint: upstream)
        let arguments = chatArguments(prompt: settings.chatPrompt)
        let count = slow ? settings.overheadCallsSlow : settings.overheadCalls
        var directTimes: [Double] = [], viaTimes: [Double] = [], paired: [Double] = []
        var failures = 0
        let upstreamCPUBefore = upstreamPID.flatMap(Child.cpuMillis(of:))
        // Alternating blocks of 25 direct requests and 25 calls through the server, so drift in
        // machine load touches both sides alike, while neither side runs in the wake of the
        // other: what a server still does just after it has answered (freeing, returning a
        // connection to its pool) would otherwise be charged to the next direct request.
        // The first pair of blocks warms up.
        let block = 25
        let blocks = (count + block - 1) / block + 1
        for b in 0..<blocks {
            var ds: [Double] = [], vs: [Double] = []
            for _ in 0..<block {
                let t0 = monotonicNanos()
                try direct.send(request)
                let status = try direct.receive(deadline: t0 + 30_000_000_000)
                ds.append(Nanos(from: t0, to: monotonicNanos()).micros)
                if status != 200 { failures += 1 }
            }
            for _ in 0..<block {
                let (shape, v) = try session.call(tool: target.chatTool, arguments: arguments)
                vs.append(v.micros)
                if !shape.isResult || shape.toolError { failures += 1 }
            }
            guard b > 0 else { continue }
            directTimes += ds
            viaTimes += vs
            paired += zip(vs, ds).map { $0 - $1 }
        }
        let upstreamCPUAfter = upstreamPID.flatMap(Child.cpuMillis(of:))
        let upstreamCPU = upstreamCPUBefore.flatMap { before in upstreamCPUAfter.map { $0 - before } }
        guard let d = Summary(directTimes), let v = Summary(viaTimes), let p = Summary(paired) else { return }
        log("\(target.name) vllm_chat: direct p50 \(Int(d.p50)) µs, through \(Int(v.p50)) µs, overhead p50 \(Int(v.p50 - d.p50)) µs, p99 \(Int(v.p99 - d.p99)) µs")
        var entry: JSONObject = [
            "calls": .int(count), "failures": .int(failures),
            "directMicros": d.json, "throughMicros": v.json, "pairedDifferenceMicros": p.json,
            "overheadP50Micros": .finite(v.p50 - d.p50), "overheadP99Micros": .finite(v.p99 - d.p99),
        ]
        if let upstreamCPU { entry.members.append(("upstreamCPUMillisPerRequest", .finite(upstreamCPU / Double(2 * blocks * block)))) }
        record(target, "overhead", .object(entry))
        if let m = session.memory() {
            record(target, "rssAfterOverheadKiB", .int(m.rss))
        }
    }

    // MARK: Scenario 4: 256 concurrent calls against a 100 ms upstream

    /// The direct baseline: `concurrency` keep-alive connections, one request each, all at once.
    /// Shows what the upstream itself needs for the same load.
    func directConcurrency() throws {
        guard let upstream else { throw BenchError("no upstream") }
        let n = settings.concurrency
        let body = chatBody.replacingOccurrences(of: JSON.string(settings.chatPrompt).jsonText, with: JSON.string("[[double: latency=\(settings.latencyMillis)ms]] \(settings.chatPrompt)").jsonText)
        let request = HTTPConnection.post("/v1/chat/completions", body: body, endpoint: upstream)
        let connections = try (0..<n).map { _ in try HTTPConnection(upstream) }
        var walls: [Double] = []
        for _ in 0...settings.concurrencyRounds {
            let start = monotonicNanos()
            for c in connections { try c.send(request) }
            var pending = Set(0..<n)
            var failures = 0
            let deadline = start + 60_000_000_000
            while !pending.isEmpty {
                var fds = pending.map { pollfd(fd: connections[$0].fd, events: Int16(POLLIN), revents: 0) }
                let indices = Array(pending)
                _ = Glibc.poll(&fds, nfds_t(fds.count), 1000)
                for (k, pfd) in fds.enumerated() where pfd.revents != 0 {
                    if let status = try connections[indices[k]].poll() {
                        if status != 200 { failures += 1 }
                        pending.remove(indices[k])
                    }
                }
                if monotonicNanos() > deadline { throw BenchError("direct concurrency: \(pending.count) requests unanswered") }
            }
            if failures > 0 { throw BenchError("direct concurrency: \(failures) failed requests") }
            walls.append(Nanos(from: start, to: monotonicNanos()).millis)
        }
        let warm = Array(walls.dropFirst())
        let median = warm.sorted()[warm.count / 2]
        log("upstream direct: \(n) concurrent requests of \(settings.latencyMillis) ms: \(String(format: "%.1f", median)) ms wall")
        addCheck("upstreamDirectConcurrency", [
            "inFlight": .int(n), "latencyMillis": .int(settings.latencyMillis),
            "coldWallMillis": .finite(walls[0]), "wallMillis": .finite(median),
            "rounds": .array(warm.map(JSON.finite)),
            "ratio": .finite(median / Double(settings.latencyMillis)),
        ])
    }

    func concurrencyScenario(_ target: Target) throws {
        let tool: String, arguments: String
        let session: Session
        if let own = target.concurrencyTool {
            // No upstream: the tool waits the latency itself.
            tool = own.tool
            arguments = own.arguments.replacingOccurrences(of: "\"{latency}\"", with: String(settings.latencyMillis))
            session = try Session(target, log: logPath(target.name))
            for _ in 0..<3 { _ = try session.call(tool: tool, arguments: arguments) }
        } else {
            guard let upstream else { throw BenchError("no upstream") }
            tool = target.chatTool
            arguments = chatArguments(prompt: "[[double: latency=\(settings.latencyMillis)ms]] \(settings.chatPrompt)")
            session = try Session(target, environment: target.environment(upstream: upstream.url), log: logPath(target.name))
            // A few sequential calls first: the model list, the first connection.
            for _ in 0..<3 { _ = try session.call(tool: tool, arguments: chatArguments(prompt: settings.chatPrompt)) }
        }
        defer { session.close() }
        let n = settings.concurrency
        var walls: [Double] = []
        var p99s: [Double] = []
        var failures = 0
        for round in 0...settings.concurrencyRounds {
            var bytes: [UInt8] = []
            var started: [Int: UInt64] = [:]
            let ids = (0..<n).map { _ in session.takeID() }
            for id in ids { bytes.append(contentsOf: (Requests.call(id: id, tool: tool, arguments: arguments) + "\n").utf8) }
            let start = monotonicNanos()
            session.child.write(bytes)
            for id in ids { started[id] = start }
            var latencies: [Double] = []
            var answered = 0
            let outcome = session.child.reader.lines(until: start + 120_000_000_000) { line in
                let shape = MessageShape(line)
                guard let id = shape.id, started[id] != nil, shape.isResult || shape.isError else { return true }
                if shape.isError || shape.toolError { failures += 1 }
                latencies.append(Nanos(from: start, to: monotonicNanos()).millis)
                answered += 1
                return answered < n
            }
            guard outcome == .line else { throw BenchError("\(target.name): \(answered) of \(n) concurrent calls answered (\(outcome))") }
            let wall = latencies.max() ?? 0
            walls.append(wall)
            p99s.append(Summary(latencies)?.p99 ?? 0)
            log("\(target.name) concurrency round \(round): \(n) calls in \(String(format: "%.1f", wall)) ms")
        }
        let warm = Array(walls.dropFirst())
        let median = warm.sorted()[warm.count / 2]
        var entry: JSONObject = [
            "tool": .string(tool), "inFlight": .int(n), "latencyMillis": .int(settings.latencyMillis), "failures": .int(failures),
            "coldWallMillis": .finite(walls[0]), "wallMillis": .finite(median),
            "rounds": .array(warm.map(JSON.finite)),
            "ratio": .finite(median / Double(settings.latencyMillis)),
        ]
        if let m = session.memory() {
            entry.members.append(("rssKiB", .int(m.rss)))
            entry.members.append(("hwmKiB", .int(m.hwm)))
            record(target, "rssAfterConcurrencyKiB", .int(m.rss))
            record(target, "hwmAfterConcurrencyKiB", .int(m.hwm))
        }
        record(target, "concurrency", .object(entry))
    }

    // MARK: Scenario 5: upstream's first token to the client's first progress notification

    func streamingScenario(_ target: Target) throws {
        guard let upstream, let relay else { throw BenchError("no upstream") }
        let session = try Session(target, environment: target.environment(upstream: relay.endpoint.url), log: logPath(target.name))
        defer { session.close() }
        let prompt = "[[double: latency=\(settings.streamLatencyMillis)ms, token-delay=\(settings.streamTokenDelayMillis)ms]] one two three four five six seven eight"
        let arguments = chatArguments(prompt: prompt)
        var gaps: [Double] = [], firstProgress: [Double] = [], directFirstToken: [Double] = []
        var missing = 0
        // Direct: the same streamed request, time to the first token event on the bench's socket.
        let direct = try HTTPConnection(upstream)
        let streamBody = chatBody.replacingOccurrences(of: JSON.string(settings.chatPrompt).jsonText, with: JSON.string(prompt).jsonText)
            .replacingOccurrences(of: #""stream":false"#, with: #""stream":true"#)
        let directRequest = HTTPConnection.post("/v1/chat/completions", body: streamBody, endpoint: upstream)
        for i in 0..<(settings.streamCalls + 3) {
            let t0 = monotonicNanos()
            try direct.send(directRequest)
            _ = try direct.receive(deadline: t0 + 30_000_000_000, watchTokens: true)
            let directToken = direct.firstTokenAt.map { Nanos(from: t0, to: $0).millis }

            relay.arm()
            let id = session.takeID()
            let start = monotonicNanos()
            session.child.send(Requests.call(id: id, tool: target.chatTool, arguments: arguments, progressToken: id))
            var progressAt: UInt64?
            let answer = session.waitFor(id: id, timeoutMillis: 30_000) { shape, _, at in
                if progressAt == nil, shape.method == "notifications/progress" { progressAt = at }
            }
            guard answer?.isResult == true else { throw BenchError("\(target.name): streamed call failed") }
            let token = relay.firstToken(waitMillis: 1000)
            guard i >= 3 else { continue }
            if let token, let progressAt {
                gaps.append(Nanos(from: token, to: progressAt).micros)
                firstProgress.append(Nanos(from: start, to: progressAt).millis)
                if let directToken { directFirstToken.append(directToken) }
            } else {
                missing += 1
            }
        }
        guard let g = Summary(gaps) else { throw BenchError("\(target.name): no progress notifications seen") }
        log("\(target.name) streaming: first token → first progress p50 \(Int(g.p50)) µs, p99 \(Int(g.p99)) µs")
        var entry: JSONObject = ["calls": .int(settings.streamCalls), "missing": .int(missing), "firstTokenToProgressMicros": g.json]
        if let f = Summary(firstProgress) { entry.members.append(("requestToFirstProgressMillis", f.json)) }
        if let d = Summary(directFirstToken) { entry.members.append(("directRequestToFirstTokenMillis", d.json)) }
        record(target, "streaming", .object(entry))
        if let m = session.memory() { record(target, "rssAfterStreamingKiB", .int(m.rss)) }
    }

    // MARK: Sizes

    func sizes(_ target: Target) {
        var entries = JSONObject()
        for (label, path) in target.sizes {
            entries.members.append((label, .int(Bench.diskBytes(path))))
        }
        if !entries.isEmpty { record(target, "sizesBytes", .object(entries)) }
    }

    /// Bytes of a file, or of every regular file under a folder (symbolic links not followed).
    static func diskBytes(_ path: String) -> Int {
        var st = stat()
        guard lstat(path, &st) == 0 else { return 0 }
        if (st.st_mode & S_IFMT) != S_IFDIR { return Int(st.st_size) }
        var total = 0
        if let e = FileManager.default.enumerator(atPath: path) {
            while let name = e.nextObject() as? String {
                var s = stat()
                if lstat(path + "/" + name, &s) == 0 && (s.st_mode & S_IFMT) == S_IFREG { total += Int(s.st_size) }
            }
        }
        return total
    }
}
