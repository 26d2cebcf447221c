extension VLLMDouble {
    /// The recorded requests, oldest first (at most `Configuration.recordingLimit` of the latest).
    package var recordedRequests: [RecordedRequest] { core.recordedRequests }

    /// The recorded requests whose client closed the connection before the response was complete.
    package var disconnects: [RecordedRequest] { recordedRequests.filter(\.clientDisconnected) }

    /// Forgets the recorded requests (counters are kept).
    package func resetRecording() {
        core.resetRecording()
    }

    /// Waits until the recorded requests satisfy `condition`, e.g. until one was disconnected.
    ///
    /// Disconnects are noticed asynchronously, so a test that closes a connection waits here rather
    /// than reading `disconnects` at once.
    /// - Parameters:
    ///   - timeout: How long to wait.
    ///   - condition: Evaluated on each check against all recorded requests.
    /// - Returns: The recorded requests that satisfied the condition.
    /// - Throws: `DoubleError` on timeout; `CancellationError` when the task is cancelled.
    @discardableResult
    package func waitForRecordedRequests(
        timeout: Duration = .seconds(5),
        until condition: ([RecordedRequest]) -> Bool
    ) async throws -> [RecordedRequest] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let records = recordedRequests
            if condition(records) { return records }
            guard ContinuousClock.now < deadline else { throw DoubleError.timedOut("recorded requests") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits until no request is in flight.
    ///
    /// - Throws: `DoubleError` on timeout.
    package func waitUntilIdle(timeout: Duration = .seconds(5)) async throws {
        let deadline = ContinuousClock.now + timeout
        while stats.inFlight > 0 {
            guard ContinuousClock.now < deadline else { throw DoubleError.timedOut("idle") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
