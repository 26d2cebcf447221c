import Synchronization
import ToolHostABI

/// Plugins linked into the executable itself, loaded by name: `--plugin vllm`.
///
/// A built-in plugin is the same plugin as its shared-object build: the host gets its
/// `th_plugin` descriptor from the entry function the executable registered instead of from
/// `dlsym`, and from there on drives it through the C ABI like any other (the same checks,
/// callbacks, threads, isolation). What it saves is a second copy of the Swift runtime and of
/// Foundation in the process: a Swift plugin in a `.so` brings its own.
///
/// Built-ins load only when named, never from a folder, so a plugin folder that also holds the
/// `.so` build does not load the plugin twice. In lists and reports a built-in's origin reads
/// `builtin:<name>`.
public enum BuiltinPlugins {
    /// Returns the plugin's descriptor, as `th_plugin_entry_v1` does.
    public typealias Entry = @Sendable () -> UnsafePointer<th_plugin>?

    private static let table = Mutex<[(name: String, entry: Entry)]>([])

    /// Makes `entry` loadable as `--plugin <name>`. Call before any plugin loads (the
    /// executable does it first thing, for every command and for runners).
    public static func register(_ name: String, entry: @escaping Entry) {
        table.withLock { list in
            list.removeAll { $0.name == name }
            list.append((name, entry))
        }
    }

    /// The names registered, in order.
    public static var names: [String] { table.withLock { $0.map(\.name) } }

    static let prefix = "builtin:"

    /// The built-in a `--plugin` argument names, as its origin path (`builtin:<name>`), or nil
    /// when the argument is a file. An argument names a built-in when it has no `/` and is a
    /// registered name, or is written `builtin:<name>` (a file of the same name is `./<name>`).
    static func origin(ofArgument argument: String) -> String? {
        if argument.hasPrefix(prefix) { return argument }
        guard !argument.contains("/"), names.contains(argument) else { return nil }
        return prefix + argument
    }

    /// The built-in's name when `path` is a built-in's origin (`builtin:<name>`).
    static func name(ofOrigin path: String) -> String? {
        path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : nil
    }

    static func entry(named name: String) -> Entry? {
        table.withLock { list in list.first { $0.name == name }?.entry }
    }

    /// What to say when no built-in has this name.
    static func unknown(_ name: String) -> String {
        let known = names
        return "toolhost has no built-in plugin named \"\(name)\""
            + (known.isEmpty ? " (this build has none)" : " (built in: \(known.joined(separator: ", ")))")
    }
}
