import ToolHostABI

/// How a native function reports failure (`th_native_errors`, or a manifest's `"errors"`).
enum NativeErrorConvention: String, Sendable, CaseIterable {
    case none
    /// Integer or bool return: anything but 0 is failure.
    case nonzero
    /// Signed integer return: a negative value is failure.
    case negative
    /// String return: NULL is failure, errno says why.
    case null
    /// errno is cleared before the call; non-zero after it is failure.
    case errno
    /// Bool return: false is failure.
    case `false`

    init?(abi value: UInt32) {
        switch value {
        case UInt32(TH_ERRORS_NONE): self = .none
        case UInt32(TH_ERRORS_NONZERO): self = .nonzero
        case UInt32(TH_ERRORS_NEGATIVE): self = .negative
        case UInt32(TH_ERRORS_NULL_ERRNO): self = .null
        case UInt32(TH_ERRORS_ERRNO): self = .errno
        case UInt32(TH_ERRORS_FALSE): self = .false
        default: return nil
        }
    }
}

/// One parameter of a native function, as declared (by a plugin's table or a manifest).
struct NativeParameter: Sendable {
    var name: String
    var type: NativeType
    /// The type as the author wrote it (`size_t`, `unsigned long`…), for signatures.
    var cName: String
    var description: String?
    /// An out-parameter: a pointer to a zeroed scalar, reported in the result.
    var isOut = false
    /// Bytes: the client sends base64 rather than text.
    var base64 = false
    /// Bytes: the integer type of the length argument that follows the pointer.
    var lengthType: NativeType = NativeType.size
    var minimum: JSON?
    var maximum: JSON?
    var enumValues: [JSON]?
    var defaultValue: JSON?
    /// Where the parameter was declared, e.g. `functions[2].params[0]`.
    var location: String
}

/// A C function to offer as a tool: everything needed to prepare its call interface, whatever
/// declared it.
struct NativeFunctionSpec: @unchecked Sendable {
    var toolName: String
    /// The C name, for messages and signatures.
    var symbol: String
    var title: String?
    var description: String?
    var annotations: JSONObject?
    /// The function's address (never NULL).
    var address: UnsafeRawPointer
    var parameters: [NativeParameter]
    var returnType: NativeType
    var returnCName: String
    var errors: NativeErrorConvention
    var serial: Bool
    /// For string returns: frees what the function returned; nil when the string is static.
    var freeResult: (@convention(c) (UnsafeMutableRawPointer) -> Void)?
    /// The name of `freeResult`, for signatures ("free", "example_free", …).
    var freeResultName: String?
    var resultDescription: String?
    /// Where the function was declared, e.g. `functions[2]`.
    var location: String

    /// The C prototype, for `toolhost check`.
    var signature: String {
        var params: [String] = []
        for p in parameters {
            switch (p.type, p.isOut) {
            case (.bytes, _): params.append("const void *\(p.name), \(p.lengthType.cName) \(p.name)_len")
            case (_, true): params.append("\(p.cName) *\(p.name) /* out */")
            case (.string, _): params.append("const char *\(p.name)")
            default: params.append("\(p.cName) \(p.name)")
            }
        }
        var text = "\(returnCName.hasSuffix("*") ? returnCName : returnCName + " ")\(symbol)(\(params.isEmpty ? "void" : params.joined(separator: ", ")))"
        var notes: [String] = []
        if errors != .none { notes.append("errors: \(errors.rawValue)") }
        if returnType == .string { notes.append(freeResultName.map { "result freed with \($0)" } ?? "static result") }
        if serial { notes.append("serial") }
        if !notes.isEmpty { text += " [\(notes.joined(separator: "; "))]" }
        return text
    }
}

/// Why a declared function cannot be offered: the field that is wrong and the reason.
struct NativeSpecProblem: Error, Sendable, CustomStringConvertible {
    /// A path into the declaration, e.g. `functions[2].params[0].type`.
    let field: String
    let reason: String

    var description: String { field.isEmpty ? reason : "\(field): \(reason)" }
}

/// A function declaration (of a manifest or a plugin's table) that cannot become a tool, and
/// the tool it was to be, when its name was read.
struct NativeEntryFailure: Error {
    let problem: NativeSpecProblem
    let tool: String?
}

extension NativeFunctionSpec {
    /// Checks what the types alone cannot: names, combinations, bounds, enums and defaults.
    /// - Throws: the first problem found, naming its field.
    func validate() throws(NativeSpecProblem) {
        guard ToolReader.isValidName(toolName) else {
            throw NativeSpecProblem(field: "\(location).name", reason: "tool name \"\(toolName)\" is not 1-128 characters of A-Z a-z 0-9 _ - .")
        }
        guard returnType != .bytes else {
            throw NativeSpecProblem(field: "\(location).returns", reason: "a function cannot return bytes (return a string, or use an out-parameter)")
        }
        var seen = Set<String>()
        for p in parameters {
            guard NativeFunctionSpec.isValidParameterName(p.name) else {
                throw NativeSpecProblem(field: "\(p.location).name", reason: "parameter name \"\(p.name)\" is not 1-64 characters of A-Z a-z 0-9 _ -")
            }
            guard seen.insert(p.name).inserted else {
                throw NativeSpecProblem(field: "\(p.location).name", reason: "parameter name \"\(p.name)\" is used twice")
            }
            if p.isOut && p.name == "result" && returnType != .void {
                throw NativeSpecProblem(field: "\(p.location).name", reason: "an out-parameter cannot be called \"result\": that name holds the return value")
            }
            guard p.type != .void else {
                throw NativeSpecProblem(field: "\(p.location).type", reason: "void is a return type only")
            }
            if p.isOut {
                guard p.type.isScalar else {
                    throw NativeSpecProblem(field: "\(p.location).out", reason: "only bool, integer, float and double parameters can be out-parameters, not \(p.cName)")
                }
                guard p.minimum == nil, p.maximum == nil, p.enumValues == nil, p.defaultValue == nil else {
                    throw NativeSpecProblem(field: "\(p.location)", reason: "an out-parameter takes no minimum, maximum, enum or default")
                }
                continue
            }
            if p.type == .bytes {
                guard p.lengthType.isInteger else {
                    throw NativeSpecProblem(field: "\(p.location).length_type", reason: "the length of a byte buffer must be an integer type, not \(p.lengthType.cName)")
                }
            } else if p.base64 {
                throw NativeSpecProblem(field: "\(p.location).encoding", reason: "base64 applies to bytes parameters only")
            }
            if p.minimum != nil || p.maximum != nil {
                guard p.type.isInteger || p.type.isFloatingPoint else {
                    throw NativeSpecProblem(field: "\(p.location).minimum", reason: "minimum and maximum apply to integer and floating-point parameters only")
                }
            }
            var lower: NativeValue?
            var upper: NativeValue?
            for (key, bound) in [("minimum", p.minimum), ("maximum", p.maximum)] {
                guard let bound else { continue }
                var unbounded = p
                unbounded.minimum = nil
                unbounded.maximum = nil
                unbounded.enumValues = nil
                switch NativeConversion.convert(bound, for: unbounded) {
                case .success(let value): if key == "minimum" { lower = value } else { upper = value }
                case .failure(let reason):
                    throw NativeSpecProblem(field: "\(p.location).\(key)", reason: "\(JSONWriter.string(bound)) is not a valid bound for \(p.cName): it \(reason)")
                }
            }
            if let lower, let upper, NativeValue.compare(lower, upper) > 0 {
                throw NativeSpecProblem(field: "\(p.location).maximum", reason: "maximum is less than minimum")
            }
            if let values = p.enumValues {
                guard !values.isEmpty else {
                    throw NativeSpecProblem(field: "\(p.location).enum", reason: "enum must list at least one value")
                }
                var plain = p
                plain.enumValues = nil
                for (i, value) in values.enumerated() {
                    if case .failure(let reason) = NativeConversion.convert(value, for: plain) {
                        throw NativeSpecProblem(field: "\(p.location).enum[\(i)]", reason: "\(JSONWriter.string(value)) is not a valid \(p.cName): it \(reason)")
                    }
                }
            }
            if let value = p.defaultValue, case .failure(let reason) = NativeConversion.convert(value, for: p) {
                throw NativeSpecProblem(field: "\(p.location).default", reason: "\(JSONWriter.string(value)) is not a valid \(p.cName): it \(reason)")
            }
        }
        switch errors {
        case .none, .errno: break
        case .nonzero:
            guard returnType.isInteger || returnType == .bool else {
                throw NativeSpecProblem(field: "\(location).errors", reason: "\"nonzero\" needs an integer or bool return, not \(returnCName)")
            }
        case .negative:
            guard returnType.isSignedInteger else {
                throw NativeSpecProblem(field: "\(location).errors", reason: "\"negative\" needs a signed integer return, not \(returnCName)")
            }
        case .null:
            guard returnType == .string else {
                throw NativeSpecProblem(field: "\(location).errors", reason: "\"null\" needs a string return, not \(returnCName)")
            }
        case .false:
            guard returnType == .bool else {
                throw NativeSpecProblem(field: "\(location).errors", reason: "\"false\" needs a bool return, not \(returnCName)")
            }
        }
        if freeResult != nil && returnType != .string {
            throw NativeSpecProblem(field: "\(location).free_result", reason: "only string returns are freed")
        }
    }

    static func isValidParameterName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { b in
                (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D
            }
    }

    /// The input schema the host derives from the parameters.
    var inputSchema: JSON {
        var properties = JSONObject()
        var required: [JSON] = []
        for p in parameters where !p.isOut {
            var schema = p.type.inputSchema
            if p.type == .bytes && p.base64 { schema["contentEncoding"] = "base64" }
            if let minimum = p.minimum { schema["minimum"] = Self.boundNumber(minimum) }
            if let maximum = p.maximum { schema["maximum"] = Self.boundNumber(maximum) }
            if let values = p.enumValues { schema["enum"] = .array(values) }
            if let value = p.defaultValue { schema["default"] = value } else { required.append(.string(p.name)) }
            var text = p.description ?? ""
            let note = typeNote(p)
            text = text.isEmpty ? note : "\(text) (\(note))"
            schema["description"] = .string(text)
            properties[p.name] = .object(schema)
        }
        var root: JSONObject = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { root["required"] = .array(required) }
        root["additionalProperties"] = false
        return .object(root)
    }

    /// A bound as a JSON number (64-bit bounds may be written as decimal strings, which
    /// ``validate()`` has checked).
    private static func boundNumber(_ bound: JSON) -> JSON {
        if case .string(let text) = bound, let value = Int128(text) { return .number(JSONNumber(literal: String(value))) }
        return bound
    }

    private func typeNote(_ p: NativeParameter) -> String {
        switch p.type {
        case .int64, .uint64:
            var note = "C \(p.cName)"
            if let bounds = boundsNote(p) { note += ", \(bounds)" }
            return note + "; a decimal string keeps values beyond 2^53 exact"
        case .bytes: return p.base64 ? "bytes, base64-encoded" : "bytes: the string's UTF-8 encoding"
        case .string: return "C string, no NUL characters"
        default:
            if let bounds = boundsNote(p) { return "C \(p.cName), \(bounds)" }
            return "C \(p.cName)"
        }
    }

    private func boundsNote(_ p: NativeParameter) -> String? {
        guard p.minimum != nil || p.maximum != nil else { return nil }
        let lo = p.minimum.map { JSONWriter.string($0) } ?? "…"
        let hi = p.maximum.map { JSONWriter.string($0) } ?? "…"
        return "\(lo) to \(hi)"
    }

    /// The output schema: an object with `result` (unless void) and each out-parameter; nil
    /// for a void function without out-parameters.
    var outputSchema: JSON? {
        var properties = JSONObject()
        var required: [JSON] = []
        if returnType != .void {
            var schema = returnType.outputSchema
            if let resultDescription { schema["description"] = .string(resultDescription) }
            properties["result"] = .object(schema)
            required.append("result")
        }
        for p in parameters where p.isOut {
            var schema = p.type.outputSchema
            if let description = p.description { schema["description"] = .string(description) }
            properties[p.name] = .object(schema)
            required.append(.string(p.name))
        }
        guard !properties.isEmpty else { return nil }
        return ["type": "object", "properties": .object(properties), "required": .array(required), "additionalProperties": false]
    }
}
