import CToolHostShims
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One runner process (`toolhost __runner`): spawned with one end of a socketpair as fd 3,
/// its stdout and stderr on a pipe that the host copies to its own stderr line by line (a
/// plugin that prints to stdout cannot corrupt the protocol) while keeping the last lines,
/// which a crash report quotes.
final class RunnerProcess: Sendable {
    let pid: pid_t
    let channel: FrameChannel
    /// What the host's stderr copy of the runner's lines starts with.
    let label: String

    private struct Output {
        var tail: [String] = []
        var partial: [UInt8] = []
        var closed = false
    }
    private let output = Mutex(Output())
    private let outputClosed = ConditionLock()
    /// Lines kept for a crash report.
    static let tailLines = 8

    private struct Exit {
        var status: Int32?
        /// Why the host stopped it, when it did (a limit, a hang); said in crash reports.
        var stopReason: String?
    }
    private let exit = Mutex(Exit())

    private init(pid: pid_t, channel: FrameChannel, label: String) {
        self.pid = pid
        self.channel = channel
        self.label = label
    }

    /// Spawns `executable __runner 3 <plugin> <log level>`.
    /// - Returns: the process, or why it could not start.
    /// Spawns take turns: a pipe's ends are made close-on-exec after `pipe(2)`, and another
    /// thread's spawn in between would pass them on.
    private static let spawnLock = Mutex(())

    static func spawn(executable: String, plugin: String, logLevel: String, label: String) -> Result<RunnerProcess, SpawnError> {
        spawnLock.withLock { _ in spawnLocked(executable: executable, plugin: plugin, logLevel: logLevel, label: label) }
    }

    private static func spawnLocked(executable: String, plugin: String, logLevel: String, label: String) -> Result<RunnerProcess, SpawnError> {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            return .failure(SpawnError(message: "socketpair failed: \(String(cString: strerror(errno)))"))
        }
        var outPipe: [Int32] = [-1, -1]
        guard pipe(&outPipe) == 0 else {
            close(pair[0]); close(pair[1])
            return .failure(SpawnError(message: "pipe failed: \(String(cString: strerror(errno)))"))
        }
        for fd in outPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var size: Int32 = 1 << 20
        setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(pair[1], SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 2)
        posix_spawn_file_actions_adddup2(&actions, pair[1], 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The runner starts with default signal handling whatever the host blocked.
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGINT)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let arguments = [executable, "__runner", "3", plugin, logLevel]
        var argv = arguments.map { strdup($0) }
        argv.append(nil)
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        close(pair[1])
        close(outPipe[1])
        guard status == 0 else {
            close(pair[0]); close(outPipe[0])
            return .failure(SpawnError(message: "cannot start the runner \(executable): \(String(cString: strerror(status)))"))
        }
        let process = RunnerProcess(pid: pid, channel: FrameChannel(fd: pair[0]), label: label)
        let outFD = outPipe[0]
        spawnThread(name: "runner-stderr", stackSize: 256 << 10) { process.copyOutput(from: outFD) }
        return .success(process)
    }

    struct SpawnError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    // MARK: stderr

    private func copyOutput(from fd: Int32) {
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            let lines = output.withLock { o -> [String] in
                o.partial.append(contentsOf: chunk[..<n])
                var lines: [String] = []
                while let newline = o.partial.firstIndex(of: 10) {
                    lines.append(String(decoding: o.partial[..<newline], as: UTF8.self))
                    o.partial.removeSubrange(...newline)
                }
                if o.partial.count > 16 << 10 {  // a very long line without newline: cut
                    lines.append(String(decoding: o.partial, as: UTF8.self))
                    o.partial.removeAll()
                }
                for line in lines { Self.keep(line, in: &o.tail) }
                return lines
            }
            forward(lines)
        }
        close(fd)
        let rest = output.withLock { o -> [String] in
            defer { o.partial.removeAll() }
            guard !o.partial.isEmpty else { return [] }
            let line = String(decoding: o.partial, as: UTF8.self)
            Self.keep(line, in: &o.tail)
            return [line]
        }
        forward(rest)
        outputClosed.withLock {
            output.withLock { $0.closed = true }
            outputClosed.broadcast()
        }
    }

    private static func keep(_ line: String, in tail: inout [String]) {
        tail.append(line)
        if tail.count > tailLines { tail.removeFirst(tail.count - tailLines) }
    }

    /// The runner's lines on the host's stderr (stdout is the client's).
    private func forward(_ lines: [String]) {
        guard !lines.isEmpty else { return }
        var text = ""
        for line in lines { text += "[\(label)] \(line)\n" }
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(2, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { if n < 0, errno == EINTR { continue }; return }
                offset += n
            }
        }
    }

    /// The last lines the runner wrote, waiting up to `seconds` for its output to close (after
    /// it died, so that the last line is there).
    func lastLines(waiting seconds: Double) -> [String] {
        let deadline = monotonicSeconds() + seconds
        outputClosed.withLock {
            while !output.withLock({ $0.closed }) {
                let left = deadline - monotonicSeconds()
                if left <= 0 { break }
                _ = outputClosed.wait(seconds: left)
            }
        }
        return output.withLock { $0.tail }
    }

    // MARK: Life

    /// Stops the runner with SIGKILL, remembering why (said in the crash report).
    func kill(because reason: String) {
        let first = exit.withLock { e -> Bool in
            guard e.status == nil, e.stopReason == nil else { return false }
            e.stopReason = reason
            return true
        }
        if first {
            Glibc.kill(pid, SIGKILL)
            channel.hangUp()
        }
    }

    var stopReason: String? { exit.withLock { $0.stopReason } }

    /// Waits for the process to end (its channel has closed), up to `seconds`, then kills it.
    /// The wait is a `poll` on a pidfd (readable when the process ends). A system without
    /// pidfds (Linux before 5.3) kills it at once: it is called once the runner's end of the
    /// channel closed, so the runner is ending anyway.
    /// - Returns: the wait status.
    func reap(within seconds: Double) -> Int32 {
        if let status = exit.withLock({ $0.status }) { return status }
        var status: Int32 = 0
        var r = waitpid(pid, &status, WNOHANG)
        if r == 0 {
            let pidfd = th_shim_pidfd_open(pid)
            if pidfd >= 0 {
                defer { close(pidfd) }
                let deadline = monotonicSeconds() + seconds
                var descriptor = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
                while true {
                    let left = deadline - monotonicSeconds()
                    if left <= 0 { break }
                    let ready = poll(&descriptor, 1, Int32(min(left * 1000 + 1, 1_000_000)))
                    if ready > 0 || (ready < 0 && errno != EINTR) { break }
                }
            }
            r = waitpid(pid, &status, WNOHANG)
            if r == 0 {
                Glibc.kill(pid, SIGKILL)
                repeat { r = waitpid(pid, &status, 0) } while r < 0 && errno == EINTR
            }
        }
        if r < 0 {
            // Reaped by another thread meanwhile: its status stands.
            if let known = exit.withLock({ $0.status }) { return known }
            status = 0
        }
        return exit.withLock { e in
            if e.status == nil { e.status = status }
            return e.status!
        }
    }

    /// "was killed by signal SIGSEGV (11)", "exited with status 3".
    static func describe(status: Int32) -> String {
        let signal = status & 0x7f
        if signal == 0 { return "exited with status \((status >> 8) & 0xff)" }
        let name: String
        switch signal {
        case SIGSEGV: name = "SIGSEGV"
        case SIGABRT: name = "SIGABRT"
        case SIGBUS: name = "SIGBUS"
        case SIGFPE: name = "SIGFPE"
        case SIGILL: name = "SIGILL"
        case SIGKILL: name = "SIGKILL"
        case SIGTERM: name = "SIGTERM"
        case SIGPIPE: name = "SIGPIPE"
        case SIGTRAP: name = "SIGTRAP"
        default: name = "signal \(signal)"
        }
        return "was killed by \(name.hasPrefix("signal") ? name : "signal \(name) (\(signal))")"
    }

    /// Resident memory now, in bytes (nil once it has exited).
    func residentBytes() -> Int? {
        guard let bytes = readFile("/proc/\(pid)/statm") else { return nil }
        let fields = String(decoding: bytes, as: UTF8.self).split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
