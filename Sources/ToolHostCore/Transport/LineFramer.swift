#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a byte stream into lines: the framing of MCP's stdio transport (one JSON-RPC message
/// per line, no embedded newlines). A trailing `\r` is removed, so CRLF clients work. A line
/// longer than `maxLineBytes` is not buffered: its bytes are skipped up to the next newline and
/// reported once as oversized, so one hostile message cannot exhaust memory.
struct LineFramer {
    enum Event {
        case line(UnsafeBufferPointer<UInt8>)
        case oversized(Int)
    }

    let maxLineBytes: Int
    private var pending: [UInt8] = []
    private var discarding = false
    private var discarded = 0

    init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    /// Feeds `chunk` and calls `handle` for each complete line or oversized message in order.
    mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, _ handle: (Event) -> Void) {
        var start = 0
        while start < chunk.count {
            let rest = UnsafeBufferPointer(rebasing: chunk[start...])
            guard let newline = rest.firstIndex(of: 0x0A) else {
                append(rest)
                return
            }
            let piece = UnsafeBufferPointer(rebasing: rest[..<newline])
            start += newline + 1
            if discarding {
                discarded += piece.count
                handle(.oversized(discarded))
                discarding = false
                discarded = 0
                continue
            }
            if pending.isEmpty {
                if piece.count > maxLineBytes {
                    handle(.oversized(piece.count))
                } else {
                    handle(.line(trimCR(piece)))
                }
            } else {
                append(piece)
                if discarding {
                    handle(.oversized(discarded))
                    discarding = false
                    discarded = 0
                } else {
                    pending.withUnsafeBufferPointer { handle(.line(trimCR($0))) }
                }
                pending.removeAll(keepingCapacity: pending.capacity <= 1 << 20)
            }
        }
    }

    /// Reports what is left when the stream ends: an unterminated last line is still a message.
    mutating func finish(_ handle: (Event) -> Void) {
        if discarding {
            handle(.oversized(discarded))
        } else if !pending.isEmpty {
            pending.withUnsafeBufferPointer { handle(.line(trimCR($0))) }
        }
        pending = []
        discarding = false
    }

    private mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        if discarding {
            discarded += bytes.count
            return
        }
        if pending.count + bytes.count > maxLineBytes {
            discarding = true
            discarded = pending.count + bytes.count
            pending = []
            return
        }
        pending.append(contentsOf: bytes)
    }

    private func trimCR(_ line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        if let last = line.last, last == 0x0D {
            return UnsafeBufferPointer(rebasing: line.dropLast())
        }
        return line
    }
}

/// Reads a file descriptor to its end in chunks.
struct ChunkReader {
    let fd: Int32
    var bufferSize = 256 << 10

    /// Reads until end of input, a read error, or `handle` returns false, calling `handle`
    /// with each chunk.
    /// - Returns: 0 at end of input (or when stopped), else the errno of the failed read.
    func run(_ handle: (UnsafeBufferPointer<UInt8>) -> Bool) -> Int32 {
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bufferSize)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            if n == 0 { return 0 }
            if !handle(UnsafeBufferPointer(rebasing: buffer[..<n])) { return 0 }
        }
    }
}
