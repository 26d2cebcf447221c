import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Waits for the signal to stop: SIGTERM, SIGINT, or end of standard input.
enum Termination {
    /// Returns once the process is asked to stop.
    ///
    /// - Parameter watchStdin: Whether end of standard input also stops it, so a parent that
    ///   dies (closing the pipe) takes the double with it.
    static func wait(watchStdin: Bool) async {
        let queue = DispatchQueue(label: "vllm-double.termination")
        let resumed = Mutex(false)
        var sources: [any DispatchSourceProtocol] = []
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeOnce: @Sendable () -> Void = {
                let first = resumed.withLock { done in
                    defer { done = true }
                    return !done
                }
                if first { continuation.resume() }
            }
            for number in [SIGTERM, SIGINT] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler(handler: resumeOnce)
                source.resume()
                sources.append(source)
            }
            if watchStdin {
                let source = DispatchSource.makeReadSource(fileDescriptor: STDIN_FILENO, queue: queue)
                source.setEventHandler {
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
                    if count <= 0 && (count == 0 || errno != EINTR && errno != EAGAIN) { resumeOnce() }
                }
                source.resume()
                sources.append(source)
            }
        }
        for source in sources { source.cancel() }
    }
}
