#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// Watches plugin folders for drop-ins while serving: a plugin file (`*.so`,
/// `*.toolhost.json`) written and closed, or renamed into the folder, is reported once it is
/// complete; a removed or renamed-away one too. Uses inotify; where that is unavailable it
/// compares the folders' listings every `interval` seconds, reporting a file once its size
/// and modification time stayed the same across one interval (so a file still being copied
/// is not loaded half-written).
final class PluginWatcher: @unchecked Sendable {
    enum Change: Equatable {
        case written(String)
        case removed(String)
    }

    private let folders: [String]
    private let report: @Sendable (Change) -> Void
    private let interval: Double
    private let wake: (read: Int32, write: Int32)
    private let stopped = Atomic<Bool>(false)
    private let done = ConditionLock()
    private var running = true

    /// - Parameters:
    ///   - folders: existing folders to watch (missing ones are left out by the caller).
    ///   - forcePolling: use the polling fallback even where inotify works (tests).
    ///   - report: called on the watcher's thread, one change at a time.
    init(folders: [String], interval: Double = 1, forcePolling: Bool = false, report: @escaping @Sendable (Change) -> Void) {
        self.folders = folders
        self.report = report
        self.interval = interval
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        wake = (fds[0], fds[1])
        var inotify = forcePolling ? -1 : inotify_init1(Int32(IN_CLOEXEC))
        var watched: [Int32: String] = [:]
        if inotify >= 0 {
            let mask = UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO) | UInt32(IN_DELETE) | UInt32(IN_MOVED_FROM)
            for folder in folders {
                let wd = inotify_add_watch(inotify, folder, mask)
                guard wd >= 0 else {
                    // One folder that cannot be watched: poll them all instead.
                    close(inotify)
                    inotify = -1
                    break
                }
                watched[wd] = folder
            }
        }
        let descriptor = inotify
        let folderOf = watched
        spawnThread(name: "th-plugin-watch", stackSize: 256 << 10) { [self] in
            if descriptor >= 0 {
                watchInotify(descriptor, folders: folderOf)
            } else {
                watchByPolling()
            }
            done.withLock {
                running = false
                done.broadcast()
            }
        }
    }

    /// Stops watching and waits for the thread to end.
    func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var one: UInt8 = 1
        _ = write(wake.write, &one, 1)
        done.withLock { while running { done.wait() } }
        close(wake.read)
        close(wake.write)
    }

    static func isPluginFile(_ name: String) -> Bool {
        name.hasSuffix(".so") || name.hasSuffix(NativeManifest.suffix)
    }

    private func watchInotify(_ fd: Int32, folders: [Int32: String]) {
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 16384)
        while !stopped.load(ordering: .acquiring) {
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            guard poll(&fds, 2, -1) >= 0 || errno == EINTR else { return }
            if fds[1].revents != 0 { return }
            guard fds[0].revents & Int16(POLLIN) != 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { continue }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= n {
                let (wd, mask, length) = buffer.withUnsafeBytes { raw -> (Int32, UInt32, Int) in
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    return (event.wd, event.mask, Int(event.len))
                }
                let nameStart = offset + MemoryLayout<inotify_event>.size
                let name = String(decoding: buffer[nameStart..<min(n, nameStart + length)].prefix { $0 != 0 }, as: UTF8.self)
                offset = nameStart + length
                guard let folder = folders[wd], Self.isPluginFile(name) else { continue }
                let path = folder + "/" + name
                if mask & (UInt32(IN_DELETE) | UInt32(IN_MOVED_FROM)) != 0 {
                    report(.removed(path))
                } else {
                    report(.written(path))
                }
            }
        }
    }

    private struct Seen: Equatable {
        var size: Int
        var modified: Int
    }

    private func listing() -> [String: Seen] {
        var result: [String: Seen] = [:]
        for folder in folders {
            for name in PluginDiscovery.listDirectory(folder) ?? [] where Self.isPluginFile(name) {
                var info = stat()
                let path = folder + "/" + name
                guard stat(path, &info) == 0 else { continue }
                result[path] = Seen(size: Int(info.st_size), modified: Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec))
            }
        }
        return result
    }

    private func watchByPolling() {
        var reported = listing()
        var previous = reported
        while !stopped.load(ordering: .acquiring) {
            var fds = [pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 1, Int32(interval * 1000)) > 0 { return }
            let now = listing()
            for (path, seen) in now where reported[path] != seen && previous[path] == seen {
                reported[path] = seen
                report(.written(path))
            }
            for path in reported.keys where now[path] == nil {
                reported[path] = nil
                report(.removed(path))
            }
            previous = now
        }
    }
}
