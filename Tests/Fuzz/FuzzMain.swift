import Logging
import ToolHostCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Framing + dispatch under arbitrary input. Built two ways:
/// - with `-sanitize=fuzzer -DFUZZING` (scripts/fuzz): the libFuzzer entry point;
/// - normally: `toolhost-fuzz FILE…` replays inputs, `toolhost-fuzz --generate N [--seed S]`
///   runs N generated sessions and checks that every line written is a well-formed JSON-RPC
///   message (the property test CI runs); `toolhost-fuzz --schema-verdicts` judges
///   schema/instance pairs read from stdin (SchemaVerdicts.swift).
enum FuzzHarness {
    static let host: PluginHost = {
        var configuration = HostConfiguration()
        configuration.defaultPluginDirectories = []
        configuration.maxMessageBytes = 1 << 16
        configuration.shutdownGrace = 0
        configuration.toolsPageSize = 2
        let host = PluginHost(configuration: configuration, logger: Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() }))
        host.loadPlugins()
        host.addPlugin(descriptor: FuzzPlugin.descriptor, path: "<fuzz plugin>")
        return host
    }()

    static let devNull = open("/dev/null", O_WRONLY)

    /// Inputs that start with this byte are host↔runner protocol bytes (issue 14): framing and
    /// payload parsing of both sides, instead of an MCP session. Never a first byte of MCP
    /// (JSON text starts with whitespace or a bracket).
    static let runnerProtocolMarker: UInt8 = 0xF7

    /// One input: a fresh connection (session state) over the shared host, or (first byte
    /// ``runnerProtocolMarker``) a stream of runner-protocol frames.
    static func run(_ bytes: UnsafeBufferPointer<UInt8>, outputFD: Int32 = devNull) {
        if bytes.first == runnerProtocolMarker {
            _ = RunnerProtocolProbe.parse(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[1...]))
            return
        }
        let server = MCPServer(host: host, logger: Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() }), inputFD: -1, outputFD: outputFD)
        server.feed(bytes, end: true)
        server.flush()
    }

    /// Waits until asynchronous calls started by earlier inputs have finished. The fuzz
    /// plugin's calls complete at once, so one still live after 30 s is a hang.
    /// - Returns: false when calls are still live then.
    static func settle() -> Bool {
        var spins = 0
        while host.liveCallCount > 0 && spins < 60_000 {
            usleep(500)
            spins += 1
        }
        return host.liveCallCount == 0
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzHarness.run(UnsafeBufferPointer(start: data, count: size))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// SwiftPM links an executable's entry point under this name; hand control to libFuzzer.
@_cdecl("toolhost_fuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var vector = argv
    return runFuzzerDriver(&count, &vector) { data, size in fuzzOneInput(data, size) }
}
#else
@main
enum FuzzCommand {
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "--schema-verdicts" {
            exit(SchemaVerdicts.run())
        }
        if arguments.first == "--frames" {
            // The runner protocol's property run: random messages through encoding, random
            // cuts of the stream and decoding must come back equal; mutated streams must
            // never trap.
            let count = arguments.count > 1 ? Int(arguments[1]) ?? 1000 : 1000
            var seed: UInt64 = 0x5EED
            if let i = arguments.firstIndex(of: "--seed"), i + 1 < arguments.count { seed = UInt64(arguments[i + 1]) ?? seed }
            if let failure = RunnerProtocolProbe.roundTrip(count: count, seed: seed) {
                print("runner protocol (seed \(seed)): \(failure)")
                exit(1)
            }
            print("runner protocol: \(count) random messages round-tripped through random cuts (seed \(seed)); \(count) mutated streams parsed without a trap")
            exit(0)
        }
        if arguments.first == "--generate" {
            let count = arguments.count > 1 ? Int(arguments[1]) ?? 1000 : 1000
            var seed: UInt64 = 0x5EED
            if let i = arguments.firstIndex(of: "--seed"), i + 1 < arguments.count { seed = UInt64(arguments[i + 1]) ?? seed }
            exit(PropertyRun.run(cases: count, seed: seed))
        }
        if arguments.isEmpty {
            print("usage: toolhost-fuzz FILE… | toolhost-fuzz --generate N [--seed S] | toolhost-fuzz --frames N [--seed S] | toolhost-fuzz --schema-verdicts")
            exit(2)
        }
        var failures = 0
        while let path = arguments.first {
            arguments.removeFirst()
            guard let file = fopen(path, "rb") else {
                print("cannot read \(path)")
                failures += 1
                continue
            }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = fread(&chunk, 1, chunk.count, file)
                if n <= 0 { break }
                bytes += chunk[..<n]
            }
            fclose(file)
            bytes.withUnsafeBufferPointer { FuzzHarness.run($0) }
        }
        if !FuzzHarness.settle() {
            print("\(FuzzHarness.host.liveCallCount) call(s) never completed: a hang")
            exit(1)
        }
        print("replayed \(CommandLine.arguments.count - 1 - failures) input(s), no crash")
        exit(failures == 0 ? 0 : 1)
    }
}
#endif
