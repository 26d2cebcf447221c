import ToolHostABI

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The functions of `th_host`, as C function pointers. Each one copies what it is given before
/// returning and never calls back into the plugin. Every pointer a plugin passes is checked: a
/// NULL is refused or ignored, never followed (the header leaves these parameters unmarked).
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

    /// The object behind a `th_call *`: a tool call, or another request a plugin answers.
    enum Target {
        case tool(ToolCall)
        case request(PluginRequest)
    }

    static func target(_ handle: OpaquePointer?) -> Target? {
        guard let handle else { return nil }
        let object = Unmanaged<AnyObject>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
        if let call = object as? ToolCall { return .tool(call) }
        if let request = object as? PluginRequest { return .request(request) }
        return nil
    }

    static let log: @convention(c) (UnsafePointer<th_host>?, th_log_level, UnsafePointer<CChar>?) -> Void = { host, level, message in
        guard let plugin = LoadedPlugin.from(host: host), let message else { return }
        plugin.log(LogLevel(abi: level), string(message, ABIStatus.nulTerminated) ?? "(log message was not valid UTF-8)")
    }

    static let resultText: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int) -> th_status = { handle, text, length in
        guard let text = string(text, length) else { return ABIStatus.invalidArgument }
        switch target(handle) {
        case .tool(let call)?: return call.appendContent(.object(["type": "text", "text": .string(text)]))
        case .request(let request)?: return request.appendText(text)
        case nil: return ABIStatus.invalidArgument
        }
    }

    static let resultContent: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int) -> th_status = { handle, text, length in
        guard let target = target(handle) else { return ABIStatus.invalidArgument }
        guard case .tool(let call) = target else { return TH_ERR_UNSUPPORTED }
        guard let block = json(text, length), case .string = block["type"] else { return ABIStatus.invalidArgument }
        return call.appendContent(block)
    }

    static let resultStructured: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int) -> th_status = { handle, text, length in
        guard let target = target(handle) else { return ABIStatus.invalidArgument }
        guard case .tool(let call) = target else { return TH_ERR_UNSUPPORTED }
        guard let value = json(text, length) else { return ABIStatus.invalidArgument }
        return call.setStructured(value)
    }

    static let resultError: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int) -> th_status = { handle, text, length in
        guard let message = string(text, length) else { return ABIStatus.invalidArgument }
        switch target(handle) {
        case .tool(let call)?: return call.appendError(message)
        case .request(let request)?: return request.appendError(message)
        case nil: return ABIStatus.invalidArgument
        }
    }

    static let complete: @convention(c) (OpaquePointer?, th_status) -> Void = { handle, status in
        switch target(handle) {
        case .tool(let call)?: call.pluginCompleted(status: status)
        case .request(let request)?: request.pluginCompleted(status)
        case nil: break
        }
    }

    static let progress: @convention(c) (OpaquePointer?, Double, Double, UnsafePointer<CChar>?) -> th_status = { handle, value, total, message in
        switch target(handle) {
        case .tool(let call)?: return call.progress(value, total: total, message: message.flatMap { string($0, ABIStatus.nulTerminated) })
        case .request?: return TH_OK  // no progress for requests other than tool calls: dropped
        case nil: return ABIStatus.invalidArgument
        }
    }

    static let isCancelled: @convention(c) (OpaquePointer?) -> Bool = { handle in
        switch target(handle) {
        case .tool(let call)?: call.isCancelled
        case .request(let request)?: request.isCancelled
        case nil: true
        }
    }

    static let callLog: @convention(c) (OpaquePointer?, th_log_level, UnsafePointer<CChar>?) -> Void = { handle, level, message in
        guard let message, let target = target(handle) else { return }
        let text = string(message, ABIStatus.nulTerminated) ?? "(log message was not valid UTF-8)"
        switch target {
        case .request(let request):
            request.plugin.logger.log(level: LogLevel(abi: level).swiftLogLevel, "\(text)", metadata: ["request": "\(request.subject)"])
        case .tool(let call):
            call.tool.plugin.logger.log(level: LogLevel(abi: level).swiftLogLevel, "\(text)", metadata: ["request": "\(call.requestID)"])
            call.log(LogLevel(abi: level), text)
        }
    }

    static let toolsChanged: @convention(c) (UnsafePointer<th_host>?) -> Void = { host in
        LoadedPlugin.from(host: host)?.toolsChanged()
    }

    static let resultMessage: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, Int) -> th_status = { handle, role, text, length in
        guard let target = target(handle), let role else { return ABIStatus.invalidArgument }
        guard case .request(let request) = target else { return TH_ERR_UNSUPPORTED }
        guard let role = string(role, ABIStatus.nulTerminated), role == "user" || role == "assistant" else { return ABIStatus.invalidArgument }
        guard let block = json(text, length), case .string = block["type"] else { return ABIStatus.invalidArgument }
        return request.appendMessage(["role": .string(role), "content": block])
    }

    static let promptsChanged: @convention(c) (UnsafePointer<th_host>?) -> Void = { host in
        LoadedPlugin.from(host: host)?.promptsChanged()
    }

    static let resultContents: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeRawPointer?, Int, UInt32) -> th_status = { handle, uri, mimeType, data, length, flags in
        guard let target = target(handle) else { return ABIStatus.invalidArgument }
        guard case .request(let request) = target else { return TH_ERR_UNSUPPORTED }
        var itemURI: String?
        if let uri {
            guard let text = string(uri, ABIStatus.nulTerminated), !text.isEmpty else { return ABIStatus.invalidArgument }
            itemURI = text
        }
        var type: String?
        if let mimeType {
            guard let text = string(mimeType, ABIStatus.nulTerminated) else { return ABIStatus.invalidArgument }
            type = text
        }
        let contents: PluginRequest.ContentsData
        if flags & UInt32(TH_CONTENTS_BLOB) != 0 {
            guard data != nil || length == 0, length != ABIStatus.nulTerminated else { return ABIStatus.invalidArgument }
            contents = .blob(Base64.encode(UnsafeRawBufferPointer(start: data, count: length)))
        } else {
            guard let text = string(data?.assumingMemoryBound(to: CChar.self), length) else { return ABIStatus.invalidArgument }
            contents = .text(text)
        }
        return request.appendContents(uri: itemURI, mimeType: type, contents)
    }

    static let resourcesChanged: @convention(c) (UnsafePointer<th_host>?) -> Void = { host in
        LoadedPlugin.from(host: host)?.resourcesChanged()
    }

    static let resourceUpdated: @convention(c) (UnsafePointer<th_host>?, UnsafePointer<CChar>?) -> Void = { host, uri in
        guard let plugin = LoadedPlugin.from(host: host), let uri, let text = string(uri, ABIStatus.nulTerminated), !text.isEmpty else { return }
        plugin.owner?.resourceUpdated(text)
    }

    static let resultCompletion: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int) -> th_status = { handle, value, length in
        guard let target = target(handle), let value = string(value, length) else { return ABIStatus.invalidArgument }
        guard case .request(let request) = target else { return TH_ERR_UNSUPPORTED }
        return request.appendCompletion(value)
    }

    static let getExtension: @convention(c) (UnsafePointer<th_host>?, UnsafePointer<CChar>?) -> UnsafeRawPointer? = { _, _ in
        nil
    }
}
