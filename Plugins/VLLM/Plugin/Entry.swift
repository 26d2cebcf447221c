import ToolHostABI
import VLLMCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The plugin descriptor: built once, on the first call of the entry point, and never freed
/// (the host never unloads a plugin).
nonisolated(unsafe) private let theDescriptor: UnsafeMutablePointer<th_plugin> = {
    let d = UnsafeMutablePointer<th_plugin>.allocate(capacity: 1)
    d.initialize(to: th_plugin())
    d.pointee.magic = TH_PLUGIN_MAGIC
    d.pointee.struct_size = UInt32(MemoryLayout<th_plugin>.size)
    d.pointee.abi_major = UInt16(TH_ABI_MAJOR)
    d.pointee.abi_minor = UInt16(TH_ABI_MINOR)
    d.pointee.flags = 0
    d.pointee.id = UnsafePointer(strdup(VLLMPluginInfo.id))
    d.pointee.name = UnsafePointer(strdup(VLLMPluginInfo.name))
    d.pointee.version = UnsafePointer(strdup(VLLMPluginInfo.version))
    d.pointee.description = UnsafePointer(strdup(VLLMPluginInfo.summary))
    d.pointee.`init` = PluginCallbacks.initialize
    d.pointee.shutdown = PluginCallbacks.shutdown
    d.pointee.tool_count = PluginCallbacks.toolCount
    d.pointee.tool_at = PluginCallbacks.toolAt
    d.pointee.invoke = PluginCallbacks.invoke
    d.pointee.cancel = PluginCallbacks.cancel
    d.pointee.get_extension = PluginCallbacks.getExtension
    return d
}()

/// The plugin's entry: what `th_plugin_entry_v1` returns in libVLLM.so (Plugins/VLLM/Library),
/// and what the `toolhost` executable registers as its built-in plugin `vllm`.
public enum VLLMPluginEntry {
    /// The descriptor (always the same one).
    public static func descriptor() -> UnsafePointer<th_plugin> {
        UnsafePointer(theDescriptor)
    }
}
