#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks a shared object's ELF headers before `dlopen` maps it.
///
/// `dlopen` trusts the file: a library cut short (a half-copied file in a plugin folder) is
/// mapped past its end, and the first touch of a missing page raises SIGBUS inside the loader,
/// killing the host. Reading the headers first turns that into a reported problem: the file
/// must be an ELF shared object for this machine, and its program headers and every segment
/// the loader maps or reads (`PT_LOAD`, `PT_DYNAMIC`, `PT_INTERP`) must lie inside the file.
enum SharedObjectCheck {
    /// The reason `path` cannot be a loadable shared object for this host, or nil when its
    /// headers are sound (or the platform is not ELF).
    static func problem(at path: String) -> String? {
        #if os(Linux)
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "cannot be opened: \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return "cannot be examined: \(String(cString: strerror(errno)))" }
        guard info.st_mode & S_IFMT == S_IFREG else { return "is not a regular file" }
        return problem(size: UInt64(info.st_size)) { offset, count in
            var bytes = [UInt8](repeating: 0, count: count)
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
            return n == count ? bytes : nil
        }
        #else
        return nil
        #endif
    }

    /// The check itself, over any source of bytes (testable without files).
    /// - Parameters:
    ///   - size: the file's size in bytes.
    ///   - read: `count` bytes at `offset`, or nil when they cannot be read.
    static func problem(size: UInt64, read: (UInt64, Int) -> [UInt8]?) -> String? {
        let headerSize = 64
        guard size >= UInt64(headerSize), let header = read(0, headerSize) else {
            return "is not a shared object: \(size) bytes is shorter than an ELF header (a file still being copied?)"
        }
        guard header[0] == 0x7F, header[1] == 0x45, header[2] == 0x4C, header[3] == 0x46 else {
            return "is not a shared object: it does not start with the ELF magic number"
        }
        guard header[4] == 2 else { return "is not a 64-bit ELF object; this host loads 64-bit libraries only" }
        guard header[5] == nativeDataEncoding else { return "is an ELF object of the other byte order than this machine" }
        let type = UInt16(le: header, 16)
        guard type == 3 else { return "is an ELF object of type \(type), not a shared object (ET_DYN)" }
        let machine = UInt16(le: header, 18)
        if let expected = nativeMachine, machine != expected {
            return "is an ELF shared object for another machine (e_machine \(machine), this host is \(expected))"
        }
        let programHeaders = UInt64(le: header, 32)
        let entrySize = UInt64(UInt16(le: header, 54))
        let count = UInt64(UInt16(le: header, 56))
        guard entrySize >= 56, count > 0 else { return "has no usable program headers (a damaged ELF file)" }
        let (tableEnd, overflow) = programHeaders.addingReportingOverflow(entrySize * count)
        guard !overflow, tableEnd <= size, let table = read(programHeaders, Int(entrySize * count)) else {
            return "is truncated: its program headers end at byte \(tableEnd), past the end of the \(size)-byte file (a file still being copied?)"
        }
        for index in 0..<Int(count) {
            let base = index * Int(entrySize)
            let segmentType = UInt32(le: table, base)
            // PT_LOAD, PT_DYNAMIC and PT_INTERP: what the loader maps or reads from the file.
            guard segmentType == 1 || segmentType == 2 || segmentType == 3 else { continue }
            let offset = UInt64(le: table, base + 8)
            let fileSize = UInt64(le: table, base + 32)
            let (end, overflow) = offset.addingReportingOverflow(fileSize)
            if overflow || end > size {
                return "is truncated: a segment it needs ends at byte \(end), past the end of the \(size)-byte file (a file still being copied?)"
            }
        }
        return nil
    }

    private static var nativeDataEncoding: UInt8 {
        1.littleEndian == 1 ? 1 : 2
    }

    /// This machine's e_machine, where known.
    private static var nativeMachine: UInt16? {
        #if arch(x86_64)
        return 62
        #elseif arch(arm64)
        return 183
        #else
        return nil
        #endif
    }
}

extension FixedWidthInteger {
    /// Reads a little-endian value at `offset` of `bytes` (ELF64 little-endian fields).
    fileprivate init(le bytes: [UInt8], _ offset: Int) {
        var value: Self = 0
        for i in 0..<(Self.bitWidth / 8) { value |= Self(truncatingIfNeeded: bytes[offset + i]) << (8 * i) }
        self = value
    }
}
