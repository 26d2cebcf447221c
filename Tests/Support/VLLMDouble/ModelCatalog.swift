import ToolHostJSON

/// The served models and adapters of a configuration: name resolution and `/v1/models` cards.
struct ModelCatalog {
    /// A request's model after resolution.
    struct Resolved {
        /// The name responses carry (the requested name, or the first served name).
        var name: String
        var maxModelLen: Int
        /// The scenario of the served model (an adapter uses its base model's).
        var scenario: String?
    }

    let models: [ServedModel]
    let adapters: [LoRAAdapter]

    init(_ configuration: Configuration) {
        models = configuration.models
        adapters = configuration.loraAdapters
    }

    /// Resolves a `model` field; nil or empty means the first served model.
    ///
    /// - Throws: vLLM's 404 `NotFoundError` for a name that is neither served nor an adapter.
    func resolve(_ requested: String?) throws(APIError) -> Resolved {
        guard let first = models.first else { throw APIError.modelNotFound(requested ?? "", served: []) }
        guard let requested, !requested.isEmpty else {
            return Resolved(name: first.name, maxModelLen: first.maxModelLen, scenario: first.scenario)
        }
        if let model = models.first(where: { $0.name == requested }) {
            return Resolved(name: model.name, maxModelLen: model.maxModelLen, scenario: model.scenario)
        }
        if let adapter = adapters.first(where: { $0.name == requested }) {
            let base = models.first(where: { $0.name == adapter.base }) ?? first
            return Resolved(name: adapter.name, maxModelLen: base.maxModelLen, scenario: base.scenario)
        }
        throw APIError.modelNotFound(requested, served: models.map(\.name) + adapters.map(\.name))
    }

    /// The body of `GET /v1/models`.
    func listing(created: Int) -> JSON {
        var cards: [JSON] = models.map { model in
            card(id: model.name, root: model.root, parent: nil, maxModelLen: model.maxModelLen, created: created)
        }
        for adapter in adapters {
            let parent = adapter.base ?? models.first?.name
            cards.append(card(id: adapter.name, root: adapter.path, parent: parent, maxModelLen: nil, created: created))
        }
        return ["object": "list", "data": .array(cards)]
    }

    private func card(id: String, root: String, parent: String?, maxModelLen: Int?, created: Int) -> JSON {
        [
            "id": .string(id), "object": "model", "created": .int(created), "owned_by": "vllm",
            "root": .string(root), "parent": .optional(parent), "max_model_len": .optional(maxModelLen),
            "permission": [
                [
                    "id": .string("modelperm-" + Identifiers.hex(16)), "object": "model_permission",
                    "created": .int(created), "allow_create_engine": false, "allow_sampling": true,
                    "allow_logprobs": true, "allow_search_indices": false, "allow_view": true,
                    "allow_fine_tuning": false, "organization": "*", "group": nil, "is_blocking": false,
                ]
            ],
        ]
    }
}
