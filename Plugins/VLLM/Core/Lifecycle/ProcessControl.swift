import Synchronization
import ToolHostJSON

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The `process` runtime: vLLM (or any command that serves like `vllm serve`) as a local
/// process in a session of its own, remembered in the state folder so later sessions find it.
struct ProcessControl {
    let settings: LifecycleSettings
    let store: ServerStore

    /// Exit statuses of the servers this process started, by PID (a later session does not
    /// know them).
    static let exitStatuses = Mutex<[Int32: Int32]>([:])

    // MARK: start / restart

    func start(_ request: StartRequest, context: any CallContext) async throws(ToolFailure) -> ToolOutcome {
        try store.prepare()
        if let existing = store.load(request.name) {
            if existing.isRunning {
                throw ToolFailure(.invalidArgument, """
                    ⚠️ Server '\(request.name)' is already running (PID \(existing.pid), port \(existing.port), model \(existing.model)).

                    Options:
                    - Stop it first with `stop_vllm`
                    - Use a different `container_name`
                    - Use `restart_vllm` to restart it
                    """)
            }
            store.remove(request.name)
        }
        let words: [String]
        do {
            words = try CommandLineWords.split(settings.serveCommand)
        } catch {
            throw ToolFailure(.invalidArgument, "Error: VLLM_SERVE_COMMAND has an unclosed quote")
        }
        let argv = LaunchCommand.process(serveCommand: words, request: request)
        let logPath = store.logPath(request.name)
        _ = truncate(logPath, 0)
        let record = try launch(name: request.name, argv: argv, port: request.port, model: request.model, logPath: logPath)
        return try await answer(record, verb: "started", wait: request.wait, timeout: request.startupTimeout, logOffset: 0, context: context)
    }

    func restart(name: String, stopTimeout: Double, wait: Bool, startupTimeout: Double, context: any CallContext) async throws(ToolFailure) -> ToolOutcome {
        guard let record = store.load(name) else { throw unknown(name) }
        var notes: [String] = []
        if record.isRunning {
            notes.append(await Self.terminate(record, timeout: stopTimeout))
        }
        let offset = Int64(fileSize(record.logPath))
        let restarted = try launch(name: name, argv: record.command, port: record.port, model: record.model, logPath: record.logPath)
        var outcome = try await answer(restarted, verb: "restarted", wait: wait, timeout: startupTimeout, logOffset: offset, context: context)
        if !notes.isEmpty, !outcome.texts.isEmpty { outcome.texts[0] = notes.joined(separator: "\n") + "\n" + outcome.texts[0] }
        return outcome
    }

    private func launch(name: String, argv: [String], port: Int, model: String, logPath: String) throws(ToolFailure) -> ServerRecord {
        if LocalPort.isInUse(port) {
            throw ToolFailure(.invalidArgument, """
                ❌ Error: port \(port) is in use: something already listens there.

                Choose another `port`, or stop what listens on it (`list_vllm_containers` shows the servers started here).
                """)
        }
        var environment: [String: String] = [:]
        if let token = settings.hfToken { environment["HF_TOKEN"] = token }
        let pid: pid_t
        do {
            pid = try ProcessRunner.launch(argv, extraEnvironment: environment, logPath: logPath) { pid, status in
                _ = Self.exitStatuses.withLock { $0.updateValue(status, forKey: pid) }
            }
        } catch {
            throw ToolFailure(.unavailable, """
                ❌ Error: cannot start vLLM: \(error.message).

                The `process` runtime runs VLLM_SERVE_COMMAND (now `\(settings.serveCommand)`) with the model and flags after it. \
                Install vLLM (`pip install vllm`) or set VLLM_SERVE_COMMAND to a command that serves a model the way `vllm serve` does.
                """)
        }
        let record = ServerRecord(
            name: name, pid: pid, startTicks: ProcessTable.startTicks(pid), command: argv, port: port, model: model,
            logPath: logPath, startedAt: Date().timeIntervalSince1970)
        try store.save(record)
        return record
    }

    /// The answer once the server is up (or has failed, or the wait is over).
    private func answer(_ record: ServerRecord, verb: String, wait: Bool, timeout: Double, logOffset: Int64, context: any CallContext) async throws(ToolFailure) -> ToolOutcome {
        let secret = settings.hfToken
        var facts = """
            **Process Info:**
            - Runtime: **process**
            - PID: `\(record.pid)`
            - Name: `\(record.name)`
            - Model: `\(record.model)`
            - Port: \(record.port)
            - Command: `\(Redaction.scrub(CommandLineWords.join(record.command), secret: secret))`
            - Log: `\(record.logPath)`

            **API Endpoints:**
            - Base URL: http://localhost:\(record.port)
            - OpenAI API: http://localhost:\(record.port)/v1
            - Health: http://localhost:\(record.port)/health
            """
        var structured: JSONObject = [
            "name": .string(record.name), "runtime": .string("process"), "pid": .int(Int(record.pid)),
            "port": .int(record.port), "model": .string(record.model), "base_url": .string("http://localhost:\(record.port)"),
            "log": .string(record.logPath), "command": .array(record.command.map { .string(Redaction.scrub($0, secret: secret)) }),
        ]
        guard wait else {
            structured["status"] = .string("starting")
            facts += "\n\n⏳ **Note:** The model may take several minutes to load.\nUse `vllm_status` to check when it's ready, or `get_vllm_logs` to see progress."
            return ToolOutcome(texts: ["✅ vLLM server \(verb)!\n\n" + facts], structured: JSON.object(structured).jsonText)
        }
        let offset = Locked(logOffset)
        let path = record.logPath
        let probes = Readiness.Probes(
            newLines: {
                let start = offset.withLock { $0 }
                let (lines, next) = LogFile.lines(path, from: start)
                offset.withLock { $0 = next }
                return lines
            },
            isAlive: { record.isRunning },
            isHealthy: { await LocalPort.healthy(record.port) })
        switch await Readiness.wait(probes, timeout: timeout, interval: .milliseconds(250), context: context, secret: secret) {
        case .ready(let seconds):
            structured["status"] = .string("ready")
            structured["seconds_to_ready"] = .double((seconds * 10).rounded() / 10)
            return ToolOutcome(
                texts: ["✅ vLLM server \(verb) and ready: /health answered after \(Int(seconds.rounded())) s.\n\n" + facts],
                structured: JSON.object(structured).jsonText)
        case .exited:
            try? await Task.sleep(for: .milliseconds(50))  // the reaper records the status just after the exit
            let status = Self.exitStatuses.withLock { $0.removeValue(forKey: record.pid) }
            let how = status.map { $0 > 128 ? " (killed by signal \($0 - 128))" : " (exit status \($0))" } ?? ""
            throw ToolFailure(.failed, """
                ❌ vLLM server '\(record.name)' exited before it was ready\(how).

                Last log lines:
                ```
                \(lastLines(record.logPath))
                ```

                Check the model and the arguments; `get_vllm_logs` shows more of the log (\(record.logPath)).
                """)
        case .timedOut:
            throw ToolFailure(.timeout, """
                ⏳ vLLM server '\(record.name)' did not answer /health within \(Int(timeout)) s. It keeps running (PID \(record.pid)).

                Last log lines:
                ```
                \(lastLines(record.logPath))
                ```

                Check again with `vllm_status` or `get_vllm_logs`, raise `startup_timeout`, or stop it with `stop_vllm`.
                """)
        case .cancelled:
            throw ToolFailure(.cancelled, "The wait was cancelled; vLLM server '\(record.name)' keeps starting (PID \(record.pid)). `stop_vllm` stops it.")
        }
    }

    private func lastLines(_ path: String) -> String {
        Redaction.scrub(LogFile.tail(path, lines: 20).joined(separator: "\n"), secret: settings.hfToken)
    }

    // MARK: stop

    func stop(name: String, remove: Bool, timeout: Double) async throws(ToolFailure) -> ToolOutcome {
        guard let record = store.load(name) else { throw unknown(name) }
        var parts: [String] = []
        var stopped = false
        if record.isRunning {
            parts.append(await Self.terminate(record, timeout: timeout))
            stopped = true
        } else {
            parts.append("ℹ️ Server '\(name)' was not running.")
        }
        if remove {
            store.remove(name)
            parts.append("✅ Server '\(name)' removed.")
        }
        let structured: JSONObject = ["name": .string(name), "runtime": .string("process"), "stopped": .bool(stopped), "removed": .bool(remove)]
        return ToolOutcome(texts: [parts.joined(separator: "\n")], structured: JSON.object(structured).jsonText)
    }

    /// SIGTERM to the server's process group, SIGKILL after `timeout` seconds.
    static func terminate(_ record: ServerRecord, timeout: Double) async -> String {
        func signalGroup(_ signal: Int32) {
            if kill(-record.pid, signal) != 0 { kill(record.pid, signal) }
        }
        signalGroup(SIGTERM)
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int64(timeout * 1000))
        while record.isRunning && clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(100))
        }
        var how = "stopped"
        if record.isRunning {
            signalGroup(SIGKILL)
            how = "killed (SIGKILL: it did not stop within \(Int(timeout)) s of SIGTERM)"
            for _ in 0..<50 where record.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
        }
        // Workers it left behind in its group (vLLM's engine core) go too.
        for _ in 0..<20 where kill(-record.pid, 0) == 0 { try? await Task.sleep(for: .milliseconds(100)) }
        if kill(-record.pid, 0) == 0 { kill(-record.pid, SIGKILL) }
        _ = exitStatuses.withLock { $0.removeValue(forKey: record.pid) }
        return "✅ Server '\(record.name)' \(how)."
    }

    // MARK: list / logs

    func list(all: Bool) -> ToolOutcome {
        let records = store.all()
        let shown = records.map { ($0, $0.isRunning) }.filter { all || $0.1 }
        let structured = JSON.object([
            "runtime": .string("process"),
            "state_folder": .string(store.folder),
            "servers": .array(shown.map { record, running in
                .object([
                    "name": .string(record.name), "status": .string(running ? "running" : "exited"),
                    "pid": .int(Int(record.pid)), "port": .int(record.port), "model": .string(record.model),
                    "started_at": .double(record.startedAt), "log": .string(record.logPath),
                ])
            }),
        ]).jsonText
        guard !shown.isEmpty else {
            let stopped = records.count - shown.count
            let hint = stopped > 0 ? " (\(stopped) stopped: `all: true` shows them)" : ""
            return ToolOutcome(texts: ["ℹ️ No servers found\(hint).\n\nUse `start_vllm` to create one."], structured: structured)
        }
        var rows = [["NAME", "STATUS", "PORT", "PID", "MODEL"]]
        for (record, running) in shown {
            rows.append([record.name, running ? "running" : "exited", String(record.port), String(record.pid), record.model])
        }
        let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
        let table = rows.map { row in
            row.enumerated().map { $0.offset == 4 ? $0.element : $0.element.padding(to: widths[$0.offset]) }.joined(separator: "  ")
        }.joined(separator: "\n")
        return ToolOutcome(texts: ["## Process Servers\n\n```\n\(table)\n```\n\nState folder: `\(store.folder)`"], structured: structured)
    }

    func logs(name: String, tail: Int) throws(ToolFailure) -> ToolOutcome {
        guard let record = store.load(name) else { throw unknown(name) }
        let lines = LogFile.tail(record.logPath, lines: tail)
        let text = Redaction.scrub(lines.joined(separator: "\n"), secret: settings.hfToken)
        let structured = JSON.object([
            "name": .string(name), "runtime": .string("process"), "running": .bool(record.isRunning),
            "log": .string(record.logPath), "lines": .array(text.split(separator: "\n", omittingEmptySubsequences: false).map { .string(String($0)) }),
        ]).jsonText
        return ToolOutcome(
            texts: ["## Logs for '\(name)' (last \(tail) lines)\n\n```\n\(text)\n```\n\n💡 **Tip:** Run `tail -f \(record.logPath)` in terminal to follow logs in real-time."],
            structured: structured)
    }

    private func unknown(_ name: String) -> ToolFailure {
        let known = store.all().map(\.name)
        let list = known.isEmpty ? "No servers were started here (state folder \(store.folder))." : "Known servers: \(known.joined(separator: ", "))."
        return ToolFailure(.invalidArgument, "❌ Server '\(name)' does not exist. \(list)\nUse `start_vllm` to create one.")
    }

    private func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
