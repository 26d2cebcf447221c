import Foundation
import TestSupport
import Testing

/// The vLLM plugin's prompts: the seed server's names and argument, answered without the upstream.
@Suite struct VLLMPromptTests {
    static let names = ["coding_assistant", "code_reviewer", "technical_writer", "debugger", "architect", "data_analyst", "ml_engineer"]

    @Test func theSeedPromptsAreOfferedAndAnswered() throws {
        let client = try MCPTestClient.start(plugins: [ServerProcess.plugin("VLLM")])
        try client.initialize()
        let prompts = try client.result("prompts/list")["prompts"] as? [JSONDict] ?? []
        #expect(prompts.compactMap { $0["name"] as? String } == Self.names)
        for prompt in prompts {
            let arguments = prompt["arguments"] as? [JSONDict] ?? []
            #expect(arguments.count == 1 && arguments.first?["name"] as? String == "user_message" && arguments.first?["required"] as? Bool == true,
                    "\(prompt)")
        }
        for name in Self.names {
            let answer = try client.result("prompts/get", ["name": name, "arguments": ["user_message": "Why is my loop slow?"]])
            let messages = answer["messages"] as? [JSONDict] ?? []
            #expect(messages.count == 1 && messages.first?["role"] as? String == "user", "\(answer)")
            let text = (messages.first?["content"] as? JSONDict)?["text"] as? String ?? ""
            #expect(text.hasSuffix("\n\nWhy is my loop slow?") && text.count > 100, "\(name): \(text)")
        }
        let missing = try client.request("prompts/get", ["name": "debugger", "arguments": [:] as JSONDict])
        let error = missing["error"] as? JSONDict
        #expect(error?["code"] as? Int == -32602 && (error?["message"] as? String ?? "").contains("user_message"), "\(missing)")
    }
}
