/// A JSON Schema compiled once, when a tool is loaded, and used to check every call's
/// arguments before the plugin runs.
///
/// Supports the keywords tool schemas use in practice: `type` (one or a list), `enum`,
/// `const`, `properties`, `required`, `additionalProperties`, `patternProperties`,
/// `minProperties`/`maxProperties`, `items`, `prefixItems`,
/// `minItems`/`maxItems`, `uniqueItems`, `minLength`/`maxLength`, `pattern`, `minimum`,
/// `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`, `allOf`, `anyOf`, `oneOf`,
/// `not`, boolean schemas, and local `$ref` into `$defs`/`definitions`. Annotations
/// (`description`, `title`, `default`, `examples`, `format`, …) are accepted and not enforced.
public struct Schema: Sendable {
    let nodes: [SchemaNode]
    let root: Int

    /// The schema text the tool declared.
    public let json: JSON

    /// Compiles `json`.
    /// - Parameter requireObjectRoot: demand `"type": "object"` at the root, as MCP does for a
    ///   tool's input schema.
    /// - Throws: ``SchemaError`` naming the keyword and its location.
    public init(_ json: JSON, requireObjectRoot: Bool) throws(SchemaError) {
        var compiler = SchemaCompiler(document: json)
        let root = try compiler.compile(json, at: "#")
        if requireObjectRoot {
            guard case .object(let object) = json, object["type"] == .string("object") else {
                throw SchemaError(location: "#", reason: "the root must be {\"type\": \"object\", …}")
            }
        }
        self.nodes = compiler.nodes
        self.root = root
        self.json = json
    }

    /// Checks `value`; returns the first problem found, or `nil` when it matches.
    public func validate(_ value: JSON) -> SchemaViolation? {
        var validator = SchemaValidator(nodes: nodes)
        return validator.check(value, node: root, path: SchemaPath())
    }
}

/// Why a schema could not be compiled.
public struct SchemaError: Error, Sendable, CustomStringConvertible {
    /// JSON Pointer-like location inside the schema, e.g. `#/properties/messages/items`.
    public let location: String
    public let reason: String

    public var description: String { "\(location): \(reason)" }
}

/// Why a value does not match a schema, and where.
public struct SchemaViolation: Sendable, CustomStringConvertible, Equatable {
    /// The path of the offending value, e.g. `messages[0].role`; empty for the root.
    public let path: String
    public let message: String

    public var description: String {
        path.isEmpty ? message : "`\(path)` \(message)"
    }
}

/// A path into a JSON value, rendered like `messages[0].role`.
struct SchemaPath {
    private var components: [Component] = []

    enum Component {
        case key(String)
        case index(Int)
    }

    func appending(_ key: String) -> SchemaPath {
        var copy = self
        copy.components.append(.key(key))
        return copy
    }

    func appending(_ index: Int) -> SchemaPath {
        var copy = self
        copy.components.append(.index(index))
        return copy
    }

    var rendered: String {
        var out = ""
        for component in components {
            switch component {
            case .key(let k):
                if !out.isEmpty { out += "." }
                out += k
            case .index(let i):
                out += "[\(i)]"
            }
        }
        return out
    }
}
