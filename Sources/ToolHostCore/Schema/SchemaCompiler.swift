/// One compiled schema: the checks of one schema object. Subschemas are indices into the
/// owning ``Schema``'s node table, which lets `$ref` point anywhere, recursion included.
///
/// A class, not a struct: the validator looks at one node per value it checks, and a struct
/// of this size was copied (and its references retained and released) at every look, about a
/// thousand instructions a call. Its fields are set only while ``SchemaCompiler`` builds it,
/// before any ``Schema`` holds it; from then on nothing changes it, which is what makes
/// sharing it between threads sound.
final class SchemaNode: @unchecked Sendable {
    init(kind: Kind = .checks, location: String = "#") {
        self.kind = kind
        self.location = location
    }

    enum Kind: Sendable {
        case alwaysValid
        case neverValid
        case checks
    }

    var kind: Kind = .checks
    /// JSON Pointer of this schema in the document (`#/properties/a`), for messages.
    var location = "#"

    // Core: references apply in place, beside the other keywords.
    var ref: Int? = nil
    var dynamicRef: Int? = nil

    // Validation, any type.
    var types: SchemaTypes? = nil
    var enumValues: [JSON]? = nil
    var constValue: JSON? = nil

    // Objects.
    var properties: [(name: String, node: Int)] = []
    var patternProperties: [(pattern: SchemaRegex, node: Int)] = []
    var additionalProperties: Int? = nil
    var propertyNames: Int? = nil
    var required: [String] = []
    var dependentRequired: [(name: String, requires: [String])] = []
    var dependentSchemas: [(name: String, node: Int)] = []
    var minProperties: Int? = nil
    var maxProperties: Int? = nil
    var unevaluatedProperties: Int? = nil

    // Arrays.
    var prefixItems: [Int] = []
    /// Applies to the items after `prefixItems` (2020-12 `items`; draft-07 `additionalItems`).
    var items: Int? = nil
    var contains: Int? = nil
    var minContains = 1
    var maxContains: Int? = nil
    var minItems: Int? = nil
    var maxItems: Int? = nil
    var uniqueItems = false
    var unevaluatedItems: Int? = nil

    // Strings.
    var minLength: Int? = nil
    var maxLength: Int? = nil
    var pattern: SchemaRegex? = nil

    // Numbers, exact.
    var minimum: SchemaNumber? = nil
    var maximum: SchemaNumber? = nil
    var exclusiveMinimum: SchemaNumber? = nil
    var exclusiveMaximum: SchemaNumber? = nil
    var multipleOf: SchemaNumber? = nil

    // In-place applicators.
    var allOf: [Int] = []
    var anyOf: [Int] = []
    var oneOf: [Int] = []
    var not: Int? = nil
    var ifSchema: Int? = nil
    var thenSchema: Int? = nil
    var elseSchema: Int? = nil

    /// The subschemas applied to the same value (the edges a `$ref` loop would run along).
    var inPlace: [Int] {
        var out = allOf + anyOf + oneOf + dependentSchemas.map(\.node)
        for single in [ref, dynamicRef, not, ifSchema, thenSchema, elseSchema] { if let single { out.append(single) } }
        return out
    }

    /// Whether the node reads which members and items its in-place subschemas evaluated.
    var readsAnnotations: Bool { unevaluatedProperties != nil || unevaluatedItems != nil }
}

/// A set of JSON Schema type names, as bits.
struct SchemaTypes: Sendable, Equatable {
    var bits: UInt8

    static let names = ["null", "boolean", "object", "array", "number", "integer", "string"]

    init?(name: String) {
        guard let i = Self.names.firstIndex(of: name) else { return nil }
        bits = 1 << UInt8(i)
    }

    init(bits: UInt8) { self.bits = bits }

    func contains(_ name: String) -> Bool {
        guard let i = Self.names.firstIndex(of: name) else { return false }
        return bits & (1 << UInt8(i)) != 0
    }

    var list: [String] { Self.names.indices.filter { bits & (1 << UInt8($0)) != 0 }.map { Self.names[$0] } }
}

/// A compiled regular expression. Regex values are immutable once built and safe to share.
struct SchemaRegex: @unchecked Sendable {
    let source: String
    let regex: Regex<AnyRegexOutput>

    init(_ source: String) throws {
        self.source = source
        // Closer to ECMA-262 than Swift's defaults: \d and \w are ASCII there, and a pattern
        // works on code points, not on grapheme clusters ("." matches one of "é"'s two scalars).
        self.regex = try Regex(source).asciiOnlyDigits().asciiOnlyWordCharacters().matchingSemantics(.unicodeScalar)
    }

    /// ECMA-262 semantics: the pattern may match anywhere in the string.
    func matches(_ s: String) -> Bool {
        (try? regex.firstMatch(in: s)) != nil
    }
}

/// Turns schema JSON into a node table, once, when a tool is loaded.
///
/// Implements the JSON Schema 2020-12 core (local `$ref`, `$defs`, `$anchor`, `$dynamicRef` and
/// `$dynamicAnchor` within the document), applicator, unevaluated and validation vocabularies,
/// `format` as an annotation, and the draft-07 forms still in use (`definitions`,
/// `dependencies`, array-form `items` with `additionalItems`). Keywords of no vocabulary
/// (`title`, `examples`, `x-…`) are annotations. What the host cannot check as the
/// specification says (a remote `$ref`, an embedded resource with its own `$id`) is refused
/// here, naming the keyword, rather than checked in part.
struct SchemaCompiler {
    private(set) var nodes: [SchemaNode] = []
    private let document: JSON
    /// Compiled schemas by their canonical JSON Pointer (`#/$defs/a`), so a location referred
    /// to many times is compiled once.
    private var compiledAt: [String: Int] = [:]
    /// `$anchor` and `$dynamicAnchor` names, and where they stand.
    private var anchors: [String: String] = [:]
    /// The root's `$id` without its fragment, if it has one: references may name it.
    private var baseURI: String? = nil

    /// The drafts' meta-schemas: the keywords mean what this compiler implements under each.
    private static let knownMetaSchemas: Set<String> = {
        var out: Set<String> = []
        for draft in ["https://json-schema.org/draft/2020-12/schema", "https://json-schema.org/draft/2019-09/schema",
            "http://json-schema.org/draft-07/schema", "http://json-schema.org/draft-06/schema", "http://json-schema.org/draft-04/schema"]
        {
            for uri in [draft, draft.replacing("https:", with: "http:"), draft.replacing("http:", with: "https:")] {
                out.insert(uri)
                out.insert(uri + "#")
            }
        }
        return out
    }()

    private static func embeddedResource(_ location: String) -> SchemaError {
        SchemaError(location: "\(location)/$id", reason: "a subschema with its own $id (an embedded resource) is not supported; move it under $defs of the root without $id")
    }

    /// `$anchor` syntax: a letter or `_`, then letters, digits, `-`, `_` or `.`.
    private static func isAnchorName(_ name: String) -> Bool {
        func letter(_ c: UInt8) -> Bool { (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z") }
        guard let first = name.utf8.first, letter(first) || first == UInt8(ascii: "_") else { return false }
        return name.utf8.dropFirst().allSatisfy {
            letter($0) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
        }
    }

    /// Keywords whose value is one subschema.
    private static let singleSchemaKeywords = [
        "additionalProperties", "propertyNames", "unevaluatedProperties", "contains", "unevaluatedItems",
        "additionalItems", "not", "if", "then", "else", "items",
    ]
    /// Keywords whose value is an array of subschemas.
    private static let schemaListKeywords = ["allOf", "anyOf", "oneOf", "prefixItems", "items"]
    /// Keywords whose value maps names to subschemas.
    private static let schemaMapKeywords = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies"]

    init(document: JSON) throws(SchemaError) {
        self.document = document
        if case .object(let root) = document, let id = root["$id"] {
            guard case .string(let text) = id else { throw SchemaError(location: "#/$id", reason: "must be a string") }
            let base = text.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            if !base.isEmpty { baseURI = base }
        }
        try collectAnchors(document, at: "#")
    }

    /// Compiles the whole document; returns the root's node.
    mutating func compileRoot() throws(SchemaError) -> Int {
        let root = try compile(document, at: "#")
        try rejectLoops()
        return root
    }

    // MARK: - Anchors

    /// Walks the schema positions of the document and records each anchor's location.
    private mutating func collectAnchors(_ json: JSON, at location: String) throws(SchemaError) {
        guard case .object(let object) = json else { return }
        if object["$id"] != nil && location != "#" { throw Self.embeddedResource(location) }
        for keyword in ["$anchor", "$dynamicAnchor"] {
            guard let value = object[keyword] else { continue }
            guard case .string(let name) = value, Self.isAnchorName(name) else {
                throw SchemaError(location: "\(location)/\(keyword)", reason: "must be a name (a letter or _, then letters, digits, -, _ or .)")
            }
            if let other = anchors[name], other != location {
                throw SchemaError(location: "\(location)/\(keyword)", reason: "the anchor \"\(name)\" is also defined at \(other)")
            }
            anchors[name] = location
        }
        for keyword in Self.singleSchemaKeywords {
            if let sub = object[keyword] { try collectAnchors(sub, at: "\(location)/\(keyword)") }
        }
        for keyword in Self.schemaListKeywords {
            if case .array(let list)? = object[keyword] {
                for (i, sub) in list.enumerated() { try collectAnchors(sub, at: "\(location)/\(keyword)/\(i)") }
            }
        }
        for keyword in Self.schemaMapKeywords {
            if case .object(let map)? = object[keyword] {
                for member in map { try collectAnchors(member.value, at: "\(location)/\(keyword)/\(Self.escape(member.key))") }
            }
        }
    }

    // MARK: - Compiling

    mutating func compile(_ json: JSON, at location: String) throws(SchemaError) -> Int {
        if let index = compiledAt[location] { return index }
        let index = nodes.count
        compiledAt[location] = index
        switch json {
        case .bool(let b):
            nodes.append(SchemaNode(kind: b ? .alwaysValid : .neverValid, location: location))
        case .object(let object):
            // Reserve the slot first so a schema that refers to itself finds it.
            nodes.append(SchemaNode(kind: .alwaysValid, location: location))
            nodes[index] = try compileObject(object, at: location)
        default:
            throw SchemaError(location: location, reason: "a schema must be an object or a boolean")
        }
        return index
    }

    private mutating func compileObject(_ object: JSONObject, at location: String) throws(SchemaError) -> SchemaNode {
        let node = SchemaNode(location: location)
        func fail(_ keyword: String, _ reason: String) -> SchemaError {
            SchemaError(location: "\(location)/\(keyword)", reason: reason)
        }

        // Core.
        if object["$id"] != nil && location != "#" { throw Self.embeddedResource(location) }
        for keyword in ["$recursiveRef", "$recursiveAnchor"] where object[keyword] != nil {
            throw fail(keyword, "is draft 2019-09 and not supported; use $dynamicRef and $dynamicAnchor")
        }
        if let value = object["$schema"] {
            guard case .string(let uri) = value else { throw fail("$schema", "must be a string") }
            guard Self.knownMetaSchemas.contains(uri) else {
                throw fail("$schema", "\"\(uri)\" is not a JSON Schema draft's meta-schema; custom meta-schemas (vocabularies) are not supported")
            }
        }
        if let ref = object["$ref"] {
            guard case .string(let target) = ref else { throw fail("$ref", "must be a string") }
            node.ref = try resolve(target, at: "\(location)/$ref")
        }
        if let ref = object["$dynamicRef"] {
            // With one resource in the document, the dynamic scope holds only it: the target is
            // the anchor of that name in this document, as for $ref.
            guard case .string(let target) = ref else { throw fail("$dynamicRef", "must be a string") }
            node.dynamicRef = try resolve(target, at: "\(location)/$dynamicRef")
        }
        for keyword in ["$defs", "definitions"] {
            guard let defs = object[keyword] else { continue }
            guard case .object(let map) = defs else { throw fail(keyword, "must be an object") }
            // Compiled too, so that a broken definition is reported at load even when unused.
            for member in map { _ = try compile(member.value, at: "\(location)/\(keyword)/\(Self.escape(member.key))") }
        }

        // Any type.
        if let type = object["type"] {
            switch type {
            case .string(let name):
                guard let set = SchemaTypes(name: name) else { throw fail("type", "unknown type \"\(name)\"") }
                node.types = set
            case .array(let names):
                var set = SchemaTypes(bits: 0)
                for name in names {
                    guard case .string(let n) = name, let one = SchemaTypes(name: n), set.bits & one.bits == 0 else {
                        throw fail("type", "must list distinct type names (null, boolean, object, array, number, integer, string)")
                    }
                    set.bits |= one.bits
                }
                node.types = set
            default:
                throw fail("type", "must be a type name or a list of them")
            }
        }
        if let values = object["enum"] {
            guard case .array(let list) = values else { throw fail("enum", "must be an array") }
            node.enumValues = list
        }
        node.constValue = object["const"]

        // Objects.
        if let properties = object["properties"] {
            guard case .object(let map) = properties else { throw fail("properties", "must be an object") }
            for member in map {
                node.properties.append((member.key, try compile(member.value, at: "\(location)/properties/\(Self.escape(member.key))")))
            }
        }
        if let patterns = object["patternProperties"] {
            guard case .object(let map) = patterns else { throw fail("patternProperties", "must be an object") }
            for member in map {
                let regex: SchemaRegex
                do { regex = try SchemaRegex(member.key) } catch { throw fail("patternProperties", "invalid pattern \"\(member.key)\"") }
                node.patternProperties.append((regex, try compile(member.value, at: "\(location)/patternProperties/\(Self.escape(member.key))")))
            }
        }
        node.additionalProperties = try single(object, "additionalProperties", location)
        node.propertyNames = try single(object, "propertyNames", location)
        node.unevaluatedProperties = try single(object, "unevaluatedProperties", location)
        if let required = object["required"] {
            node.required = try names(required, "\(location)/required")
        }
        if let dependent = object["dependentRequired"] {
            guard case .object(let map) = dependent else { throw fail("dependentRequired", "must be an object of string arrays") }
            for member in map {
                node.dependentRequired.append((member.key, try names(member.value, "\(location)/dependentRequired/\(Self.escape(member.key))")))
            }
        }
        if let dependent = object["dependentSchemas"] {
            guard case .object(let map) = dependent else { throw fail("dependentSchemas", "must be an object of schemas") }
            for member in map {
                node.dependentSchemas.append((member.key, try compile(member.value, at: "\(location)/dependentSchemas/\(Self.escape(member.key))")))
            }
        }
        if let dependencies = object["dependencies"] {
            // Draft-07: a list of names is dependentRequired, a schema is dependentSchemas.
            guard case .object(let map) = dependencies else { throw fail("dependencies", "must be an object") }
            for member in map {
                let at = "\(location)/dependencies/\(Self.escape(member.key))"
                if case .array = member.value {
                    node.dependentRequired.append((member.key, try names(member.value, at)))
                } else {
                    node.dependentSchemas.append((member.key, try compile(member.value, at: at)))
                }
            }
        }
        node.minProperties = try count(object, "minProperties", location)
        node.maxProperties = try count(object, "maxProperties", location)

        // Arrays.
        if let prefix = object["prefixItems"] {
            guard case .array(let tuple) = prefix, !tuple.isEmpty else { throw fail("prefixItems", "must be a non-empty array of schemas") }
            for (i, schema) in tuple.enumerated() { node.prefixItems.append(try compile(schema, at: "\(location)/prefixItems/\(i)")) }
        }
        if let items = object["items"] {
            if case .array(let tuple) = items {
                // Draft-07 tuple form: items as prefixItems, additionalItems for the rest.
                guard object["prefixItems"] == nil else { throw fail("items", "an array of schemas (draft-07) cannot stand beside prefixItems") }
                for (i, schema) in tuple.enumerated() { node.prefixItems.append(try compile(schema, at: "\(location)/items/\(i)")) }
                node.items = try single(object, "additionalItems", location)
            } else {
                node.items = try compile(items, at: "\(location)/items")
            }
        }
        node.contains = try single(object, "contains", location)
        if let min = try count(object, "minContains", location) { node.minContains = min }
        node.maxContains = try count(object, "maxContains", location)
        node.unevaluatedItems = try single(object, "unevaluatedItems", location)
        node.minItems = try count(object, "minItems", location)
        node.maxItems = try count(object, "maxItems", location)
        if let unique = object["uniqueItems"] {
            guard case .bool(let b) = unique else { throw fail("uniqueItems", "must be a boolean") }
            node.uniqueItems = b
        }

        // Strings.
        node.minLength = try count(object, "minLength", location)
        node.maxLength = try count(object, "maxLength", location)
        if let pattern = object["pattern"] {
            guard case .string(let source) = pattern else { throw fail("pattern", "must be a string") }
            do { node.pattern = try SchemaRegex(source) } catch { throw fail("pattern", "invalid regular expression \"\(source)\"") }
        }
        if let format = object["format"] {
            // An annotation (the format-annotation vocabulary): not checked.
            guard case .string = format else { throw fail("format", "must be a string") }
        }

        // Numbers.
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
            guard !multiple.negative && !multiple.isZero else { throw fail("multipleOf", "must be greater than 0") }
            node.multipleOf = multiple
        }

        // In-place applicators.
        node.allOf = try list(object, "allOf", location)
        node.anyOf = try list(object, "anyOf", location)
        node.oneOf = try list(object, "oneOf", location)
        node.not = try single(object, "not", location)
        node.ifSchema = try single(object, "if", location)
        // Without "if", "then" and "else" do nothing; they are still compiled so that an error
        // in them is reported.
        let thenSchema = try single(object, "then", location)
        let elseSchema = try single(object, "else", location)
        if node.ifSchema != nil {
            node.thenSchema = thenSchema
            node.elseSchema = elseSchema
        }

        if node.ref == nil, node.dynamicRef == nil, node.isEmpty { node.kind = .alwaysValid }
        return node
    }

    private mutating func single(_ object: JSONObject, _ keyword: String, _ location: String) throws(SchemaError) -> Int? {
        guard let value = object[keyword] else { return nil }
        return try compile(value, at: "\(location)/\(keyword)")
    }

    private func names(_ value: JSON, _ location: String) throws(SchemaError) -> [String] {
        guard case .array(let list) = value else { throw SchemaError(location: location, reason: "must be an array of strings") }
        var out: [String] = []
        for name in list {
            guard case .string(let n) = name, !out.contains(n) else {
                throw SchemaError(location: location, reason: "must be an array of distinct strings")
            }
            out.append(n)
        }
        return out
    }

    private func count(_ object: JSONObject, _ keyword: String, _ location: String) throws(SchemaError) -> Int? {
        guard let value = object[keyword] else { return nil }
        guard case .number(let n) = value else {
            throw SchemaError(location: "\(location)/\(keyword)", reason: "must be a non-negative integer")
        }
        let exact = SchemaNumber(n)
        guard exact.isInteger, !exact.negative else {
            throw SchemaError(location: "\(location)/\(keyword)", reason: "must be a non-negative integer")
        }
        // Beyond Int32 no string, array or object can reach the bound.
        guard let i = n.int64Value, i <= Int64(Int32.max) else { return Int(Int32.max) }
        return Int(i)
    }

    private func number(_ object: JSONObject, _ keyword: String, _ location: String) throws(SchemaError) -> SchemaNumber? {
        guard let value = object[keyword] else { return nil }
        guard case .number(let n) = value else {
            throw SchemaError(location: "\(location)/\(keyword)", reason: "must be a number")
        }
        return SchemaNumber(n)
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

    // MARK: - References

    /// Resolves a reference within the document: `#`, a JSON Pointer (`#/$defs/a`), an anchor
    /// (`#name`), each optionally after the root's `$id`. Anything else would need another
    /// document and is refused.
    private mutating func resolve(_ target: String, at location: String) throws(SchemaError) -> Int {
        let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        let resource = String(parts[0])
        let fragment = parts.count > 1 ? String(parts[1]) : ""
        if !resource.isEmpty && resource != baseURI {
            throw SchemaError(
                location: location,
                reason: "\"\(target)\" is a remote reference; only references within the schema (#/…, #anchor\(baseURI.map { " or \($0)#…" } ?? "")) are supported")
        }
        guard let decoded = Self.percentDecode(fragment) else {
            throw SchemaError(location: location, reason: "invalid reference \"\(target)\"")
        }
        if !decoded.isEmpty && !decoded.hasPrefix("/") {
            guard let pointer = anchors[decoded] else {
                throw SchemaError(location: location, reason: "reference \"\(target)\" names no $anchor or $dynamicAnchor of this schema")
            }
            return try compile(try value(at: pointer, for: target, location), at: pointer)
        }
        // A JSON Pointer: decode each token, then write the canonical form.
        var pointer = "#"
        if !decoded.isEmpty {
            for raw in decoded.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
                let token = String(raw).replacing("~1", with: "/").replacing("~0", with: "~")
                pointer += "/" + Self.escape(token)
            }
        }
        return try compile(try value(at: pointer, for: target, location), at: pointer)
    }

    /// The value at a canonical pointer (`#/a/b~1c`).
    private func value(at pointer: String, for target: String, _ location: String) throws(SchemaError) -> JSON {
        var current = document
        for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            let token = String(raw).replacing("~1", with: "/").replacing("~0", with: "~")
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
        return current
    }

    /// Refuses a schema whose references loop without moving into the value
    /// (`{"$defs":{"a":{"$ref":"#/$defs/a"}}, "$ref":"#/$defs/a"}`): checking it could never end.
    private func rejectLoops() throws(SchemaError) {
        // 0 unvisited, 1 on the current path, 2 done.
        var state = [UInt8](repeating: 0, count: nodes.count)
        for start in nodes.indices where state[start] == 0 {
            var stack: [(node: Int, next: Int)] = [(start, 0)]
            state[start] = 1
            while let top = stack.last {
                let edges = nodes[top.node].inPlace
                if top.next == edges.count {
                    state[top.node] = 2
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].next += 1
                let target = edges[top.next]
                if state[target] == 1 {
                    throw SchemaError(
                        location: nodes[top.node].location,
                        reason: "the schema applies \(nodes[target].location) to the same value again without end (a $ref loop)")
                }
                if state[target] == 0 {
                    state[target] = 1
                    stack.append((target, 0))
                }
            }
        }
    }

    static func escape(_ key: String) -> String {
        guard key.contains("~") || key.contains("/") else { return key }
        return key.replacing("~", with: "~0").replacing("/", with: "~1")
    }

    /// Decodes `%XX` escapes of a URI fragment; nil when one is malformed or not UTF-8.
    private static func percentDecode(_ s: String) -> String? {
        guard s.contains("%") else { return s }
        var bytes: [UInt8] = []
        var utf8 = s.utf8[...]
        while let c = utf8.first {
            utf8 = utf8.dropFirst()
            if c == UInt8(ascii: "%") {
                guard utf8.count >= 2, let b = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) else { return nil }
                bytes.append(b)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(c)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

extension SchemaNode {
    /// True when the node checks nothing (only annotations, or `{}`).
    fileprivate var isEmpty: Bool {
        types == nil && enumValues == nil && constValue == nil && properties.isEmpty && patternProperties.isEmpty
            && additionalProperties == nil && propertyNames == nil && required.isEmpty && dependentRequired.isEmpty
            && dependentSchemas.isEmpty && minProperties == nil && maxProperties == nil && unevaluatedProperties == nil
            && prefixItems.isEmpty && items == nil && contains == nil && minItems == nil && maxItems == nil && !uniqueItems
            && unevaluatedItems == nil && minLength == nil && maxLength == nil && pattern == nil && minimum == nil
            && maximum == nil && exclusiveMinimum == nil && exclusiveMaximum == nil && multipleOf == nil && allOf.isEmpty
            && anyOf.isEmpty && oneOf.isEmpty && not == nil && ifSchema == nil
    }
}
