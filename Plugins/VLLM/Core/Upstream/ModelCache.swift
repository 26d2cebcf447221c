import Synchronization

/// The server's model list, read once and kept until a call learns it is stale (the server
/// answers 404 for a model). Concurrent readers share one request; a reader that is cancelled
/// stops waiting at once.
package final class ModelCache: Sendable {
    private typealias Waiter = CheckedContinuation<[ModelCard], any Error>

    private struct State {
        var cards: [ModelCard]?
        var loading = false
        var waiters: [UInt64: Waiter] = [:]
        var cancelledEarly: Set<UInt64> = []
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    package init() {}

    /// The cached list, if there is one.
    package var cached: [ModelCard]? { state.withLock { $0.cards } }

    /// Forgets the list; the next reader fetches it again.
    package func invalidate() {
        state.withLock { $0.cards = nil }
    }

    /// Replaces the list with one just read.
    package func store(_ cards: [ModelCard]) {
        state.withLock { $0.cards = cards }
    }

    /// The list, from the cache or else from `load` (one load for all concurrent readers).
    /// - Throws: what `load` throws, or ``UpstreamError/cancelled`` when the caller's task is
    ///   cancelled while it waits.
    package func models(load: @escaping @Sendable () async throws(UpstreamError) -> [ModelCard]) async throws(UpstreamError) -> [ModelCard] {
        if let cards = cached { return cards }
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (waiter: Waiter) in
                    let startLoad = state.withLock { s -> Bool in
                        if let cards = s.cards {
                            waiter.resume(returning: cards)
                            return false
                        }
                        if s.cancelledEarly.remove(id) != nil {
                            waiter.resume(throwing: UpstreamError.cancelled)
                            return false
                        }
                        s.waiters[id] = waiter
                        guard !s.loading else { return false }
                        s.loading = true
                        return true
                    }
                    if startLoad {
                        Task { [self] in
                            let result: Result<[ModelCard], UpstreamError>
                            do throws(UpstreamError) {
                                result = .success(try await load())
                            } catch {
                                result = .failure(error)
                            }
                            finish(result)
                        }
                    }
                }
            } onCancel: {
                let waiter = state.withLock { s -> Waiter? in
                    if let waiter = s.waiters.removeValue(forKey: id) { return waiter }
                    s.cancelledEarly.insert(id)
                    return nil
                }
                waiter?.resume(throwing: UpstreamError.cancelled)
            }
        } catch let error as UpstreamError {
            throw error
        } catch {
            throw .cancelled
        }
    }

    private func finish(_ result: Result<[ModelCard], UpstreamError>) {
        let waiters = state.withLock { s -> [Waiter] in
            s.loading = false
            if case .success(let cards) = result { s.cards = cards }
            let list = Array(s.waiters.values)
            s.waiters.removeAll()
            // Ids cancelled after their waiter was answered would otherwise stay forever.
            s.cancelledEarly.removeAll()
            return list
        }
        for waiter in waiters { waiter.resume(with: result.mapError { $0 as any Error }) }
    }
}
