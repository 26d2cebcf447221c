import Synchronization

/// A list merged from every plugin's offer (prompts, resources), current at any moment and
/// rebuilt after a plugin reports a change: one build at a time, and any number of reports
/// that arrive while one is pending lead to one rebuild.
final class PluginList<Registry: Sendable>: Sendable {
    private let current: Mutex<Registry>
    private let pending = Atomic<Bool>(false)
    private let build: @Sendable ([LoadedPlugin]) -> (Registry, [PluginProblem])

    init(empty: Registry, build: @escaping @Sendable ([LoadedPlugin]) -> (Registry, [PluginProblem])) {
        current = Mutex(empty)
        self.build = build
    }

    var value: Registry { current.withLock { $0 } }

    /// Builds the list from `plugins` and makes it current.
    @discardableResult
    func rebuild(_ plugins: [LoadedPlugin]) -> (Registry, [PluginProblem]) {
        current.withLock { value in
            let (built, problems) = build(plugins)
            value = built
            return (built, problems)
        }
    }

    /// Rebuilds on a worker of `pool` (never inside the plugin's callback that asked), then
    /// calls `done` there with the new list and its problems.
    func scheduleRebuild(on pool: WorkerPool, plugins: @escaping @Sendable () -> [LoadedPlugin],
                         done: @escaping @Sendable (Registry, [PluginProblem]) -> Void) {
        guard !pending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        pool.submit { [self] in
            pending.store(false, ordering: .releasing)
            let (built, problems) = rebuild(plugins())
            done(built, problems)
        }
    }
}
