import ToolHostJSON

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The platforms the Python server tells apart (their names are its `Platform` values).
package enum HostPlatform: String, Sendable, Equatable {
    case linux, macosArm = "macos_arm", macosIntel = "macos_intel", windows, unknown

    package static var current: HostPlatform {
        #if os(Linux)
        return .linux
        #elseif os(macOS)
        #if arch(arm64)
        return .macosArm
        #else
        return .macosIntel
        #endif
        #elseif os(Windows)
        return .windows
        #else
        return .unknown
        #endif
    }

    var isMac: Bool { self == .macosArm || self == .macosIntel }
}

/// The two container runtimes.
package enum ContainerKind: String, Sendable, Equatable, CaseIterable {
    case podman, docker

    var displayName: String { self == .podman ? "Podman" : "Docker" }
}

/// One NVIDIA GPU as `nvidia-smi` reports it.
package struct GPUInfo: Sendable, Equatable {
    package var name: String
    package var memory: String?
    package var driver: String?
}

/// Facts about the machine, gathered for `get_platform_status` and `start_vllm`.
package enum MachineFacts {
    /// `uname`'s system, release and machine.
    static func system() -> (system: String, release: String, machine: String) {
        var info = utsname()
        guard uname(&info) == 0 else { return ("unknown", "", "") }
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return (text(info.sysname), text(info.release), text(info.machine))
    }

    /// `/etc/os-release`'s PRETTY_NAME.
    static func distribution() -> String? {
        guard let data = FileManager.default.contents(atPath: "/etc/os-release") else { return nil }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            return String(line.dropFirst(12).filter { $0 != "\"" && $0 != "'" })
        }
        return nil
    }

    /// The CPU model, the number of online CPUs, and the features vLLM cares about, from
    /// `/proc/cpuinfo` (Linux).
    static func cpu() -> (model: String?, count: Int, features: [String]) {
        let count = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        guard let data = FileManager.default.contents(atPath: "/proc/cpuinfo") else { return (nil, count, []) }
        var model: String?
        var flags: Set<Substring> = []
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = parts[0].trimmingSpaces()
            if model == nil, key == "model name" || key == "Model" {
                model = parts[1].trimmingSpaces()
            } else if flags.isEmpty, key == "flags" || key == "Features" {
                flags = Set(parts[1].split(separator: " "))
            }
        }
        return (model, count, interestingFeatures.filter { flags.contains(Substring($0)) })
    }

    /// CPU features that decide which vLLM CPU build runs (x86: AVX2 at least; AVX-512 and AMX
    /// for the fast kernels; Arm: NEON/ASIMD, bf16).
    static let interestingFeatures = [
        "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_bf16", "avx512_vnni",
        "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8", "asimd", "asimdhp", "bf16", "i8mm", "sve",
    ]

    /// The NVIDIA GPUs `nvidia-smi` lists; nil when `nvidia-smi` is missing or fails.
    static func nvidiaGPUs() async -> [GPUInfo]? {
        guard ProcessRunner.which("nvidia-smi") != nil,
              let result = try? await ProcessRunner.run(["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"], timeout: 20),
              result.succeeded else { return nil }
        return result.stdout.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ",").map { $0.trimmingSpaces() }
            guard let name = fields.first, !name.isEmpty else { return nil }
            return GPUInfo(name: name, memory: fields.count > 1 ? fields[1] : nil, driver: fields.count > 2 ? fields[2] : nil)
        }
    }
}
