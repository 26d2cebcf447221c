import Foundation
import Testing
@testable import ToolHostCore

/// The live view's socket (`toolhost plugins --running`) without a server process: a socket
/// answers with its report, a stopped one is gone, and one left by a process that no longer
/// exists is removed by the query that finds it.
@Suite struct StatusSocketTests {
    static func folder() -> String {
        NSTemporaryDirectory() + "status-\(UUID().uuidString.prefix(8))/toolhost"
    }

    @Test func aSocketAnswersWithItsReportUntilStopped() throws {
        let folder = Self.folder()
        try FileManager.default.createDirectory(atPath: (folder as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let socket = try StatusSocket.open(folder: folder).get()
        Thread.detachNewThread { socket.serve { "a report\nof two lines" } }
        let found = StatusSocket.query(folder: folder)
        #expect(found.count == 1)
        #expect(found.first?.pid == getpid())
        #expect(found.first?.report == "a report\nof two lines\n")
        let mode = try FileManager.default.attributesOfItem(atPath: folder)[.posixPermissions] as? Int
        #expect(mode == 0o700)
        socket.stop()
        #expect(StatusSocket.query(folder: folder).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: socket.path))
    }

    @Test func aSocketOfAProcessThatIsGoneIsRemoved() throws {
        let folder = Self.folder()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        chmod(folder, 0o700)
        // A socket file nobody listens on, named by a pid no process has (above pid_max).
        let stale = folder + "/99999999.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(stale.utf8)
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        close(fd)
        #expect(FileManager.default.fileExists(atPath: stale))
        #expect(StatusSocket.query(folder: folder).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: stale), "the query removed it")
    }

    @Test func aFolderOthersMayEnterIsNeitherUsedNorRead() throws {
        let folder = Self.folder()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        chmod(folder, 0o755)
        #expect(throws: StatusSocket.StatusError.self) { try StatusSocket.open(folder: folder).get() }
        #expect(StatusSocket.query(folder: folder).isEmpty)
    }
}
