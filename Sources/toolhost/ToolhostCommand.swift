import ArgumentParser
import CToolHostShims
import Logging
import Synchronization
import ToolHostCore
import VLLMCore
import VLLMPlugin

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

@main
struct ToolhostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "toolhost",
        abstract: "An MCP server for stdio whose tools live in plugins.",
        version: ToolHost.version,
        subcommands: [Serve.self, Tools.self, Call.self, Resources.self, Read.self, Prompts.self, Prompt.self, Check.self, Plugins.self],
        defaultSubcommand: Serve.self)

    /// Serves at once, without swift-argument-parser, when the command line is a plain serve
    /// line (what MCP clients run: no arguments, or `--plugin`, `--plugin-dir`, `--config`,
    /// `--log-level`); anything else goes to ArgumentParser. Building ArgumentParser's command
    /// tree reflects over every option with Mirror and dynamic casts, which scan the protocol
    /// conformances of the whole statically linked binary: 12.6M of the 17.6M instructions from
    /// exec to the first `initialize` answer (callgrind), about 3 ms of the ~5.
    static func main() {
        limitMallocArenas()
        BuiltinPlugins.register(VLLMPluginInfo.id) { VLLMPluginEntry.descriptor() }
        if CommandLine.arguments.count > 1, CommandLine.arguments[1] == "__runner" {
            PluginRunner.main(Array(CommandLine.arguments.dropFirst()))
        }
        if let settings = HostSettings(plainServeArguments: CommandLine.arguments.dropFirst()) {
            Serve.serveOrExit(settings)
        }
        main(nil)
    }
}

/// Caps glibc's malloc arenas (by default up to 8 per core, one per thread that allocates)
/// before any thread starts. Plugin calls run on many threads, each would get an arena of its
/// own and keep it: with 256 concurrent vLLM calls the cap of 2 per 8 cores (at least 2) kept
/// 8 MB less resident with no measurable cost in latency or throughput (scripts/bench).
/// An explicit `MALLOC_ARENA_MAX` in the environment wins.
func limitMallocArenas() {
    guard getenv("MALLOC_ARENA_MAX") == nil else { return }
    let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    _ = th_shim_limit_malloc_arenas(Int32(max(2, cores / 4)))
}

/// What the host is started with, whichever way the command line was read.
struct HostSettings {
    /// The host's configuration as the command line gives it; the environment and the
    /// configuration file are added by ``makeHost()``.
    var configuration = HostConfiguration()
    var configFile: String?
    var logLevel: String?
    /// `--isolation`; the environment's TOOLHOST_ISOLATION when not given.
    var isolation: String?
    /// Serving: answer `toolhost plugins --running` (unless TOOLHOST_STATUS=0).
    var liveView = false

    init() {}

    /// Reads a serve command line made only of `serve` and the repeatable path options, with
    /// values that need no checking; nil for anything else (left to ArgumentParser, which also
    /// owns help and every error message).
    init?(plainServeArguments arguments: ArraySlice<String>) {
        var rest = arguments
        if rest.first == "serve" { rest.removeFirst() }
        while let argument = rest.popFirst() {
            var name = argument
            var value: String?
            if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            }
            if name == "--examples", value == nil {
                configuration.loadExamples = true
                continue
            }
            guard ["--plugin", "--plugin-dir", "--config", "--log-level", "--isolation"].contains(name) else { return nil }
            if value == nil { value = rest.popFirst() }
            guard let value, !value.isEmpty, !value.hasPrefix("-") else { return nil }
            switch name {
            case "--plugin": configuration.pluginFiles.append(value)
            case "--plugin-dir": configuration.pluginDirectories.append(value)
            case "--config": configFile = value
            case "--isolation":
                guard HostConfiguration.Isolation(rawValue: value) != nil else { return nil }
                isolation = value
            default:
                guard Logger.Level(rawValue: value) != nil else { return nil }
                logLevel = value
            }
        }
    }
}

/// Options every command shares: where plugins are, configuration, logging.
struct HostOptions: ParsableArguments {
    @Option(name: .customLong("plugin"), help: ArgumentHelp("Load this plugin file (repeatable). When given, only these load.", valueName: "file"))
    var plugins: [String] = []

    @Option(name: .customLong("plugin-dir"), help: ArgumentHelp("Load every *.so plugin and *.toolhost.json manifest in this folder (repeatable).", valueName: "dir"))
    var pluginDirectories: [String] = []

    @Flag(name: .customLong("examples"), help: "Also load the example plugins found in the default folders (they load anyway when named with --plugin or --plugin-dir). Default: $TOOLHOST_EXAMPLES=1.")
    var examples = false

    @Option(name: .customLong("isolation"), help: ArgumentHelp("Which plugins run in a process of their own: auto (all but those shipped beside toolhost), process (all), none (all in the host). Default: $TOOLHOST_ISOLATION or auto.", valueName: "mode"))
    var isolation: String?

    @Option(name: .customLong("config"), help: ArgumentHelp("JSON configuration file: {\"plugins\": {\"<id>\": {…}}}. Default: $TOOLHOST_CONFIG.", valueName: "file"))
    var configFile: String?

    @Option(name: .customLong("log-level"), help: "Least severe log level written to stderr: trace, debug, info, notice, warning, error, critical. Default: $TOOLHOST_LOG_LEVEL or notice.")
    var logLevel: String?

    @Option(name: .customLong("call-timeout"), help: ArgumentHelp("Answer a call still running after this many seconds with a timeout error and cancel it. Default: none.", valueName: "seconds"))
    var callTimeout: Double?

    @Option(name: .customLong("shutdown-grace"), help: ArgumentHelp("At shutdown, how long running calls may take to finish.", valueName: "seconds"))
    var shutdownGrace: Double = 5

    @Option(name: .customLong("max-message-bytes"), help: "The longest message accepted; longer ones get an error and are skipped.")
    var maxMessageBytes: Int = 8 << 20

    @Option(name: .customLong("max-calls-in-flight"), help: "Tool calls running at once; beyond this, reading pauses until one finishes.")
    var maxCallsInFlight: Int = 1024

    @Option(name: .customLong("page-size"), help: "Tools per tools/list page.")
    var pageSize: Int = 200

    func validate() throws {
        if let isolation, HostConfiguration.Isolation(rawValue: isolation) == nil {
            throw ValidationError("--isolation must be one of auto, process, none")
        }
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        guard maxMessageBytes >= 1024 else { throw ValidationError("--max-message-bytes must be at least 1024") }
        guard maxCallsInFlight >= 1 else { throw ValidationError("--max-calls-in-flight must be at least 1") }
        guard pageSize >= 1 else { throw ValidationError("--page-size must be at least 1") }
        if let callTimeout, callTimeout <= 0 { throw ValidationError("--call-timeout must be positive") }
    }

    var settings: HostSettings {
        var s = HostSettings()
        s.configuration.pluginFiles = plugins
        s.configuration.pluginDirectories = pluginDirectories
        s.configuration.loadExamples = examples
        s.isolation = isolation
        s.configuration.callTimeout = callTimeout
        s.configuration.shutdownGrace = shutdownGrace
        s.configuration.maxMessageBytes = maxMessageBytes
        s.configuration.maxCallsInFlight = maxCallsInFlight
        s.configuration.toolsPageSize = pageSize
        s.configFile = configFile
        s.logLevel = logLevel
        return s
    }

    func makeHost() throws -> PluginHost { try settings.makeHost() }
}

extension HostSettings {
    /// The stderr log level: `--log-level`, else `$TOOLHOST_LOG_LEVEL`, else notice.
    var effectiveLogLevel: Logger.Level {
        Logger.Level(rawValue: logLevel ?? processEnvironment()["TOOLHOST_LOG_LEVEL"] ?? "notice") ?? .notice
    }

    /// Sets up logging and loads the plugins.
    func makeHost() throws -> PluginHost {
        let environment = processEnvironment()
        let level = effectiveLogLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "toolhost")

        var configuration = self.configuration
        configuration.pluginSearchPath = environment["TOOLHOST_PLUGIN_PATH"]
        if environment["TOOLHOST_EXAMPLES"] == "1" { configuration.loadExamples = true }
        if let mode = (isolation ?? environment["TOOLHOST_ISOLATION"]).flatMap(HostConfiguration.Isolation.init(rawValue:)) {
            configuration.isolation = mode
        }
        configuration.runnerLogLevel = level.rawValue
        configuration.liveView = liveView && environment["TOOLHOST_STATUS"] != "0"
        switch environment["TOOLHOST_WATCH"] {
        case "0"?: configuration.watchPlugins = .off
        case "poll"?: configuration.watchPlugins = .poll
        default: break
        }
        configuration.environment = environment
        if let path = configFile ?? environment["TOOLHOST_CONFIG"] {
            do {
                try configuration.loadFile(path)
            } catch {
                throw ValidationError("\(error)")
            }
        }
        let host = PluginHost(configuration: configuration, logger: logger)
        host.loadPlugins()
        return host
    }
}

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve MCP on stdin/stdout (the default).")

    @OptionGroup var options: HostOptions

    func run() throws {
        try Serve.serve(options.settings)
    }

    /// Serves until the end of stdin or a signal; never returns normally.
    static func serve(_ settings: HostSettings) throws -> Never {
        // Before any thread exists, so that only the signal thread receives SIGTERM/SIGINT.
        let server = ServerBox()
        SignalRouter.install { signal in
            server.value?.stop(reason: signal == SIGTERM ? "SIGTERM" : "SIGINT")
            Glibc.exit(0)
        }
        var settings = settings
        settings.liveView = true
        let host = try settings.makeHost()
        let mcp = MCPServer(host: host, logger: Logger(label: "toolhost"))
        server.value = mcp
        Glibc.exit(mcp.run())
    }

    /// The fast path's entry: a configuration error is reported as ArgumentParser would.
    static func serveOrExit(_ settings: HostSettings) -> Never {
        do {
            try serve(settings)
        } catch {
            ToolhostCommand.exit(withError: error)
        }
    }
}

/// Lets the signal thread reach the server once it exists.
final class ServerBox: Sendable {
    private let server = Mutex<MCPServer?>(nil)
    var value: MCPServer? {
        get { server.withLock { $0 } }
        set { server.withLock { $0 = newValue } }
    }
}

struct Tools: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the merged tools/list of all plugins as JSON.")

    @OptionGroup var options: HostOptions
    @OptionGroup var revision: RevisionOption

    func run() throws {
        try printList(options, revision, OneShot.toolList)
    }
}

/// Loads the plugins and prints one of the merged lists, shaped for `--protocol-version`.
private func printList(_ options: HostOptions, _ revision: RevisionOption, _ list: (PluginHost, ProtocolRevision) -> JSON) throws {
    let revision = try revision.revision()
    let host = try options.makeHost()
    print(JSONWriter.string(list(host, revision), pretty: true))
    host.shutdown(grace: 0)
}

struct Call: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one tool and print its result (progress and logs go to stderr).",
        discussion: "Exit status: 0 on success, 1 when the tool reports an error, 2 for an unknown tool or bad arguments.")

    @OptionGroup var options: HostOptions

    @Argument(help: "The tool's name.")
    var name: String

    @Argument(help: "The arguments: a JSON object.")
    var arguments: String = "{}"

    @Flag(help: "Print the whole CallToolResult as JSON instead of its text.")
    var json = false

    func run() throws {
        let host = try options.makeHost()
        let outcome: CallOutcome
        do {
            outcome = try OneShot.call(
                host, tool: name, argumentsText: arguments,
                progress: { progress, total, message in
                    let amount = total.map { "\(JSONNumber(progress))/\(JSONNumber($0))" } ?? "\(JSONNumber(progress))"
                    writeStderr("progress \(amount)\(message.map { ": \($0)" } ?? "")")
                },
                // Plugin log lines already reach stderr through the host's logger.
                log: nil)
        } catch {
            writeStderr("toolhost call: \(error)")
            host.shutdown(grace: 0)
            throw ExitCode(2)
        }
        if json {
            print(JSONWriter.string(OneShot.callResultJSON(outcome), pretty: true))
        } else {
            print(outcome.text)
        }
        host.shutdown(grace: options.shutdownGrace)
        if outcome.isError { throw ExitCode(1) }
    }
}

/// `--protocol-version`, read.
struct RevisionOption: ParsableArguments {
    @Option(help: "Shape the list for this MCP revision.")
    var protocolVersion: String = ProtocolRevision.latestHandshake.rawValue

    func revision() throws -> ProtocolRevision {
        guard let revision = ProtocolRevision(rawValue: protocolVersion) else {
            throw ValidationError("unknown protocol revision \(protocolVersion); known: \(ProtocolRevision.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return revision
    }
}

struct Resources: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the merged resources and resource templates of all plugins as JSON.")

    @OptionGroup var options: HostOptions
    @OptionGroup var revision: RevisionOption

    func run() throws {
        try printList(options, revision, OneShot.resourceList)
    }
}

struct Prompts: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the merged prompts/list of all plugins as JSON.")

    @OptionGroup var options: HostOptions
    @OptionGroup var revision: RevisionOption

    func run() throws {
        try printList(options, revision, OneShot.promptList)
    }
}

/// Runs one request through an in-process server and prints its result.
/// - Parameter hint: what to do when it fails, after the server's error.
/// - Throws: exit status 2 when the request fails (the error goes to stderr).
private func runRequest(_ options: HostOptions, command: String, method: String, params: JSON, json: Bool,
                        hint: String, text: (JSON) -> String) throws {
    let host = try options.makeHost()
    switch OneShot.request(host, method: method, params: params) {
    case .success(let result):
        print(json ? JSONWriter.string(result, pretty: true) : text(result))
    case .failure(let failure):
        writeStderr("toolhost \(command): \(failure) (\(hint))")
        throw ExitCode(2)
    }
}

struct Read: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read one resource and print its contents.",
        discussion: "Exit status: 0 on success, 2 when the resource is unknown or cannot be read.")

    @OptionGroup var options: HostOptions

    @Argument(help: "The resource's URI (a listed one, or one a template matches).")
    var uri: String

    @Flag(help: "Print the whole ReadResourceResult as JSON instead of its text.")
    var json = false

    func run() throws {
        try runRequest(options, command: "read", method: "resources/read", params: .object(["uri": .string(uri)]),
                       json: json, hint: "`toolhost resources` lists the URIs and templates", text: OneShot.contentsText)
    }
}

struct Prompt: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Get one prompt with its arguments and print its messages.",
        discussion: "Exit status: 0 on success, 2 for an unknown prompt or bad arguments.")

    @OptionGroup var options: HostOptions

    @Argument(help: "The prompt's name.")
    var name: String

    @Argument(help: "The arguments: a JSON object of strings.")
    var arguments: String = "{}"

    @Flag(help: "Print the whole GetPromptResult as JSON instead of its messages.")
    var json = false

    func run() throws {
        guard let parsed = try? JSONParser.parse(arguments), case .object = parsed else {
            writeStderr("toolhost prompt: the arguments are not a JSON object of strings, e.g. '{\"topic\":\"tides\"}'")
            throw ExitCode(2)
        }
        try runRequest(options, command: "prompt", method: "prompts/get", params: .object(["name": .string(name), "arguments": parsed]),
                       json: json, hint: "`toolhost prompts` lists the prompts and their arguments", text: OneShot.messagesText)
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load plugin files and report their ABI version, tools and problems.",
        discussion: "Exit status: 0 when every file loaded cleanly, 1 otherwise.")

    @OptionGroup var options: HostOptions

    @Argument(help: "Plugin files to check (default: the plugins the server would load).")
    var files: [String] = []

    func run() throws {
        var options = options
        if !files.isEmpty { options.plugins = files }
        let host = try options.makeHost()
        let report = OneShot.checkReport(host)
        print(report.text)
        host.shutdown(grace: 0)
        if !report.clean { throw ExitCode(1) }
    }
}

struct Plugins: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the plugins the server would load and where each runs (isolated or in the host's process); with --running, those of every toolhost serving now.")

    @OptionGroup var options: HostOptions

    @Flag(name: .customLong("running"), help: "Show the plugins of every toolhost serving now for this user (an MCP client's server), live: runner pids and memory, restarts, the last crash, disabled and why.")
    var running = false

    func run() throws {
        if running {
            let folders = StatusSocket.folders(environment: processEnvironment())
            var servers: [(pid: Int32, report: String)] = []
            for folder in folders { servers += StatusSocket.query(folder: folder) }
            if servers.isEmpty { print("no toolhost is serving for this user now (looked in \(folders.joined(separator: ", ")))") }
            print(servers.map(\.report).joined(separator: "\n"), terminator: "")
            return
        }
        let host = try options.makeHost()
        print(OneShot.pluginsReport(host))
        host.shutdown(grace: 0)
    }
}

func writeStderr(_ line: String) {
    var text = line
    text += "\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
