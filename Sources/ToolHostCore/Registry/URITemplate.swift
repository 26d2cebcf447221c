/// An RFC 6570 URI template as resource templates use it, read for matching: given a URI, the
/// values of its variables, or nil when the URI is not one the template can produce.
///
/// The expressions understood are `{var}`, `{+var}`, `{#var}`, `{.var}`, `{/var}`, `{;var}`
/// (one variable each) and `{?a,b}`, `{&a,b}` (form-style query parts). Explode (`*`) and
/// prefix (`:n`) modifiers, and lists in the other operators, are refused when the template is
/// read, naming what is not understood, so a template is never half-matched.
struct URITemplate: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        case literal(String)
        /// `op` is "" for simple expansion, else one of + # . / ;
        case variable(op: Character?, name: String)
        /// `{?a,b}` (`continuation` false) or `{&a,b}` (true).
        case query(names: [String], continuation: Bool)
    }

    let text: String
    let parts: [Part]
    var variableNames: [String] {
        parts.flatMap { part -> [String] in
            switch part {
            case .literal: []
            case .variable(_, let name): [name]
            case .query(let names, _): names
            }
        }
    }

    /// Parses `text`; the error says what is not understood.
    init(_ text: String) throws(TemplateError) {
        self.text = text
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(text)
        while let c = rest.first {
            rest = rest.dropFirst()
            if c == "}" { throw TemplateError("a \"}\" without a matching \"{\"") }
            guard c == "{" else {
                literal.append(c)
                continue
            }
            guard let close = rest.firstIndex(of: "}") else { throw TemplateError("an expression \"{\" is not closed") }
            var body = rest[..<close]
            rest = rest[rest.index(after: close)...]
            if !literal.isEmpty {
                parts.append(.literal(literal))
                literal = ""
            }
            var op: Character?
            if let first = body.first, "+#./;?&".contains(first) {
                op = first
                body = body.dropFirst()
            } else if let first = body.first, "=,!@|".contains(first) {
                throw TemplateError("the operator \"\(first)\" is reserved and not understood")
            }
            let names = body.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            for name in names {
                guard !name.isEmpty else { throw TemplateError("an expression has an empty variable name") }
                if name.hasSuffix("*") || name.contains(":") {
                    throw TemplateError("the modifier in \"{\(op.map(String.init) ?? "")\(body)}\" (explode \"*\" or prefix \":n\") is not understood")
                }
                guard name.unicodeScalars.allSatisfy({ Self.isVariableCharacter($0) }) else {
                    throw TemplateError("\"\(name)\" is not a valid variable name")
                }
            }
            if op == "?" || op == "&" {
                parts.append(.query(names: names, continuation: op == "&"))
            } else {
                guard names.count == 1 else {
                    throw TemplateError("\"{\(op.map(String.init) ?? "")\(body)}\" lists several variables; only {?…} and {&…} may")
                }
                parts.append(.variable(op: op, name: names[0]))
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        guard parts.contains(where: { if case .literal = $0 { false } else { true } }) else {
            throw TemplateError("it has no expression; offer it as a resource instead")
        }
        self.parts = parts
        var seen = Set<String>()
        for name in variableNames where !seen.insert(name).inserted {
            throw TemplateError("the variable \(name) appears twice")
        }
    }

    private static func isVariableCharacter(_ s: Unicode.Scalar) -> Bool {
        switch s {
        case "a"..."z", "A"..."Z", "0"..."9", "_", ".", "%": true
        default: false
        }
    }

    /// The variables of `uri`, percent-decoded, or nil when the template cannot produce it.
    /// A query variable that is absent is left out.
    func match(_ uri: String) -> [String: String]? {
        var values: [String: String] = [:]
        return Self.match(parts[...], Substring(uri), &values) ? values : nil
    }

    private static func match(_ parts: ArraySlice<Part>, _ uri: Substring, _ values: inout [String: String]) -> Bool {
        guard let part = parts.first else { return uri.isEmpty }
        let rest = parts.dropFirst()
        switch part {
        case .literal(let text):
            guard uri.hasPrefix(text) else { return false }
            return match(rest, uri.dropFirst(text.count), &values)
        case .variable(let op, let name):
            var body = uri
            if let op, let prefix = ["#": "#", ".": ".", "/": "/", ";": ";"][op] {
                guard body.hasPrefix(prefix) else { return false }
                body = body.dropFirst()
                if op == ";" {
                    guard body.hasPrefix(name) else { return false }
                    body = body.dropFirst(name.count)
                    if body.hasPrefix("=") { body = body.dropFirst() }
                }
            }
            let reserved = op == "+" || op == "#"
            // The value runs up to some later point; try the longest first (greedy), then
            // shorter ones, so the following literal can match.
            var end = body.startIndex
            while end < body.endIndex, allowed(body[end], reserved: reserved, op: op) { end = body.index(after: end) }
            var cut = end
            while true {
                let raw = body[body.startIndex..<cut]
                if !raw.isEmpty || op == ";" || op == "#", let value = percentDecoded(raw) {
                    values[name] = value
                    if match(rest, body[cut...], &values) { return true }
                    values[name] = nil
                }
                guard cut > body.startIndex else { return false }
                cut = body.index(before: cut)
            }
        case .query(let names, let continuation):
            // Zero or more name=value pairs of these names, introduced by ? (or & after a query).
            var remaining = uri
            var found: [String: String] = [:]
            var first = !continuation
            while true {
                let introducer: Character = first ? "?" : "&"
                guard remaining.first == introducer else { break }
                let pair = remaining.dropFirst().prefix { $0 != "&" && $0 != "#" }
                guard let equals = pair.firstIndex(of: "="), case let key = String(pair[..<equals]),
                      names.contains(key), found[key] == nil,
                      let value = percentDecoded(pair[pair.index(after: equals)...]) else { break }
                found[key] = value
                remaining = remaining.dropFirst(1 + pair.count)
                first = false
            }
            for (key, value) in found { values[key] = value }
            if match(rest, remaining, &values) { return true }
            for key in found.keys { values[key] = nil }
            return false
        }
    }

    /// Which characters an expanded value may hold: unreserved and percent-escapes, plus the
    /// reserved set for {+…} and {#…}.
    private static func allowed(_ c: Character, reserved: Bool, op: Character?) -> Bool {
        guard let scalar = c.unicodeScalars.first, c.unicodeScalars.count == 1 else { return false }
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", ".", "_", "~", "%":
            // A dot would be the next {.x}'s separator; a value with one still matches when
            // nothing follows that needs it, through backtracking.
            return true
        case ":", "/", "?", "#", "[", "]", "@", "!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=":
            return reserved
        default:
            // Characters a strict expansion would escape: accepted, so that URIs written by
            // hand still match.
            return scalar.value > 0x7F || (reserved && scalar != " ")
        }
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var utf8 = text.utf8[...]
        while let byte = utf8.first {
            utf8 = utf8.dropFirst()
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard utf8.count >= 2, let high = hex(utf8.first!), let low = hex(utf8.dropFirst().first!) else { return nil }
            bytes.append(high << 4 | low)
            utf8 = utf8.dropFirst(2)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

struct TemplateError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
