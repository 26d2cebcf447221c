import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A child process with pipes on stdin, stdout and stderr, read line by line on background
/// threads. What the tests use to drive the real `toolhost` binary.
public final class ServerProcess: @unchecked Sendable {
    public let pid: pid_t
    private var stdinFD: Int32
    private let lock = NSCondition()
    private var stdoutLines: [String] = []
    private var stdoutClosed = false
    private var stderrData = Data()
    private var stderrClosed = false
    private var exitStatus: Int32?
    private static let spawnLock = NSLock()
    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc
    /// module does not declare.
    private static let closeFrom3: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// The folder of the test binary, which is SwiftPM's build folder holding `toolhost` and
    /// the plugin libraries.
    public static var buildDirectory: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // The test bundle may be a directory (…/toolhostPackageTests.xctest) on some setups.
        if url.lastPathComponent.hasSuffix(".xctest") { url.deleteLastPathComponent() }
        return url.path
    }

    public static var toolhostPath: String { buildDirectory + "/toolhost" }

    /// A plugin library built by SwiftPM, e.g. `plugin("CExample")` → `…/libCExample.so`.
    public static func plugin(_ product: String) -> String { buildDirectory + "/lib\(product).so" }

    /// The package's root folder (for fixtures and include/).
    public static var packageRoot: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }

    /// The child's stdout for a caller that reads it itself (``init(_:_:environment:rawStdout:)``
    /// with `rawStdout: true`), else -1.
    public private(set) var stdoutFD: Int32 = -1

    /// The write end of the child's stdin (-1 once closed).
    public var stdinDescriptor: Int32 { stdinFD }

    /// Starts `executable` with `arguments`.
    /// - Parameters:
    ///   - environment: the child's whole environment (default: this process's).
    ///   - rawStdout: leave the child's stdout to the caller (``stdoutFD``) instead of reading it
    ///     into lines — for clients that bring their own transport.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, rawStdout: Bool = false) throws {
        // Pipes are made close-on-exec under a lock that every spawn takes, so a child spawned
        // concurrently by another test never inherits these ends (which would keep them open).
        Self.spawnLock.lock()
        defer { Self.spawnLock.unlock() }
        var inPipe: [Int32] = [0, 0], outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&inPipe) == 0, pipe(&outPipe) == 0, pipe(&errPipe) == 0 else {
            throw ProcessError("pipe failed: \(String(cString: strerror(errno)))")
        }
        for fd in inPipe + outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for fd in inPipe + outPipe + errPipe { posix_spawn_file_actions_addclose(&actions, fd) }
        // The child gets stdin, stdout and stderr and nothing else. Sockets that SwiftNIO opens in
        // this process (in-process vLLM doubles, test clients) are not close-on-exec; a child
        // that inherited one would keep that connection open after the test closed it, so the
        // server would never see the disconnect.
        _ = Self.closeFrom3?(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child starts with default signal handling and an empty mask, whatever the test
        // runner has set.
        var defaults = sigset_t()
        sigfillset(&defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv = [executable] + arguments
        var pid: pid_t = 0
        let rc = withCStrings(argv) { argvPointers in
            withCStrings(env) { envPointers in
                posix_spawn(&pid, executable, &actions, &attributes, argvPointers, envPointers)
            }
        }
        close(inPipe[0])
        close(outPipe[1])
        close(errPipe[1])
        guard rc == 0 else {
            close(inPipe[1]); close(outPipe[0]); close(errPipe[0])
            throw ProcessError("cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        self.pid = pid
        self.stdinFD = inPipe[1]
        let outFD = outPipe[0], errFD = errPipe[0]
        if rawStdout {
            stdoutFD = outFD
        } else {
            Thread.detachNewThread { [self] in readLines(outFD) }
        }
        Thread.detachNewThread { [self] in readStderr(errFD) }
    }

    deinit {
        if stdinFD >= 0 { close(stdinFD) }
        if exitStatus == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }

    // MARK: Input

    /// Writes `line` and a newline to the child's stdin.
    public func send(_ line: String) {
        writeRaw(Array(line.utf8) + [0x0A])
    }

    /// Writes bytes as they are (for framing tests).
    public func writeRaw(_ bytes: [UInt8]) {
        guard stdinFD >= 0 else { return }
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(stdinFD, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += n
            }
        }
    }

    public func closeStdin() {
        if stdinFD >= 0 {
            close(stdinFD)
            stdinFD = -1
        }
    }

    public func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    // MARK: Output

    /// The next line of stdout, waiting up to `timeout` seconds; nil on timeout or end.
    public func readLine(timeout: Double = 10) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock()
        defer { lock.unlock() }
        while stdoutLines.isEmpty {
            if stdoutClosed { return nil }
            if !lock.wait(until: deadline) { return nil }
        }
        return stdoutLines.removeFirst()
    }

    /// Every stdout line until the child closes stdout (or `timeout`).
    public func readRemainingLines(timeout: Double = 10) -> [String] {
        var lines: [String] = []
        while let line = readLine(timeout: timeout) { lines.append(line) }
        return lines
    }

    /// Everything the child wrote to stderr so far.
    public var stderr: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: stderrData, as: UTF8.self)
    }

    /// Waits until the child has closed stderr (normally: it exited) and everything it wrote
    /// has been read.
    @discardableResult
    public func waitForStderrEnd(timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock()
        defer { lock.unlock() }
        while !stderrClosed {
            if !lock.wait(until: deadline) { return false }
        }
        return true
    }

    /// Waits until stderr contains `text`.
    public func waitForStderr(containing text: String, timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock()
        defer { lock.unlock() }
        while !String(decoding: stderrData, as: UTF8.self).contains(text) {
            if stderrClosed { return false }
            if !lock.wait(until: deadline) { return false }
        }
        return true
    }

    /// Waits for the child to exit.
    /// - Returns: its exit status (128+signal when killed by a signal), or nil on timeout.
    public func waitForExit(timeout: Double = 10) -> Int32? {
        if let exitStatus { return exitStatus }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                exitStatus = code
                return code
            }
            usleep(5_000)
        }
        return nil
    }

    /// Resident memory of the child in kB (VmRSS), or nil.
    public func residentKilobytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        return nil
    }

    private func readLines(_ fd: Int32) {
        var pending: [UInt8] = []
        var scanned = 0  // bytes of `pending` known to hold no newline
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            pending.append(contentsOf: buffer[..<n])
            var lines: [String] = []
            var start = 0
            while let newline = pending[scanned...].firstIndex(of: 0x0A) {
                lines.append(String(decoding: pending[start..<newline], as: UTF8.self))
                start = newline + 1
                scanned = start
            }
            if start > 0 { pending.removeFirst(start) }
            scanned = pending.count
            if !lines.isEmpty {
                lock.lock()
                stdoutLines.append(contentsOf: lines)
                lock.broadcast()
                lock.unlock()
            }
        }
        close(fd)
        lock.lock()
        if !pending.isEmpty { stdoutLines.append(String(decoding: pending, as: UTF8.self)) }
        stdoutClosed = true
        lock.broadcast()
        lock.unlock()
    }

    private func readStderr(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            lock.lock()
            stderrData.append(contentsOf: buffer[..<n])
            lock.broadcast()
            lock.unlock()
        }
        close(fd)
        lock.lock()
        stderrClosed = true
        lock.broadcast()
        lock.unlock()
    }
}

public struct ProcessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for p in pointers { free(p) } }
    return body(pointers)
}

/// Runs a command to completion and returns its exit status and output.
public func runCommand(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, timeout: Double = 120) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = try ServerProcess(executable, arguments, environment: environment)
    process.closeStdin()
    let lines = process.readRemainingLines(timeout: timeout)
    guard let status = process.waitForExit(timeout: timeout) else {
        process.signal(SIGKILL)
        throw ProcessError("\(executable) did not finish within \(timeout) s")
    }
    process.waitForStderrEnd(timeout: timeout)
    return (status, lines.joined(separator: "\n"), process.stderr)
}
