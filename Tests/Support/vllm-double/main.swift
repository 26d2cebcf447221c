import NIOCore
import NIOPosix
import VLLMDouble

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a line to standard error; stdout carries only the base URL.
func logError(_ message: String) {
    var line = message + "\n"
    line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

let options: Options
do {
    options = try Options(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    logError("\(error)\n\(Options.usage)")
    exit(2)
}
if options.showHelp {
    logError(Options.usage)
    exit(0)
}

// Like a server loading a model: log lines, then listen.
if options.startupDelayMs > 0 {
    let steps = max(1, options.startupDelayMs / 200)
    for step in 1...steps {
        logError("INFO loading model weights (step \(step) of \(steps))")
        usleep(UInt32(options.startupDelayMs * 1000 / steps))
    }
}

let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads ?? System.coreCount)
do {
    let double = try await VLLMDouble.start(options.configuration, eventLoopGroup: group)
    print(double.baseURL)
    fflush(nil)
    await Termination.wait(watchStdin: options.watchStdin)
    try await double.shutdown()
    try await group.shutdownGracefully()
} catch {
    logError("\(error)")
    exit(1)
}
