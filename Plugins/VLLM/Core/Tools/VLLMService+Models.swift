extension VLLMService {
    /// `list_models`: always read fresh (and the cache refreshed with it).
    func listModels() async throws(ToolFailure) -> ToolOutcome {
        let cards: [ModelCard]
        do {
            cards = try await client.fetchModels()
        } catch {
            throw ToolFailure(error.failureKind, "Error listing models: \(error.message)")
        }
        let structured = JSONValue.object(["models": .array(cards.map { .object(Self.summary($0)) })]).jsonText
        guard !cards.isEmpty else {
            return ToolOutcome(texts: ["No models available on the vLLM server."], structured: structured)
        }
        var lines = ["## Available Models (\(cards.count) total)", ""]
        for card in cards {
            var facts = ["owned by: \(card.ownedBy ?? "unknown")", "created: \(card.created.map(String.init) ?? "unknown")"]
            if let length = card.maxModelLen { facts.append("max_model_len: \(length)") }
            if let parent = card.parent { facts.append("adapter of: \(parent)") }
            lines.append("- **\(card.id)** (\(facts.joined(separator: ", ")))")
        }
        return ToolOutcome(texts: [lines.joined(separator: "\n")], structured: structured)
    }

    /// `get_model_info`: the model's card as the server gives it.
    func modelInfo(_ args: ToolArguments) async throws(ToolFailure) -> ToolOutcome {
        guard let id = try args.string("model_id"), !id.isEmpty else {
            throw ToolFailure(.invalidArgument, "Error: No model_id provided")
        }
        let cards: [ModelCard]
        do {
            cards = try await client.fetchModels()
        } catch {
            throw ToolFailure(error.failureKind, "Error getting model info: \(error.message)")
        }
        guard let card = cards.first(where: { $0.id == id }) else {
            let served = cards.isEmpty ? "The server lists no models." : "Served models: \(cards.map(\.id).joined(separator: ", "))."
            throw ToolFailure(.invalidArgument, "Model '\(id)' not found on the server. \(served)")
        }
        return ToolOutcome(texts: ["## Model: \(id)\n\n```json\n\(card.raw.pretty())\n```"])
    }

    private static func summary(_ card: ModelCard) -> [String: JSONValue] {
        func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        return [
            "id": .string(card.id),
            "owned_by": optional(card.ownedBy),
            "created": card.created.map(JSONValue.integer) ?? .null,
            "max_model_len": card.maxModelLen.map { .integer(Int64($0)) } ?? .null,
            "parent": optional(card.parent),
            "root": optional(card.root),
        ]
    }
}
