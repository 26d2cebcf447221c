/// A Prometheus histogram with fixed upper bounds, as `prometheus_client` keeps one.
struct Histogram: Sendable {
    /// The buckets' upper bounds, ascending, without `+Inf`.
    let upperBounds: [Double]
    private var counts: [Int]
    private(set) var count = 0
    private(set) var sum = 0.0

    init(upperBounds: [Double]) {
        self.upperBounds = upperBounds
        self.counts = Array(repeating: 0, count: upperBounds.count)
    }

    mutating func observe(_ value: Double) {
        count += 1
        sum += value
        if let index = upperBounds.firstIndex(where: { value <= $0 }) { counts[index] += 1 }
    }

    /// Appends the `_bucket`, `_count` and `_sum` samples in `prometheus_client`'s order.
    ///
    /// - Parameter labels: Renders the label set with an extra label (`le`) in its sorted place.
    func render(name: String, labels: (_ extra: (String, String)?) -> String, into text: inout String) {
        var cumulative = 0
        for (bound, bucketCount) in zip(upperBounds, counts) {
            cumulative += bucketCount
            text += "\(name)_bucket{\(labels(("le", "\(bound)")))} \(Double(cumulative))\n"
        }
        text += "\(name)_bucket{\(labels(("le", "+Inf")))} \(Double(count))\n"
        text += "\(name)_count{\(labels(nil))} \(Double(count))\n"
        text += "\(name)_sum{\(labels(nil))} \(sum)\n"
    }
}

extension Histogram {
    /// vLLM's buckets for time to first token.
    static let timeToFirstTokenBounds: [Double] = [
        0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0,
        40.0, 80.0, 160.0, 640.0, 2560.0,
    ]
    /// vLLM's buckets for inter-token latency.
    static let interTokenBounds: [Double] = [
        0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0,
        80.0,
    ]
    /// vLLM's buckets for request-level latencies.
    static let requestLatencyBounds: [Double] = [
        0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0,
        480.0, 960.0, 1920.0, 7680.0,
    ]
}
