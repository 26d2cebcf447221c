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
        .object([
            ("count", .int(count)), ("min", .number(min)), ("p10", .number(p10)), ("p50", .number(p50)),
            ("p90", .number(p90)), ("p99", .number(p99)), ("max", .number(max)), ("mean", .number(mean)),
        ])
    }
}
