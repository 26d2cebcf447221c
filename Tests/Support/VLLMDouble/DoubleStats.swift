/// Counters over the double's lifetime.
package struct DoubleStats: Sendable, Equatable {
    /// Requests received.
    package var received = 0
    /// Responses written in full.
    package var completed = 0
    /// Requests whose response is not finished.
    package var inFlight = 0
    /// The largest `inFlight` seen.
    package var maxInFlight = 0
    /// Requests abandoned by their client.
    package var clientDisconnects = 0
    /// Responses the double cut on purpose.
    package var serverCuts = 0
}
