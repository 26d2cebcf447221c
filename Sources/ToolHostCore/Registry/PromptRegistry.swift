import Synchronization
import ToolHostABI

/// A prompt as the host serves it: read once from the plugin's `th_prompt` (``ABIStruct``),
/// every string the host's own.
public final class RegisteredPrompt: Sendable {
    public struct Argument: Sendable {
        public let name: String
        public let title: String?
        public let description: String?
        public let required: Bool
    }

    public let name: String
    public let title: String?
    public let summary: String?
    public let arguments: [Argument]
    public let plugin: LoadedPlugin

    init(name: String, title: String?, summary: String?, arguments: [Argument], plugin: LoadedPlugin) {
        self.name = name
        self.title = title
        self.summary = summary
        self.arguments = arguments
        self.plugin = plugin
    }

    /// The prompt as `prompts/list` shows it to a client of `revision`.
    public func listEntry(for revision: ProtocolRevision) -> JSON {
        var entry: JSONObject = ["name": .string(name)]
        if let title, revision.hasStructuredOutput { entry["title"] = .string(title) }
        if let summary { entry["description"] = .string(summary) }
        if !arguments.isEmpty {
            entry["arguments"] = .array(arguments.map { argument in
                var a: JSONObject = ["name": .string(argument.name)]
                if let title = argument.title, revision.hasStructuredOutput { a["title"] = .string(title) }
                if let description = argument.description { a["description"] = .string(description) }
                a["required"] = .bool(argument.required)
                return .object(a)
            })
        }
        return .object(entry)
    }
}

/// The merged prompt list of all loaded plugins, built like ``ToolRegistry``: load order, then
/// each plugin's order; the first prompt to claim a name keeps it.
public struct PromptRegistry: Sendable {
    public let prompts: [RegisteredPrompt]
    private let byName: [String: RegisteredPrompt]

    public static let empty = PromptRegistry(prompts: [])

    init(prompts: [RegisteredPrompt]) {
        self.prompts = prompts
        var map: [String: RegisteredPrompt] = [:]
        for prompt in prompts { map[prompt.name] = prompt }
        byName = map
    }

    public func prompt(named name: String) -> RegisteredPrompt? { byName[name] }

    static func build(plugins: [LoadedPlugin]) -> (PromptRegistry, [PluginProblem]) {
        var prompts: [RegisteredPrompt] = []
        var owners: [String: LoadedPlugin] = [:]
        var problems: [PluginProblem] = []
        for plugin in plugins {
            guard let table = plugin.promptsTable else { continue }
            guard let count = table.prompt_count, let at = table.prompt_at, table.get != nil else {
                problems.append(PluginProblem(path: plugin.path, plugin: plugin.id, message: "its prompts table (\(TH_EXT_PROMPTS)) lacks prompt_count, prompt_at or get; no prompts are read"))
                continue
            }
            let total = count(plugin.state)
            if total > 10_000 {
                problems.append(PluginProblem(path: plugin.path, plugin: plugin.id, message: "declares \(total) prompts; at most 10000 are read"))
            }
            for index in 0..<min(total, 10_000) {
                switch read(at(plugin.state, index), index: index, plugin: plugin) {
                case .failure(let problem):
                    problems.append(problem)
                case .success(let prompt):
                    if let owner = owners[prompt.name] {
                        problems.append(PluginProblem(
                            path: plugin.path, plugin: plugin.id,
                            message: "prompt name \"\(prompt.name)\" is already provided by plugin \(owner.id) (\(owner.path)); this one is skipped (the first plugin loaded keeps a name)"))
                        continue
                    }
                    owners[prompt.name] = plugin
                    prompts.append(prompt)
                }
            }
        }
        return (PromptRegistry(prompts: prompts), problems)
    }

    private static func read(_ pointer: UnsafePointer<th_prompt>?, index: UInt32, plugin: LoadedPlugin) -> Result<RegisteredPrompt, PluginProblem> {
        func problem(_ message: String) -> Result<RegisteredPrompt, PluginProblem> {
            .failure(PluginProblem(path: plugin.path, plugin: plugin.id, message: message))
        }
        func string(_ p: UnsafePointer<CChar>?) -> String? { p.flatMap { HostCallbacks.string($0, ABIStatus.nulTerminated) } }
        guard let pointer else { return problem("prompt_at(\(index)) returned NULL although prompt_count() said there are more") }
        let p = ABIStruct.read(pointer, as: th_prompt.self).value
        guard let name = string(p.name), ToolReader.isValidName(name) else {
            return problem("prompt \(index) has no name, or it is not 1-128 characters of A-Z a-z 0-9 _ - .")
        }
        guard p.argument_count <= 256 else { return problem("prompt \(name) declares \(p.argument_count) arguments; at most 256 are read") }
        guard p.argument_count == 0 || p.arguments != nil else { return problem("prompt \(name): arguments is NULL but argument_count is \(p.argument_count)") }
        let copies: [ABIStruct.Copy<th_prompt_argument>]
        switch ABIStruct.readArray(p.arguments.map(UnsafeRawPointer.init), count: Int(p.argument_count), as: th_prompt_argument.self) {
        case .failure(let failure): return problem("prompt \(name): arguments[\(failure.index)].struct_size: \(failure.message)")
        case .success(let read): copies = read
        }
        var arguments: [RegisteredPrompt.Argument] = []
        for (i, copy) in copies.enumerated() {
            let a = copy.value
            guard let argumentName = string(a.name), !argumentName.isEmpty else {
                return problem("prompt \(name): arguments[\(i)] has no name")
            }
            guard !arguments.contains(where: { $0.name == argumentName }) else {
                return problem("prompt \(name): argument \(argumentName) is declared twice")
            }
            arguments.append(RegisteredPrompt.Argument(
                name: argumentName, title: string(a.title), description: string(a.description),
                required: a.flags & UInt32(TH_ARGUMENT_REQUIRED) != 0))
        }
        return .success(RegisteredPrompt(name: name, title: string(p.title), summary: string(p.description), arguments: arguments, plugin: plugin))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
