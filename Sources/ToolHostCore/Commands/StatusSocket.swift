import CToolHostShims
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The live view of a serving toolhost, for `toolhost plugins --running`: a Unix socket named
/// by the server's pid in a folder of the user's own (`$XDG_RUNTIME_DIR/toolhost`, else
/// `/tmp/toolhost-UID`, mode 0700), answering every connection with the plugins report of that
/// moment (where each plugin runs, its runner's pid and memory, restarts, the last crash,
/// disabled and why) and closing it. It reads nothing from the peer and carries no secrets
/// (the report names files and states, never settings). The socket goes when the server stops;
/// one left by a server that was killed is removed by the next query that finds it dead.
public final class StatusSocket: Sendable {
    public let path: String
    private let fd: Int32
    private let stopped = Atomic<Bool>(false)

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    /// The folders the current user's sockets may be in, the one a server uses first:
    /// `$TOOLHOST_STATUS_DIR` alone when it is set, else `$XDG_RUNTIME_DIR/toolhost`,
    /// `/run/user/UID/toolhost`, `/tmp/toolhost-UID` (those whose parent exists). A query looks
    /// in all of them: an MCP client may start its server with an environment of its own,
    /// without `XDG_RUNTIME_DIR`.
    public static func folders(environment: [String: String]) -> [String] {
        if let chosen = environment["TOOLHOST_STATUS_DIR"], chosen.hasPrefix("/") { return [chosen] }
        var folders: [String] = []
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/"), PluginDiscovery.isDirectory(runtime) {
            folders.append(runtime + "/toolhost")
        }
        let run = "/run/user/\(getuid())"
        if PluginDiscovery.isDirectory(run), !folders.contains(run + "/toolhost") { folders.append(run + "/toolhost") }
        folders.append("/tmp/toolhost-\(getuid())")
        return folders
    }

    /// The folder a serving host puts its socket in.
    public static func folder(environment: [String: String]) -> String { folders(environment: environment)[0] }

    /// Whether `folder` is a folder (not a link) of this user's that no one else may enter.
    /// - Returns: nil when it is, else why not.
    static func checkPrivate(_ folder: String) -> String? {
        var info = stat()
        guard lstat(folder, &info) == 0 else { return "cannot read \(folder): \(String(cString: strerror(errno)))" }
        guard info.st_mode & S_IFMT == S_IFDIR, info.st_uid == getuid() else {
            return "\(folder) is not a folder of this user's"
        }
        guard info.st_mode & 0o077 == 0 else { return "\(folder) may be entered by other users (mode \(String(info.st_mode & 0o777, radix: 8)))" }
        return nil
    }

    /// Creates `folder` (0700) or checks that the one there is a folder of this user's that no
    /// one else may enter.
    /// - Returns: nil when it is usable, else why not.
    static func prepare(_ folder: String) -> String? {
        if mkdir(folder, 0o700) != 0, errno != EEXIST {
            return "cannot create \(folder): \(String(cString: strerror(errno)))"
        }
        return checkPrivate(folder)
    }

    /// Listens on `<folder>/<pid>.sock`; ``serve(_:)`` answers.
    /// - Returns: the socket, or why there is none (the server serves on without it).
    public static func open(folder: String) -> Result<StatusSocket, StatusError> {
        if let problem = prepare(folder) { return .failure(StatusError(problem)) }
        let path = "\(folder)/\(getpid()).sock"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(StatusError("socket: \(String(cString: strerror(errno)))")) }
        unlink(path)  // a socket of an earlier process with this pid
        guard var address = unixAddress(path) else {
            close(fd)
            return .failure(StatusError("the path \(path) is too long for a socket"))
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, chmod(path, 0o600) == 0, listen(fd, 8) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            unlink(path)
            return .failure(StatusError("cannot listen on \(path): \(reason)"))
        }
        return .success(StatusSocket(path: path, fd: fd))
    }

    public struct StatusError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Answers each connection with `report()` until ``stop()``, on the calling thread.
    public func serve(_ report: () -> String) {
        while true {
            let peer = th_shim_accept_cloexec(fd)
            if peer < 0 {
                let error = errno
                if stopped.load(ordering: .acquiring) { return }
                switch error {
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // Out of descriptors or memory for now: the connection waits in the
                    // backlog; look again in a moment rather than give up the socket.
                    _ = poll(nil, 0, 100)
                case EBADF, EINVAL, ENOTSOCK:
                    return  // the socket is gone
                default:
                    continue  // EINTR, ECONNABORTED, EPROTO: the next connection
                }
                continue
            }
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(peer, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var text = report()
            if !text.hasSuffix("\n") { text += "\n" }
            text.withUTF8 { bytes in
                var offset = 0
                while offset < bytes.count {
                    let n = send(peer, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                    if n < 0, errno == EINTR { continue }
                    if n <= 0 { break }
                    offset += n
                }
            }
            close(peer)
        }
    }

    /// Removes the socket; connections are no longer answered.
    public func stop() {
        stopped.store(true, ordering: .releasing)
        unlink(path)
        shutdown(fd, Int32(SHUT_RDWR))
    }

    /// The reports of every toolhost serving for this user now, by pid. Sockets of servers
    /// that are gone are removed.
    public static func query(folder: String) -> [(pid: Int32, report: String)] {
        // Only a folder of this user's own: another user's sockets are not read, nor removed.
        guard checkPrivate(folder) == nil, let directory = opendir(folder) else { return [] }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(".sock") { names.append(name) }
        }
        closedir(directory)
        var found: [(pid: Int32, report: String)] = []
        for name in names {
            guard let pid = Int32(name.dropLast(5)) else { continue }
            let path = folder + "/" + name
            switch read(path) {
            case .some(let report): found.append((pid, report))
            case .none:
                // Nothing listens: its server was killed before it could remove it.
                if kill(pid, 0) != 0, errno == ESRCH { unlink(path) }
            }
        }
        return found.sorted { $0.pid < $1.pid }
    }

    /// Connects to the socket at `path` and reads its report; nil when nothing answers.
    static func read(_ path: String) -> String? {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard var address = unixAddress(path) else { return nil }
        // Connecting waits on the send timeout (a full backlog), reading on the receive one;
        // the whole read also has a deadline of its own.
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { return nil }
        let deadline = monotonicSeconds() + 5
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR, monotonicSeconds() < deadline { continue }
            if n < 0 { return nil }  // timed out or failed: not a report
            if n == 0 { break }
            bytes.append(contentsOf: chunk[..<n])
            if monotonicSeconds() > deadline { return nil }
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }

    private static func unixAddress(_ path: String) -> sockaddr_un? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let utf8 = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard utf8.count < capacity else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: utf8)
            raw[utf8.count] = 0
        }
        return address
    }
}
