import NIOCore
import NIOPosix
import NIOHTTP1
import Testing
import ToolHostJSON
import VLLMDouble

/// Runs `body` against a freshly started double, then shuts it down.
func withDouble<Result>(
    _ configuration: Configuration = Configuration(),
    eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
    _ body: (VLLMDouble) async throws -> Result
) async throws -> Result {
    let double = try await VLLMDouble.start(configuration, eventLoopGroup: eventLoopGroup)
    do {
        let result = try await body(double)
        try await double.shutdown()
        return result
    } catch {
        try? await double.shutdown()
        throw error
    }
}

extension VLLMDouble {
    /// One request on a new connection.
    func request(
        _ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], json: String? = nil
    ) async throws -> TestResponse {
        try await TestConnection.with(self) { connection in
            try await connection.request(method, path, headers: headers, json: json)
        }
    }

    /// A POST of a JSON body on a new connection.
    func post(_ path: String, _ json: String, headers: [(String, String)] = []) async throws -> TestResponse {
        try await request(.POST, path, headers: headers, json: json)
    }

    /// A streamed request on a new connection, read to its end.
    func stream(
        _ path: String, _ json: String, headers: [(String, String)] = []
    ) async throws -> (head: HTTPResponseHead, events: [String], complete: Bool) {
        try await TestConnection.with(self) { connection in
            try await connection.send(.POST, path, headers: headers, json: json)
            let head = try await connection.readHead()
            let (events, complete) = await connection.readAllEvents()
            return (head, events, complete)
        }
    }
}

/// A chat request body with one user message.
func chatBody(_ message: String, extra: String = "") -> String {
    let escaped = JSON.string(message).jsonText
    return
        #"{"model":"test-model","messages":[{"role":"user","content":\#(escaped)}]\#(extra.isEmpty ? "" : "," + extra)}"#
}

/// The JSON payloads of `data:` events, `[DONE]` excluded.
func payloads(_ events: [String]) throws -> [JSON] {
    try events.filter { $0.hasPrefix("data: ") && $0 != "data: [DONE]" }.map {
        try JSON(parsing: String($0.dropFirst(6)))
    }
}

/// The concatenated `field` of the chat deltas in `chunks`.
func deltaText(_ chunks: [JSON], field: String = "content") -> String {
    chunks.compactMap { $0["choices"]?[0]?["delta"]?[field]?.stringValue }.joined()
}

/// Polls `condition` until it holds, so tests do not depend on how busy the machine is.
///
/// - Returns: Whether it held before `timeout`.
func eventually(timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return false
}
