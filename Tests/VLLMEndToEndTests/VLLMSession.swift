import Foundation
import NIOPosix
import TestSupport
import Testing
import VLLMDouble

/// The real `toolhost` binary with the vLLM plugin, over pipes, pointed at an in-process vLLM
/// test double (or at any URL).
///
/// The plugin is the one built into toolhost (`--plugin vllm`), as the README's client set-ups
/// run it; `TOOLHOST_TEST_VLLM_PLUGIN=library` runs every suite on `libVLLM.so` instead.
/// `LibraryPluginTests` covers the shared-object build either way.
struct VLLMSession {
    /// What `--plugin` names: the built-in plugin, or the library file.
    static let plugin: String = {
        switch ProcessInfo.processInfo.environment["TOOLHOST_TEST_VLLM_PLUGIN"] {
        case "library": return ServerProcess.plugin("VLLM")
        default: return "vllm"
        }
    }()

    let double: VLLMDouble?
    let client: MCPTestClient
    /// The double's own event loop: NIO's shared singleton also serves the doubles of other
    /// test suites in this process, whose load must not delay this one's.
    let group: MultiThreadedEventLoopGroup?

    /// Starts a double with `configuration`, then toolhost with `VLLM_BASE_URL` set to it.
    /// - Parameters:
    ///   - settings: more `VLLM_*` variables (`"API_KEY": "…"` becomes `VLLM_API_KEY`).
    ///   - arguments: more toolhost arguments.
    ///   - plugin: what `--plugin` names (default ``plugin``).
    static func start(
        _ configuration: Configuration = Configuration(), settings: [String: String] = [:],
        arguments: [String] = [], version: String = "2025-11-25", plugin: String = VLLMSession.plugin
    ) async throws -> VLLMSession {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let double = try await VLLMDouble.start(configuration, eventLoopGroup: group)
        let url = double.baseURL
        do {
            let client = try await offPool { try launch(baseURL: url, settings: settings, arguments: arguments, version: version, plugin: plugin) }
            return VLLMSession(double: double, client: client, group: group)
        } catch {
            // toolhost did not start: the double and its loop must not outlive the test.
            try? await double.shutdown()
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// toolhost against `baseURL` (empty: none set, e.g. when a `--config` file gives it),
    /// without a double.
    /// - Parameter environment: more variables for toolhost (e.g. `XDG_STATE_HOME`).
    static func start(baseURL: String, settings: [String: String] = [:], arguments: [String] = [], version: String = "2025-11-25",
                      environment: [String: String] = [:]) async throws -> VLLMSession {
        VLLMSession(double: nil, client: try await offPool { try launch(baseURL: baseURL, settings: settings, arguments: arguments, version: version, extra: environment) }, group: nil)
    }

    private static func launch(
        baseURL: String, settings: [String: String], arguments: [String], version: String, extra: [String: String] = [:],
        plugin: String = VLLMSession.plugin
    ) throws -> MCPTestClient {
        // The developer's own VLLM_* variables must not change what a test sees.
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("VLLM_") && !$0.key.hasPrefix("TOOLHOST_") }
        for (key, value) in extra { environment[key] = value }
        if !baseURL.isEmpty { environment["VLLM_BASE_URL"] = baseURL }
        for (key, value) in settings { environment["VLLM_\(key)"] = value }
        let client = try MCPTestClient.start(plugins: [plugin], arguments: arguments, environment: environment)
        try client.initialize(version: version)
        return client
    }

    func stop() async {
        let client = self.client
        _ = try? await Self.offPool {
            client.process.closeStdin()
            _ = client.process.waitForExit(timeout: 10)
        }
        try? await double?.shutdown()
        try? await group?.shutdownGracefully()
    }

    /// Runs blocking work with the client on a thread of its own, so that waiting for toolhost
    /// never holds one of the few threads of Swift's cooperative pool, which other tests in
    /// this process (and the in-process double's users) need.
    func client<T>(_ body: @escaping (MCPTestClient) throws -> T) async throws -> T {
        let client = self.client
        return try await Self.offPool { try body(client) }
    }

    static func offPool<T>(_ body: @escaping () throws -> T) async throws -> T {
        let work = Unchecked(body)
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Unchecked<T>, any Error>) in
            Thread.detachNewThread {
                do {
                    continuation.resume(returning: Unchecked(try work.value()))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }.value
    }

    /// `tools/call` and its result.
    func call(_ name: String, _ arguments: JSONDict = [:], meta: JSONDict? = nil, timeout: Double = 30) async throws -> JSONDict {
        let arguments = Unchecked(arguments), meta = Unchecked(meta)
        return try await client { try $0.callTool(name, arguments.value, meta: meta.value, timeout: timeout) }
    }

    /// `tools/call` of vllm_chat with one user message.
    func chat(_ text: String, _ extra: JSONDict = [:], meta: JSONDict? = nil, timeout: Double = 30) async throws -> JSONDict {
        var arguments: JSONDict = ["messages": [["role": "user", "content": text]]]
        for (key, value) in extra { arguments[key] = value }
        return try await call("vllm_chat", arguments, meta: meta, timeout: timeout)
    }

    /// The generation requests the double received, oldest first.
    var generationRequests: [RecordedRequest] {
        double?.recordedRequests.filter { $0.path.hasSuffix("/completions") } ?? []
    }

    /// Everything a person could see: every text the client received and the server's stderr.
    var everythingVisible: String {
        let texts = client.notifications.map { "\($0)" }.joined(separator: "\n")
        return texts + "\n" + client.process.stderr
    }
}

extension VLLMSession {
    /// A file of the toolhost process's `/proc` folder (`maps`, `task/PID/children`), read to
    /// its end: procfs reports a size of 0, and a read of the file's size falls short.
    func procFile(_ name: String) throws -> String {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/\(client.process.pid)/\(name)"))
        defer { try? handle.close() }
        return String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
    }

    /// The file names of the executable and libraries mapped into the toolhost process.
    func mappedLibraries() throws -> Set<String> {
        var names: Set<String> = []
        for line in try procFile("maps").split(separator: "\n") {
            guard let slash = line.firstIndex(of: "/") else { continue }
            names.insert(URL(fileURLWithPath: String(line[slash...])).lastPathComponent)
        }
        return names
    }
}

extension MCPTestClient {
    /// The `notifications/progress` for `token` received so far.
    func progressNotifications(token: String) -> [JSONDict] {
        notifications.filter {
            $0["method"] as? String == "notifications/progress" && $0[path: "params", "progressToken"] as? String == token
        }
    }
}

extension JSONDict {
    var isError: Bool { self["isError"] as? Bool == true }
}

/// Carries a value the compiler cannot prove Sendable across threads; each use here hands it
/// from one thread to the next, never sharing it.
struct Unchecked<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
