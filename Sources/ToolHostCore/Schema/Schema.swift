/// A JSON Schema compiled once, when a tool is loaded, and used to check every call's
/// arguments before the plugin runs.
///
/// JSON Schema 2020-12: the applicator, unevaluated and validation vocabularies, and from the
/// core `$ref`, `$defs`, `$anchor`, `$dynamicRef`/`$dynamicAnchor` within the schema (beside
/// other keywords, as 2020-12 has it); `format` and the content and meta-data keywords are
/// annotations, as are keywords of no vocabulary (`title`, `examples`, `x-…`). The draft-07
/// forms tools still send (`definitions`, `dependencies`, array-form `items` with
/// `additionalItems`, draft-04 boolean exclusive bounds) mean what they meant there. Numbers
/// are compared exactly (``SchemaNumber``). A schema the host cannot check as the specification
/// says (a remote `$ref`, a subschema with its own `$id`, 2019-09's `$recursiveRef`) is refused
/// with a ``SchemaError`` naming the keyword, never checked in part.
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
        var compiler = try SchemaCompiler(document: json)
        let root = try compiler.compileRoot()
        if requireObjectRoot {
            guard case .object(let object) = json, object["type"] == .string("object") else {
                throw SchemaError(location: "#", reason: "the root must be {\"type\": \"object\", …}")
            }
        }
        self.nodes = compiler.nodes
        self.root = root
        self.json = json
    }

    /// `json` kept as text, not compiled: a runner's tools, whose host compiles the schemas
    /// from the runner's catalog and checks the arguments before a call leaves it. ``validate(_:)``
    /// still checks such a schema fully (compiling it each time; a schema it cannot compile
    /// matches nothing), it is only never asked to.
    init(deferring json: JSON) {
        self.nodes = []
        self.root = -1
        self.json = json
    }

    /// Checks `value`; returns the first problem found, or `nil` when it matches.
    public func validate(_ value: JSON) -> SchemaViolation? {
        guard root >= 0 else {
            do {
                return try Schema(json, requireObjectRoot: false).validate(value)
            } catch {
                return SchemaViolation(path: "", message: "the schema cannot be checked: \(error)")
            }
        }
        var validator = SchemaValidator(nodes: nodes)
        return validator.check(value, node: root)
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
    var components: [Component] = []

    enum Component {
        case key(String)
        case index(Int)
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
