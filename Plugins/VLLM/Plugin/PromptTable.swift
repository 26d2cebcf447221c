import ToolHostABI
import ToolHostJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The plugin's prompts (TH_EXT_PROMPTS): the seed server's names, each with one required
/// argument, `user_message`. An answer is one user message: the role the model is to take,
/// then the user's text.
enum PromptTable {
    struct Prompt {
        let name: String
        let title: String
        let description: String
        let role: String
    }

    static let all: [Prompt] = [
        Prompt(
            name: "coding_assistant", title: "Coding assistant",
            description: "Help with writing, explaining and fixing code.",
            role: "You are a careful programming assistant. Write correct, idiomatic code for the language at hand, explain the key decisions briefly, point out edge cases and errors the code must handle, and say so when a requirement is unclear instead of guessing."),
        Prompt(
            name: "code_reviewer", title: "Code reviewer",
            description: "Review code for bugs, security problems, clarity and maintainability.",
            role: "You are a thorough code reviewer. Look for bugs, security problems, race conditions, unclear naming and missing tests. Order your findings by severity, quote the lines concerned, and suggest a concrete fix for each; say what is good as well."),
        Prompt(
            name: "technical_writer", title: "Technical writer",
            description: "Write or improve documentation, guides and explanations.",
            role: "You are a technical writer. Write clear, accurate and well-structured documentation for the intended reader: lead with what they need to do, define terms on first use, prefer short sentences and concrete examples, and keep the tone neutral."),
        Prompt(
            name: "debugger", title: "Debugger",
            description: "Find the cause of a bug or error and how to fix it.",
            role: "You are an expert debugger. From the symptoms, error messages and code given, form hypotheses about the cause, say how to confirm or rule out each one, identify the most likely root cause, and propose a fix together with a way to verify it."),
        Prompt(
            name: "architect", title: "Software architect",
            description: "Design systems and weigh architectural trade-offs.",
            role: "You are a software architect. Clarify the requirements and constraints, propose a design with its components and the data flowing between them, compare the main alternatives with their trade-offs (complexity, cost, scalability, failure modes), and recommend one."),
        Prompt(
            name: "data_analyst", title: "Data analyst",
            description: "Analyse data, choose methods and interpret results.",
            role: "You are a data analyst. Work out what question the data should answer, suggest suitable methods and checks for data quality, show the computations or code needed, and interpret the results with their uncertainty and limits in plain language."),
        Prompt(
            name: "ml_engineer", title: "ML engineer",
            description: "Train, evaluate, optimise and serve machine-learning models.",
            role: "You are a machine-learning engineer. Give practical advice on data preparation, model choice, training, evaluation and serving (including inference with vLLM): name the metrics that matter, the common pitfalls, and the resource costs of each option."),
    ]

    nonisolated(unsafe) private static let argument: UnsafeMutablePointer<th_prompt_argument> = {
        let argument = UnsafeMutablePointer<th_prompt_argument>.allocate(capacity: 1)
        argument.initialize(to: th_prompt_argument(
            struct_size: UInt32(MemoryLayout<th_prompt_argument>.size), flags: UInt32(TH_ARGUMENT_REQUIRED),
            name: UnsafePointer(strdup("user_message")!), title: UnsafePointer(strdup("Your message")!),
            description: UnsafePointer(strdup("what you want help with")!)))
        return argument
    }()

    nonisolated(unsafe) private static let prompts: UnsafeMutablePointer<th_prompt> = {
        let prompts = UnsafeMutablePointer<th_prompt>.allocate(capacity: all.count)
        for (i, prompt) in all.enumerated() {
            (prompts + i).initialize(to: th_prompt(
                struct_size: UInt32(MemoryLayout<th_prompt>.size), flags: 0,
                name: UnsafePointer(strdup(prompt.name)!), title: UnsafePointer(strdup(prompt.title)!),
                description: UnsafePointer(strdup(prompt.description)!),
                arguments: UnsafePointer(argument), argument_count: 1, reserved: 0))
        }
        return prompts
    }()

    /// The table `get_extension(TH_EXT_PROMPTS)` returns.
    nonisolated(unsafe) static let table: UnsafeMutablePointer<th_prompts> = {
        let table = UnsafeMutablePointer<th_prompts>.allocate(capacity: 1)
        table.initialize(to: th_prompts(
            struct_size: UInt32(MemoryLayout<th_prompts>.size), flags: 0,
            prompt_count: { _ in UInt32(PromptTable.all.count) },
            prompt_at: { _, index in Int(index) < PromptTable.all.count ? UnsafePointer(PromptTable.prompts + Int(index)) : nil },
            get: { state, call, request in
                guard let state else { return TH_ERR_INTERNAL }
                return PromptTable.answer(PluginInstance.from(state).host, call, request.pointee)
            }))
        return table
    }()

    /// Answers a prompt request at once.
    private static func answer(_ host: UnsafePointer<th_host>, _ call: OpaquePointer, _ request: th_prompt_request) -> th_status {
        // A host of ABI 1.0 never asks for prompts; check the function anyway (TH_HOST_HAS).
        guard let message = host.function(\.result_message) else { return TH_ERR_UNSUPPORTED }
        let name = String(cString: request.name)
        guard let prompt = all.first(where: { $0.name == name }) else { return TH_ERR_NOT_FOUND }
        let bytes = UnsafeRawBufferPointer(start: request.arguments_json, count: request.arguments_len)
        guard let arguments = try? JSONParser.parse(bytes.bindMemory(to: UInt8.self)),
              case .string(let userMessage)? = arguments["user_message"] else {
            return send(host.pointee.result_error, call, "The prompt \(name) needs the argument user_message (a string).", TH_ERR_INVALID_ARGUMENT)
        }
        _ = send(host.pointee.result_text, call, prompt.description, TH_OK)
        let content = JSONWriter.string(["type": "text", "text": .string("\(prompt.role)\n\n\(userMessage)")])
        let status = content.withCString { message(call, "user", $0, strlen($0)) }
        return status == TH_OK ? TH_OK : TH_ERR_INTERNAL
    }

    private static func send(
        _ sink: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int) -> th_status, _ call: OpaquePointer,
        _ text: String, _ status: th_status
    ) -> th_status {
        _ = text.withCString { sink(call, $0, strlen($0)) }
        return status
    }
}
