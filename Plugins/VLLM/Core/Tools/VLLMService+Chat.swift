extension VLLMService {
    /// `vllm_chat`.
    func chat(_ args: ToolArguments, context: any CallContext) async throws(ToolFailure) -> ToolOutcome {
        guard case .array(let list)? = args.values["messages"], !list.isEmpty else {
            throw ToolFailure(.invalidArgument, "Error: No messages provided")
        }
        var messages: [[String: JSONValue]] = []
        messages.reserveCapacity(list.count)
        for item in list {
            guard case .object(let message) = item, message["role"] != nil, message["content"] != nil else {
                throw ToolFailure(.invalidArgument, "Error: Each message must have 'role' and 'content' fields")
            }
            messages.append(message)
        }
        let (temperature, maxTokens) = try basics(args)
        var request = GenerationRequest(model: "", input: .messages(messages), temperature: temperature, maxTokens: maxTokens)
        request.sampling = try args.sampling()
        let model = try args.string("model")
        do throws(UpstreamError) {
            let generation = try await generate(request, requestedModel: model, context: context)
            return GenerationRendering.outcome(generation, chat: true)
        } catch {
            throw error.toolFailure
        }
    }

    /// `vllm_complete`.
    func complete(_ args: ToolArguments, context: any CallContext) async throws(ToolFailure) -> ToolOutcome {
        guard let prompt = try args.string("prompt"), !prompt.isEmpty else {
            throw ToolFailure(.invalidArgument, "Error: No prompt provided")
        }
        let (temperature, maxTokens) = try basics(args)
        var request = GenerationRequest(model: "", input: .prompt(prompt), temperature: temperature, maxTokens: maxTokens)
        request.sampling = try args.sampling()
        request.sampling.chatTemplateKwargs = nil
        let model = try args.string("model")
        do throws(UpstreamError) {
            let generation = try await generate(request, requestedModel: model, context: context)
            return GenerationRendering.outcome(generation, chat: false)
        } catch {
            throw error.toolFailure
        }
    }
}
