import Foundation

/// Builds C plugins the way a third party does: `cc -shared -fPIC` against include/toolhost.h
/// alone, with the strictest warnings.
public enum PluginBuilder {
    /// A fresh temporary folder.
    public static func temporaryDirectory(_ prefix: String = "toolhost-test") throws -> String {
        let path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The frozen copy of include/toolhost.h as ABI 1.0 shipped it: plugins built against it
    /// are what third parties have today.
    public static let abi10Headers = "Tests/Fixtures/abi/1.0"

    /// Compiles `source` (relative to the package root) into `directory/lib<name>.so`.
    /// - Parameters:
    ///   - defines: `-D` flags, e.g. `["INIT_FAILS", "FIXTURE_ID=\"x\""]`.
    ///   - headers: the folder (relative to the package root) whose toolhost.h is used.
    @discardableResult
    public static func build(
        _ source: String, name: String, into directory: String, defines: [String] = [], headers: String = "include"
    ) throws -> String {
        let output = "\(directory)/lib\(name).so"
        let arguments = [
            "-std=c99", "-D_POSIX_C_SOURCE=200809L", "-Wall", "-Wextra", "-Werror", "-pedantic",
            "-shared", "-fPIC", "-I", ServerProcess.packageRoot + "/" + headers,
        ] + defines.map { "-D\($0)" } + ["-o", output, ServerProcess.packageRoot + "/" + source, "-lpthread"]
        let result = try runCommand("/usr/bin/cc", arguments)
        guard result.status == 0 else {
            throw ProcessError("cc failed for \(name) (\(defines)):\n\(result.stderr)")
        }
        return output
    }
}
