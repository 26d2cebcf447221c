#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A manifest: a JSON file that binds functions of an existing shared library as tools, with
/// no C to write (docs/PLUGINS.md, "Manifests").
///
/// ```json
/// {"toolhost_manifest": 1, "id": "libm", "library": "libm.so.6",
///  "functions": [{"symbol": "pow", "description": "x to the power y",
///                 "params": [{"name": "x", "type": "double"}, {"name": "y", "type": "double"}],
///                 "returns": "double", "errors": "errno"}]}
/// ```
///
/// Problems name the file and the field (`functions[2].params[0].type`); a function with a
/// problem is skipped and the others load; a manifest whose library cannot be opened loads
/// nothing.
enum NativeManifest {
    /// Files that discovery treats as manifests inside plugin folders.
    static let suffix = ".toolhost.json"

    /// True for a path that names a manifest (any `.json` file when named explicitly).
    static func isManifest(_ path: String) -> Bool { path.hasSuffix(".json") }

    static let formatVersion = 1

    /// Reads the manifest at `path`, opens its library and prepares every function.
    /// - Returns: the tool set (nil when nothing could be loaded) and the problems found.
    static func load(path: String) -> (NativeToolSet?, [PluginProblem]) {
        guard let bytes = readFile(path) else {
            return (nil, [PluginProblem(path: path, message: "cannot read the manifest: \(String(cString: strerror(errno)))")])
        }
        let json: JSON
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            let (line, column) = position(of: error.offset, in: bytes)
            return (nil, [PluginProblem(path: path, message: "line \(line), column \(column): the manifest is not valid JSON: \(error.reason)")])
        }
        return load(json, path: path)
    }

    static func load(_ json: JSON, path: String) -> (NativeToolSet?, [PluginProblem]) {
        var problems: [PluginProblem] = []
        var id: String?
        func problem(_ field: String, _ reason: String, tool: String? = nil) {
            problems.append(PluginProblem(path: path, plugin: id, tool: tool, message: field.isEmpty ? reason : "\(field): \(reason)"))
        }
        guard case .object(let root) = json else {
            problem("", "a manifest is a JSON object: {\"toolhost_manifest\": 1, \"id\": …, \"library\": …, \"functions\": […]}")
            return (nil, problems)
        }
        guard case .number(let version)? = root["toolhost_manifest"], version.int64Value == Int64(formatVersion) else {
            problem("toolhost_manifest", root["toolhost_manifest"] == nil
                ? "is missing: a manifest starts with \"toolhost_manifest\": 1"
                : "is \(JSONWriter.string(root["toolhost_manifest"]!)); this host reads manifest version \(formatVersion)")
            return (nil, problems)
        }
        guard case .string(let manifestID)? = root["id"], PluginLoader.isValidID(manifestID) else {
            problem("id", "is missing or not [a-z0-9_-]+ (1-64 characters)")
            return (nil, problems)
        }
        id = manifestID
        let known: Set<String> = ["toolhost_manifest", "id", "name", "version", "description", "library", "functions", "$comment"]
        for key in root.keys where !known.contains(key) {
            problem(key, "unknown field (known: \(known.sorted().joined(separator: ", ")))")
        }
        guard case .string(let library)? = root["library"], !library.isEmpty else {
            problem("library", "is missing: name the shared library, e.g. \"libm.so.6\"")
            return (nil, problems)
        }
        guard case .array(let entries)? = root["functions"] else {
            problem("functions", "is missing or not an array of functions")
            return (nil, problems)
        }
        // A bare name is found by the dynamic linker's search; a path is relative to the
        // manifest's folder.
        var libraryPath = library
        if library.contains("/") && !library.hasPrefix("/") {
            libraryPath = PluginDiscovery.parent(of: path) + "/" + library
        }
        if libraryPath.contains("/"), let reason = SharedObjectCheck.problem(at: libraryPath) {
            problem("library", "cannot load \(library): it \(reason)")
            return (nil, problems)
        }
        guard let handle = dlopen(libraryPath, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
            problem("library", "cannot load \(library): \(reason)")
            return (nil, problems)
        }

        var functions: [NativeFunction] = []
        for (index, entry) in entries.enumerated() {
            let location = "functions[\(index)]"
            switch spec(entry, location: location, library: library, handle: handle) {
            case .failure(let failure):
                problem(failure.problem.field, failure.problem.reason, tool: failure.tool)
            case .success(let spec):
                do {
                    functions.append(try NativeFunction(spec))
                } catch {
                    problem(error.field, error.reason, tool: spec.toolName)
                }
            }
        }
        guard !functions.isEmpty else {
            problem("functions", entries.isEmpty
                ? "is empty: list at least one function"
                : "no usable function: nothing from this manifest loads")
            return (nil, problems)
        }
        let set = NativeToolSet.make(
            id: manifestID, name: root["name"]?.stringValue ?? manifestID, version: root["version"]?.stringValue ?? "0",
            summary: root["description"]?.stringValue, origin: .manifest(library: library, address: UInt(bitPattern: functions[0].spec.address)), functions: functions)
        return (set, problems)
    }

    private static let functionKeys: Set<String> = [
        "symbol", "tool", "title", "description", "annotations", "params", "returns", "errors", "serial", "$comment",
    ]
    private static let parameterKeys: Set<String> = [
        "name", "type", "description", "out", "encoding", "length_type", "minimum", "maximum", "enum", "default", "$comment",
    ]
    private static let returnKeys: Set<String> = ["type", "description", "ownership", "free_with", "$comment"]

    static var supportedTypes: String {
        "bool, int8…int64, uint8…uint64, float, double, string, bytes, void, and the C names signed char, "
            + "unsigned char, short, int, long, long long (signed and unsigned), size_t, ssize_t, const char *; "
            + "plain char is not one (its signedness varies): write signed char or unsigned char"
    }

    private static func spec(_ entry: JSON, location: String, library: String, handle: UnsafeMutableRawPointer) -> Result<NativeFunctionSpec, NativeEntryFailure> {
        var tool: String?
        func fail(_ field: String, _ reason: String) -> Result<NativeFunctionSpec, NativeEntryFailure> {
            .failure(NativeEntryFailure(problem: NativeSpecProblem(field: field, reason: reason), tool: tool))
        }
        guard case .object(let f) = entry else { return fail(location, "a function is an object with \"symbol\", \"params\" and \"returns\"") }
        guard case .string(let symbol)? = f["symbol"], !symbol.isEmpty else { return fail("\(location).symbol", "is missing") }
        if let value = f["tool"] {
            guard case .string(let name) = value else { return fail("\(location).tool", "must be a string") }
            tool = name
        } else {
            tool = symbol
        }
        for key in f.keys where !functionKeys.contains(key) {
            return fail("\(location).\(key)", "unknown field (known: \(functionKeys.sorted().joined(separator: ", ")))")
        }
        for key in ["title", "description"] where f[key] != nil && f[key]?.stringValue == nil {
            return fail("\(location).\(key)", "must be a string")
        }
        var annotations: JSONObject?
        if let value = f["annotations"] {
            guard case .object(let object) = value else { return fail("\(location).annotations", "must be an object (MCP ToolAnnotations)") }
            annotations = object
        }

        var parameters: [NativeParameter] = []
        if let value = f["params"] {
            guard case .array(let list) = value else { return fail("\(location).params", "must be an array") }
            for (i, item) in list.enumerated() {
                let at = "\(location).params[\(i)]"
                guard case .object(let p) = item else { return fail(at, "a parameter is an object with \"name\" and \"type\"") }
                for key in p.keys where !parameterKeys.contains(key) {
                    return fail("\(at).\(key)", "unknown field (known: \(parameterKeys.sorted().joined(separator: ", ")))")
                }
                guard case .string(let name)? = p["name"] else { return fail("\(at).name", "is missing") }
                guard case .string(let typeName)? = p["type"] else { return fail("\(at).type", "is missing") }
                guard let type = NativeType.named(typeName) else {
                    return fail("\(at).type", "unsupported type \"\(typeName)\" (supported: \(supportedTypes))")
                }
                var parameter = NativeParameter(name: name, type: type, cName: type.displayName(written: typeName), location: at)
                parameter.description = p["description"]?.stringValue
                if let out = p["out"] {
                    guard case .bool(let b) = out else { return fail("\(at).out", "must be true or false") }
                    parameter.isOut = b
                }
                if let encoding = p["encoding"] {
                    switch encoding.stringValue {
                    case "utf8"?: parameter.base64 = false
                    case "base64"?: parameter.base64 = true
                    default: return fail("\(at).encoding", "must be \"utf8\" or \"base64\"")
                    }
                    if type != .bytes { return fail("\(at).encoding", "applies to bytes parameters only") }
                }
                if let lengthType = p["length_type"] {
                    guard type == .bytes else { return fail("\(at).length_type", "applies to bytes parameters only") }
                    guard case .string(let lengthName) = lengthType, let t = NativeType.named(lengthName), t.isInteger else {
                        return fail("\(at).length_type", "must name an integer type, e.g. \"size_t\" or \"uint32\"")
                    }
                    parameter.lengthType = t
                }
                parameter.minimum = p["minimum"]
                parameter.maximum = p["maximum"]
                if let values = p["enum"] {
                    guard case .array(let list) = values else { return fail("\(at).enum", "must be an array of allowed values") }
                    parameter.enumValues = list
                }
                parameter.defaultValue = p["default"]
                parameters.append(parameter)
            }
        }

        var returnType = NativeType.void
        var returnCName = "void"
        var resultDescription: String?
        var freeResult: (@convention(c) (UnsafeMutableRawPointer) -> Void)?
        var freeResultName: String?
        var ownership: String?
        switch f["returns"] {
        case nil:
            break
        case .string(let typeName)?:
            guard let t = NativeType.named(typeName) else {
                return fail("\(location).returns", "unsupported type \"\(typeName)\" (supported: \(supportedTypes))")
            }
            returnType = t
            returnCName = t.displayName(written: typeName)
        case .object(let r)?:
            for key in r.keys where !returnKeys.contains(key) {
                return fail("\(location).returns.\(key)", "unknown field (known: \(returnKeys.sorted().joined(separator: ", ")))")
            }
            guard case .string(let typeName)? = r["type"] else { return fail("\(location).returns.type", "is missing") }
            guard let t = NativeType.named(typeName) else {
                return fail("\(location).returns.type", "unsupported type \"\(typeName)\" (supported: \(supportedTypes))")
            }
            returnType = t
            returnCName = t.displayName(written: typeName)
            resultDescription = r["description"]?.stringValue
            if let value = r["ownership"] {
                guard case .string(let o) = value, o == "static" || o == "free" else {
                    return fail("\(location).returns.ownership", "must be \"static\" (never freed) or \"free\" (freed with the C library's free)")
                }
                ownership = o
                if o == "free" {
                    freeResult = { pointer in free(pointer) }
                    freeResultName = "free"
                }
            }
            if let value = r["free_with"] {
                guard ownership == nil else { return fail("\(location).returns.free_with", "give either ownership or free_with, not both") }
                guard case .string(let name) = value, !name.isEmpty else { return fail("\(location).returns.free_with", "must name a function of the library") }
                guard let symbol = dlsym(handle, name) else {
                    return fail("\(location).returns.free_with", "the library has no function \(name)")
                }
                freeResult = unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutableRawPointer) -> Void).self)
                freeResultName = name
                ownership = "free_with"
            }
        default:
            return fail("\(location).returns", "must be a type name or an object {\"type\": …, \"ownership\": …}")
        }
        if returnType == .string && ownership == nil {
            return fail("\(location).returns.ownership", "a returned string needs its ownership: \"static\" (the library keeps it) or \"free\", or \"free_with\": \"<function>\"")
        }
        if returnType != .string && ownership != nil {
            return fail("\(location).returns.ownership", "only returned strings have an ownership")
        }

        var errors = NativeErrorConvention.none
        if let value = f["errors"] {
            guard case .string(let name) = value, let e = NativeErrorConvention(rawValue: name) else {
                return fail("\(location).errors", "must be one of \(NativeErrorConvention.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
            }
            errors = e
        }
        var serial = false
        if let value = f["serial"] {
            guard case .bool(let b) = value else { return fail("\(location).serial", "must be true or false") }
            serial = b
        }
        guard let address = dlsym(handle, symbol) else {
            return fail("\(location).symbol", "the library has no symbol \(symbol) (library \(library))")
        }
        return .success(NativeFunctionSpec(
            toolName: tool!, symbol: symbol, title: f["title"]?.stringValue, description: f["description"]?.stringValue,
            annotations: annotations, address: UnsafeRawPointer(address), parameters: parameters,
            returnType: returnType, returnCName: returnCName, errors: errors, serial: serial,
            freeResult: freeResult, freeResultName: freeResultName, resultDescription: resultDescription, location: location))
    }

    /// The file of the loaded library that holds `address` (from /proc/self/maps: dladdr
    /// needs _GNU_SOURCE, which Swift's Glibc module does not define).
    static func libraryFile(containing address: UnsafeRawPointer) -> String? {
        guard let bytes = readFile("/proc/self/maps") else { return nil }
        let target = UInt(bitPattern: address)
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, let dash = fields[0].firstIndex(of: "-"),
                  let start = UInt(fields[0][..<dash], radix: 16),
                  let end = UInt(fields[0][fields[0].index(after: dash)...], radix: 16),
                  start <= target, target < end
            else { continue }
            return fields[5...].joined(separator: " ")
        }
        return nil
    }

    /// 1-based line and column of a byte offset.
    static func position(of offset: Int, in bytes: [UInt8]) -> (Int, Int) {
        var line = 1, column = 1
        for byte in bytes.prefix(offset) {
            if byte == 0x0A {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }
}

extension NativeManifest {
    /// Functions a manifest should not hand to a client: a manifest carries its plugin's trust,
    /// and a client calling one of these can end the host, run programs, delete files or
    /// corrupt the host's memory. Binding one is allowed (the author may mean it) but warned of.
    static let riskySymbols: [String: String] = {
        var table: [String: String] = [:]
        func add(_ names: [String], _ why: String) { for name in names { table[name] = why } }
        add(["system", "popen", "execl", "execlp", "execle", "execv", "execvp", "execvpe", "execve", "fexecve",
             "posix_spawn", "posix_spawnp", "fork", "vfork", "clone", "daemon"], "runs programs for whoever calls the tool")
        add(["exit", "_exit", "_Exit", "quick_exit", "abort", "kill", "killpg", "raise", "pthread_exit", "pthread_kill"],
            "ends or signals the host process")
        add(["free", "realloc", "reallocarray", "cfree", "munmap", "mprotect", "brk", "sbrk", "dlclose", "longjmp", "siglongjmp"],
            "frees or rewrites memory the host owns")
        add(["unlink", "unlinkat", "remove", "rmdir", "rename", "renameat", "truncate", "ftruncate"], "deletes or changes files")
        add(["setuid", "setgid", "seteuid", "setegid", "setreuid", "setregid", "chdir", "fchdir", "chroot", "signal",
             "sigaction", "setenv", "putenv", "unsetenv", "clearenv", "close", "dup2", "dup3", "umask"],
            "changes state the whole host process shares")
        return table
    }()

    /// A warning for each function of `set` that binds a risky symbol (``riskySymbols``).
    static func riskWarnings(_ set: NativeToolSet, path: String) -> [PluginProblem] {
        set.functions.compactMap { function in
            let symbol = function.spec.symbol
            guard let why = riskySymbols[symbol] else { return nil }
            return PluginProblem(
                path: path, plugin: set.id, tool: function.spec.toolName,
                message: "binds \(symbol), which \(why); a client that can call this tool has that power (remove it from the manifest unless you mean it)")
        }
    }
}
