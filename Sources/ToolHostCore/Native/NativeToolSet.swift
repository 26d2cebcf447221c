import ToolHostABI

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A set of native functions presented to the rest of the host as a plugin built on the C ABI
/// itself: an in-memory `th_plugin` whose state is this object, whose `tool_at` returns
/// `th_tool`s built once, and whose `invoke` converts the arguments and calls through libffi.
/// The registry, the call path and result shaping treat it like any `.so` plugin.
///
/// Lives for the rest of the process, as loaded plugins do.
final class NativeToolSet: @unchecked Sendable {
    /// Where the functions come from, for `toolhost check`.
    enum Origin: Sendable {
        /// The `th.native_functions.v1` table of a loaded plugin.
        case plugin(id: String)
        /// A manifest binding functions of a shared library; `address`: one of its functions,
        /// to find the library's file when `toolhost check` asks (not at every load).
        case manifest(library: String, address: UInt)
    }

    let id: String
    let name: String
    let version: String
    let summary: String?
    let origin: Origin
    let functions: [NativeFunction]
    let descriptor: UnsafeMutablePointer<th_plugin>
    private let tools: UnsafeMutablePointer<th_tool>
    /// Set by `init` of the descriptor, before any other function is called.
    nonisolated(unsafe) private var host: UnsafePointer<th_host>?

    private init(id: String, name: String, version: String, summary: String?, origin: Origin, functions: [NativeFunction]) {
        self.id = id
        self.name = name
        self.version = version
        self.summary = summary
        self.origin = origin
        self.functions = functions
        tools = .allocate(capacity: max(1, functions.count))
        for (i, function) in functions.enumerated() {
            let spec = function.spec
            (tools + i).initialize(to: th_tool(
                struct_size: UInt32(MemoryLayout<th_tool>.size),
                flags: 0,
                name: Self.keep(spec.toolName),
                title: spec.title.map(Self.keep),
                description: Self.keep(Self.toolDescription(spec)),
                input_schema_json: Self.keep(JSONWriter.string(function.inputSchema)),
                output_schema_json: function.outputSchema.map { Self.keep(JSONWriter.string($0)) },
                annotations_json: spec.annotations.map { Self.keep(JSONWriter.string(.object($0))) }))
        }
        descriptor = .allocate(capacity: 1)
        var d = th_plugin()
        d.magic = TH_PLUGIN_MAGIC
        d.struct_size = UInt32(MemoryLayout<th_plugin>.size)
        d.abi_major = UInt16(TH_ABI_MAJOR)
        d.abi_minor = UInt16(TH_ABI_MINOR)
        d.flags = 0
        d.id = Self.keep(id)
        d.name = Self.keep(name)
        d.version = Self.keep(version)
        d.description = summary.map(Self.keep)
        d.`init` = Self.initFunction
        d.tool_count = Self.toolCount
        d.tool_at = Self.toolAt
        d.invoke = Self.invokeFunction
        descriptor.initialize(to: d)
    }

    /// Makes a set and keeps it alive for the rest of the process.
    static func make(id: String, name: String, version: String, summary: String?, origin: Origin, functions: [NativeFunction]) -> NativeToolSet {
        let set = NativeToolSet(id: id, name: name, version: version, summary: summary, origin: origin, functions: functions)
        _ = Unmanaged.passRetained(set)
        return set
    }

    /// The value to preset as the plugin's state: `init` finds this object through it.
    var state: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    /// What `toolhost check` says the plugin is.
    var kind: String {
        switch origin {
        case .plugin(let parent): return "typed C functions of plugin \(parent), called through libffi"
        case .manifest(let library, let address):
            let resolved = UnsafeRawPointer(bitPattern: address).flatMap(NativeManifest.libraryFile(containing:))
            return "manifest binding \(library)\(resolved.map { $0 == library ? "" : " (\($0))" } ?? ""), called through libffi"
        }
    }

    /// The C prototype of tool `name`, for `toolhost check`.
    func signature(ofTool name: String) -> String? {
        functions.first { $0.spec.toolName == name }?.spec.signature
    }

    private static func toolDescription(_ spec: NativeFunctionSpec) -> String {
        spec.description ?? "Calls the C function \(spec.symbol)."
    }

    /// A C string that lives for the rest of the process (tool descriptors point into it).
    private static func keep(_ text: String) -> UnsafePointer<CChar> {
        UnsafePointer(strdup(text)!)
    }

    private static func from(_ state: UnsafeMutableRawPointer) -> NativeToolSet {
        Unmanaged<NativeToolSet>.fromOpaque(state).takeUnretainedValue()
    }

    // MARK: The descriptor's functions

    private static let initFunction: @convention(c) (UnsafePointer<th_host>, UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> th_status = { host, state in
        guard let preset = state.pointee else { return TH_ERR_INTERNAL }
        from(preset).host = host
        return ABIStatus.ok
    }

    private static let toolCount: @convention(c) (UnsafeMutableRawPointer?) -> UInt32 = { state in
        guard let state else { return 0 }
        return UInt32(from(state).functions.count)
    }

    private static let toolAt: @convention(c) (UnsafeMutableRawPointer?, UInt32) -> UnsafePointer<th_tool>? = { state, index in
        guard let state else { return nil }
        let set = from(state)
        guard Int(index) < set.functions.count else { return nil }
        return UnsafePointer(set.tools + Int(index))
    }

    private static let invokeFunction: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer, UnsafePointer<th_invocation>) -> th_status = { state, call, invocation in
        guard let state else { return TH_ERR_INTERNAL }
        return from(state).invoke(call, invocation.pointee)
    }

    private func invoke(_ call: OpaquePointer, _ invocation: th_invocation) -> th_status {
        guard let host, Int(invocation.tool_index) < functions.count else { return ABIStatus.internal }
        let function = functions[Int(invocation.tool_index)]
        let arguments: JSON
        do {
            let bytes = UnsafeRawPointer(invocation.arguments_json).assumingMemoryBound(to: UInt8.self)
            arguments = try JSONParser.parse(UnsafeBufferPointer(start: bytes, count: invocation.arguments_len))
        } catch {
            return send(host.pointee.result_error, call, "The host passed arguments that are not JSON (\(error)).", ABIStatus.internal)
        }
        switch function.call(arguments) {
        case .invalidArguments(let reason):
            return send(host.pointee.result_error, call,
                        "Invalid arguments for tool \(function.spec.toolName): \(reason). Fix the arguments and call again.",
                        ABIStatus.invalidArgument)
        case .failed(let message):
            return send(host.pointee.result_error, call, message, ABIStatus.failed)
        case .success(let text, let structured):
            let status = send(host.pointee.result_text, call, text, ABIStatus.ok)
            if let structured, status == ABIStatus.ok {
                return send(host.pointee.result_structured, call, JSONWriter.string(structured), ABIStatus.ok)
            }
            return status
        }
    }

    /// Hands `text` to one of the host's result sinks.
    /// - Returns: `status`, or the sink's error.
    private func send(
        _ sink: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int) -> th_status, _ call: OpaquePointer,
        _ text: String, _ status: th_status
    ) -> th_status {
        let bytes = Array(text.utf8)
        let result = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { sink(call, $0.baseAddress, $0.count) }
        }
        return result == ABIStatus.ok ? status : result
    }
}
