import Synchronization
import Testing
@testable import VLLMCore

@Suite struct ModelCacheTests {
    private static let cards = [ModelCard(.object(["id": .string("m1")])), ModelCard(.object(["id": .string("m2")]))]

    /// A load that waits until released, counting how often it ran.
    final class SlowLoad: Sendable {
        let runs = Atomic(0)
        let released = Atomic(false)

        func load() async throws(UpstreamError) -> [ModelCard] {
            runs.add(1, ordering: .relaxed)
            while !released.load(ordering: .relaxed) {
                try? await Task.sleep(for: .milliseconds(2))
            }
            return ModelCacheTests.cards
        }
    }

    @Test func concurrentReadersShareOneLoadAndLaterOnesUseTheCache() async throws {
        let cache = ModelCache()
        let slow = SlowLoad()
        try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<20 {
                group.addTask { try await cache.models(load: slow.load).map(\.id) }
            }
            try await Task.sleep(for: .milliseconds(50))
            slow.released.store(true, ordering: .relaxed)
            for try await ids in group { #expect(ids == ["m1", "m2"]) }
        }
        #expect(slow.runs.load(ordering: .relaxed) == 1)
        #expect(try await cache.models(load: slow.load).count == 2)
        #expect(slow.runs.load(ordering: .relaxed) == 1, "served from the cache")
        cache.invalidate()
        #expect(try await cache.models(load: slow.load).count == 2)
        #expect(slow.runs.load(ordering: .relaxed) == 2, "read again after invalidate")
    }

    @Test func aCancelledReaderStopsWaitingAtOnce() async throws {
        let cache = ModelCache()
        let slow = SlowLoad()
        let waiter = Task { () async -> UpstreamError.Code? in
            do throws(UpstreamError) {
                _ = try await cache.models(load: slow.load)
                return nil
            } catch {
                return error.code
            }
        }
        try await Task.sleep(for: .milliseconds(30))
        waiter.cancel()
        #expect(await waiter.value == .cancelled, "while the load itself still runs")
        slow.released.store(true, ordering: .relaxed)
        // The load finishes for the others and fills the cache.
        #expect(try await cache.models(load: slow.load).map(\.id) == ["m1", "m2"])
    }

    @Test func aFailedLoadIsNotCached() async throws {
        let cache = ModelCache()
        let calls = SlowLoad()
        let failing: @Sendable () async throws(UpstreamError) -> [ModelCard] = { () async throws(UpstreamError) -> [ModelCard] in
            calls.runs.add(1, ordering: .relaxed)
            throw UpstreamError(.cannotConnect, message: "down")
        }
        for _ in 0..<2 {
            await #expect(throws: UpstreamError.self) { try await cache.models(load: failing) }
        }
        #expect(calls.runs.load(ordering: .relaxed) == 2)
        #expect(cache.cached == nil)
    }
}
