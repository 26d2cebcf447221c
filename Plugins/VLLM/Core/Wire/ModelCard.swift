/// One entry of `GET /v1/models`, read leniently (servers differ in what they fill in), with
/// the whole card kept for `get_model_info`.
package struct ModelCard: Sendable, Equatable {
    package var id: String
    package var ownedBy: String?
    package var created: Int64?
    package var maxModelLen: Int?
    package var parent: String?
    package var root: String?
    /// The card as the server sent it.
    package var raw: JSONValue

    package init(_ raw: JSONValue) {
        self.raw = raw
        id = raw["id"]?.stringValue ?? ""
        ownedBy = raw["owned_by"]?.stringValue
        switch raw["created"] {
        case .integer(let i)?: created = i
        case .number(let d)?: created = Int64(exactly: d.rounded(.down))
        default: created = nil
        }
        maxModelLen = raw["max_model_len"]?.intValue
        parent = raw["parent"]?.stringValue
        root = raw["root"]?.stringValue
    }

    /// Reads a model list body: `{"data":[…]}` (OpenAI) or a bare array.
    /// - Returns: nil when the body is neither.
    package static func list(from body: JSONValue) -> [ModelCard]? {
        let entries: [JSONValue]
        switch body {
        case .array(let a): entries = a
        case .object:
            guard case .array(let a)? = body["data"] else { return nil }
            entries = a
        default: return nil
        }
        return entries.map(ModelCard.init).filter { !$0.id.isEmpty }
    }
}
