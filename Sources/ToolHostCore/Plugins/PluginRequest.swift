import Synchronization
import ToolHostABI

/// A request other than `tools/call` that a plugin answers through a `th_call *` (today
/// `prompts/get`), with the rules of include/toolhost.h for calls: the sinks copy at once, a
/// TH_PENDING answer ends with exactly one `complete` from any thread, `cancel` is a hint.
///
/// The plugin's host keeps the object alive while the plugin may use its handle (from `start`
/// until the plugin is done; shutdown waits for it like for a tool call), and the object frees
/// the request structure it lent the plugin with itself.
public final class PluginRequest: @unchecked Sendable {
    /// What the plugin answered.
    public struct Outcome: Sendable {
        /// `result_text` on a prompt: the prompt's description for this answer.
        public var description: String?
        /// `result_message`: {role, content} objects, in order.
        public var messages: [JSON] = []
        /// `result_error` texts, or a text naming the status.
        public var errorMessage: String?
        public var status: Int32 = 0
        public var cancelled = false
    }

    public let plugin: LoadedPlugin
    /// What is asked, for messages ("prompt coding_assistant").
    public let subject: String
    private let finish: @Sendable (PluginRequest, Outcome) -> Void
    private let buffers: [UnsafeMutablePointer<CChar>]
    private let promptRequest: UnsafeMutablePointer<th_prompt_request>

    private struct State {
        var outcome = Outcome()
        var started = false
        var done = false
        var cancelled = false
    }
    private let state = Mutex(State())

    /// A `prompts/get` of `name` with `arguments` (a JSON object of strings, checked).
    /// - Parameter finish: called once with the answer, on a host thread.
    init(prompt name: String, plugin: LoadedPlugin, arguments: JSON, requestID: String, revision: ProtocolRevision,
         finish: @escaping @Sendable (PluginRequest, Outcome) -> Void) {
        self.plugin = plugin
        self.subject = "prompt \(name)"
        self.finish = finish
        let argumentsText = JSONWriter.string(arguments)
        let texts: [String] = [name, argumentsText, requestID]
        let buffers = texts.map { text -> UnsafeMutablePointer<CChar> in strdup(text)! }
        self.buffers = buffers
        promptRequest = .allocate(capacity: 1)
        promptRequest.initialize(to: th_prompt_request(
            struct_size: UInt32(MemoryLayout<th_prompt_request>.size), flags: 0,
            name: UnsafePointer(buffers[0]), arguments_json: UnsafePointer(buffers[1]),
            arguments_len: argumentsText.utf8.count, request_id: UnsafePointer(buffers[2]),
            protocol_version: revision.cString))
    }

    deinit {
        for buffer in buffers { free(buffer) }
        promptRequest.deallocate()
    }

    var handle: OpaquePointer { OpaquePointer(Unmanaged.passUnretained(self).toOpaque()) }

    /// Runs the plugin's `get` on the calling (host worker) thread.
    func start(host: PluginHost) {
        host.requestStarted(self)
        host.pool.submit { [self] in
            let skip = state.withLock { s -> Bool in
                s.started = true
                return s.cancelled
            }
            if skip {
                pluginFinished(TH_ERR_CANCELLED)
                return
            }
            guard let table = plugin.promptsTable, let get = table.get else {
                _ = appendError("plugin \(plugin.id) offers prompts but no get function")
                pluginFinished(TH_ERR_UNSUPPORTED)
                return
            }
            let status = WorkerPool.insidePlugin { get(plugin.state, handle, promptRequest) }
            if status == TH_PENDING { return }
            pluginFinished(status > 0 ? TH_ERR_INTERNAL : status)
        }
    }

    public var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Marks the request cancelled and passes the hint to the plugin once it has started.
    func cancel() {
        let hint = state.withLock { s -> Bool? in
            guard !s.cancelled, !s.done else { return nil }
            s.cancelled = true
            return s.started
        }
        if hint == true { plugin.cancelHint(handle) }
    }

    // MARK: Sinks (any thread)

    func setDescription(_ text: String) -> Int32 {
        state.withLock { s in
            guard !s.done else { return TH_ERR_STATE }
            s.outcome.description = text
            return TH_OK
        }
    }

    func appendMessage(_ message: JSON) -> Int32 {
        state.withLock { s in
            guard !s.done else { return TH_ERR_STATE }
            s.outcome.messages.append(message)
            return TH_OK
        }
    }

    func appendError(_ message: String) -> Int32 {
        state.withLock { s in
            guard !s.done else { return TH_ERR_STATE }
            s.outcome.errorMessage = s.outcome.errorMessage.map { $0 + "\n" + message } ?? message
            return TH_OK
        }
    }

    /// `th_host.complete` from the plugin.
    func completeFromPlugin(_ status: Int32) {
        if status > 0 { plugin.warnMisuse("completed \(subject) with status \(status); treated as an internal error") }
        pluginFinished(status > 0 ? TH_ERR_INTERNAL : status)
    }

    private func pluginFinished(_ status: Int32) {
        let outcome = state.withLock { s -> Outcome? in
            guard !s.done else { return nil }
            s.done = true
            var outcome = s.outcome
            outcome.status = status
            outcome.cancelled = s.cancelled
            if status < 0, outcome.errorMessage == nil {
                outcome.errorMessage = "plugin \(plugin.id) could not answer \(subject) (\(ABIStatus.name(status)))"
            }
            return outcome
        }
        guard let outcome else {
            plugin.warnMisuse("completed \(subject) more than once")
            return
        }
        // Answered on a host thread: the plugin's thread must not wait on the client.
        guard let host = plugin.owner else { return }
        host.pool.submit { [self] in
            finish(self, outcome)
            host.requestFinished(self)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
