// The Swift template plugin: a dynamic library product whose only export is
// `th_plugin_entry_v1` (see exports.map). It shows both kinds of tools:
//
//   swift_word_count   an ordinary tool: JSON arguments in, result through the host's sinks
//   swift_fibonacci    a typed function: a @convention(c) Swift function the host calls through
//                      libffi, with the schema and conversions derived from its C types
//
// Build:  swift build --product SwiftExample      (→ $(swift build --show-bin-path)/libSwiftExample.so)
// Load:   toolhost --plugin .build/debug/libSwiftExample.so
//
// The library links its own copy of the Swift runtime statically (the host exports none), so
// host and plugin need not come from the same toolchain (docs/PLUGINS.md). Swift errors must
// never cross the C boundary: every function below catches what it throws.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ToolHostABI

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Everything the plugin keeps; C strings and descriptors live as long as the process (the
/// host never unloads a plugin). The descriptors are built once, lazily and thread-safely (Swift
/// statics), and never written afterwards: hence `nonisolated(unsafe)` for the raw pointers.
private enum Plugin {
    nonisolated(unsafe) static var host: UnsafePointer<th_host>?

    static func cString(_ text: String) -> UnsafePointer<CChar> { UnsafePointer(strdup(text)!) }

    nonisolated(unsafe) static let tools: UnsafeMutablePointer<th_tool> = {
        let tools = UnsafeMutablePointer<th_tool>.allocate(capacity: 1)
        tools.initialize(to: th_tool(
            struct_size: UInt32(MemoryLayout<th_tool>.size), flags: 0,
            name: cString("swift_word_count"), title: cString("Word count"),
            description: cString("Counts the words (separated by whitespace) and characters of a text."),
            input_schema_json: cString(#"{"type":"object","properties":{"text":{"type":"string"}},"required":["text"],"additionalProperties":false}"#),
            output_schema_json: cString(#"{"type":"object","properties":{"words":{"type":"integer"},"characters":{"type":"integer"}},"required":["words","characters"]}"#),
            annotations_json: cString(#"{"readOnlyHint":true}"#)))
        return tools
    }()

    /// The typed functions: fibonacci(n) for n in 0...93 (the largest that fits a UInt64).
    nonisolated(unsafe) static let natives: UnsafeMutablePointer<th_native_functions> = {
        let params = UnsafeMutablePointer<th_native_param>.allocate(capacity: 1)
        var n = th_native_param()
        n.struct_size = UInt32(MemoryLayout<th_native_param>.size)
        n.type = UInt32(TH_TYPE_UINT32)
        n.name = cString("n")
        n.description = cString("which Fibonacci number, F(0) = 0, F(1) = 1")
        n.maximum = cString("93")
        params.initialize(to: n)

        let fibonacci: @convention(c) (UInt32) -> UInt64 = { n in
            var (a, b): (UInt64, UInt64) = (0, 1)
            for _ in 0..<n { (a, b) = (b, a &+ b) }
            return a
        }
        let functions = UnsafeMutablePointer<th_native_function>.allocate(capacity: 1)
        var f = th_native_function()
        f.struct_size = UInt32(MemoryLayout<th_native_function>.size)
        f.name = cString("swift_fibonacci")
        f.title = cString("Fibonacci number")
        f.description = cString("The n-th Fibonacci number, exact as a 64-bit unsigned integer.")
        f.annotations_json = cString(#"{"readOnlyHint":true,"idempotentHint":true}"#)
        f.function = unsafeBitCast(fibonacci, to: (@convention(c) () -> Void).self)
        f.params = UnsafePointer(params)
        f.param_count = 1
        f.return_type = UInt32(TH_TYPE_UINT64)
        f.errors = UInt32(TH_ERRORS_NONE)
        f.result_description = cString("F(n)")
        functions.initialize(to: f)

        let table = UnsafeMutablePointer<th_native_functions>.allocate(capacity: 1)
        table.initialize(to: th_native_functions(
            struct_size: UInt32(MemoryLayout<th_native_functions>.size), count: 1, functions: UnsafePointer(functions)))
        return table
    }()

    nonisolated(unsafe) static let descriptor: UnsafeMutablePointer<th_plugin> = {
        var d = th_plugin()
        d.magic = TH_PLUGIN_MAGIC
        d.struct_size = UInt32(MemoryLayout<th_plugin>.size)
        d.abi_major = UInt16(TH_ABI_MAJOR)
        d.abi_minor = UInt16(TH_ABI_MINOR)
        d.id = cString("swift-example")
        d.name = cString("Swift example")
        d.version = cString("1.0.0")
        d.description = cString("A template for plugins written in Swift.")
        d.`init` = { host, _ in
            Plugin.host = host
            return TH_OK
        }
        d.tool_count = { _ in 1 }
        d.tool_at = { _, index in index == 0 ? UnsafePointer(Plugin.tools) : nil }
        d.invoke = { _, call, invocation in Plugin.invoke(call, invocation) }
        d.get_extension = { _, id in
            guard String(cString: id) == TH_EXT_NATIVE_FUNCTIONS else { return nil }
            return UnsafeRawPointer(Plugin.natives)
        }
        let pointer = UnsafeMutablePointer<th_plugin>.allocate(capacity: 1)
        pointer.initialize(to: d)
        return pointer
    }()

    struct Arguments: Decodable { let text: String }
    struct Counts: Encodable { let words: Int; let characters: Int }

    static func invoke(_ call: OpaquePointer, _ invocation: UnsafePointer<th_invocation>) -> th_status {
        guard let host else { return TH_ERR_INTERNAL }
        let json = UnsafeRawBufferPointer(start: invocation.pointee.arguments_json, count: invocation.pointee.arguments_len)
        do {
            // The host has checked the arguments against the schema already.
            let arguments = try JSONDecoder().decode(Arguments.self, from: Data(json))
            let counts = Counts(words: arguments.text.split(whereSeparator: \.isWhitespace).count, characters: arguments.text.count)
            let text = "\(counts.words) words, \(counts.characters) characters"
            let structured = try JSONEncoder().encode(counts)
            _ = text.withCString { host.pointee.result_text(call, $0, strlen($0)) }
            _ = structured.withUnsafeBytes { host.pointee.result_structured(call, $0.baseAddress, $0.count) }
            return TH_OK
        } catch {
            _ = "could not read the arguments: \(error)".withCString { host.pointee.result_error(call, $0, strlen($0)) }
            return TH_ERR_INVALID_ARGUMENT
        }
    }
}

/// The entry point. `public` and `@_cdecl` so that the symbol exists in release builds too.
@_cdecl("th_plugin_entry_v1")
public func th_plugin_entry_v1() -> UnsafePointer<th_plugin>? {
    UnsafePointer(Plugin.descriptor)
}
