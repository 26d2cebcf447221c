import ToolHostABI

/// Reads a plugin's `th.native_functions.v1` table (include/toolhost.h) into function specs.
enum NativeTable {
    /// The companion plugin's id for plugin `id`.
    static func companionID(of id: String) -> String { id + "-native" }

    /// Reads and prepares every function of `table`.
    /// - Returns: the set (nil when the table is unusable or holds no usable function) and the
    ///   problems found; a broken entry is skipped and the others are kept.
    static func load(_ table: UnsafeRawPointer, plugin: LoadedPlugin) -> (NativeToolSet?, [PluginProblem]) {
        var problems: [PluginProblem] = []
        func problem(_ message: String, tool: String? = nil) {
            problems.append(PluginProblem(path: plugin.path, plugin: plugin.id, tool: tool, message: "typed functions: \(message)"))
        }
        // Every structure of the table is copied as its version has it (ABIStruct).
        let copy = ABIStruct.read(table, as: th_native_functions.self)
        guard copy.declaredSize >= 8 else {
            problem("th_native_functions.struct_size is \(copy.declaredSize), too small for any version of it")
            return (nil, problems)
        }
        let header = copy.value
        guard header.count <= 10_000 else {
            problem("the table declares \(header.count) functions; at most 10000 are read")
            return (nil, problems)
        }
        guard header.count == 0 || header.functions != nil else {
            problem("th_native_functions.functions is NULL but count is \(header.count)")
            return (nil, problems)
        }
        let entries: [ABIStruct.Copy<th_native_function>]
        switch ABIStruct.readArray(header.functions.map(UnsafeRawPointer.init), count: Int(header.count), as: th_native_function.self) {
        case .failure(let failure):
            problem("functions[\(failure.index)].struct_size: \(failure.message)")
            return (nil, problems)
        case .success(let read):
            entries = read
        }
        var functions: [NativeFunction] = []
        for (index, entry) in entries.enumerated() {
            let location = "functions[\(index)]"
            switch spec(of: entry.value, location: location) {
            case .failure(let failure):
                problem(failure.problem.description, tool: failure.tool)
            case .success(let spec):
                do {
                    functions.append(try NativeFunction(spec))
                } catch {
                    problem(error.description, tool: spec.toolName)
                }
            }
        }
        guard !functions.isEmpty else {
            problem(header.count > 0 ? "no usable function in the table" : "the table lists no function (count is 0)")
            return (nil, problems)
        }
        let set = NativeToolSet.make(
            id: companionID(of: plugin.id), name: "\(plugin.name) (typed functions)", version: plugin.version,
            summary: "C functions of plugin \(plugin.id) offered as tools by the host.",
            origin: .plugin(id: plugin.id), functions: functions)
        return (set, problems)
    }

    private static func string(_ pointer: UnsafePointer<CChar>?) -> String? {
        pointer.flatMap { HostCallbacks.string($0, ABIStatus.nulTerminated) }
    }

    /// A JSON text field of the table, parsed.
    private static func json(_ pointer: UnsafePointer<CChar>?, field: String, tool: String?) throws(NativeEntryFailure) -> JSON? {
        guard let pointer else { return nil }
        guard let value = HostCallbacks.json(pointer, ABIStatus.nulTerminated) else {
            throw NativeEntryFailure(problem: NativeSpecProblem(field: field, reason: "is not valid JSON"), tool: tool)
        }
        return value
    }

    private static func spec(of f: th_native_function, location: String) -> Result<NativeFunctionSpec, NativeEntryFailure> {
        func fail(_ field: String, _ reason: String, tool: String? = nil) -> Result<NativeFunctionSpec, NativeEntryFailure> {
            .failure(NativeEntryFailure(problem: NativeSpecProblem(field: field, reason: reason), tool: tool))
        }
        guard let name = string(f.name) else { return fail("\(location).name", "is missing (or not UTF-8)") }
        guard let address = f.function else { return fail("\(location).function", "is NULL", tool: name) }
        guard let returnType = NativeType(abi: f.return_type) else {
            return fail("\(location).return_type", "unsupported type \(f.return_type) (this host knows TH_TYPE_VOID … TH_TYPE_BYTES)", tool: name)
        }
        guard let errors = NativeErrorConvention(abi: f.errors) else {
            return fail("\(location).errors", "unknown error convention \(f.errors)", tool: name)
        }
        guard f.param_count <= 64 else { return fail("\(location).param_count", "is \(f.param_count); at most 64 parameters are supported", tool: name) }
        guard f.param_count == 0 || f.params != nil else { return fail("\(location).params", "is NULL but param_count is \(f.param_count)", tool: name) }
        let params: [ABIStruct.Copy<th_native_param>]
        switch ABIStruct.readArray(f.params.map(UnsafeRawPointer.init), count: Int(f.param_count), as: th_native_param.self) {
        case .failure(let failure):
            return fail("\(location).params[\(failure.index)].struct_size", failure.message, tool: name)
        case .success(let read):
            params = read
        }
        var parameters: [NativeParameter] = []
        for (i, entry) in params.enumerated() {
            let at = "\(location).params[\(i)]"
            let param = entry.value
            guard let paramName = string(param.name) else { return fail("\(at).name", "is missing (or not UTF-8)", tool: name) }
            guard let type = NativeType(abi: param.type) else {
                return fail("\(at).type", "unsupported type \(param.type) (this host knows TH_TYPE_VOID … TH_TYPE_BYTES)", tool: name)
            }
            var lengthType = NativeType.size
            if param.length_type != 0 {
                guard let t = NativeType(abi: param.length_type) else {
                    return fail("\(at).length_type", "unsupported type \(param.length_type)", tool: name)
                }
                lengthType = t
            }
            let known = UInt32(TH_PARAM_OUT) | UInt32(TH_PARAM_BASE64)
            guard param.flags & ~known == 0 else { return fail("\(at).flags", "unknown flags 0x\(String(param.flags & ~known, radix: 16))", tool: name) }
            do {
                parameters.append(NativeParameter(
                    name: paramName, type: type, cName: param.type == UInt32(TH_TYPE_SIZE) ? "size_t" : type.cName,
                    description: string(param.description),
                    isOut: param.flags & UInt32(TH_PARAM_OUT) != 0,
                    base64: param.flags & UInt32(TH_PARAM_BASE64) != 0,
                    lengthType: lengthType,
                    minimum: try json(param.minimum, field: "\(at).minimum", tool: name),
                    maximum: try json(param.maximum, field: "\(at).maximum", tool: name),
                    enumValues: try json(param.enum_json, field: "\(at).enum_json", tool: name).map { value throws(NativeEntryFailure) in
                        guard case .array(let list) = value else {
                            throw NativeEntryFailure(problem: NativeSpecProblem(field: "\(at).enum_json", reason: "must be a JSON array"), tool: name)
                        }
                        return list
                    },
                    defaultValue: try json(param.default_json, field: "\(at).default_json", tool: name),
                    location: at))
            } catch {
                return .failure(error)
            }
        }
        var annotations: JSONObject?
        do {
            if let value = try json(f.annotations_json, field: "\(location).annotations_json", tool: name) {
                guard case .object(let object) = value else { return fail("\(location).annotations_json", "must be a JSON object", tool: name) }
                annotations = object
            }
        } catch {
            return .failure(error)
        }
        let known = UInt32(TH_NATIVE_SERIAL)
        guard f.flags & ~known == 0 else { return fail("\(location).flags", "unknown flags 0x\(String(f.flags & ~known, radix: 16))", tool: name) }
        return .success(NativeFunctionSpec(
            toolName: name, symbol: name, title: string(f.title), description: string(f.description),
            annotations: annotations, address: unsafeBitCast(address, to: UnsafeRawPointer.self),
            parameters: parameters, returnType: returnType,
            returnCName: f.return_type == UInt32(TH_TYPE_SIZE) ? "size_t" : returnType.cName,
            errors: errors, serial: f.flags & UInt32(TH_NATIVE_SERIAL) != 0,
            freeResult: f.free_result, freeResultName: f.free_result == nil ? nil : "free_result",
            resultDescription: string(f.result_description), location: location))
    }
}
