#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where plugins come from, in the order they load (which decides name collisions).
///
/// 1. `--plugin FILE` (repeatable): only these files, in the order given. A name without `/`
///    that a built-in plugin has (``BuiltinPlugins``) is that plugin (`--plugin vllm`).
/// 2. Otherwise every folder of `--plugin-dir DIR` (repeatable, in order), then every entry of
///    `TOOLHOST_PLUGIN_PATH` (colon-separated folders or files, in order).
/// 3. When neither is given: the folder of the `toolhost` executable (so a plain `swift build`
///    output works) and `<exe>/../lib/toolhost/plugins` (an installed layout).
/// Inside a folder, `*.so` files and `*.toolhost.json` manifests load in byte order of their
/// names. A file reached twice (same real path) loads once.
public enum PluginDiscovery {
    public struct Candidate: Sendable, Equatable {
        public let path: String
        /// Named by the user: a file that is not a plugin is an error, not silently skipped.
        public let explicit: Bool
    }

    public static func candidates(
        files: [String], directories: [String], searchPath: String?, defaultDirectories: [String]
    ) -> (candidates: [Candidate], problems: [PluginProblem]) {
        var result: [Candidate] = []
        var problems: [PluginProblem] = []
        var seen = Set<String>()
        func add(_ path: String, explicit: Bool) {
            let real = realPath(path) ?? path
            guard seen.insert(real).inserted else { return }
            result.append(Candidate(path: absolute(path), explicit: explicit))
        }
        if !files.isEmpty {
            for file in files {
                if let origin = BuiltinPlugins.origin(ofArgument: file) {
                    if seen.insert(origin).inserted { result.append(Candidate(path: origin, explicit: true)) }
                    continue
                }
                if !file.contains("/"), !exists(file) {
                    problems.append(PluginProblem(path: file, message: "no such file, and \(BuiltinPlugins.unknown(file))"))
                    continue
                }
                add(file, explicit: true)
            }
            return (result, problems)
        }
        for folder in folders(directories: directories, searchPath: searchPath, defaultDirectories: defaultDirectories) {
            if !isDirectory(folder.path) {
                if exists(folder.path) {
                    add(folder.path, explicit: true)
                } else if folder.explicit {
                    problems.append(PluginProblem(path: folder.path, message: "plugin folder does not exist"))
                }
                continue
            }
            guard let names = listDirectory(folder.path) else {
                problems.append(PluginProblem(path: folder.path, message: "cannot read the plugin folder: \(String(cString: strerror(errno)))"))
                continue
            }
            for name in names.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) where name.hasSuffix(".so") || name.hasSuffix(NativeManifest.suffix) {
                add(folder.path + "/" + name, explicit: folder.explicit)
            }
        }
        return (result, problems)
    }

    /// The folders searched when no `--plugin` file is given, in order: `--plugin-dir`, then
    /// `TOOLHOST_PLUGIN_PATH`'s entries (both named by the user), else the default folders.
    /// (An entry of the search path may also be a file.)
    public static func folders(directories: [String], searchPath: String?, defaultDirectories: [String]) -> [(path: String, explicit: Bool)] {
        var folders = directories.map { (path: $0, explicit: true) }
        if let searchPath {
            for entry in searchPath.split(separator: ":").map(String.init) where !entry.isEmpty {
                folders.append((entry, true))
            }
        }
        if folders.isEmpty { folders = defaultDirectories.map { ($0, false) } }
        return folders
    }

    /// The folder of the running executable.
    public static func executableDirectory() -> String? {
        #if os(Linux)
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        let path = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return parent(of: path)
        #else
        return nil
        #endif
    }

    public static func defaultDirectories() -> [String] {
        guard let dir = executableDirectory() else { return [] }
        return [dir, parent(of: dir) + "/lib/toolhost/plugins"]
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return "./" + path }
        let cwd = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return cwd == "/" ? "/" + path : cwd + "/" + path
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    static func listDirectory(_ path: String) -> [String]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
