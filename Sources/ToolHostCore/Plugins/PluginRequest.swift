import Synchronization
import ToolHostABI

/// A request other than `tools/call` that a plugin answers through a `th_call *`
/// (`prompts/get`, `resources/read`, `completion/complete`), with the rules of
/// include/toolhost.h for calls: the sinks copy at once, a TH_PENDING answer ends with exactly
/// one `complete` from any thread, `cancel` is a hint.
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
        /// `result_contents` (and `result_text`) on a read: resource contents objects.
        public var contents: [JSON] = []
        /// `result_completion`: suggested values, best first.
        public var completions: [String] = []
        /// `result_error` texts, or a text naming the status.
        public var errorMessage: String?
        public var status: Int32 = 0
        public var cancelled = false
    }

    /// What is asked, with what the host lends the plugin for it.
    enum Payload {
        case prompt(UnsafeMutablePointer<th_prompt_request>)
        /// `uri` and `mimeType` (the resource's own) fill in what `result_contents` leaves out.
        case read(UnsafeMutablePointer<th_resource_request>, uri: String, mimeType: String?)
        case completion(UnsafeMutablePointer<th_completion_request>)
    }

    public let plugin: LoadedPlugin
    /// What is asked, for messages ("prompt coding_assistant").
    public let subject: String
    private let finish: @Sendable (PluginRequest, Outcome) -> Void
    private let buffers: [UnsafeMutablePointer<CChar>]
    let payload: Payload

    private struct State {
        var lifecycle = CallLifecycle()
        var outcome = Outcome()
    }
    private let state = Mutex(State())

    /// - Parameters:
    ///   - texts: the strings the request structure points to; `make` gets them as C strings
    ///     (owned by this object) and builds the payload.
    ///   - finish: called once with the answer, on a host thread.
    private init(plugin: LoadedPlugin, subject: String, texts: [String],
                 finish: @escaping @Sendable (PluginRequest, Outcome) -> Void,
                 make: ([UnsafePointer<CChar>]) -> Payload) {
        self.plugin = plugin
        self.subject = subject
        self.finish = finish
        let buffers = texts.map { text -> UnsafeMutablePointer<CChar> in strdup(text)! }
        self.buffers = buffers
        payload = make(buffers.map { UnsafePointer($0) })
    }

    /// A `prompts/get` of `name` with `arguments` (a JSON object of strings, checked).
    convenience init(prompt name: String, plugin: LoadedPlugin, arguments: JSON, requestID: String, revision: ProtocolRevision,
                     finish: @escaping @Sendable (PluginRequest, Outcome) -> Void) {
        let argumentsText = JSONWriter.string(arguments)
        self.init(plugin: plugin, subject: "prompt \(name)", texts: [name, argumentsText, requestID], finish: finish) { c in
            .prompt(.allocate(with: th_prompt_request(
                struct_size: UInt32(MemoryLayout<th_prompt_request>.size), flags: 0,
                name: c[0], arguments_json: c[1], arguments_len: argumentsText.utf8.count,
                request_id: c[2], protocol_version: revision.cString)))
        }
    }

    /// A `resources/read` of `uri`, through `template` (with its `variables`) when no resource
    /// lists the URI itself.
    convenience init(read uri: String, resource: RegisteredResource, variables: [String: String]?, requestID: String,
                     revision: ProtocolRevision, finish: @escaping @Sendable (PluginRequest, Outcome) -> Void) {
        let variablesText = JSONWriter.string(.object(JSONObject((variables ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        let templateText = resource.template == nil ? nil : resource.uri
        self.init(plugin: resource.plugin, subject: "resource \(uri)", texts: [uri, variablesText, requestID, templateText ?? ""], finish: finish) { c in
            .read(.allocate(with: th_resource_request(
                struct_size: UInt32(MemoryLayout<th_resource_request>.size), flags: 0,
                uri: c[0], template_uri: templateText == nil ? nil : c[3], variables_json: c[1],
                variables_len: variablesText.utf8.count, request_id: c[2], protocol_version: revision.cString)),
                uri: uri, mimeType: resource.mimeType)
        }
    }

    /// A `completion/complete` of argument `name` (typed so far: `value`) of prompt or
    /// template `ref`.
    convenience init(complete kind: UInt32, ref: String, argument name: String, value: String, context: JSON, plugin: LoadedPlugin,
                     requestID: String, revision: ProtocolRevision, finish: @escaping @Sendable (PluginRequest, Outcome) -> Void) {
        let contextText = JSONWriter.string(context)
        self.init(plugin: plugin, subject: "completion of \(name) for \(ref)", texts: [ref, name, value, contextText, requestID], finish: finish) { c in
            .completion(.allocate(with: th_completion_request(
                struct_size: UInt32(MemoryLayout<th_completion_request>.size), kind: kind,
                ref: c[0], argument_name: c[1], argument_value: c[2], context_json: c[3],
                context_len: contextText.utf8.count, request_id: c[4], protocol_version: revision.cString)))
        }
    }

    deinit {
        for buffer in buffers { free(buffer) }
        switch payload {
        case .prompt(let p): p.deallocate()
        case .read(let p, _, _): p.deallocate()
        case .completion(let p): p.deallocate()
        }
    }

    var handle: OpaquePointer { OpaquePointer(Unmanaged.passUnretained(self).toOpaque()) }

    /// Runs the plugin's `get` on the calling (host worker) thread.
    func start(host: PluginHost) {
        host.requestStarted(self)
        host.pool.submit { [self] in
            if state.withLock({ $0.lifecycle.start() }) == .finishCancelled {
                finish(status: TH_ERR_CANCELLED)
                return
            }
            let status = WorkerPool.insidePlugin { () -> Int32 in
                switch payload {
                case .prompt(let request):
                    guard let get = plugin.promptsTable?.get else { return missing("prompts", "get") }
                    return get(plugin.state, handle, request)
                case .read(let request, _, _):
                    guard let read = plugin.resourcesTable?.read else { return missing("resources", "read") }
                    return read(plugin.state, handle, request)
                case .completion(let request):
                    guard let complete = plugin.completionsTable?.complete else { return missing("completions", "complete") }
                    return complete(plugin.state, handle, request)
                }
            }
            if status == TH_PENDING { return }
            finish(status: status > 0 ? TH_ERR_INTERNAL : status)
        }
    }

    private func missing(_ what: String, _ function: String) -> Int32 {
        _ = appendError("plugin \(plugin.id) offers \(what) but no \(function) function")
        return TH_ERR_UNSUPPORTED
    }

    public var isCancelled: Bool { state.withLock { $0.lifecycle.isCancelled } }

    /// The host answers before the plugin did (a deadline): the plugin's answer will be
    /// dropped. False when it was answered already.
    func answerEarly() -> Bool { state.withLock { $0.lifecycle.answerEarly() } }

    /// Marks the request cancelled and passes the hint to the plugin once it has started.
    func cancel() {
        if state.withLock({ $0.lifecycle.cancel() }) == .hintPlugin { plugin.cancelHint(handle) }
    }

    // MARK: Sinks (any thread)

    /// `result_text`: a prompt's description, or a text item of the URI read.
    func appendText(_ text: String) -> Int32 {
        switch payload {
        case .prompt: return update { $0.description = text }
        case .read: return appendContents(uri: nil, mimeType: nil, .text(text))
        case .completion: return TH_ERR_UNSUPPORTED
        }
    }

    func appendMessage(_ message: JSON) -> Int32 {
        guard case .prompt = payload else { return TH_ERR_UNSUPPORTED }
        return update { $0.messages.append(message) }
    }

    /// `result_contents`: one item; `uri` and `mimeType` default to the URI read and the
    /// resource's own type.
    func appendContents(uri: String?, mimeType: String?, _ data: ContentsData) -> Int32 {
        guard case .read(_, let readURI, let resourceType) = payload else { return TH_ERR_UNSUPPORTED }
        var item: JSONObject = ["uri": .string(uri ?? readURI)]
        if let type = mimeType ?? resourceType { item["mimeType"] = .string(type) }
        switch data {
        case .text(let text): item["text"] = .string(text)
        case .blob(let base64): item["blob"] = .string(base64)
        }
        return update { $0.contents.append(.object(item)) }
    }

    enum ContentsData {
        case text(String)
        /// Already in base64.
        case blob(String)
    }

    func appendCompletion(_ value: String) -> Int32 {
        guard case .completion = payload else { return TH_ERR_UNSUPPORTED }
        return update { $0.completions.append(value) }
    }

    private func update(_ change: (inout Outcome) -> Void) -> Int32 {
        state.withLock { s in
            guard s.lifecycle.acceptsResults else { return TH_ERR_STATE }
            change(&s.outcome)
            return TH_OK
        }
    }

    func appendError(_ message: String) -> Int32 {
        update { $0.errorMessage = $0.errorMessage.map { $0 + "\n" + message } ?? message }
    }

    /// The whole answer at once, from a plugin running in a runner process (``IsolatedPlugin``).
    func finishRemote(_ remote: Outcome) {
        _ = update { o in
            o.description = remote.description
            o.messages = remote.messages
            o.contents = remote.contents
            o.completions = remote.completions
            o.errorMessage = remote.errorMessage
        }
        finish(status: remote.status > 0 ? TH_ERR_INTERNAL : remote.status)
    }

    /// `th_host.complete` from the plugin.
    func pluginCompleted(_ status: Int32) {
        if status > 0 { plugin.warnMisuse("completed \(subject) with status \(status); treated as an internal error") }
        finish(status: status > 0 ? TH_ERR_INTERNAL : status)
    }

    private func finish(status: Int32) {
        let result = state.withLock { s -> (Outcome, Bool)? in
            let answer: Bool
            var outcome = s.outcome
            switch s.lifecycle.finish() {
            case .completedTwice: return nil
            case .release: answer = false  // answered early (a deadline): the result is dropped
            case .answerAndRelease(let cancelled):
                answer = true
                outcome.cancelled = cancelled
            }
            outcome.status = status
            if status < 0, outcome.errorMessage == nil {
                outcome.errorMessage = "plugin \(plugin.id) could not answer \(subject) (\(ABIStatus.name(status)))"
            }
            return (outcome, answer)
        }
        guard let (outcome, answer) = result else {
            plugin.warnMisuse("completed \(subject) more than once")
            return
        }
        // Answered on a host thread: the plugin's thread must not wait on the client.
        guard let host = plugin.owner else { return }
        host.pool.submit { [self] in
            if answer { finish(self, outcome) }
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

private extension UnsafeMutablePointer {
    /// A new single value, to be deallocated by the owner.
    static func allocate(with value: Pointee) -> UnsafeMutablePointer<Pointee> {
        let pointer = UnsafeMutablePointer<Pointee>.allocate(capacity: 1)
        pointer.initialize(to: value)
        return pointer
    }
}
