/// One sample of the Prometheus text exposition format.
package struct PrometheusSample: Sendable, Equatable {
    package var name: String
    package var labels: [String: String]
    package var value: Double
}

/// A reader of the Prometheus text format (`/metrics`), forgiving: a line it cannot read is
/// skipped, not fatal.
package enum PrometheusText {
    package static func parse(_ text: String) -> [PrometheusSample] {
        var samples: [PrometheusSample] = []
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            if let sample = parseLine(Substring(line)) { samples.append(sample) }
        }
        return samples
    }

    static func parseLine(_ line: Substring) -> PrometheusSample? {
        var rest = line.drop(while: { $0 == " " || $0 == "\t" })
        guard let first = rest.first, first != "#" else { return nil }
        let nameEnd = rest.firstIndex(where: { $0 == "{" || $0 == " " || $0 == "\t" }) ?? rest.endIndex
        let name = String(rest[..<nameEnd])
        guard !name.isEmpty else { return nil }
        rest = rest[nameEnd...]
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            guard let parsed = parseLabels(&rest) else { return nil }
            labels = parsed
        }
        let fields = rest.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let valueText = fields.first, let value = Double(valueText) else { return nil }
        return PrometheusSample(name: name, labels: labels, value: value)
    }

    /// Reads `key="value",…}`; leaves `rest` after the closing brace.
    private static func parseLabels(_ rest: inout Substring) -> [String: String]? {
        var labels: [String: String] = [:]
        while true {
            rest = rest.drop(while: { $0 == " " || $0 == "," })
            if rest.first == "}" {
                rest = rest.dropFirst()
                return labels
            }
            guard let eq = rest.firstIndex(of: "=") else { return nil }
            let key = String(rest[..<eq]).trimmingSpaces()
            rest = rest[rest.index(after: eq)...].drop(while: { $0 == " " })
            guard rest.first == "\"" else { return nil }
            rest = rest.dropFirst()
            var value = ""
            var escaped = false
            var closed = false
            while let c = rest.first {
                rest = rest.dropFirst()
                if escaped {
                    value.append(c == "n" ? "\n" : c)
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else if c == "\"" {
                    closed = true
                    break
                } else {
                    value.append(c)
                }
            }
            guard closed else { return nil }
            labels[key] = value
        }
    }
}
