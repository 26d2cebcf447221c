/// One compiled schema: the checks of one schema object. Subschemas are indices into the
/// owning ``Schema``'s node table, which lets `$ref` point anywhere, recursion included.
struct SchemaNode: Sendable {
    enum Kind: Sendable {
        case alwaysValid
        case neverValid
        case checks
        case reference(Int)
    }

    var kind: Kind = .checks
    var types: [String]? = nil
    var enumValues: [JSON]? = nil
    var constValue: JSON? = nil
    var properties: [(name: String, node: Int)] = []
    var patternProperties: [(pattern: SchemaRegex, node: Int)] = []
    var required: [String] = []
    var additionalProperties: Int? = nil
    var minProperties: Int? = nil
    var maxProperties: Int? = nil
    var items: Int? = nil
    var prefixItems: [Int] = []
    var minItems: Int? = nil
    var maxItems: Int? = nil
    var uniqueItems = false
    var minLength: Int? = nil
    var maxLength: Int? = nil
    var pattern: SchemaRegex? = nil
    var minimum: JSONNumber? = nil
    var maximum: JSONNumber? = nil
    var exclusiveMinimum: JSONNumber? = nil
    var exclusiveMaximum: JSONNumber? = nil
    var multipleOf: Double? = nil
    var allOf: [Int] = []
    var anyOf: [Int] = []
    var oneOf: [Int] = []
    var not: Int? = nil
}

/// A compiled regular expression. Regex values are immutable once built and safe to share.
struct SchemaRegex: @unchecked Sendable {
    let source: String
    let regex: Regex<AnyRegexOutput>

    init(_ source: String) throws {
        self.source = source
        self.regex = try Regex(source)
    }

    /// ECMA-262 semantics: the pattern may match anywhere in the string.
    func matches(_ s: String) -> Bool {
        (try? regex.firstMatch(in: s)) != nil
    }
}

/// Turns schema JSON into a node table.
struct SchemaCompiler {
    private(set) var nodes: [SchemaNode] = []
    private let document: JSON
    private var compiledRefs: [String: Int] = [:]

    private static let typeNames: Set<String> = ["null", "boolean", "object", "array", "number", "integer", "string"]

    init(document: JSON) { self.document = document }

    mutating func compile(_ json: JSON, at location: String) throws(SchemaError) -> Int {
        switch json {
        case .bool(let b):
            nodes.append(SchemaNode(kind: b ? .alwaysValid : .neverValid))
            return nodes.count - 1
        case .object(let object):
            let index = nodes.count
            nodes.append(SchemaNode())
            let node = try compileObject(object, at: location)
            nodes[index] = node
            return index
        default:
            throw SchemaError(location: location, reason: "a schema must be an object or a boolean")
        }
    }

    private mutating func compileObject(_ object: JSONObject, at location: String) throws(SchemaError) -> SchemaNode {
        var node = SchemaNode()
        func fail(_ keyword: String, _ reason: String) -> SchemaError {
            SchemaError(location: "\(location)/\(keyword)", reason: reason)
        }

        if let ref = object["$ref"] {
            guard case .string(let target) = ref else { throw fail("$ref", "must be a string") }
            node.kind = .reference(try resolve(target, at: "\(location)/$ref"))
            return node
        }
        if let type = object["type"] {
            switch type {
            case .string(let name):
                guard Self.typeNames.contains(name) else { throw fail("type", "unknown type \"\(name)\"") }
                node.types = [name]
            case .array(let names):
                var list: [String] = []
                for name in names {
                    guard case .string(let n) = name, Self.typeNames.contains(n) else {
                        throw fail("type", "must list type names (null, boolean, object, array, number, integer, string)")
                    }
                    list.append(n)
                }
                node.types = list
            default:
                throw fail("type", "must be a type name or a list of them")
            }
        }
        if let values = object["enum"] {
            guard case .array(let list) = values else { throw fail("enum", "must be an array") }
            node.enumValues = list
        }
        node.constValue = object["const"]

        if let properties = object["properties"] {
            guard case .object(let map) = properties else { throw fail("properties", "must be an object") }
            for member in map {
                node.properties.append((member.key, try compile(member.value, at: "\(location)/properties/\(member.key)")))
            }
        }
        if let patterns = object["patternProperties"] {
            guard case .object(let map) = patterns else { throw fail("patternProperties", "must be an object") }
            for member in map {
                let regex: SchemaRegex
                do { regex = try SchemaRegex(member.key) } catch { throw fail("patternProperties", "invalid pattern \"\(member.key)\"") }
                node.patternProperties.append((regex, try compile(member.value, at: "\(location)/patternProperties/\(member.key)")))
            }
        }
        if let required = object["required"] {
            guard case .array(let names) = required else { throw fail("required", "must be an array of strings") }
            for name in names {
                guard case .string(let n) = name else { throw fail("required", "must be an array of strings") }
                node.required.append(n)
            }
        }
        if let additional = object["additionalProperties"] {
            node.additionalProperties = try compile(additional, at: "\(location)/additionalProperties")
        }
        node.minProperties = try count(object, "minProperties", location)
        node.maxProperties = try count(object, "maxProperties", location)

        if let items = object["items"] {
            // Draft 4-7 tuple form: an array of schemas.
            if case .array(let tuple) = items {
                for (i, schema) in tuple.enumerated() { node.prefixItems.append(try compile(schema, at: "\(location)/items/\(i)")) }
                if let additional = object["additionalItems"] {
                    node.items = try compile(additional, at: "\(location)/additionalItems")
                }
            } else {
                node.items = try compile(items, at: "\(location)/items")
            }
        }
        if let prefix = object["prefixItems"] {
            guard case .array(let tuple) = prefix else { throw fail("prefixItems", "must be an array of schemas") }
            for (i, schema) in tuple.enumerated() { node.prefixItems.append(try compile(schema, at: "\(location)/prefixItems/\(i)")) }
        }
        node.minItems = try count(object, "minItems", location)
        node.maxItems = try count(object, "maxItems", location)
        if let unique = object["uniqueItems"] {
            guard case .bool(let b) = unique else { throw fail("uniqueItems", "must be a boolean") }
            node.uniqueItems = b
        }

        node.minLength = try count(object, "minLength", location)
        node.maxLength = try count(object, "maxLength", location)
        if let pattern = object["pattern"] {
            guard case .string(let source) = pattern else { throw fail("pattern", "must be a string") }
            do { node.pattern = try SchemaRegex(source) } catch { throw fail("pattern", "invalid regular expression \"\(source)\"") }
        }

        node.minimum = try number(object, "minimum", location)
        node.maximum = try number(object, "maximum", location)
        // Draft 4 wrote exclusive bounds as booleans beside minimum/maximum.
        if case .bool(let exclusive) = object["exclusiveMinimum"] {
            if exclusive { node.exclusiveMinimum = node.minimum; node.minimum = nil }
        } else {
            node.exclusiveMinimum = try number(object, "exclusiveMinimum", location)
        }
        if case .bool(let exclusive) = object["exclusiveMaximum"] {
            if exclusive { node.exclusiveMaximum = node.maximum; node.maximum = nil }
        } else {
            node.exclusiveMaximum = try number(object, "exclusiveMaximum", location)
        }
        if let multiple = try number(object, "multipleOf", location) {
            guard multiple.doubleValue > 0 else { throw fail("multipleOf", "must be greater than 0") }
            node.multipleOf = multiple.doubleValue
        }

        node.allOf = try list(object, "allOf", location)
        node.anyOf = try list(object, "anyOf", location)
        node.oneOf = try list(object, "oneOf", location)
        if let not = object["not"] { node.not = try compile(not, at: "\(location)/not") }
        return node
    }

    private func count(_ object: JSONObject, _ keyword: String, _ location: String) throws(SchemaError) -> Int? {
        guard let value = object[keyword] else { return nil }
        guard case .number(let n) = value, let i = n.int64Value, i >= 0, i <= Int64(Int32.max) else {
            throw SchemaError(location: "\(location)/\(keyword)", reason: "must be a non-negative integer")
        }
        return Int(i)
    }

    private func number(_ object: JSONObject, _ keyword: String, _ location: String) throws(SchemaError) -> JSONNumber? {
        guard let value = object[keyword] else { return nil }
        guard case .number(let n) = value else {
            throw SchemaError(location: "\(location)/\(keyword)", reason: "must be a number")
        }
        return n
    }

    private mutating func list(_ object: JSONObject, _ keyword: String, _ location: String) throws(SchemaError) -> [Int] {
        guard let value = object[keyword] else { return [] }
        guard case .array(let schemas) = value, !schemas.isEmpty else {
            throw SchemaError(location: "\(location)/\(keyword)", reason: "must be a non-empty array of schemas")
        }
        var out: [Int] = []
        for (i, schema) in schemas.enumerated() { out.append(try compile(schema, at: "\(location)/\(keyword)/\(i)")) }
        return out
    }

    /// Resolves a local reference (`#`, `#/$defs/Name`, `#/definitions/Name`, any JSON Pointer
    /// into the document). Each target is compiled once, which also ends recursion.
    private mutating func resolve(_ target: String, at location: String) throws(SchemaError) -> Int {
        if let index = compiledRefs[target] { return index }
        guard target.hasPrefix("#") else {
            throw SchemaError(location: location, reason: "only local references (#/…) are supported, not \"\(target)\"")
        }
        var current = document
        let pointer = target.dropFirst()
        if !pointer.isEmpty {
            guard pointer.hasPrefix("/") else { throw SchemaError(location: location, reason: "invalid reference \"\(target)\"") }
            for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
                let token = raw.replacingOccurrences("~1", with: "/").replacingOccurrences("~0", with: "~")
                switch current {
                case .object(let object):
                    guard let next = object[token] else {
                        throw SchemaError(location: location, reason: "reference \"\(target)\" points nowhere")
                    }
                    current = next
                case .array(let array):
                    guard let i = Int(token), array.indices.contains(i) else {
                        throw SchemaError(location: location, reason: "reference \"\(target)\" points nowhere")
                    }
                    current = array[i]
                default:
                    throw SchemaError(location: location, reason: "reference \"\(target)\" points nowhere")
                }
            }
        }
        // Reserve the slot first so a schema that refers to itself finds it.
        let index = nodes.count
        nodes.append(SchemaNode(kind: .alwaysValid))
        compiledRefs[target] = index
        let compiled = try compile(current, at: target)
        nodes[index] = SchemaNode(kind: .reference(compiled))
        return index
    }
}

extension Substring {
    fileprivate func replacingOccurrences(_ target: String, with replacement: String) -> String {
        guard contains(target) else { return String(self) }
        var out = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        out += rest
        return out
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, with replacement: String) -> String {
        self[...].replacingOccurrences(target, with: replacement)
    }
}
