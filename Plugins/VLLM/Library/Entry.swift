import ToolHostABI
import VLLMPlugin

/// The one symbol libVLLM.so exports (see Plugins/VLLM/exports.map). The same descriptor is
/// built into the `toolhost` executable as the built-in plugin `vllm` (`--plugin vllm`).
@_cdecl("th_plugin_entry_v1")
public func th_plugin_entry_v1() -> UnsafePointer<th_plugin>? {
    VLLMPluginEntry.descriptor()
}
