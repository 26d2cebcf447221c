/// Checks values against a compiled node table and explains the first mismatch in words a
/// model can act on ("`messages[0].role` must be one of …").
struct SchemaValidator {
    let nodes: [SchemaNode]
    /// Bounds `$ref` chains that never reach a real schema (`{"$ref":"#"}` at the root).
    private var referenceHops = 0

    init(nodes: [SchemaNode]) { self.nodes = nodes }

    mutating func check(_ value: JSON, node index: Int, path: SchemaPath) -> SchemaViolation? {
        let node = nodes[index]
        func violation(_ message: String) -> SchemaViolation {
            SchemaViolation(path: path.rendered, message: message)
        }
        switch node.kind {
        case .alwaysValid: return nil
        case .neverValid: return violation("is not allowed")
        case .reference(let target):
            referenceHops += 1
            defer { referenceHops -= 1 }
            if referenceHops > 64 { return violation("cannot be checked: the schema refers to itself without end") }
            return check(value, node: target, path: path)
        case .checks: break
        }

        if let types = node.types, !types.contains(where: { Self.matches(value, type: $0) }) {
            let expected = types.count == 1 ? Self.article(types[0]) : "one of the types " + types.joined(separator: ", ")
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
            if let problem = checkObject(object, node, path) { return problem }
        case .array(let array):
            if let problem = checkArray(array, node, path) { return problem }
        case .string(let s):
            let length = s.unicodeScalars.count
            if let min = node.minLength, length < min {
                return violation("must have at least \(min) character\(min == 1 ? "" : "s") (got \(length))")
            }
            if let max = node.maxLength, length > max {
                return violation("must have at most \(max) character\(max == 1 ? "" : "s") (got \(length))")
            }
            if let pattern = node.pattern, !pattern.matches(s) {
                return violation("must match the pattern \(pattern.source)")
            }
        case .number(let n):
            if let min = node.minimum, Self.compare(n, min) < 0 { return violation("must be at least \(min) (got \(n))") }
            if let max = node.maximum, Self.compare(n, max) > 0 { return violation("must be at most \(max) (got \(n))") }
            if let min = node.exclusiveMinimum, Self.compare(n, min) <= 0 { return violation("must be greater than \(min) (got \(n))") }
            if let max = node.exclusiveMaximum, Self.compare(n, max) >= 0 { return violation("must be less than \(max) (got \(n))") }
            if let step = node.multipleOf {
                let q = n.doubleValue / step
                if !q.isFinite || abs(q - q.rounded()) > 1e-9 * max(1, abs(q)) {
                    return violation("must be a multiple of \(JSONNumber(step)) (got \(n))")
                }
            }
        default:
            break
        }

        for sub in node.allOf {
            if let problem = check(value, node: sub, path: path) { return problem }
        }
        if !node.anyOf.isEmpty {
            var first: SchemaViolation?
            var matched = false
            for sub in node.anyOf {
                if let problem = check(value, node: sub, path: path) {
                    if first == nil { first = problem }
                } else {
                    matched = true
                    break
                }
            }
            if !matched {
                return violation("matches none of the allowed forms" + (first.map { " (first: \($0))" } ?? ""))
            }
        }
        if !node.oneOf.isEmpty {
            let matches = node.oneOf.filter { check(value, node: $0, path: path) == nil }.count
            if matches != 1 {
                return violation(matches == 0 ? "matches none of the allowed forms" : "matches more than one of the exclusive forms")
            }
        }
        if let not = node.not, check(value, node: not, path: path) == nil {
            return violation("is not allowed in this form")
        }
        return nil
    }

    private mutating func checkObject(_ object: JSONObject, _ node: SchemaNode, _ path: SchemaPath) -> SchemaViolation? {
        for name in node.required where object[name] == nil {
            return SchemaViolation(path: path.appending(name).rendered, message: "is required")
        }
        if let min = node.minProperties, object.count < min {
            return SchemaViolation(path: path.rendered, message: "must have at least \(min) members")
        }
        if let max = node.maxProperties, object.count > max {
            return SchemaViolation(path: path.rendered, message: "must have at most \(max) members")
        }
        for member in object {
            var known = false
            for property in node.properties where property.name == member.key {
                known = true
                if let problem = check(member.value, node: property.node, path: path.appending(member.key)) { return problem }
            }
            for pattern in node.patternProperties where pattern.pattern.matches(member.key) {
                known = true
                if let problem = check(member.value, node: pattern.node, path: path.appending(member.key)) { return problem }
            }
            if !known, let additional = node.additionalProperties {
                if case .neverValid = nodes[additional].kind {
                    let allowed = node.properties.map(\.name).joined(separator: ", ")
                    return SchemaViolation(
                        path: path.appending(member.key).rendered,
                        message: "is not an accepted argument" + (allowed.isEmpty ? "" : " (accepted: \(allowed))"))
                }
                if let problem = check(member.value, node: additional, path: path.appending(member.key)) { return problem }
            }
        }
        return nil
    }

    private mutating func checkArray(_ array: [JSON], _ node: SchemaNode, _ path: SchemaPath) -> SchemaViolation? {
        if let min = node.minItems, array.count < min {
            return SchemaViolation(path: path.rendered, message: "must have at least \(min) item\(min == 1 ? "" : "s") (got \(array.count))")
        }
        if let max = node.maxItems, array.count > max {
            return SchemaViolation(path: path.rendered, message: "must have at most \(max) item\(max == 1 ? "" : "s") (got \(array.count))")
        }
        for (i, element) in array.enumerated() {
            let sub = i < node.prefixItems.count ? node.prefixItems[i] : node.items
            if let sub, let problem = check(element, node: sub, path: path.appending(i)) { return problem }
        }
        if node.uniqueItems {
            for i in array.indices {
                for j in array.indices where j > i && Self.equal(array[i], array[j]) {
                    return SchemaViolation(path: path.appending(j).rendered, message: "repeats item \(i); items must be unique")
                }
            }
        }
        return nil
    }

    static func matches(_ value: JSON, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("object", .object), ("array", .array), ("string", .string), ("number", .number):
            return true
        case ("integer", .number(let n)):
            return n.isInteger
        default:
            return false
        }
    }

    /// JSON Schema equality: numbers compare by value (1 == 1.0), objects ignore member order.
    static func equal(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): return compare(x, y) == 0
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { member in y[member.key].map { equal(member.value, $0) } ?? false }
        default: return a == b
        }
    }

    /// Compares two numbers exactly when both are plain integers (any size), else as doubles.
    static func compare(_ a: JSONNumber, _ b: JSONNumber) -> Int {
        if a.isPlainInteger && b.isPlainInteger { return compareIntegers(a.text, b.text) }
        let x = a.doubleValue, y = b.doubleValue
        return x < y ? -1 : (x > y ? 1 : 0)
    }

    private static func compareIntegers(_ a: String, _ b: String) -> Int {
        let negA = a.hasPrefix("-"), negB = b.hasPrefix("-")
        let digitsA = Self.stripZeros(negA ? a.dropFirst() : a[...])
        let digitsB = Self.stripZeros(negB ? b.dropFirst() : b[...])
        let zeroA = digitsA.isEmpty, zeroB = digitsB.isEmpty
        if zeroA && zeroB { return 0 }
        let signA = zeroA ? 0 : (negA ? -1 : 1)
        let signB = zeroB ? 0 : (negB ? -1 : 1)
        if signA != signB { return signA < signB ? -1 : 1 }
        var magnitude: Int
        if digitsA.count != digitsB.count {
            magnitude = digitsA.count < digitsB.count ? -1 : 1
        } else {
            magnitude = digitsA == digitsB ? 0 : (digitsA < digitsB ? -1 : 1)
        }
        if signA < 0 { magnitude = -magnitude }
        return magnitude
    }

    private static func stripZeros(_ s: Substring) -> Substring {
        s.drop(while: { $0 == "0" })
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
