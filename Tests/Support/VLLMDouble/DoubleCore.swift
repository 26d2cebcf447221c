import NIOCore
import NIOHTTP1
import Synchronization
import ToolHostJSON

/// The double's shared state behind one lock: configuration, recordings, counters, engine metrics
/// and open connections. Channel handlers on any event loop call into it.
final class DoubleCore: Sendable {
    private struct State {
        var configuration: Configuration
        var records: [RecordedRequest] = []
        var firstRecordID = 1
        var nextID = 1
        var stats = DoubleStats()
        var metrics = EngineMetrics()
        var serverLoad = 0
        var connections: [ObjectIdentifier: any Channel] = [:]
    }

    private let state: Mutex<State>

    init(configuration: Configuration) {
        state = Mutex(State(configuration: configuration))
    }

    // MARK: Configuration

    var configuration: Configuration { state.withLock { $0.configuration } }

    func update(_ body: (inout Configuration) -> Void) {
        state.withLock { body(&$0.configuration) }
    }

    // MARK: Recording

    /// Records a complete request and counts it in flight.
    ///
    /// - Returns: The request's id.
    func recordArrival(method: String, path: String, headers: HTTPHeaders, body: String, json: JSON?) -> Int {
        let now = ContinuousClock.now
        return state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.records.append(
                RecordedRequest(
                    id: id, method: method, path: path, headers: headers, body: body, json: json,
                    receivedAt: now, status: nil, outcome: .inProgress, finishedAt: nil
                )
            )
            let limit = max(1, state.configuration.recordingLimit)
            if state.records.count > limit + limit / 4 + 1 {
                let excess = state.records.count - limit
                state.records.removeFirst(excess)
                state.firstRecordID += excess
            }
            state.stats.received += 1
            state.stats.inFlight += 1
            state.stats.maxInFlight = max(state.stats.maxInFlight, state.stats.inFlight)
            return id
        }
    }

    func recordStatus(id: Int, status: Int) {
        state.withLock { state in
            let index = id - state.firstRecordID
            if state.records.indices.contains(index) { state.records[index].status = status }
        }
    }

    /// Records how a request ended; only the first call per request counts.
    func recordEnd(id: Int, outcome: RecordedRequest.Outcome) {
        let now = ContinuousClock.now
        state.withLock { state in
            let index = id - state.firstRecordID
            if state.records.indices.contains(index) {
                guard state.records[index].outcome == .inProgress else { return }
                state.records[index].outcome = outcome
                state.records[index].finishedAt = now
            }
            state.stats.inFlight -= 1
            switch outcome {
            case .completed: state.stats.completed += 1
            case .clientDisconnected: state.stats.clientDisconnects += 1
            case .cutByServer: state.stats.serverCuts += 1
            case .inProgress: break
            }
        }
    }

    var recordedRequests: [RecordedRequest] { state.withLock { $0.records } }

    var stats: DoubleStats { state.withLock { $0.stats } }

    func resetRecording() {
        state.withLock { state in
            state.firstRecordID += state.records.count
            state.records.removeAll()
        }
    }

    // MARK: Engine metrics

    func generationQueued() {
        state.withLock { state in
            state.metrics.waiting += 1
            state.serverLoad += 1
        }
    }

    func generationStarted(promptTokens: Int, queueSeconds: Double) {
        state.withLock { state in
            state.metrics.waiting -= 1
            state.metrics.running += 1
            state.metrics.promptTokens += promptTokens
            state.metrics.kvTokensInUse += promptTokens
            state.metrics.queueTime.observe(queueSeconds)
        }
    }

    /// Counts `count` generated tokens; the first of a request carries its time to first token.
    func tokensGenerated(count: Int, timeToFirstToken: Double?, interTokenLatency: Double?) {
        state.withLock { state in
            state.metrics.generationTokens += count
            state.metrics.kvTokensInUse += count
            if let timeToFirstToken { state.metrics.timeToFirstToken.observe(timeToFirstToken) }
            if let interTokenLatency {
                let gaps = timeToFirstToken == nil ? count : count - 1
                for _ in 0..<max(0, gaps) { state.metrics.interTokenLatency.observe(interTokenLatency) }
            }
        }
    }

    func generationFinished(reason: String, wasRunning: Bool, heldTokens: Int, endToEndSeconds: Double) {
        state.withLock { state in
            if wasRunning { state.metrics.running -= 1 } else { state.metrics.waiting -= 1 }
            state.metrics.kvTokensInUse -= heldTokens
            state.metrics.finished[reason, default: 0] += 1
            state.metrics.endToEndLatency.observe(endToEndSeconds)
            state.serverLoad -= 1
        }
    }

    var serverLoad: Int { state.withLock { $0.serverLoad } }

    func renderMetrics() -> String {
        state.withLock { state in
            state.metrics.render(
                modelName: state.configuration.models.first?.name ?? "",
                naming: state.configuration.metricsNaming,
                kvCapacityTokens: state.configuration.kvCacheCapacityTokens
            )
        }
    }

    // MARK: Connections

    func connectionOpened(_ channel: any Channel) {
        state.withLock { $0.connections[ObjectIdentifier(channel)] = channel }
    }

    func connectionClosed(_ channel: any Channel) {
        _ = state.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    var openConnections: [any Channel] { state.withLock { Array($0.connections.values) } }
}
