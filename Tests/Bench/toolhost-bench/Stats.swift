import ToolHostJSON

/// Order statistics of a sample (nearest rank), in the sample's unit.
struct Summary: Sendable {
    let count: Int
    let min: Double
    let p10: Double
    let p50: Double
    let p90: Double
    let p99: Double
    let max: Double
    let mean: Double

    init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        func rank(_ p: Double) -> Double {
            let index = Int((p * Double(sorted.count)).rounded(.up)) - 1
            return sorted[Swift.max(0, Swift.min(sorted.count - 1, index))]
        }
        count = sorted.count
        min = sorted[0]
        p10 = rank(0.10)
        p50 = rank(0.50)
        p90 = rank(0.90)
        p99 = rank(0.99)
        max = sorted[sorted.count - 1]
        mean = sorted.reduce(0, +) / Double(sorted.count)
    }

    var json: JSON {
        [
            "count": .int(count), "min": .finite(min), "p10": .finite(p10), "p50": .finite(p50),
            "p90": .finite(p90), "p99": .finite(p99), "max": .finite(max), "mean": .finite(mean),
        ]
    }
}

extension JSON {
    /// The value as the results are written: numbers with a fraction or an exponent to three
    /// decimals (plenty for timings in µs and ms, and the file stays readable), integers as
    /// they are. The figures themselves keep full precision until then (the table reads them).
    var roundedForOutput: JSON {
        switch self {
        case .number(let n) where !n.isPlainInteger:
            let value = n.doubleValue, rounded = (value * 1000).rounded() / 1000
            return .double(rounded.isFinite ? rounded : value)
        case .array(let items): return .array(items.map(\.roundedForOutput))
        case .object(let object): return .object(JSONObject(object.members.map { (key: $0.key, value: $0.value.roundedForOutput) }))
        default: return self
        }
    }
}
