import ToolHostABI
import VLLMCore

/// The functions of `th_plugin`. Each one catches everything: no Swift error crosses the C
/// boundary.
enum PluginCallbacks {
    static let initialize: @convention(c) (UnsafePointer<th_host>, UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> th_status = { host, state in
        let bytes = UnsafeRawBufferPointer(start: host.pointee.config_json, count: host.pointee.config_len)
        let configuration: VLLMConfiguration
        do throws(ConfigurationError) {
            configuration = bytes.isEmpty ? VLLMConfiguration() : try VLLMConfiguration(json: bytes)
        } catch {
            HostLog.write(host, TH_LOG_ERROR, "invalid configuration: \(error.message)")
            return TH_ERR_INVALID_ARGUMENT
        }
        let instance = PluginInstance(host: host, configuration: configuration)
        state.pointee = Unmanaged.passRetained(instance).toOpaque()
        return TH_OK
    }

    static let shutdown: @convention(c) (UnsafeMutableRawPointer?) -> Void = { state in
        guard let state else { return }
        let instance = Unmanaged<PluginInstance>.fromOpaque(state)
        instance.takeUnretainedValue().shutdown()
        instance.release()
    }

    static let toolCount: @convention(c) (UnsafeMutableRawPointer?) -> UInt32 = { _ in
        UInt32(ToolTable.count)
    }

    static let toolAt: @convention(c) (UnsafeMutableRawPointer?, UInt32) -> UnsafePointer<th_tool>? = { _, index in
        ToolTable.tool(at: Int(index))
    }

    static let invoke: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer, UnsafePointer<th_invocation>) -> th_status = { state, call, invocation in
        guard let state else { return TH_ERR_INVALID_ARGUMENT }
        return PluginInstance.from(state).invoke(call, invocation)
    }

    /// The plugin's prompts (TH_EXT_PROMPTS) and resources (TH_EXT_RESOURCES), both ABI 1.1;
    /// nothing else.
    static let getExtension: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>) -> UnsafeRawPointer? = { _, id in
        switch String(cString: id) {
        case TH_EXT_PROMPTS: UnsafeRawPointer(PromptTable.table)
        case TH_EXT_RESOURCES: UnsafeRawPointer(ResourceTable.table)
        default: nil
        }
    }

    static let cancel: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer) -> Void = { state, call in
        guard let state else { return }
        PluginInstance.from(state).cancel(call)
    }
}

/// Plugin-wide log lines through `th_host.log`.
enum HostLog {
    static func write(_ host: UnsafePointer<th_host>, _ level: th_log_level, _ message: String) {
        message.withCString { host.pointee.log(host, level, $0) }
    }
}
