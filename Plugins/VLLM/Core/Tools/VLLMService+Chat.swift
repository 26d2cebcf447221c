import ToolHostJSON

extension VLLMService {
    /// `vllm_chat`.
    func chat(_ args: ToolArguments, context: any CallContext) async throws(ToolFailure) -> ToolOutcome {
        guard case .array(let list)? = args.values["messages"], !list.isEmpty else {
            throw ToolFailure(.invalidArgument, "Error: No messages provided")
        }
        var messages: [JSONObject] = []
        messages.reserveCapacity(list.count)
        for item in list {
            guard case .object(let message) = item, message["role"] != nil, message["content"] != nil else {
                throw ToolFailure(.invalidArgument, "Error: Each message must have 'role' and 'content' fields")
            }
            messages.append(message)
        }
        var sampling = try args.sampling()
        sampling.chatTemplateKwargs = try args.object("chat_template_kwargs")
        return try await run(.messages(messages), sampling: sampling, args, context: context)
    }

    /// `vllm_complete`.
    func complete(_ args: ToolArguments, context: any CallContext) async throws(ToolFailure) -> ToolOutcome {
        guard let prompt = try args.string("prompt"), !prompt.isEmpty else {
            throw ToolFailure(.invalidArgument, "Error: No prompt provided")
        }
        return try await run(.prompt(prompt), sampling: try args.sampling(), args, context: context)
    }

    /// What chat and completion share once their input is read: the common arguments, the
    /// generation, the result.
    private func run(
        _ input: GenerationRequest.Input, sampling: SamplingOptions, _ args: ToolArguments, context: any CallContext
    ) async throws(ToolFailure) -> ToolOutcome {
        let (temperature, maxTokens) = try basics(args)
        var request = GenerationRequest(model: "", input: input, temperature: temperature, maxTokens: maxTokens)
        request.sampling = sampling
        let model = try args.string("model")
        do throws(UpstreamError) {
            let generation = try await generate(request, requestedModel: model, context: context)
            return GenerationRendering.outcome(generation)
        } catch {
            throw error.toolFailure
        }
    }
}
