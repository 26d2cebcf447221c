/// A model name the double serves, as given by vLLM's `--served-model-name`.
package struct ServedModel: Sendable, Equatable {
    /// The name clients send as `model`.
    package var name: String
    /// The model path shown as `root` on its card.
    package var root: String
    /// The context window, shown as `max_model_len` and enforced on prompts.
    package var maxModelLen: Int
    /// Directives applied to every request for this model (see `Scenario`), e.g.
    /// `"token-delay=50ms"`, so a test can pick a behaviour by model name.
    package var scenario: String?

    /// Creates a served model.
    ///
    /// - Parameters:
    ///   - name: The served name.
    ///   - root: The model path; defaults to `/models/<name>`.
    ///   - maxModelLen: The context window in tokens.
    ///   - scenario: Directives for every request naming this model.
    package init(name: String, root: String? = nil, maxModelLen: Int = 4096, scenario: String? = nil) {
        self.name = name
        self.root = root ?? "/models/\(name)"
        self.maxModelLen = maxModelLen
        self.scenario = scenario
    }
}

/// A LoRA adapter served on top of a base model; listed with `parent` set and usable as `model`.
package struct LoRAAdapter: Sendable, Equatable {
    /// The adapter's name, as clients send it.
    package var name: String
    /// The adapter path shown as `root`.
    package var path: String
    /// The served name of the base model; `nil` means the first served model.
    package var base: String?

    /// Creates an adapter description.
    package init(name: String, path: String? = nil, base: String? = nil) {
        self.name = name
        self.path = path ?? "/adapters/\(name)"
        self.base = base
    }
}
