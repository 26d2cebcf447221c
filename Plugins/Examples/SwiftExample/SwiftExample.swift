// The Swift template plugin: a dynamic library product whose only export is
// `th_plugin_entry_v1` (see exports.map). It shows both kinds of tools:
//
//   swift_word_count   an ordinary tool: JSON arguments in, result through the host's sinks
//   swift_fibonacci    a typed function: a @convention(c) Swift function the host calls through
//                      libffi, with the schema and conversions derived from its C types
//   swift_summarize    a prompt (ABI 1.1, TH_EXT_PROMPTS) with one required argument
//   swift-example://about
//                      a resource (ABI 1.1, TH_EXT_RESOURCES): plain text through result_contents
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

    /// The prompt: one, with one required argument.
    nonisolated(unsafe) static let prompt: UnsafeMutablePointer<th_prompt> = {
        let argument = UnsafeMutablePointer<th_prompt_argument>.allocate(capacity: 1)
        argument.initialize(to: th_prompt_argument(
            struct_size: UInt32(MemoryLayout<th_prompt_argument>.size), flags: UInt32(TH_ARGUMENT_REQUIRED),
            name: cString("text"), title: cString("Text"), description: cString("the text to summarize")))
        let prompt = UnsafeMutablePointer<th_prompt>.allocate(capacity: 1)
        prompt.initialize(to: th_prompt(
            struct_size: UInt32(MemoryLayout<th_prompt>.size), flags: 0,
            name: cString("swift_summarize"), title: cString("Summarize"),
            description: cString("Asks for a summary of a text in three sentences."),
            arguments: UnsafePointer(argument), argument_count: 1, reserved: 0))
        return prompt
    }()

    nonisolated(unsafe) static let prompts: UnsafeMutablePointer<th_prompts> = {
        let table = UnsafeMutablePointer<th_prompts>.allocate(capacity: 1)
        table.initialize(to: th_prompts(
            struct_size: UInt32(MemoryLayout<th_prompts>.size), flags: 0,
            prompt_count: { _ in 1 },
            prompt_at: { _, index in index == 0 ? UnsafePointer(Plugin.prompt) : nil },
            get: { _, call, request in Plugin.getPrompt(call, request) }))
        return table
    }()

    /// The resource: one fixed URI, no templates.
    static let aboutURI = "swift-example://about"
    nonisolated(unsafe) static let resource: UnsafeMutablePointer<th_resource> = {
        let resource = UnsafeMutablePointer<th_resource>.allocate(capacity: 1)
        resource.initialize(to: th_resource(
            struct_size: UInt32(MemoryLayout<th_resource>.size), flags: 0,
            uri: cString(aboutURI), name: cString("About the Swift example"), title: nil,
            description: cString("Which plugin this is, and which host loaded it."),
            mime_type: cString("text/plain"), size: -1, annotations_json: nil))
        return resource
    }()

    nonisolated(unsafe) static let resources: UnsafeMutablePointer<th_resources> = {
        let table = UnsafeMutablePointer<th_resources>.allocate(capacity: 1)
        table.initialize(to: th_resources(
            struct_size: UInt32(MemoryLayout<th_resources>.size), flags: 0,
            resource_count: { _ in 1 },
            resource_at: { _, index in index == 0 ? UnsafePointer(Plugin.resource) : nil },
            template_count: nil, template_at: nil,
            read: { _, call, request in Plugin.read(call, request) }))
        return table
    }()

    nonisolated(unsafe) static let descriptor: UnsafeMutablePointer<th_plugin> = {
        var d = th_plugin()
        d.magic = TH_PLUGIN_MAGIC
        d.struct_size = UInt32(MemoryLayout<th_plugin>.size)
        d.abi_major = UInt16(TH_ABI_MAJOR)
        d.abi_minor = UInt16(TH_ABI_MINOR)
        #if TOOLHOST_DEMO_BUILD
        // The project's own build marks its copy as an example (no demo tools for clients that
        // start toolhost without arguments); a copy of this file is an ordinary plugin.
        d.flags = UInt32(TH_PLUGIN_EXAMPLE)
        #endif
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
            switch String(cString: id) {
            case TH_EXT_NATIVE_FUNCTIONS: UnsafeRawPointer(Plugin.natives)
            case TH_EXT_PROMPTS: UnsafeRawPointer(Plugin.prompts)
            case TH_EXT_RESOURCES: UnsafeRawPointer(Plugin.resources)
            default: nil
            }
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

extension Plugin {
    /// TH_HOST_HAS in Swift: the host function `field` (one added after ABI 1.0) when the
    /// host's table reaches past it and it is set. Reads nothing beyond the host's struct_size.
    static func hostFunction<F>(_ field: KeyPath<th_host, F?>) -> F? {
        guard let host, let offset = MemoryLayout<th_host>.offset(of: field),
              Int(host.pointee.struct_size) >= offset + MemoryLayout<F?>.size else { return nil }
        return UnsafeRawPointer(host).load(fromByteOffset: offset, as: F?.self)
    }

    struct PromptArguments: Decodable { let text: String }
    struct TextContent: Encodable { var type = "text"; let text: String }

    /// Answers a prompt request at once: one user message (the host checked that `text` is
    /// there).
    static func getPrompt(_ call: OpaquePointer, _ request: UnsafePointer<th_prompt_request>) -> th_status {
        guard let host, let message = hostFunction(\.result_message) else { return TH_ERR_UNSUPPORTED }
        guard String(cString: request.pointee.name) == "swift_summarize" else { return TH_ERR_NOT_FOUND }
        let json = UnsafeRawBufferPointer(start: request.pointee.arguments_json, count: request.pointee.arguments_len)
        do {
            let arguments = try JSONDecoder().decode(PromptArguments.self, from: Data(json))
            let content = try JSONEncoder().encode(TextContent(text: "Summarize this text in three sentences:\n\n\(arguments.text)"))
            let status = content.withUnsafeBytes { bytes in
                message(call, "user", bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
            }
            return status == TH_OK ? TH_OK : TH_ERR_INTERNAL
        } catch {
            _ = "could not read the arguments: \(error)".withCString { host.pointee.result_error(call, $0, strlen($0)) }
            return TH_ERR_INVALID_ARGUMENT
        }
    }

    /// Answers a read at once with one text item; an unknown URI is TH_ERR_NOT_FOUND.
    static func read(_ call: OpaquePointer, _ request: UnsafePointer<th_resource_request>) -> th_status {
        guard let host else { return TH_ERR_INTERNAL }
        let uri = String(cString: request.pointee.uri)
        guard uri == aboutURI else {
            _ = "no resource \(uri)".withCString { host.pointee.result_error(call, $0, strlen($0)) }
            return TH_ERR_NOT_FOUND
        }
        // Field by field: a copy of `host.pointee` would read past an older host's table.
        let name = String(cString: host.pointee.host_name), version = String(cString: host.pointee.host_version)
        var text = "The Swift example plugin 1.0.0, loaded by \(name) \(version) (ABI \(host.pointee.abi_major).\(host.pointee.abi_minor))."
        let status = text.withUTF8 { bytes in
            guard let contents = hostFunction(\.result_contents) else {
                return bytes.withMemoryRebound(to: CChar.self) { host.pointee.result_text(call, $0.baseAddress, $0.count) }
            }
            return contents(call, nil, "text/plain", bytes.baseAddress, bytes.count, 0)
        }
        return status == TH_OK ? TH_OK : TH_ERR_INTERNAL
    }
}

/// The entry point. `public` and `@_cdecl` so that the symbol exists in release builds too.
@_cdecl("th_plugin_entry_v1")
public func th_plugin_entry_v1() -> UnsafePointer<th_plugin>? {
    UnsafePointer(Plugin.descriptor)
}
