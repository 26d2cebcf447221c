import Dispatch
import ToolHostABI

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A plugin built in Swift on the C ABI and linked into the fuzzer, so every input reaches real
/// tool calls (schema checks, sync and asynchronous completion, progress, errors) without
/// loading a file.
enum FuzzPlugin {
    nonisolated(unsafe) static var host: UnsafePointer<th_host>?

    /// A value that may cross to another thread with the call handle it carries.
    struct CallHandle: @unchecked Sendable { let pointer: OpaquePointer }

    private static func cString(_ s: String) -> UnsafePointer<CChar> {
        UnsafePointer(strdup(s)!)
    }

    nonisolated(unsafe) static let tools: UnsafeMutablePointer<th_tool> = {
        let list: [(String, String)] = [
            ("echo", #"{"type":"object","properties":{"text":{"type":"string","maxLength":64},"n":{"type":"integer","minimum":-5,"maximum":5},"x":{"type":"number","exclusiveMinimum":0},"flag":{"type":"boolean"},"mode":{"enum":["a","b",1,null]},"list":{"type":"array","items":{"type":"integer"},"maxItems":4,"uniqueItems":true},"obj":{"type":"object","additionalProperties":{"type":"string"}},"any":{"anyOf":[{"type":"string","pattern":"^[a-z]+$"},{"type":"integer"}]}},"required":["text"],"additionalProperties":false}"#),
            ("async", #"{"type":"object","properties":{"steps":{"type":"integer","minimum":0,"maximum":3}}}"#),
            ("fail", #"{"type":"object"}"#),
        ]
        let tools = UnsafeMutablePointer<th_tool>.allocate(capacity: list.count)
        for (i, (name, schema)) in list.enumerated() {
            tools[i] = th_tool(
                struct_size: UInt32(MemoryLayout<th_tool>.size), flags: 0, name: cString(name), title: nil,
                description: cString("fuzz tool \(name)"), input_schema_json: cString(schema),
                output_schema_json: i == 1 ? cString(#"{"type":"array"}"#) : nil, annotations_json: nil)
        }
        return tools
    }()

    nonisolated(unsafe) static let descriptor: UnsafePointer<th_plugin> = {
        let plugin = UnsafeMutablePointer<th_plugin>.allocate(capacity: 1)
        plugin.initialize(to: th_plugin(
            magic: TH_PLUGIN_MAGIC, struct_size: UInt32(MemoryLayout<th_plugin>.size),
            abi_major: UInt16(TH_ABI_MAJOR), abi_minor: UInt16(TH_ABI_MINOR), flags: 0,
            id: cString("fuzz"), name: cString("Fuzz tools"), version: cString("1.0.0"), description: nil,
            init: { host, _ in
                FuzzPlugin.host = host
                return 0
            },
            shutdown: nil,
            tool_count: { _ in 3 },
            tool_at: { _, index in index < 3 ? UnsafePointer(FuzzPlugin.tools + Int(index)) : nil },
            invoke: { _, call, invocation in FuzzPlugin.invoke(call, invocation) },
            cancel: nil,
            get_extension: nil))
        return UnsafePointer(plugin)
    }()

    static func invoke(_ call: OpaquePointer, _ invocation: UnsafePointer<th_invocation>) -> th_status {
        guard let host = host?.pointee else { return -9 }
        let inv = invocation.pointee
        switch inv.tool_index {
        case 0:
            _ = host.result_text(call, inv.arguments_json, inv.arguments_len)
            return 0
        case 1:
            let handle = CallHandle(pointer: call)
            DispatchQueue.global().async {
                let host = FuzzPlugin.host!.pointee
                _ = host.progress(handle.pointer, 1, 2, "half")
                _ = host.progress(handle.pointer, 1, 2, "not increasing: dropped")
                _ = host.result_structured(handle.pointer, "[1,2]", 5)
                host.complete(handle.pointer, host.is_cancelled(handle.pointer) ? -3 : 0)
            }
            return 1
        default:
            _ = host.result_error(call, "fuzz failure", -1)
            return -1
        }
    }
}
