extension Router {
    /// `POST /tokenize` with either `prompt` or `messages`.
    func tokenize(_ request: IncomingRequest, configuration: Configuration) -> HTTPReply {
        let style = configuration.behavior.errorStyle
        do throws(APIError) {
            let reader = try RequestReader(body: request.json, bodyError: request.jsonError)
            let model = try ModelCatalog(configuration).resolve(try reader.string("model"))
            let tokens: [String]
            if reader.value("messages") != nil {
                let messages = try GenerationRequest.readMessages(reader)
                let addGenerationPrompt = try reader.bool("add_generation_prompt") ?? true
                tokens = Tokenizer.chatPromptTokens(messages, addGenerationPrompt: addGenerationPrompt)
            } else {
                let prompt = try reader.string("prompt") ?? ""
                let special = try reader.bool("add_special_tokens") ?? true
                tokens = (special ? [Tokenizer.beginOfSequence] : []) + Tokenizer.tokens(prompt)
            }
            let returnStrings = try reader.bool("return_token_strs") ?? false
            return .json([
                "count": .int(tokens.count), "max_model_len": .int(model.maxModelLen),
                "tokens": .array(tokens.map { .int(Tokenizer.id(of: $0)) }),
                "token_strs": returnStrings ? .array(tokens.map { .string($0) }) : nil,
            ])
        } catch {
            return error.reply(style: style)
        }
    }
}
