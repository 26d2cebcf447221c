import Foundation
import ToolHostJSON

/// The plain-text table printed at the end of a run: one row per measured figure, one column
/// per server. (scripts/bench turns the JSON into docs/BENCHMARKS.md with ratios and a chart.)
enum Table {
    static func render(_ output: JSON) -> String {
        let targets = output["targets"]?.arrayValue ?? []
        var rows: [(String, [String])] = []

        func row(_ title: String, _ cell: (JSON) -> String?) {
            let cells = targets.map { cell($0) ?? "" }
            if cells.contains(where: { !$0.isEmpty }) { rows.append((title, cells.map { $0.isEmpty ? "–" : $0 })) }
        }
        func number(_ value: JSON?) -> Double? { value?.doubleValue }
        func ms(_ d: Double) -> String { d >= 100 ? String(format: "%.0f ms", d) : String(format: "%.2f ms", d) }
        func us(_ d: Double) -> String { String(format: "%.0f µs", d) }
        func mib(_ kib: Double) -> String { String(format: "%.1f MB", kib / 1024) }
        func size(_ bytes: Double) -> String { bytes >= 1_048_576 ? String(format: "%.1f MB", bytes / 1_048_576) : String(format: "%.0f kB", bytes / 1024) }

        for method in ["initialize", "server/discover"] {
            row("1. spawn → \(method) answer, p50") { t in
                guard let m = t["spawn"]?[method], let p50 = number(m["ms"]?["p50"]) else { return nil }
                let answer = m["answer"]?.stringValue ?? ""
                return ms(p50) + (answer == "result" ? "" : " (\(answer))")
            }
        }
        for index in 0..<2 {
            row(index == 0 ? "2. trivial calls/s pipelined (tool)" : "2. … second tool") { t in
                guard let calls = t["calls"]?.objectValue?.members, calls.count > index, let rate = number(calls[index].value["callsPerSecond"]) else { return nil }
                return String(format: "%.0f", rate) + " (\(calls[index].key))"
            }
        }
        row("3. vllm_chat direct, p50") { t in number(t["overhead"]?["directMicros"]?["p50"]).map(us) }
        row("3. vllm_chat through server, p50") { t in number(t["overhead"]?["throughMicros"]?["p50"]).map(us) }
        row("3. overhead p50") { t in number(t["overhead"]?["overheadP50Micros"]).map(us) }
        row("3. overhead p99") { t in number(t["overhead"]?["overheadP99Micros"]).map(us) }
        row("4. 256 in flight, wall (× latency)") { t in
            guard let c = t["concurrency"], let wall = number(c["wallMillis"]), let ratio = number(c["ratio"]) else { return nil }
            return ms(wall) + String(format: " (%.2f×)", ratio)
        }
        row("5. first token → first progress p50") { t in number(t["streaming"]?["firstTokenToProgressMicros"]?["p50"]).map(us) }
        row("5. first token → first progress p99") { t in number(t["streaming"]?["firstTokenToProgressMicros"]?["p99"]).map(us) }
        row("6. RSS after spawn + tools/list") { t in number(t["rssAfterSpawnKiB"]).map(mib) }
        row("6. RSS after pipelined calls") { t in number(t["rssAfterCallsKiB"]).map(mib) }
        row("6. RSS after vllm_chat sequential") { t in number(t["rssAfterOverheadKiB"]).map(mib) }
        row("6. RSS after 256 concurrent (peak)") { t in
            guard let rss = number(t["rssAfterConcurrencyKiB"]) else { return nil }
            return mib(rss) + (number(t["hwmAfterConcurrencyKiB"]).map { " (\(mib($0)))" } ?? "")
        }
        var sizeLabels: [String] = []
        for t in targets { for (label, _) in t["sizesBytes"]?.objectValue ?? [:] where !sizeLabels.contains(label) { sizeLabels.append(label) } }
        for label in sizeLabels {
            row("6. size: \(label)") { t in number(t["sizesBytes"]?[label]).map(size) }
        }

        let headers = targets.map { $0["name"]?.stringValue ?? "?" }
        let firstWidth = max(12, rows.map(\.0.count).max() ?? 0)
        let widths = headers.indices.map { i in max(headers[i].count, rows.map { $0.1[i].count }.max() ?? 0) }
        func line(_ first: String, _ cells: [String]) -> String {
            first.padding(toLength: firstWidth, withPad: " ", startingAt: 0) + "  "
                + cells.enumerated().map { i, c in String(repeating: " ", count: max(0, widths[i] - c.count)) + c }.joined(separator: "  ")
        }
        var out = [line("", headers), String(repeating: "-", count: firstWidth + 2 + widths.reduce(0, +) + 2 * max(0, widths.count - 1))]
        out += rows.map { line($0.0, $0.1) }
        if let ceiling = number(output["checks"]?["benchCeilingCallsPerSecond"]) {
            out.append(String(format: "bench ceiling (same pipelined run against cat): %.0f calls/s", ceiling))
        }
        if let direct = output["checks"]?["upstreamDirectConcurrency"], let wall = number(direct["wallMillis"]) {
            out.append(String(format: "upstream alone, 256 direct concurrent requests: %@", ms(wall)))
        }
        if let load = output["load"]?.objectValue {
            out.append("load average (1/5/15 min): " + load.map { "\($0.key) \(($0.value["loadAverage"] ?? .null).roundedForOutput.jsonText)" }.joined(separator: ", "))
            out.append("CPU used by other processes (share of all cores): " + load.dropFirst().map { key, value in
                String(format: "%@ %.0f%%", key, 100 * (number(value["otherCPUShare"]) ?? 0))
            }.joined(separator: ", "))
        }
        return out.joined(separator: "\n")
    }
}
