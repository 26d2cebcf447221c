import Logging
import ToolHostABI

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens a shared object and accepts or refuses the plugin descriptor it exports.
enum PluginLoader {
    /// Opens `path` and reads its descriptor (a built-in's, for `builtin:<name>`).
    /// - Returns: the descriptor, or the reason the file is not a usable plugin. `notAPlugin`
    ///   distinguishes a library without the entry point (skipped quietly in default folders).
    static func open(_ path: String) -> Result<UnsafePointer<th_plugin>, LoadFailure> {
        if let name = BuiltinPlugins.name(ofOrigin: path) {
            guard let entry = BuiltinPlugins.entry(named: name) else {
                return .failure(LoadFailure(reason: BuiltinPlugins.unknown(name), notAPlugin: false))
            }
            guard let descriptor = entry() else {
                return .failure(LoadFailure(reason: "the built-in plugin's entry returned NULL", notAPlugin: false))
            }
            if let problem = check(descriptor) {
                return .failure(LoadFailure(reason: problem, notAPlugin: false))
            }
            return .success(descriptor)
        }
        if let problem = SharedObjectCheck.problem(at: path) {
            return .failure(LoadFailure(reason: problem, notAPlugin: false))
        }
        // RTLD_LOCAL keeps each plugin's symbols to itself; the handle is never closed.
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
            return .failure(LoadFailure(reason: "cannot be loaded: \(reason)", notAPlugin: false))
        }
        guard let symbol = dlsym(handle, "th_plugin_entry_v1") else {
            for major in 2...9 where dlsym(handle, "th_plugin_entry_v\(major)") != nil {
                return .failure(LoadFailure(
                    reason: "is a plugin for ABI \(major) (it exports th_plugin_entry_v\(major) but not th_plugin_entry_v1); this host speaks ABI \(ToolHost.abiMajor).0-\(ToolHost.abiMajor).\(ToolHost.abiMinor)",
                    notAPlugin: false))
            }
            return .failure(LoadFailure(reason: "is not a toolhost plugin: it does not export th_plugin_entry_v1", notAPlugin: true))
        }
        let entry = unsafeBitCast(symbol, to: th_plugin_entry_v1_fn.self)
        guard let descriptor = entry() else {
            return .failure(LoadFailure(reason: "th_plugin_entry_v1 returned NULL", notAPlugin: false))
        }
        if let problem = check(descriptor) {
            return .failure(LoadFailure(reason: problem, notAPlugin: false))
        }
        return .success(descriptor)
    }

    struct LoadFailure: Error {
        let reason: String
        let notAPlugin: Bool
    }

    /// The checks a descriptor must pass before any of its functions is called.
    static func check(_ descriptor: UnsafePointer<th_plugin>) -> String? {
        // magic, struct_size and the ABI version sit at fixed offsets in every version; read
        // them before trusting the rest of the layout.
        let raw = UnsafeRawPointer(descriptor)
        let magic = raw.loadUnaligned(as: UInt32.self)
        guard magic == TH_PLUGIN_MAGIC else {
            return "descriptor has the wrong magic number 0x\(String(magic, radix: 16)) (expected 0x31504854, \"THP1\")"
        }
        let size = raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
        let major = raw.loadUnaligned(fromByteOffset: 8, as: UInt16.self)
        let minor = raw.loadUnaligned(fromByteOffset: 10, as: UInt16.self)
        // Any minor of this major: the host reads the fields it knows (see ABIStruct).
        guard th_version_is_compatible(UInt32(major), UInt32(minor)) else {
            return "was built for ABI \(major).\(minor); this host speaks ABI \(ToolHost.abiMajor).x (it is ABI \(ToolHost.abiMajor).\(ToolHost.abiMinor)): rebuild the plugin against this toolhost's include/toolhost.h, or run it with a toolhost of ABI \(major)"
        }
        guard size >= 12 else {
            return "descriptor struct_size is \(size) bytes, smaller than the 12 bytes every version of th_plugin starts with"
        }
        let d = read(descriptor)
        guard let idPointer = d.id, let id = HostCallbacks.string(idPointer, ABIStatus.nulTerminated), isValidID(id) else {
            return "descriptor id is missing or not [a-z0-9_-]+ (1-64 characters)"
        }
        var missing: [String] = []
        if d.tool_count == nil { missing.append("tool_count") }
        if d.tool_at == nil { missing.append("tool_at") }
        if d.invoke == nil { missing.append("invoke") }
        if !missing.isEmpty {
            return "plugin \(id) lacks required functions: \(missing.joined(separator: ", "))"
        }
        return nil
    }

    /// The host's copy of a descriptor (checked by ``check(_:)`` first): the fields the
    /// plugin's version has, the others zero.
    static func read(_ descriptor: UnsafePointer<th_plugin>) -> th_plugin {
        ABIStruct.read(descriptor, as: th_plugin.self, sizeOffset: 4).value
    }

    static func isValidID(_ id: String) -> Bool {
        (1...64).contains(id.utf8.count)
            && id.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F || $0 == 0x2D }
    }

    /// The descriptor's id (checked by ``check(_:)`` before this is used).
    static func id(of descriptor: UnsafePointer<th_plugin>) -> String {
        read(descriptor).id.map { String(cString: $0) } ?? ""
    }
}
