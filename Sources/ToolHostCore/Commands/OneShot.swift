import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The work behind `toolhost tools`, `toolhost call` and `toolhost check`: the host without
/// the protocol.
public enum OneShot {
    /// The merged tool list as a `tools/list` result for `revision`.
    public static func toolList(_ host: PluginHost, revision: ProtocolRevision) -> JSON {
        .object(["tools": .array(host.registry.tools.map { $0.listEntry(for: revision) })])
    }

    public enum CallError: Error, CustomStringConvertible {
        case unknownTool(String, available: [String])
        case invalidJSON(String)

        public var description: String {
            switch self {
            case .unknownTool(let name, let available):
                "unknown tool \(name); available: \(available.isEmpty ? "none (no plugin loaded)" : available.joined(separator: ", "))"
            case .invalidJSON(let reason):
                "the arguments are not a JSON object: \(reason)"
            }
        }
    }

    /// Runs one tool call and waits for it.
    /// - Parameters:
    ///   - argumentsText: a JSON object, as typed on the command line.
    ///   - progress: receives progress reports (the call asks for them when this is set).
    ///   - log: receives the call's log lines.
    /// - Returns: the call's outcome (schema violations come back as an error outcome, as an
    ///   MCP client would see them).
    /// - Throws: ``CallError`` for an unknown tool or arguments that are not a JSON object.
    public static func call(
        _ host: PluginHost, tool name: String, argumentsText: String,
        progress: (@Sendable (Double, Double?, String?) -> Void)?, log: (@Sendable (LogLevel, String) -> Void)?
    ) throws(CallError) -> CallOutcome {
        guard let tool = host.registry.tool(named: name) else {
            throw .unknownTool(name, available: host.registry.tools.map(\.name))
        }
        let arguments: JSON
        do {
            arguments = try JSONParser.parse(argumentsText.isEmpty ? "{}" : argumentsText)
        } catch {
            throw .invalidJSON("\(error)")
        }
        guard case .object = arguments else { throw .invalidJSON("got \(SchemaValidator.describe(arguments))") }
        if let violation = tool.inputSchema.validate(arguments) {
            return .failure("Invalid arguments for tool \(name): \(violation).", status: ABIStatus.invalidArgument)
        }
        let done = ConditionLock()
        let result = Mutex<CallOutcome?>(nil)
        let observer = CallObserver(progress: progress, log: log) { _, outcome in
            result.withLock { $0 = outcome }
            done.withLock { done.signal() }
        }
        let call = host.makeCall(tool: tool, arguments: arguments, requestID: "1", revision: .latestHandshake, observer: observer)
        host.start(call)
        done.lock()
        while result.withLock({ $0 }) == nil { done.wait() }
        done.unlock()
        return result.withLock { $0! }
    }

    /// A call's result as a CallToolResult of the latest handshake revision.
    public static func callResultJSON(_ outcome: CallOutcome) -> JSON {
        ResultShaper.callResult(outcome, tool: nil, revision: .latestHandshake)
    }

    /// A human-readable report of the plugins loaded and the problems found.
    /// - Returns: the report and whether everything was clean.
    public static func checkReport(_ host: PluginHost) -> (text: String, clean: Bool) {
        var lines: [String] = []
        for plugin in host.plugins {
            if let isolated = plugin.isolated {
                // What the runner saw of the file, in process there, then where it runs.
                let report = isolated.catalog.report
                lines.append(contentsOf: report.isEmpty ? ["plugin \(plugin.id) \(plugin.version) — \(plugin.name)"] : report)
                lines.append("  runs: \(describe(isolated.status))")
            } else {
                lines.append(contentsOf: sections(plugin, in: host))
                if plugin.parent == nil { lines.append("  runs: in the host's process") }
            }
        }
        if host.plugins.isEmpty { lines.append("no plugin loaded") }
        if !host.skippedExamples.isEmpty {
            lines.append("examples not loaded (--examples loads them): \(host.skippedExamples.count)")
            for path in host.skippedExamples { lines.append("  \(path)") }
        }
        if !host.problems.isEmpty {
            lines.append("problems: \(host.problems.count)")
            for problem in host.problems { lines.append("  \(problem)") }
        }
        if !host.warnings.isEmpty {
            lines.append("warnings: \(host.warnings.count)")
            for warning in host.warnings { lines.append("  \(warning)") }
        }
        let clean = host.problems.isEmpty && !host.plugins.isEmpty
        lines.append(clean ? "ok" : "FAILED")
        return (lines.joined(separator: "\n"), clean)
    }

    /// The report's sections of every plugin of `host` (a runner's host sends them to the
    /// host that started it).
    static func pluginSections(_ host: PluginHost) -> [String] {
        host.plugins.flatMap { sections($0, in: host) }
    }

    /// What `check` says of one plugin loaded in this process.
    private static func sections(_ plugin: LoadedPlugin, in host: PluginHost) -> [String] {
        var lines: [String] = []
        let tools = host.registry.tools.filter { $0.plugin === plugin }
        lines.append("plugin \(plugin.id) \(plugin.version) — \(plugin.name)")
        if let name = BuiltinPlugins.name(ofOrigin: plugin.path) {
            lines.append("  file: none, built into toolhost (--plugin \(name))")
        } else {
            lines.append("  file: \(plugin.path)")
        }
        let newer = plugin.abiMinor > Int(ToolHost.abiMinor) ? "; the plugin's fields newer than that are not used" : ""
        lines.append("  ABI: \(plugin.abiMajor).\(plugin.abiMinor) (host is ABI \(ToolHost.abiMajor).\(ToolHost.abiMinor)\(newer))\(plugin.serial ? ", serial" : "")")
        if let native = plugin.native { lines.append("  kind: \(native.kind)") }
        if let companion = host.plugins.first(where: { $0.parent === plugin }) {
            lines.append("  typed functions: as plugin \(companion.id), below")
        }
        lines.append("  tools: \(tools.count)")
        for tool in tools {
            var extras: [String] = []
            if tool.outputSchema != nil { extras.append("output schema") }
            if tool.annotations != nil { extras.append("annotations") }
            lines.append("    \(tool.name)\(extras.isEmpty ? "" : " [\(extras.joined(separator: ", "))]")\(tool.summary.map { ": " + firstLine($0) } ?? "")")
            if let signature = plugin.native?.signature(ofTool: tool.name) { lines.append("      C: \(signature)") }
        }
        if plugin.promptsTable != nil {
            let prompts = host.prompts.prompts.filter { $0.plugin === plugin }
            lines.append("  prompts: \(prompts.count)")
            for prompt in prompts {
                let arguments = prompt.arguments.map { $0.required ? $0.name : $0.name + "?" }.joined(separator: ", ")
                lines.append("    \(prompt.name)(\(arguments))\(prompt.summary.map { ": " + firstLine($0) } ?? "")")
            }
        }
        if plugin.resourcesTable != nil {
            let resources = host.resources
            let mine = resources.resources.filter { $0.plugin === plugin }
            let templates = resources.templates.filter { $0.plugin === plugin }
            lines.append("  resources: \(mine.count)\(templates.isEmpty ? "" : ", templates: \(templates.count)")")
            for resource in mine + templates {
                lines.append("    \(resource.uri) (\(resource.name)\(resource.mimeType.map { ", " + $0 } ?? ""))\(resource.summary.map { ": " + firstLine($0) } ?? "")")
            }
        }
        if plugin.completionsTable != nil { lines.append("  completions: yes") }
        return lines
    }

    /// Where an isolated plugin runs and how it has fared: "isolated (runner pid 42, 3 MB
    /// resident), restarts: 0", "disabled: …".
    static func describe(_ status: IsolatedPlugin.Status) -> String {
        var text: String
        switch status.phase {
        case .running:
            text = "isolated (runner pid \(status.pid.map(String.init) ?? "?")"
            if let resident = status.residentBytes { text += ", \(resident >> 20) MB resident" }
            if let limit = status.memoryLimit { text += ", limit \(limit >> 20) MB" }
            text += ")"
        case .restarting: text = "isolated, restarting"
        case .disabled(let reason): text = "isolated, disabled: \(reason)"
        case .removed: text = "isolated, removed (its file is gone)"
        case .stopped: text = "isolated, stopped"
        }
        text += ", restarts: \(status.restarts)"
        if let crash = status.lastCrash { text += ", last crash: \(crash)" }
        return text
    }

    /// What a serving host answers `toolhost plugins --running` with: its pid and uptime, the
    /// calls it runs, then ``pluginsReport(_:)`` as of now.
    public static func liveReport(_ host: PluginHost, startedAt: Double) -> String {
        let up = Int(monotonicSeconds() - startedAt)
        return "toolhost pid \(getpid()), serving for \(up) s, \(host.liveCallCount) calls running\n" + pluginsReport(host)
    }

    /// `toolhost plugins`: one line per plugin: id, version, file and where it runs.
    public static func pluginsReport(_ host: PluginHost) -> String {
        var lines: [String] = []
        for plugin in host.plugins {
            let runs: String
            if let isolated = plugin.isolated {
                runs = describe(isolated.status)
            } else if let parent = plugin.parent {
                runs = "in the host's process (typed functions of \(parent.id))"
            } else {
                runs = "in the host's process"
            }
            lines.append("\(plugin.id) \(plugin.version) \(plugin.path): \(runs)")
        }
        if host.plugins.isEmpty { lines.append("no plugin loaded") }
        for path in host.skippedExamples { lines.append("example not loaded (--examples loads it): \(path)") }
        for problem in host.problems { lines.append("problem: \(problem)") }
        return lines.joined(separator: "\n")
    }

    private static func firstLine(_ s: String) -> String {
        let line = s.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? s
        return line.count > 100 ? String(line.prefix(100)) + "…" : line
    }
}

/// Routes SIGTERM and SIGINT to a handler thread: call ``install(_:)`` before any other
/// thread starts, so every thread inherits the blocked mask and only the handler sees them.
/// SIGPIPE is ignored (a vanished client shows up as EPIPE on write).
public enum SignalRouter {
    public static func install(_ handler: @escaping @Sendable (Int32) -> Void) {
        signal(SIGPIPE, SIG_IGN)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let mask = set
        spawnThread(name: "th-signals", stackSize: 256 << 10) {
            var set = mask
            var received: Int32 = 0
            while sigwait(&set, &received) != 0 {}
            handler(received)
        }
    }
}
