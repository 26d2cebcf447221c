import Testing
import ToolHostJSON
@testable import VLLMCore

@Suite struct CatalogTests {
    private func json(_ text: String) throws -> JSON {
        try JSON(parsing: Array(text.utf8))
    }

    @Test func namesAreThoseOfThePythonServer() {
        #expect(ToolCatalog.all.map(\.name) == ["vllm_chat", "vllm_complete", "list_models", "get_model_info", "vllm_status", "start_vllm", "stop_vllm", "restart_vllm", "list_vllm_containers", "get_vllm_logs", "get_platform_status", "run_benchmark"])
        #expect(ToolCatalog.Tool.allCases.map { ToolCatalog.definition($0).name } == ToolCatalog.all.map(\.name))
    }

    @Test func everySchemaIsAJSONObjectSchema() throws {
        for tool in ToolCatalog.all {
            let input = try json(tool.inputSchema)
            #expect(input["type"] == .string("object"), "\(tool.name)")
            if let output = tool.outputSchema { #expect(try json(output)["type"] == .string("object"), "\(tool.name)") }
            _ = try json(tool.annotations)
        }
    }

    /// The four properties, their descriptions and defaults, exactly as vllm-mcp-server has them.
    @Test func chatSchemaKeepsTheSeedsFourExactly() throws {
        let tool = ToolCatalog.definition(.chat)
        #expect(tool.description == "Send a chat message to the vLLM server. Supports multi-turn conversations.")
        let schema = try json(tool.inputSchema)
        let python = try json(#"""
            {"type": "object", "properties": {
              "messages": {"type": "array", "description": "List of messages in the conversation", "items": {"type": "object", "properties": {
                  "role": {"type": "string", "enum": ["system", "user", "assistant"], "description": "The role of the message sender"},
                  "content": {"type": "string", "description": "The content of the message"}}, "required": ["role", "content"]}},
              "model": {"type": "string", "description": "Model to use (optional, uses default if not specified)"},
              "temperature": {"type": "number", "description": "Sampling temperature (0-2)", "default": 0.7},
              "max_tokens": {"type": "integer", "description": "Maximum tokens to generate", "default": 1024}},
             "required": ["messages"]}
            """#)
        for key in ["messages", "model", "temperature", "max_tokens"] {
            #expect(schema["properties"]?[key] == python["properties"]?[key], "\(key)")
        }
        #expect(schema["required"] == python["required"])
        guard case .object(let properties)? = schema["properties"] else { Issue.record("no properties"); return }
        let extras = Set(properties.keys).subtracting(["messages", "model", "temperature", "max_tokens"])
        #expect(extras == ["top_p", "top_k", "min_p", "stop", "seed", "presence_penalty", "frequency_penalty", "repetition_penalty", "response_format", "chat_template_kwargs"])
    }

    @Test func otherToolsTakeThePythonArguments() throws {
        let complete = try json(ToolCatalog.definition(.complete).inputSchema)
        #expect(complete["required"] == .array([.string("prompt")]))
        #expect(complete["properties"]?["stop"]?["items"]?["type"] == .string("string"))
        #expect(try json(ToolCatalog.definition(.modelInfo).inputSchema)["required"] == .array([.string("model_id")]))
        #expect(try json(ToolCatalog.definition(.listModels).inputSchema)["properties"] == .object([:]))
    }
}
