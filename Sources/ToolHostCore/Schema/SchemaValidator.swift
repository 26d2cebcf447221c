/// Checks values against a compiled node table and explains the first mismatch in words a
/// model can act on ("`messages[0].role` must be one of …").
///
/// `unevaluatedProperties` and `unevaluatedItems` need to know which members and items the
/// other keywords evaluated, in this schema and in the subschemas applied in place (`$ref`,
/// `allOf`, the passing branches of `anyOf`/`oneOf`, `if`/`then`/`else`, `dependentSchemas`).
/// Those sets (``Evaluated``) are gathered only below a schema that reads them, so a schema
/// without the unevaluated keywords pays nothing for them.
struct SchemaValidator {
    let nodes: [SchemaNode]
    /// Where in the value the check is; rendered only for a violation.
    private var path: [SchemaPath.Component] = []

    init(nodes: [SchemaNode]) { self.nodes = nodes }

    /// The members and items of one value that keywords evaluated successfully.
    struct Evaluated {
        var allProperties = false
        var properties: Set<String> = []
        var allItems = false
        var items: Set<Int> = []

        mutating func merge(_ other: Evaluated) {
            allProperties = allProperties || other.allProperties
            if !allProperties && !other.properties.isEmpty { properties.formUnion(other.properties) }
            allItems = allItems || other.allItems
            if !allItems && !other.items.isEmpty { items.formUnion(other.items) }
        }
    }

    mutating func check(_ value: JSON, node index: Int) -> SchemaViolation? {
        var evaluated = Evaluated()
        return check(value, index, &evaluated, collect: false)
    }

    private func violation(_ message: String) -> SchemaViolation {
        SchemaViolation(path: SchemaPath(components: path).rendered, message: message)
    }

    private mutating func child(_ component: SchemaPath.Component, _ value: JSON, _ index: Int) -> SchemaViolation? {
        path.append(component)
        defer { path.removeLast() }
        var scratch = Evaluated()
        return check(value, index, &scratch, collect: false)
    }

    /// Checks `value` against node `index`. When `collect` is set, what this node evaluated is
    /// added to `evaluated` (on success; a failing node's annotations are dropped by the caller).
    private mutating func check(_ value: JSON, _ index: Int, _ evaluated: inout Evaluated, collect: Bool) -> SchemaViolation? {
        let node = nodes[index]
        switch node.kind {
        case .alwaysValid: return nil
        case .neverValid: return violation("is not allowed")
        case .checks: break
        }
        let collecting = collect || node.readsAnnotations
        var local = Evaluated()

        if let types = node.types, !Self.matches(value, types) {
            let list = types.list
            let expected = list.count == 1 ? Self.article(list[0]) : "one of the types " + list.joined(separator: ", ")
            return violation("must be \(expected) (got \(Self.describe(value)))")
        }
        if let values = node.enumValues, !values.contains(where: { Self.equal($0, value) }) {
            let list = values.map { JSONWriter.string($0) }.joined(separator: ", ")
            return violation("must be one of \(list) (got \(Self.describe(value)))")
        }
        if let constant = node.constValue, !Self.equal(constant, value) {
            return violation("must be \(JSONWriter.string(constant)) (got \(Self.describe(value)))")
        }

        switch value {
        case .object(let object):
            if let problem = checkObject(object, node, &local, collecting) { return problem }
        case .array(let array):
            if let problem = checkArray(array, node, &local, collecting) { return problem }
        case .string(let s):
            if let problem = checkString(s, node) { return problem }
        case .number(let n):
            if let problem = checkNumber(n, node) { return problem }
        default:
            break
        }

        if let ref = node.ref, let problem = check(value, ref, &local, collect: collecting) { return problem }
        if let ref = node.dynamicRef, let problem = check(value, ref, &local, collect: collecting) { return problem }
        for sub in node.allOf {
            if let problem = check(value, sub, &local, collect: collecting) { return problem }
        }
        if !node.anyOf.isEmpty {
            var first: SchemaViolation?
            var matched = false
            for sub in node.anyOf {
                var branch = Evaluated()
                if let problem = check(value, sub, &branch, collect: collecting) {
                    if first == nil { first = problem }
                } else {
                    matched = true
                    // Every passing branch's annotations count, so all are tried when collecting.
                    guard collecting else { break }
                    local.merge(branch)
                }
            }
            if !matched {
                return violation("matches none of the allowed forms (anyOf)" + (first.map { "; first: \($0)" } ?? ""))
            }
        }
        if !node.oneOf.isEmpty {
            var matches = 0
            var first: SchemaViolation?
            var passing = Evaluated()
            for sub in node.oneOf {
                var branch = Evaluated()
                if let problem = check(value, sub, &branch, collect: collecting) {
                    if first == nil { first = problem }
                } else {
                    matches += 1
                    passing = branch
                    if matches > 1 { break }
                }
            }
            if matches == 0 { return violation("matches none of the allowed forms (oneOf)" + (first.map { "; first: \($0)" } ?? "")) }
            if matches > 1 { return violation("matches more than one of the exclusive forms (oneOf)") }
            local.merge(passing)
        }
        if let not = node.not {
            var scratch = Evaluated()
            if check(value, not, &scratch, collect: false) == nil {
                return violation("is not allowed in this form (not)")
            }
        }
        if let condition = node.ifSchema {
            var branch = Evaluated()
            if check(value, condition, &branch, collect: collecting) == nil {
                local.merge(branch)
                if let then = node.thenSchema, let problem = check(value, then, &local, collect: collecting) {
                    return SchemaViolation(path: problem.path, message: "\(problem.message) (then, as the if at \(node.location) matched)")
                }
            } else if let otherwise = node.elseSchema, let problem = check(value, otherwise, &local, collect: collecting) {
                return SchemaViolation(path: problem.path, message: "\(problem.message) (else, as the if at \(node.location) did not match)")
            }
        }
        if case .object(let object) = value {
            for dependent in node.dependentSchemas where object[dependent.name] != nil {
                if let problem = check(value, dependent.node, &local, collect: collecting) {
                    return SchemaViolation(path: problem.path, message: "\(problem.message) (dependentSchemas, as `\(dependent.name)` is present)")
                }
            }
            if let unevaluated = node.unevaluatedProperties, !local.allProperties {
                for member in object where !local.properties.contains(member.key) {
                    if case .neverValid = nodes[unevaluated].kind {
                        path.append(.key(member.key))
                        defer { path.removeLast() }
                        return violation("is not an accepted argument (unevaluatedProperties)")
                    }
                    if let problem = child(.key(member.key), member.value, unevaluated) { return problem }
                }
                local.allProperties = true
            }
        }
        if case .array(let array) = value, let unevaluated = node.unevaluatedItems, !local.allItems {
            for (i, element) in array.enumerated() where !local.items.contains(i) {
                if case .neverValid = nodes[unevaluated].kind {
                    path.append(.index(i))
                    defer { path.removeLast() }
                    return violation("is not allowed here (unevaluatedItems)")
                }
                if let problem = child(.index(i), element, unevaluated) { return problem }
            }
            local.allItems = true
        }
        if collect { evaluated.merge(local) }
        return nil
    }

    private mutating func checkObject(_ object: JSONObject, _ node: SchemaNode, _ local: inout Evaluated, _ collecting: Bool) -> SchemaViolation? {
        for name in node.required where object[name] == nil {
            path.append(.key(name))
            defer { path.removeLast() }
            return violation("is required")
        }
        for dependent in node.dependentRequired where object[dependent.name] != nil {
            for name in dependent.requires where object[name] == nil {
                path.append(.key(name))
                defer { path.removeLast() }
                return violation("is required when `\(dependent.name)` is present (dependentRequired)")
            }
        }
        if let min = node.minProperties, object.count < min {
            return violation("must have at least \(min) member\(min == 1 ? "" : "s") (got \(object.count))")
        }
        if let max = node.maxProperties, object.count > max {
            return violation("must have at most \(max) member\(max == 1 ? "" : "s") (got \(object.count))")
        }
        if let names = node.propertyNames {
            for member in object {
                path.append(.key(member.key))
                defer { path.removeLast() }
                var scratch = Evaluated()
                if let problem = check(.string(member.key), names, &scratch, collect: false) {
                    return violation("is not an accepted name: it \(problem.message) (propertyNames)")
                }
            }
        }
        for member in object {
            var known = false
            for property in node.properties where property.name == member.key {
                known = true
                if let problem = child(.key(member.key), member.value, property.node) { return problem }
            }
            for pattern in node.patternProperties where pattern.pattern.matches(member.key) {
                known = true
                if let problem = child(.key(member.key), member.value, pattern.node) { return problem }
            }
            if known {
                if collecting { local.properties.insert(member.key) }
            } else if let additional = node.additionalProperties {
                if case .neverValid = nodes[additional].kind {
                    let allowed = node.properties.map(\.name).joined(separator: ", ")
                    path.append(.key(member.key))
                    defer { path.removeLast() }
                    return violation("is not an accepted argument" + (allowed.isEmpty ? "" : " (accepted: \(allowed))"))
                }
                if let problem = child(.key(member.key), member.value, additional) { return problem }
            }
        }
        if node.additionalProperties != nil { local.allProperties = true }
        return nil
    }

    private mutating func checkArray(_ array: [JSON], _ node: SchemaNode, _ local: inout Evaluated, _ collecting: Bool) -> SchemaViolation? {
        if let min = node.minItems, array.count < min {
            return violation("must have at least \(min) item\(min == 1 ? "" : "s") (got \(array.count))")
        }
        if let max = node.maxItems, array.count > max {
            return violation("must have at most \(max) item\(max == 1 ? "" : "s") (got \(array.count))")
        }
        for (i, element) in array.enumerated() {
            let sub = i < node.prefixItems.count ? node.prefixItems[i] : node.items
            guard let sub else { break }
            if let problem = child(.index(i), element, sub) { return problem }
        }
        if node.items != nil {
            local.allItems = true
        } else if collecting {
            for i in 0..<min(node.prefixItems.count, array.count) { local.items.insert(i) }
        }
        if let contains = node.contains {
            var found = 0
            var first: SchemaViolation?
            for (i, element) in array.enumerated() {
                if let problem = child(.index(i), element, contains) {
                    if first == nil { first = problem }
                } else {
                    found += 1
                    if collecting { local.items.insert(i) }
                }
            }
            if found < node.minContains {
                let n = node.minContains
                return violation(
                    "must contain at least \(n) item\(n == 1 ? "" : "s") that match\(n == 1 ? "es" : "") contains (found \(found))"
                        + (first.map { "; first: \($0)" } ?? ""))
            }
            if let max = node.maxContains, found > max {
                return violation("must contain at most \(max) item\(max == 1 ? "" : "s") that match\(max == 1 ? "es" : "") contains (found \(found))")
            }
        }
        if node.uniqueItems {
            for i in array.indices {
                for j in array.indices where j > i && Self.equal(array[i], array[j]) {
                    path.append(.index(j))
                    defer { path.removeLast() }
                    return violation("repeats item \(i); items must be unique")
                }
            }
        }
        return nil
    }

    private func checkString(_ s: String, _ node: SchemaNode) -> SchemaViolation? {
        if node.minLength != nil || node.maxLength != nil {
            let length = s.unicodeScalars.count
            if let min = node.minLength, length < min {
                return violation("must have at least \(min) character\(min == 1 ? "" : "s") (got \(length))")
            }
            if let max = node.maxLength, length > max {
                return violation("must have at most \(max) character\(max == 1 ? "" : "s") (got \(length))")
            }
        }
        if let pattern = node.pattern, !pattern.matches(s) {
            return violation("must match the pattern \(pattern.source)")
        }
        return nil
    }

    private func checkNumber(_ number: JSONNumber, _ node: SchemaNode) -> SchemaViolation? {
        guard node.minimum != nil || node.maximum != nil || node.exclusiveMinimum != nil || node.exclusiveMaximum != nil
            || node.multipleOf != nil
        else { return nil }
        let n = SchemaNumber(number)
        if let min = node.minimum, SchemaNumber.compare(n, min) < 0 { return violation("must be at least \(min) (got \(n))") }
        if let max = node.maximum, SchemaNumber.compare(n, max) > 0 { return violation("must be at most \(max) (got \(n))") }
        if let min = node.exclusiveMinimum, SchemaNumber.compare(n, min) <= 0 { return violation("must be greater than \(min) (got \(n))") }
        if let max = node.exclusiveMaximum, SchemaNumber.compare(n, max) >= 0 { return violation("must be less than \(max) (got \(n))") }
        if let step = node.multipleOf, !n.isMultiple(of: step) { return violation("must be a multiple of \(step) (got \(n))") }
        return nil
    }

    static func matches(_ value: JSON, _ types: SchemaTypes) -> Bool {
        switch value {
        case .null: return types.contains("null")
        case .bool: return types.contains("boolean")
        case .object: return types.contains("object")
        case .array: return types.contains("array")
        case .string: return types.contains("string")
        case .number(let n):
            return types.contains("number") || (types.contains("integer") && (n.isPlainInteger || SchemaNumber(n).isInteger))
        }
    }

    /// JSON Schema equality: numbers compare by value (1 == 1.0), objects ignore member order.
    static func equal(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x.text == y.text || SchemaNumber(x) == SchemaNumber(y)
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { member in y[member.key].map { equal(member.value, $0) } ?? false }
        default: return a == b
        }
    }

    static func describe(_ value: JSON) -> String {
        switch value {
        case .string(let s):
            let shown = s.count > 40 ? String(s.prefix(40)) + "…" : s
            return "the string " + JSONWriter.string(.string(shown))
        case .number(let n): return "the number \(n)"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    static func article(_ type: String) -> String {
        switch type {
        case "integer", "object", "array": return "an \(type)"
        case "null": return "null"
        default: return "a \(type)"
        }
    }
}
