// swift-tools-version:6.0
import PackageDescription

#if canImport(Glibc)
import Glibc
#endif

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

/// Relative relocations packed (DT_RELR, with the toolchain's lld): the binary's 41,000 relative
/// relocations take 8 KB instead of a 1 MB table that the loader reads at every start and that
/// stays resident. Only where glibc reads DT_RELR (2.36 and later, Debian 12): a binary built so
/// needs it, and toolhost is built where it runs.
let packedRelocations: [String] = {
    #if canImport(Glibc)
    var buffer = [CChar](repeating: 0, count: 64)  // "glibc 2.36"
    guard confstr(Int32(_CS_GNU_LIBC_VERSION), &buffer, buffer.count) > 0 else { return [] }
    let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let version = (text.split(separator: " ").last ?? "").split(separator: ".").compactMap { Int($0) }
    if version.count >= 2, (version[0], version[1]) >= (2, 36) {
        return ["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"]
    }
    #endif
    return []
}()

let package = Package(
    name: "toolhost",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "toolhost", targets: ["toolhost"]),
        .library(name: "ToolHostCore", targets: ["ToolHostCore"]),
        .library(name: "ToolHostJSON", targets: ["ToolHostJSON"]),
        // Plugins: dynamic libraries loaded at run time through include/toolhost.h.
        .library(name: "CExample", type: .dynamic, targets: ["CExample"]),
        .library(name: "CTypedExample", type: .dynamic, targets: ["CTypedExample"]),
        .library(name: "SwiftExample", type: .dynamic, targets: ["SwiftExample"]),
        .library(name: "VLLM", type: .dynamic, targets: ["VLLM"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Tests only: the official Swift SDK's client as an independent peer.
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        // The stable C ABI (include/toolhost.h, linked into include/ of this target).
        .target(name: "ToolHostABI"),
        // C facilities the host needs that Swift's Glibc module does not import.
        .target(name: "CToolHostShims"),
        // libffi from the system (Debian: libffi-dev).
        .systemLibrary(name: "CFFI", pkgConfig: "libffi", providers: [.apt(["libffi-dev"])]),
        // libcurl from the system (Debian: libcurl4-openssl-dev), the vLLM plugin's HTTP client:
        // its headers only, the library is opened on first use (see Sources/CCurl/shim.h).
        .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // JSON with exact numbers and ordered members: used by the host, the vLLM plugin, the test
        // double and the bench alike (each links its own copy; nothing crosses the C ABI but text).
        .target(name: "ToolHostJSON", swiftSettings: strict),
        .target(
            name: "ToolHostCore",
            dependencies: [
                "ToolHostJSON",
                "ToolHostABI",
                "CToolHostShims",
                "CFFI",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "toolhost",
            dependencies: [
                "ToolHostCore",
                "CToolHostShims",
                // The vLLM plugin, built in (`--plugin vllm`).
                "VLLMPlugin",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict,
            // The Swift runtime linked in: no symbol lookups across ten shared libraries at
            // start (spawn to first answer about halves) and only the pages used are resident.
            // The binary exports no Swift symbols, so a Swift plugin brings and uses its own
            // runtime; the boundary between them is the C ABI alone.
            // (FoundationEssentials, which ArgumentParser uses, needs its two companions named;
            // nothing of the executable is exported, so no plugin can bind to its copies.)
            linkerSettings: [.unsafeFlags(["-static-stdlib", "-l_FoundationCollections", "-l_FoundationCShims", "-Xlinker", "--no-export-dynamic"] + packedRelocations)]
        ),

        // First-party plugins.
        .target(
            name: "CExample",
            dependencies: ["ToolHostABI"],
            path: "Plugins/Examples/CExample",
            publicHeadersPath: ".",
            cSettings: [.define("TOOLHOST_DEMO_BUILD"), .unsafeFlags(["-fvisibility=hidden"])]
        ),
        .target(
            name: "CTypedExample",
            dependencies: ["ToolHostABI"],
            path: "Plugins/Examples/CTypedExample",
            publicHeadersPath: ".",
            cSettings: [.define("TOOLHOST_DEMO_BUILD"), .unsafeFlags(["-fvisibility=hidden"])]
        ),
        // The Swift template: exports only th_* (exports.map), in debug and release builds.
        .target(
            name: "SwiftExample",
            dependencies: ["ToolHostABI"],
            path: "Plugins/Examples/SwiftExample",
            exclude: ["exports.map"],
            swiftSettings: strict + [.define("TOOLHOST_DEMO_BUILD")],
            // Like the vLLM plugin: the Swift runtime linked in, so the library needs no
            // toolchain at run time and shares nothing with the host but the C ABI.
            linkerSettings: [
                .unsafeFlags([
                    "-static-stdlib", "-l_FoundationCollections", "-l_FoundationCShims", "-lswiftSynchronization",
                    "-Xlinker", "--version-script=\(Context.packageDirectory)/Plugins/Examples/SwiftExample/exports.map",
                ])
            ]
        ),
        // The vLLM plugin: the OpenAI-compatible client and the tools (VLLMCore, no C ABI), and the
        // C-ABI glue that makes them a plugin (VLLMPlugin). Only th_* symbols leave libVLLM.so.
        .target(
            name: "VLLMCore",
            dependencies: [
                "ToolHostJSON",
                "CCurl",
            ],
            path: "Plugins/VLLM/Core",
            swiftSettings: strict
        ),
        // The C-ABI glue: the descriptor and its callbacks. Linked into libVLLM.so (below) and into
        // the toolhost executable, which offers it as the built-in plugin `vllm`: one Swift
        // runtime for both, the C ABI still the only boundary.
        .target(
            name: "VLLMPlugin",
            dependencies: ["ToolHostABI", "ToolHostJSON", "VLLMCore"],
            path: "Plugins/VLLM/Plugin",
            swiftSettings: strict
        ),
        // libVLLM.so: the glue above behind the exported entry point, with its own Swift runtime.
        .target(
            name: "VLLM",
            dependencies: ["ToolHostABI", "VLLMPlugin"],
            path: "Plugins/VLLM/Library",
            swiftSettings: strict,
            linkerSettings: [
                .unsafeFlags([
                    "-static-stdlib", "-l_FoundationCollections", "-l_FoundationCShims",
                    "-Xlinker", "--version-script=\(Context.packageDirectory)/Plugins/VLLM/exports.map",
                ] + packedRelocations)
            ]
        ),

        // Tests.
        .target(name: "TestSupport", dependencies: [], path: "Tests/Support/TestSupport"),
        // Benchmarks (scripts/bench): whole servers over stdio, measured side by side.
        .executableTarget(name: "toolhost-bench", dependencies: ["ToolHostJSON"], path: "Tests/Bench/toolhost-bench"),
        // A trivial echo server on the official Swift SDK, one of the compared servers.
        .executableTarget(
            name: "swift-sdk-echo",
            dependencies: [
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/Bench/swift-sdk-echo"
        ),
        // Framing + dispatch under arbitrary input: libFuzzer entry (scripts/fuzz) or, in a normal
        // build, corpus replay and a generated property run.
        .executableTarget(
            name: "toolhost-fuzz",
            dependencies: ["ToolHostCore", "ToolHostABI", .product(name: "Logging", package: "swift-log")],
            path: "Tests/Fuzz",
            exclude: ["corpus"]
        ),
        // The vLLM test double: answers like vLLM 0.32's OpenAI-compatible server (in-process
        // for tests, or as the `vllm-double` command for benchmarks and manual runs).
        .target(
            name: "VLLMDouble",
            dependencies: [
                "ToolHostJSON",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/Support/VLLMDouble"
        ),
        .executableTarget(
            name: "vllm-double",
            dependencies: [
                "VLLMDouble",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/Support/vllm-double"
        ),
        .testTarget(
            name: "VLLMDoubleTests",
            dependencies: [
                "VLLMDouble",
                "ToolHostJSON",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/VLLMDoubleTests"
        ),
        .testTarget(
            name: "ToolHostJSONTests",
            dependencies: ["ToolHostJSON"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ToolHostCoreTests",
            dependencies: ["ToolHostCore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SwiftSDKInteropTests",
            dependencies: [
                "TestSupport",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "VLLMEndToEndTests",
            dependencies: ["TestSupport", "VLLMDouble", .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "VLLMTests",
            dependencies: ["VLLMCore", "ToolHostJSON", "CCurl"],
            swiftSettings: strict
        ),
    ]
)
