extension JSONValue {
    /// Indented JSON as Python's `json.dumps(value, indent=2)` writes it (keys sorted, since
    /// the order of a decoded object is not kept; non-ASCII kept as it is).
    package func pretty(indent: Int = 0) -> String {
        var out = ""
        write(into: &out, indent: indent)
        return out
    }

    private func write(into out: inout String, indent: Int) {
        let pad = String(repeating: " ", count: indent + 2)
        let closePad = String(repeating: " ", count: indent)
        switch self {
        case .array(let items) where items.isEmpty:
            out += "[]"
        case .object(let members) where members.isEmpty:
            out += "{}"
        case .array(let items):
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += pad
                item.write(into: &out, indent: indent + 2)
                out += i == items.count - 1 ? "\n" : ",\n"
            }
            out += closePad + "]"
        case .object(let members):
            out += "{\n"
            let keys = members.keys.sorted()
            for (i, key) in keys.enumerated() {
                var keyBytes: [UInt8] = []
                Self.writeString(key, into: &keyBytes)
                out += pad + String(decoding: keyBytes, as: UTF8.self) + ": "
                members[key]!.write(into: &out, indent: indent + 2)
                out += i == keys.count - 1 ? "\n" : ",\n"
            }
            out += closePad + "}"
        default:
            out += jsonText
        }
    }
}
