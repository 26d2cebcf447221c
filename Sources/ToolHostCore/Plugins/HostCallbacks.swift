import ToolHostABI

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The functions of `th_host`, as C function pointers. Each one copies what it is given before
/// returning and never calls back into the plugin. Pointers the header marks TH_NULLABLE are
/// optional here; the others are the plugin's promise.
enum HostCallbacks {
    /// Reads a (pointer, length) string; `TH_NUL_TERMINATED` means measure it.
    /// - Returns: nil when the bytes are not valid UTF-8.
    static func string(_ pointer: UnsafePointer<CChar>?, _ length: Int) -> String? {
        guard let pointer else { return length == 0 ? "" : nil }
        let count = length == ABIStatus.nulTerminated ? strlen(pointer) : length
        return pointer.withMemoryRebound(to: UInt8.self, capacity: count) {
            String(validUTF8: UnsafeBufferPointer(start: $0, count: count))
        }
    }

    static func json(_ pointer: UnsafePointer<CChar>?, _ length: Int) -> JSON? {
        guard let pointer else { return nil }
        let count = length == ABIStatus.nulTerminated ? strlen(pointer) : length
        return pointer.withMemoryRebound(to: UInt8.self, capacity: count) {
            try? JSONParser.parse(UnsafeBufferPointer(start: $0, count: count))
        }
    }

    static let log: @convention(c) (UnsafePointer<th_host>, th_log_level, UnsafePointer<CChar>) -> Void = { host, level, message in
        guard let plugin = LoadedPlugin.from(host: host) else { return }
        plugin.log(LogLevel(abi: level), string(message, ABIStatus.nulTerminated) ?? "(log message was not valid UTF-8)")
    }

    static let resultText: @convention(c) (OpaquePointer, UnsafePointer<CChar>?, Int) -> th_status = { handle, text, length in
        guard let call = ToolCall.from(handle) else { return ABIStatus.invalidArgument }
        guard let text = string(text, length) else { return ABIStatus.invalidArgument }
        return call.appendContent(.object(["type": "text", "text": .string(text)]))
    }

    static let resultContent: @convention(c) (OpaquePointer, UnsafePointer<CChar>?, Int) -> th_status = { handle, text, length in
        guard let call = ToolCall.from(handle) else { return ABIStatus.invalidArgument }
        guard let block = json(text, length), case .string = block["type"] else { return ABIStatus.invalidArgument }
        return call.appendContent(block)
    }

    static let resultStructured: @convention(c) (OpaquePointer, UnsafePointer<CChar>?, Int) -> th_status = { handle, text, length in
        guard let call = ToolCall.from(handle) else { return ABIStatus.invalidArgument }
        guard let value = json(text, length) else { return ABIStatus.invalidArgument }
        return call.setStructured(value)
    }

    static let resultError: @convention(c) (OpaquePointer, UnsafePointer<CChar>?, Int) -> th_status = { handle, text, length in
        guard let call = ToolCall.from(handle) else { return ABIStatus.invalidArgument }
        guard let message = string(text, length) else { return ABIStatus.invalidArgument }
        return call.appendError(message)
    }

    static let complete: @convention(c) (OpaquePointer, th_status) -> Void = { handle, status in
        ToolCall.from(handle)?.completeFromPlugin(status: status)
    }

    static let progress: @convention(c) (OpaquePointer, Double, Double, UnsafePointer<CChar>?) -> th_status = { handle, value, total, message in
        guard let call = ToolCall.from(handle) else { return ABIStatus.invalidArgument }
        return call.progress(value, total: total, message: message.flatMap { string($0, ABIStatus.nulTerminated) })
    }

    static let isCancelled: @convention(c) (OpaquePointer) -> Bool = { handle in
        ToolCall.from(handle)?.isCancelled ?? true
    }

    static let callLog: @convention(c) (OpaquePointer, th_log_level, UnsafePointer<CChar>) -> Void = { handle, level, message in
        guard let call = ToolCall.from(handle) else { return }
        let text = string(message, ABIStatus.nulTerminated) ?? "(log message was not valid UTF-8)"
        call.tool.plugin.logger.log(level: LogLevel(abi: level).swiftLogLevel, "\(text)", metadata: ["request": "\(call.requestID)"])
        call.log(LogLevel(abi: level), text)
    }

    static let toolsChanged: @convention(c) (UnsafePointer<th_host>) -> Void = { host in
        LoadedPlugin.from(host: host)?.toolsChanged()
    }

    static let getExtension: @convention(c) (UnsafePointer<th_host>, UnsafePointer<CChar>) -> UnsafeRawPointer? = { _, _ in
        nil
    }
}
