import ToolHostABI

/// `prompts/list` and `prompts/get`, from the prompts plugins offer (TH_EXT_PROMPTS).
extension MCPServer {
    func listPrompts(_ context: RequestContext, _ params: JSONObject?) {
        replyPage(context, params, key: "prompts", prefix: "p", items: host.prompts.prompts) { $0.listEntry(for: context.revision) }
    }

    func getPrompt(_ context: RequestContext, _ params: JSONObject?) {
        guard case .string(let name)? = params?["name"] else {
            reply(context, error: .invalidParams("Invalid params: prompts/get needs params.name (a string)"))
            return
        }
        guard let prompt = host.prompts.prompt(named: name) else {
            reply(context, error: .invalidParams("Unknown prompt: \(name)"))
            return
        }
        let arguments: JSONObject
        switch Self.stringArguments(params?["arguments"], what: "prompt argument") {
        case .failure(let error):
            reply(context, error: error)
            return
        case .success(let object): arguments = object
        }
        let missing = prompt.arguments.filter { $0.required && arguments[$0.name] == nil }.map(\.name)
        guard missing.isEmpty else {
            reply(context, error: .invalidParams("Invalid params: prompt \(name) needs the argument\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", "))"))
            return
        }
        let revision = context.revision
        let finish = answerWhenFinished(context, notFound: { .invalidParams("Unknown prompt: \(name) (\($0))") }) { outcome in
            var result = JSONObject()
            if let description = outcome.description { result["description"] = .string(description) }
            result["messages"] = .array(outcome.messages.map { message in
                guard var object = message.objectValue, let content = object["content"] else { return message }
                object["content"] = ResultShaper.block(for: content, revision: revision)
                return .object(object)
            })
            return result
        }
        start(PluginRequest(prompt: name, plugin: prompt.plugin, arguments: .object(arguments),
                            requestID: context.id.description, revision: revision, finish: finish), context)
    }
}
