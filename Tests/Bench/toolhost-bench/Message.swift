import ToolHostJSON

/// The top-level facts of one JSON-RPC line, read without building a tree: which id, whether
/// it is a result, an error or a message from the server, and where `params`/`result` sit.
/// Key order differs between servers (Python's pydantic, Swift's JSONEncoder, toolhost), so
/// the keys are found at depth 1 rather than by position.
struct MessageShape {
    var id: Int?
    var isResult = false
    var isError = false
    var method: String?
    /// Whether `"isError":true` appears anywhere in the result (a failed tool call).
    var toolError = false

    /// - Parameter needID: keep reading until the id is found; without it the scan stops at the
    ///   first top-level `result` or `error` key (counting answers in a pipelined run).
    init(_ line: UnsafeRawBufferPointer, needID: Bool = true) {
        let bytes = line.bindMemory(to: UInt8.self)
        var i = 0
        let n = bytes.count
        var depth = 0
        @inline(__always) func skipString() {
            // i is at the opening quote.
            i += 1
            while i < n && bytes[i] != 0x22 { i += bytes[i] == 0x5C ? 2 : 1 }
            i += 1
        }
        scan: while i < n {
            let c = bytes[i]
            switch c {
            case 0x7B, 0x5B: depth += 1; i += 1
            case 0x7D, 0x5D: depth -= 1; i += 1
            case 0x22:
                let keyStart = i + 1
                skipString()
                guard depth == 1 else { continue }
                let key = UnsafeRawBufferPointer(rebasing: line[keyStart..<max(keyStart, i - 1)])
                // Only keys are followed by a colon.
                var j = i
                while j < n && (bytes[j] == 0x20 || bytes[j] == 0x09) { j += 1 }
                guard j < n && bytes[j] == 0x3A else { continue }
                j += 1
                while j < n && (bytes[j] == 0x20 || bytes[j] == 0x09) { j += 1 }
                if key.elementsEqual("id".utf8) {
                    var value = 0, k = j, digits = 0
                    while k < n, bytes[k] >= 0x30, bytes[k] <= 0x39 { value = value * 10 + Int(bytes[k] - 0x30); k += 1; digits += 1 }
                    if digits > 0 { id = value }
                    if k < n && bytes[k] == 0x22 {
                        // A string id: the bench only sends numbers, but read "7" as 7.
                        k += 1
                        while k < n, bytes[k] >= 0x30, bytes[k] <= 0x39 { value = value * 10 + Int(bytes[k] - 0x30); k += 1; digits += 1 }
                        if digits > 0 { id = value }
                    }
                } else if key.elementsEqual("result".utf8) {
                    isResult = true
                    if !needID || id != nil { break scan }
                } else if key.elementsEqual("error".utf8) {
                    isError = true
                    if !needID || id != nil { break scan }
                } else if key.elementsEqual("method".utf8), j < n, bytes[j] == 0x22 {
                    let s = j + 1
                    var k = s
                    while k < n && bytes[k] != 0x22 { k += 1 }
                    method = String(decoding: UnsafeRawBufferPointer(rebasing: line[s..<k]), as: UTF8.self)
                }
            default: i += 1
            }
        }
        // "E" is rare in these lines, so the search seldom stops; the key ends in `isError`.
        if isResult { toolError = line.contains("Error\":true") || line.contains("Error\": true") }
    }
}

/// JSON-RPC requests as bytes, built once per scenario.
enum Requests {
    static let handshakeVersion = "2025-11-25"
    static let modernVersion = "2026-07-28"

    static func initialize(id: Int) -> String {
        #"{"jsonrpc":"2.0","id":\#(id),"method":"initialize","params":{"protocolVersion":"\#(handshakeVersion)","capabilities":{},"clientInfo":{"name":"toolhost-bench","version":"1"}}}"#
    }

    static let initialized = #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#

    static func discover(id: Int) -> String {
        #"{"jsonrpc":"2.0","id":\#(id),"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"\#(modernVersion)","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"toolhost-bench","version":"1"}}}}"#
    }

    static func toolsList(id: Int) -> String {
        #"{"jsonrpc":"2.0","id":\#(id),"method":"tools/list","params":{}}"#
    }

    /// - Parameter arguments: the arguments object as JSON text.
    static func call(id: Int, tool: String, arguments: String, progressToken: Int? = nil) -> String {
        let meta = progressToken.map { #""_meta":{"progressToken":\#($0)},"# } ?? ""
        return #"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{\#(meta)"name":\#(JSON.string(tool).jsonText),"arguments":\#(arguments)}}"#
    }
}
