import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A process under test, as an MCP client sees it: started with posix_spawn, stdin and stdout on
/// pipes, stderr into a log file (so a chatty server cannot stall on a full pipe).
final class Child {
    let pid: pid_t
    private(set) var stdinFD: Int32
    let stdoutFD: Int32
    let startedAt: UInt64
    private var reaped = false
    let reader: LineReader

    /// The environment every child gets: this process's, with `extra` on top.
    static func environment(_ extra: [(String, String)]) -> [String] {
        var env = ProcessInfo.processInfo.environment
        for (key, value) in extra { env[key] = value }
        return env.keys.sorted().map { "\($0)=\(env[$0]!)" }
    }

    /// Starts `argv` with `env` (whole environment, `KEY=VALUE`).
    /// - Parameter stderrPath: where the child's stderr goes (appended).
    init(_ argv: [String], env: [String], stderrPath: String) throws {
        var argv = argv
        argv[0] = Child.resolve(argv[0])
        var inPipe: [Int32] = [0, 0], outPipe: [Int32] = [0, 0]
        guard pipe(&inPipe) == 0, pipe(&outPipe) == 0 else {
            throw BenchError("pipe: \(String(cString: strerror(errno)))")
        }
        // Only this thread spawns, so close-on-exec set right after pipe() is enough.
        for fd in inPipe + outPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let errFD = open(stderrPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard errFD >= 0 else { throw BenchError("cannot open \(stderrPath)") }
        defer { close(errFD) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errFD, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        // Its own process group, so a server's helpers can be stopped with it.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        var pid: pid_t = 0
        // The clock starts before fork/exec: spawn time is what a client waits for.
        let start = monotonicNanos()
        let rc = withCStrings(argv) { a in withCStrings(env) { e in posix_spawn(&pid, argv[0], &actions, &attributes, a, e) } }
        close(inPipe[0])
        close(outPipe[1])
        guard rc == 0 else {
            close(inPipe[1]); close(outPipe[0])
            throw BenchError("cannot start \(argv[0]): \(String(cString: strerror(rc)))")
        }
        self.pid = pid
        self.startedAt = start
        self.stdinFD = inPipe[1]
        self.stdoutFD = outPipe[0]
        self.reader = LineReader(fd: outPipe[0])
        // A server that stops reading must not hang the bench on a write: writes give up with
        // EPIPE instead of killing the bench.
        signal(SIGPIPE, SIG_IGN)
    }

    deinit { stop() }

    /// A command name without a slash, looked up in PATH as a shell would (posix_spawn does not).
    static func resolve(_ command: String) -> String {
        guard !command.contains("/") else { return command }
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(folder)/\(command)"
            if access(path, X_OK) == 0 { return path }
        }
        return command
    }

    /// Writes all of `bytes` to the child's stdin; false when the child is gone.
    @discardableResult
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool { Child.write(stdinFD, bytes) }

    /// Writes all of `bytes` to `fd` (for a writer thread that holds only the descriptor).
    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { write($0) } }

    @discardableResult
    func send(_ line: String) -> Bool { write(Array((line + "\n").utf8)) }

    /// Resident memory now and at its peak, in KiB, from /proc/PID/status: of the server and
    /// every process it started (toolhost's plugin runners), summed.
    func memory() -> (rss: Int, hwm: Int)? { Child.treeMemory(of: pid) }

    static func treeMemory(of pid: pid_t) -> (rss: Int, hwm: Int)? {
        guard var total = memory(of: pid) else { return nil }
        for child in children(of: pid) {
            if let m = treeMemory(of: child) { total = (total.rss + m.rss, total.hwm + m.hwm) }
        }
        return total
    }

    /// The processes `pid` started (from /proc/PID/task/*/children).
    static func children(of pid: pid_t) -> [pid_t] {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return [] }
        return tasks.flatMap { task -> [pid_t] in
            let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? ""
            return text.split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
    }

    static func memory(of pid: pid_t) -> (rss: Int, hwm: Int)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        var rss: Int?, hwm: Int?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("VmRSS:") { rss = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) }
            if line.hasPrefix("VmHWM:") { hwm = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) }
        }
        guard let rss, let hwm else { return nil }
        return (rss, hwm)
    }

    /// CPU time (user + system) the process has used so far, in milliseconds.
    static func cpuMillis(of pid: pid_t) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, utime 14, stime 15 (1-based in proc(5)).
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) * 1000 / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func closeStdin() {
        if stdinFD >= 0 { close(stdinFD); stdinFD = -1 }
    }

    /// Ends the child as a client would: stdin closed, then SIGTERM, then SIGKILL, within
    /// `graceMillis` each. Returns once it is reaped.
    func stop(graceMillis: Int = 2000) {
        guard !reaped else { return }
        closeStdin()
        if !waitExit(millis: graceMillis) {
            kill(-pid, SIGTERM)
            kill(pid, SIGTERM)
            if !waitExit(millis: graceMillis) {
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                _ = waitExit(millis: 10_000)
            }
        }
        close(stdoutFD)
    }

    private func waitExit(millis: Int) -> Bool {
        let deadline = monotonicNanos() + UInt64(millis) * 1_000_000
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid || (r < 0 && errno == ECHILD) { reaped = true; return true }
            if monotonicNanos() > deadline { return false }
            sleepMillis(2)
        }
    }
}

func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for p in pointers { free(p) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
