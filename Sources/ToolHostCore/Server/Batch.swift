import Synchronization

/// The responses of one JSON-RPC batch (protocol 2025-03-26), sent together as one array once
/// every request in it has been answered or cancelled.
final class Batch: Sendable {
    private struct State {
        var outstanding: Int
        var responses: [[UInt8]] = []
        var sealed = false
    }
    private let state: Mutex<State>
    private let send: @Sendable ([UInt8]) -> Void

    init(send: @escaping @Sendable ([UInt8]) -> Void) {
        self.send = send
        state = Mutex(State(outstanding: 0))
    }

    /// One more response to wait for.
    func expect() {
        state.withLock { $0.outstanding += 1 }
    }

    /// Adds a response (nil: a request that ends without one, e.g. cancelled).
    func add(_ response: [UInt8]?) {
        let ready = state.withLock { s -> [[UInt8]]? in
            if let response { s.responses.append(response) }
            s.outstanding -= 1
            return s.sealed && s.outstanding == 0 ? s.responses : nil
        }
        if let ready { flush(ready) }
    }

    /// All elements have been read; send once the last response is in.
    func seal() {
        let ready = state.withLock { s -> [[UInt8]]? in
            s.sealed = true
            return s.outstanding == 0 ? s.responses : nil
        }
        if let ready { flush(ready) }
    }

    private func flush(_ responses: [[UInt8]]) {
        // A batch of notifications only gets no answer at all.
        guard !responses.isEmpty else { return }
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        for (i, response) in responses.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: response)
        }
        bytes.append(UInt8(ascii: "]"))
        send(bytes)
    }
}
