import ToolHostJSON

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A server the `process` runtime started, as its state file keeps it: enough for a later
/// session (another toolhost) to find it, read its log, stop it or start it again.
package struct ServerRecord: Sendable, Equatable {
    package var name: String
    package var pid: Int32
    /// When the process started, in clock ticks after boot (`/proc/PID/stat`, field 22): a
    /// PID reused by another program does not pass for the server.
    package var startTicks: UInt64?
    package var command: [String]
    package var port: Int
    package var model: String
    package var logPath: String
    /// Seconds since 1970.
    package var startedAt: Double

    package var json: JSON {
        .object([
            "name": .string(name),
            "pid": .integer(Int64(pid)),
            "start_ticks": startTicks.map { .integer(Int64($0)) } ?? .null,
            "command": .array(command.map(JSON.string)),
            "port": .integer(Int64(port)),
            "model": .string(model),
            "log": .string(logPath),
            "started_at": .double(startedAt),
        ])
    }

    package init(name: String, pid: Int32, startTicks: UInt64?, command: [String], port: Int, model: String, logPath: String, startedAt: Double) {
        self.name = name
        self.pid = pid
        self.startTicks = startTicks
        self.command = command
        self.port = port
        self.model = model
        self.logPath = logPath
        self.startedAt = startedAt
    }

    init?(json: JSON) {
        guard let name = json["name"]?.stringValue, let pid = json["pid"]?.intValue,
              case .array(let words)? = json["command"], let port = json["port"]?.intValue,
              let log = json["log"]?.stringValue else { return nil }
        self.name = name
        self.pid = Int32(clamping: pid)
        startTicks = json["start_ticks"]?.intValue.map { UInt64(max(0, $0)) }
        command = words.compactMap(\.stringValue)
        self.port = port
        model = json["model"]?.stringValue ?? ""
        logPath = log
        startedAt = json["started_at"]?.doubleValue ?? 0
    }

    /// Whether the recorded process is alive and is still the one that was started.
    package var isRunning: Bool { ProcessTable.isAlive(pid, startTicks: startTicks) }
}

/// The state folder of the `process` runtime: `NAME.json` and `NAME.log` per server, in
/// `$XDG_STATE_HOME/toolhost/vllm` (default `~/.local/state/toolhost/vllm`).
package struct ServerStore: Sendable {
    package let folder: String

    package init(folder: String) { self.folder = folder }

    package static func defaultFolder(environment: [String: String] = ProcessRunner.environment()) -> String {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return state + "/toolhost/vllm" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        return home + "/.local/state/toolhost/vllm"
    }

    package func logPath(_ name: String) -> String { folder + "/" + name + ".log" }
    private func recordPath(_ name: String) -> String { folder + "/" + name + ".json" }

    func prepare() throws(ToolFailure) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ToolFailure(.failed, "Error: cannot create the state folder \(folder): \(error). Set XDG_STATE_HOME to a writable folder.")
        }
    }

    package func load(_ name: String) -> ServerRecord? {
        guard let data = FileManager.default.contents(atPath: recordPath(name)),
              let json = try? JSON(parsing: Array(data)) else { return nil }
        return ServerRecord(json: json)
    }

    package func save(_ record: ServerRecord) throws(ToolFailure) {
        try prepare()
        do {
            try Data((record.json.prettyText + "\n").utf8).write(to: URL(fileURLWithPath: recordPath(record.name)), options: .atomic)
        } catch {
            throw ToolFailure(.failed, "Error: cannot write \(recordPath(record.name)): \(error)")
        }
    }

    /// Forgets a server: its state file and its log.
    package func remove(_ name: String) {
        try? FileManager.default.removeItem(atPath: recordPath(name))
        try? FileManager.default.removeItem(atPath: logPath(name))
    }

    package func all() -> [ServerRecord] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { load(String($0.dropLast(5))) }
    }
}

/// What the kernel says about a process.
package enum ProcessTable {
    /// `/proc/PID/stat`'s state letter and start time (Linux); nil elsewhere or when gone.
    static func stat(_ pid: Int32) -> (state: Character, startTicks: UInt64)? {
        #if os(Linux)
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        // The command name (field 2) may hold spaces and parentheses: fields count from the last ')'.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let state = fields[0].first, let ticks = UInt64(fields[19]) else { return nil }
        return (state, ticks)
        #else
        return nil
        #endif
    }

    package static func startTicks(_ pid: Int32) -> UInt64? { stat(pid)?.startTicks }

    package static func isAlive(_ pid: Int32, startTicks: UInt64?) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        #if os(Linux)
        guard let info = stat(pid) else { return false }
        if info.state == "Z" || info.state == "X" { return false }
        if let startTicks, info.startTicks != startTicks { return false }
        #endif
        return true
    }
}

/// Reading the end of a log file.
package enum LogFile {
    /// The last `count` lines of the file (at most its last 4 MiB are read), and its size.
    package static func tail(_ path: String, lines count: Int) -> [String] {
        guard count > 0 else { return [] }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        let size = Int64(lseek(fd, 0, SEEK_END))
        let start = max(0, size - 4 << 20)
        let bytes = read(fd, from: start, upTo: size)
        var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        if start > 0, !lines.isEmpty { lines.removeFirst() }
        return Array(lines.suffix(count))
    }

    /// The file's whole lines from byte `offset` on, and the offset after the last of them.
    package static func lines(_ path: String, from offset: Int64) -> (lines: [String], next: Int64) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return ([], offset) }
        defer { close(fd) }
        let size = Int64(lseek(fd, 0, SEEK_END))
        guard size > offset else { return ([], min(offset, max(size, 0))) }
        let bytes = read(fd, from: offset, upTo: min(size, offset + 1 << 20))
        guard let lastNewline = bytes.lastIndex(of: UInt8(ascii: "\n")) else { return ([], offset) }
        let text = String(decoding: bytes[..<lastNewline], as: UTF8.self)
        return (text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init), offset + Int64(lastNewline + 1))
    }

    private static func read(_ fd: Int32, from start: Int64, upTo end: Int64) -> [UInt8] {
        guard end > start else { return [] }
        var bytes = [UInt8](repeating: 0, count: Int(end - start))
        var filled = 0
        while filled < bytes.count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + filled, $0.count - filled, off_t(start) + off_t(filled)) }
            if n <= 0 { break }
            filled += n
        }
        return Array(bytes[..<filled])
    }
}
