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
