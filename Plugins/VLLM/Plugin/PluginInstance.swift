import Synchronization
import ToolHostABI
import VLLMCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The started plugin: the service, the host it reports to, and the calls in flight (so a
/// cancel hint can reach the task of its call).
final class PluginInstance: @unchecked Sendable {
    // The host promises `th_host` stays valid from init until shutdown returns.
    let host: UnsafePointer<th_host>
    let service: VLLMService
    /// The calls in flight, by the address of their `th_call`.
    private let running = Mutex<[UInt: CallSlot]>([:])

    init(host: UnsafePointer<th_host>, configuration: VLLMConfiguration) {
        self.host = host
        // The host pointer as a number (a pointer is not Sendable). The closure runs only while
        // the plugin serves calls, when the host keeps it valid; it must not hold the instance
        // (the instance holds the service, which holds the closure).
        let hostAddress = UInt(bitPattern: host)
        service = VLLMService(configuration: configuration) { message in
            HostLog.write(UnsafePointer(bitPattern: hostAddress)!, TH_LOG_DEBUG, message)
        }
        for note in configuration.notes { HostLog.write(host, TH_LOG_NOTICE, note) }
        if !configuration.ignoredKeys.isEmpty {
            HostLog.write(host, TH_LOG_DEBUG, "ignoring settings the plugin does not know: \(configuration.ignoredKeys.joined(separator: ", "))")
        }
        let timeout = configuration.timeout.map { "\(SecondsFormat.text($0)) s" } ?? "none"
        HostLog.write(host, TH_LOG_INFO, "server \(configuration.displayBaseURL), model \(configuration.model ?? "(the server's first)"), API key \(configuration.apiKey == nil ? "not set" : "set"), timeout \(timeout), streaming \(configuration.stream.rawValue)")
    }

    static func from(_ state: UnsafeMutableRawPointer) -> PluginInstance {
        Unmanaged<PluginInstance>.fromOpaque(state).takeUnretainedValue()
    }

    func shutdown() {
        service.shutdown()
    }

    func invoke(_ call: OpaquePointer, _ invocation: UnsafePointer<th_invocation>) -> th_status {
        let inv = invocation.pointee
        guard let tool = ToolCatalog.Tool(rawValue: Int(inv.tool_index)) else {
            return refuse(call, "toolhost-vllm: no tool with index \(inv.tool_index)", TH_ERR_UNSUPPORTED)
        }
        // Borrowed until the call completes; copied so the task owns its input.
        let arguments = Array(UnsafeRawBufferPointer(start: inv.arguments_json, count: inv.arguments_len))
        let handle = CallHandle(host: host, call: call, wantsProgress: inv.flags & UInt32(TH_CALL_WANTS_PROGRESS) != 0)
        let service = self.service
        return start(call, handle) { await service.run(tool, arguments: arguments, context: handle) }
    }

    /// A resource read (TH_EXT_RESOURCES): runs like a tool call, its text sent as contents.
    func read(_ call: OpaquePointer, _ request: UnsafePointer<th_resource_request>) -> th_status {
        let uri = String(cString: request.pointee.uri)
        guard let resource = ResourceCatalog.resource(uri: uri) else {
            let known = ResourceCatalog.all.map(\.uri).joined(separator: ", ")
            return refuse(call, "toolhost-vllm: no resource \(uri) (there are \(known))", TH_ERR_NOT_FOUND)
        }
        let handle = CallHandle(host: host, call: call, wantsProgress: false, contentsType: ResourceCatalog.definition(resource).mimeType)
        let service = self.service
        return start(call, handle) { await service.read(resource) }
    }

    /// Answers `call` at once with an error.
    private func refuse(_ call: OpaquePointer, _ message: String, _ status: th_status) -> th_status {
        _ = message.withCString { host.pointee.result_error(call, $0, strlen($0)) }
        return status
    }

    /// Runs `work` as the task of `call`, then completes the call with its outcome.
    private func start(_ call: OpaquePointer, _ handle: CallHandle, _ work: @escaping @Sendable () async -> ToolOutcome) -> th_status {
        let key = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(call)))
        // The slot is registered before the task starts, so a cancel hint always finds it (or
        // the call has completed: a hint for an unknown call is ignored, since a later call may
        // reuse the address). The task may run to its end before `Task.immediate` returns.
        let slot = CallSlot()
        running.withLock { $0[key] = slot }
        // Starts on this host thread; once it waits, it continues on the HTTP client's loop.
        let task = Task.immediate(executorPreference: service.executor) {
            let outcome: ToolOutcome
            if handle.hostSaysCancelled {
                outcome = .failure(.cancelled, "The call was cancelled.")
            } else {
                outcome = await work()
            }
            self.finished(key)
            handle.finish(outcome)
        }
        slot.attach(task)
        return TH_PENDING
    }

    /// The host's cancel hint: cancelling the task cancels its HTTP request, which closes the
    /// connection, which makes vLLM abort the generation.
    func cancel(_ call: OpaquePointer) {
        let key = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(call)))
        running.withLock { $0[key] }?.cancel()
    }

    private func finished(_ key: UInt) {
        _ = running.withLock { $0.removeValue(forKey: key) }
    }
}

/// One call's task, and whether it was cancelled before the task was known.
final class CallSlot: Sendable {
    private let state = Mutex<(task: Task<Void, Never>?, cancelled: Bool)>((nil, false))

    func attach(_ task: Task<Void, Never>) {
        let cancelled = state.withLock { s -> Bool in
            s.task = task
            return s.cancelled
        }
        if cancelled { task.cancel() }
    }

    /// Cancelling the task cancels its HTTP request, which closes the connection, which makes
    /// vLLM abort the generation.
    func cancel() {
        let task = state.withLock { s -> Task<Void, Never>? in
            s.cancelled = true
            return s.task
        }
        task?.cancel()
    }
}
