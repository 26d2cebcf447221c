#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Nanoseconds on CLOCK_MONOTONIC: one clock for every process on the machine, so a time taken
/// here can be set against a time taken in another thread or process.
@inline(__always)
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// A span in nanoseconds, printed in the unit that suits it.
struct Nanos: Sendable {
    var value: Int64
    init(from start: UInt64, to end: UInt64) { value = Int64(bitPattern: end &- start) }

    var micros: Double { Double(value) / 1_000 }
    var millis: Double { Double(value) / 1_000_000 }
    var seconds: Double { Double(value) / 1_000_000_000 }
}

/// Sleeps for `ms` milliseconds.
func sleepMillis(_ ms: Int) {
    var request = timespec(tv_sec: ms / 1000, tv_nsec: (ms % 1000) * 1_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}

/// memmem (a GNU extension Glibc's module map leaves out): memchr for the first byte, then memcmp.
func memfind(_ haystack: UnsafeRawPointer, _ count: Int, _ needle: UnsafeRawPointer, _ needleCount: Int) -> UnsafeRawPointer? {
    guard needleCount > 0, count >= needleCount else { return nil }
    let first = Int32(needle.load(as: UInt8.self))
    var p = haystack
    let last = haystack + (count - needleCount)
    while p <= last {
        guard let hit = memchr(p, first, last - p + 1) else { return nil }
        if memcmp(hit, needle, needleCount) == 0 { return UnsafeRawPointer(hit) }
        p = UnsafeRawPointer(hit) + 1
    }
    return nil
}
