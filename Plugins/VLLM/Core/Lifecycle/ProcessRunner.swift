import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What a finished command printed and how it ended.
package struct CommandResult: Sendable, Equatable {
    /// The exit code, or 128 + the signal that ended it.
    package var status: Int32
    package var stdout: String
    package var stderr: String
    /// It ran past its time and was killed.
    package var timedOut = false

    package var succeeded: Bool { status == 0 && !timedOut }
    /// stderr, else stdout, trimmed: what a failure message quotes.
    package var complaint: String {
        let err = stderr.trimmingSpaces()
        return err.isEmpty ? stdout.trimmingSpaces() : err
    }
}

/// A command that could not be started at all.
package struct SpawnFailure: Error, Sendable {
    package let message: String
}

/// Starts programs with `posix_spawn`: commands that run to their end with their output read
/// (`docker ps`, `nvidia-smi`, `guidellm`), and servers that outlive this process (the `process`
/// runtime). Blocking waits run on threads of their own, never on the HTTP client's event loop
/// or Swift's cooperative pool.
package enum ProcessRunner {
    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc
    /// module does not declare: children get stdin, stdout and stderr and none of the host's
    /// other descriptors (the MCP pipes, the HTTP client's sockets).
    private static let closeFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        #if os(Linux)
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
        #else
        return nil
        #endif
    }()

    /// Pipes are made and marked close-on-exec under this lock, which every spawn takes, so no
    /// child spawned at the same moment inherits another command's pipe.
    private static let spawnLock = Mutex(())

    /// This process's environment.
    package static func environment() -> [String: String] {
        var result: [String: String] = [:]
        #if canImport(Darwin)
        guard var entry = _NSGetEnviron()?.pointee else { return result }
        #else
        guard var entry = environ as UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? else { return result }
        #endif
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return result
    }

    /// The full path of `program`: itself when it names a path, else the first executable of
    /// that name in `PATH`.
    package static func which(_ program: String, path: String? = nil) -> String? {
        if program.contains("/") { return access(program, X_OK) == 0 ? program : nil }
        let search = path ?? environment()["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in search.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = String(folder) + "/" + program
            var info = stat()
            if stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }

    /// Runs `argv` to its end (killed after `timeout` seconds, or when the task is cancelled)
    /// and returns its output. `extraEnvironment` is added to this process's environment.
    package static func run(
        _ argv: [String], extraEnvironment: [String: String] = [:], timeout: Double = 30,
        onLine: (@Sendable (String) -> Void)? = nil
    ) async throws(SpawnFailure) -> CommandResult {
        let (pid, outFD, errFD) = try spawnWithPipes(argv, extraEnvironment: extraEnvironment)
        let cancelled = CancelFlag()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<CommandResult, Never>) in
                DispatchQueue.global().async {
                    continuation.resume(returning: collect(pid: pid, outFD: outFD, errFD: errFD, timeout: timeout, cancelled: cancelled, onLine: onLine))
                }
            }
        } onCancel: {
            cancelled.raise()
        }
        return result
    }

    /// Starts `argv` as a server of its own: a new session (so it keeps running when this
    /// process ends, and a signal to its process group reaches its workers too), stdin from
    /// /dev/null, stdout and stderr appended to `logPath`. A thread waits for it, so it never
    /// lingers as a zombie while this process lives; `onExit` gets its status.
    package static func launch(
        _ argv: [String], extraEnvironment: [String: String] = [:], logPath: String,
        onExit: @escaping @Sendable (pid_t, Int32) -> Void = { _, _ in }
    ) throws(SpawnFailure) -> pid_t {
        let log = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw SpawnFailure(message: "cannot open the log file \(logPath): \(errorText(errno))") }
        defer { close(log) }
        let pid = try spawn(argv, extraEnvironment: extraEnvironment, stdout: log, stderr: log, newSession: true)
        let thread = DispatchQueue(label: "toolhost-vllm.reaper")
        thread.async {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            onExit(pid, exitCode(status))
        }
        return pid
    }

    // MARK: Spawning

    private static func spawnWithPipes(_ argv: [String], extraEnvironment: [String: String]) throws(SpawnFailure) -> (pid_t, Int32, Int32) {
        var out: [Int32] = [-1, -1], err: [Int32] = [-1, -1]
        let made: Bool = spawnLock.withLock { _ in
            guard pipe(&out) == 0 else { return false }
            guard pipe(&err) == 0 else { close(out[0]); close(out[1]); return false }
            for fd in out + err { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            return true
        }
        guard made else { throw SpawnFailure(message: "cannot make a pipe: \(errorText(errno))") }
        let pid: pid_t
        do {
            pid = try spawn(argv, extraEnvironment: extraEnvironment, stdout: out[1], stderr: err[1], newSession: false)
        } catch {
            for fd in out + err { close(fd) }
            throw error
        }
        close(out[1])
        close(err[1])
        return (pid, out[0], err[0])
    }

    private static func spawn(_ argv: [String], extraEnvironment: [String: String], stdout: Int32, stderr: Int32, newSession: Bool) throws(SpawnFailure) -> pid_t {
        guard let program = argv.first else { throw SpawnFailure(message: "no command given") }
        guard let executable = which(program) else {
            throw SpawnFailure(message: "`\(program)` was not found\(program.contains("/") ? " or is not executable" : " in PATH")")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        _ = closeFrom?(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Default signal handling and an empty mask, whatever the host set (it ignores SIGPIPE).
        var defaults = sigset_t()
        sigfillset(&defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var flags = Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        #if os(Linux)
        // POSIX_SPAWN_SETSID (glibc 2.26), which Swift's Glibc module hides behind _GNU_SOURCE.
        if newSession { flags |= 0x80 }
        #else
        if newSession { flags |= Int32(POSIX_SPAWN_SETPGROUP) }
        #endif
        posix_spawnattr_setflags(&attributes, Int16(flags))

        var variables = Self.environment()
        for (key, value) in extraEnvironment { variables[key] = value }
        let env = variables.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let rc = withCStrings(argv) { argvPointers in
            withCStrings(env) { envPointers in
                posix_spawn(&pid, executable, &actions, &attributes, argvPointers, envPointers)
            }
        }
        guard rc == 0 else { throw SpawnFailure(message: "cannot start `\(program)`: \(errorText(rc))") }
        return pid
    }

    /// Reads both pipes to their end (or, once the command has exited, to what is left), waits
    /// for it, and kills it when it runs out of time or the call was cancelled.
    private static func collect(pid: pid_t, outFD: Int32, errFD: Int32, timeout: Double, cancelled: CancelFlag, onLine: (@Sendable (String) -> Void)?) -> CommandResult {
        var out: [UInt8] = [], err: [UInt8] = []
        var open = [true, true]
        var exited: Int32?
        var timedOut = false
        let deadline = monotonicSeconds() + timeout
        var lineStart = 0
        var afterExit = 0
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while open[0] || open[1] {
            var fds = [pollfd(fd: open[0] ? outFD : -1, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: open[1] ? errFD : -1, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, 100)
            if ready > 0 {
                for index in 0..<2 where open[index] && fds[index].revents != 0 {
                    let count = buffer.withUnsafeMutableBytes { read(fds[index].fd, $0.baseAddress, $0.count) }
                    if count > 0 {
                        if index == 0 { out += buffer[..<count] } else { err += buffer[..<count] }
                    } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                        open[index] = false
                    }
                }
                if let onLine {
                    while let newline = out[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
                        onLine(String(decoding: out[lineStart..<newline], as: UTF8.self))
                        lineStart = newline + 1
                    }
                }
            }
            if exited == nil {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid { exited = exitCode(status) }
            }
            if exited != nil {
                // A program may leave a daemon holding the pipes (`podman run -d`): once it has
                // exited, read what is there and stop.
                afterExit += 1
                if afterExit > 5 { break }
            } else if cancelled.isRaised || monotonicSeconds() > deadline {
                timedOut = !cancelled.isRaised
                kill(pid, SIGKILL)
            }
        }
        close(outFD)
        close(errFD)
        if exited == nil {
            var status: Int32 = 0
            // Both pipes closed: the program is ending; wait for it (killing it if it lingers).
            while true {
                let r = waitpid(pid, &status, WNOHANG)
                if r == pid { exited = exitCode(status); break }
                if r < 0 && errno != EINTR { exited = -1; break }
                if cancelled.isRaised || monotonicSeconds() > deadline {
                    timedOut = !cancelled.isRaised
                    kill(pid, SIGKILL)
                }
                usleep(10_000)
            }
        }
        return CommandResult(status: exited ?? -1, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self), timedOut: timedOut)
    }

    static func exitCode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    static func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }
}

private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for p in pointers { free(p) } }
    return body(pointers)
}

/// Set once when the call that waits for a command is cancelled.
final class CancelFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func raise() { flag.store(true, ordering: .relaxed) }
    var isRaised: Bool { flag.load(ordering: .relaxed) }
}

/// A value shared between the closures of one call (a `Mutex` cannot be captured by them).
package final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    package init(_ value: Value) { mutex = Mutex(value) }
    package func withLock<R>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}
