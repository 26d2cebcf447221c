#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Request ids and timestamps in vLLM's formats.
enum Identifiers {
    private static let digits = Array("0123456789abcdef".utf8)

    /// `count` random lowercase hex digits, as in `uuid4().hex`.
    static func hex(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        var bits: UInt64 = 0
        for index in 0..<count {
            if index % 16 == 0 { bits = generator.next() }
            bytes.append(digits[Int(bits & 0xF)])
            bits >>= 4
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Seconds since the Unix epoch, as `int(time.time())`.
    static func unixTime() -> Int {
        Int(time(nil))
    }
}

extension Identifiers {
    /// vLLM's `system_fingerprint`, `vllm-<version>-<8 hex digits>` (a hash of the server's
    /// configuration there; of the version here), the same for every response of a server.
    static func systemFingerprint(version: String) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in version.utf8 {
            hash = (hash ^ UInt32(byte)) &* 16_777_619
        }
        let hex = String(hash, radix: 16)
        return "vllm-\(version)-" + String(repeating: "0", count: 8 - hex.count) + hex
    }
}
