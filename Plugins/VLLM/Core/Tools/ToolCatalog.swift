/// One tool as the plugin declares it to the host.
package struct ToolDefinition: Sendable {
    package let name: String
    package let title: String
    package let description: String
    package let inputSchema: String
    package let outputSchema: String?
    package let annotations: String
}

/// The tools of the plugin, in the order `tools/list` shows them. Names, arguments and the
/// first four properties of `vllm_chat` are those of the Python vllm-mcp-server, so existing
/// clients and prompts keep working.
package enum ToolCatalog {
    package enum Tool: Int, Sendable, CaseIterable {
        case chat, complete, listModels, modelInfo, status
        case startServer, stopServer, restartServer, listServers, serverLogs, platformStatus, benchmark
    }

    package static let all: [ToolDefinition] = [chat, complete, listModels, modelInfo, status] + ServerControlCatalog.all

    package static func definition(_ tool: Tool) -> ToolDefinition { all[tool.rawValue] }

    /// Generation changes nothing on the server, but sampling makes each answer new.
    static let generating = #"{"readOnlyHint": true, "destructiveHint": false, "idempotentHint": false, "openWorldHint": true}"#
    /// Queries: reading the server's state.
    static let reading = #"{"readOnlyHint": true, "destructiveHint": false, "idempotentHint": true, "openWorldHint": true}"#

    /// Optional sampling arguments vLLM accepts beyond the OpenAI four.
    static let samplingProperties = #"""
        "top_p": {"type": "number", "description": "Nucleus sampling: sample only from the most likely tokens whose probabilities add up to top_p (0-1]"},
        "top_k": {"type": "integer", "description": "Sample only from the top_k most likely tokens (-1 or 0: no limit)"},
        "min_p": {"type": "number", "description": "Drop tokens less likely than min_p times the most likely one (0-1)"},
        "stop": {"type": "array", "items": {"type": "string"}, "description": "Stop sequences: generation ends before any of them"},
        "seed": {"type": "integer", "description": "Random seed, for repeatable sampling"},
        "presence_penalty": {"type": "number", "description": "Penalise tokens that already appeared (-2 to 2)"},
        "frequency_penalty": {"type": "number", "description": "Penalise tokens by how often they appeared (-2 to 2)"},
        "repetition_penalty": {"type": "number", "description": "vLLM's repetition penalty (1: none, above 1: less repetition)"},
        "response_format": {"type": "object", "description": "Constrain the output: {\"type\": \"json_object\"} or {\"type\": \"json_schema\", \"json_schema\": {\"name\": ..., \"schema\": {...}}}"}
        """#

    static let generationOutputProperties = #"""
        "content": {"type": "string", "description": "The generated answer (empty when the model put everything into its reasoning)"},
        "model": {"type": "string", "description": "The model that answered"},
        "finish_reason": {"type": ["string", "null"], "description": "Why generation stopped: stop, length (max_tokens reached), tool_calls, abort ..."},
        "usage": {"type": "object", "description": "Token counts reported by the server", "properties": {
            "prompt_tokens": {"type": "integer"}, "completion_tokens": {"type": "integer"}, "total_tokens": {"type": "integer"}},
            "required": ["prompt_tokens", "completion_tokens", "total_tokens"]}
        """#

    static let chat = ToolDefinition(
        name: "vllm_chat",
        title: "vLLM chat",
        description: "Send a chat message to the vLLM server. Supports multi-turn conversations.",
        inputSchema: #"""
            {"type": "object", "properties": {
                "messages": {"type": "array", "description": "List of messages in the conversation", "items": {
                    "type": "object", "properties": {
                        "role": {"type": "string", "enum": ["system", "user", "assistant"], "description": "The role of the message sender"},
                        "content": {"type": "string", "description": "The content of the message"}},
                    "required": ["role", "content"]}},
                "model": {"type": "string", "description": "Model to use (optional, uses default if not specified)"},
                "temperature": {"type": "number", "description": "Sampling temperature (0-2)", "default": 0.7},
                "max_tokens": {"type": "integer", "description": "Maximum tokens to generate", "default": 1024},
            """# + samplingProperties + #"""
            ,
                "chat_template_kwargs": {"type": "object", "description": "Passed to the model's chat template, e.g. {\"enable_thinking\": false} to turn off a reasoning model's thinking"}},
             "required": ["messages"]}
            """#,
        outputSchema: #"""
            {"type": "object", "properties": {
            """# + generationOutputProperties + #"""
            ,
                "reasoning": {"type": "string", "description": "The model's reasoning, for reasoning models (vLLM's reasoning or reasoning_content)"}},
             "required": ["content", "model", "finish_reason"]}
            """#,
        annotations: generating)

    static let complete = ToolDefinition(
        name: "vllm_complete",
        title: "vLLM text completion",
        description: "Generate text completion using vLLM. Good for code completion and text generation.",
        inputSchema: #"""
            {"type": "object", "properties": {
                "prompt": {"type": "string", "description": "The prompt to complete"},
                "model": {"type": "string", "description": "Model to use (optional)"},
                "temperature": {"type": "number", "description": "Sampling temperature (0-2)", "default": 0.7},
                "max_tokens": {"type": "integer", "description": "Maximum tokens to generate", "default": 1024},
            """# + samplingProperties + #"""
            },
             "required": ["prompt"]}
            """#,
        outputSchema: #"""
            {"type": "object", "properties": {
            """# + generationOutputProperties + #"""
            },
             "required": ["content", "model", "finish_reason"]}
            """#,
        annotations: generating)

    static let listModels = ToolDefinition(
        name: "list_models",
        title: "List models",
        description: "List all available models on the vLLM server",
        inputSchema: #"{"type": "object", "properties": {}}"#,
        outputSchema: #"""
            {"type": "object", "properties": {"models": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "string"}, "owned_by": {"type": ["string", "null"]}, "created": {"type": ["integer", "null"]},
                "max_model_len": {"type": ["integer", "null"]}, "parent": {"type": ["string", "null"]}, "root": {"type": ["string", "null"]}},
                "required": ["id"]}}},
             "required": ["models"]}
            """#,
        annotations: reading)

    static let modelInfo = ToolDefinition(
        name: "get_model_info",
        title: "Model info",
        description: "Get detailed information about a specific model",
        inputSchema: #"""
            {"type": "object", "properties": {"model_id": {"type": "string", "description": "The ID of the model to get info for"}},
             "required": ["model_id"]}
            """#,
        outputSchema: nil,
        annotations: reading)

    static let status = ToolDefinition(
        name: "vllm_status",
        title: "vLLM status",
        description: "Check the health and status of the vLLM server: health, version, served models, and the key metrics (requests running and waiting, KV-cache usage, token counters)",
        inputSchema: #"{"type": "object", "properties": {}}"#,
        outputSchema: #"""
            {"type": "object", "properties": {
                "status": {"type": "string", "enum": ["healthy", "unhealthy", "offline"]},
                "base_url": {"type": "string"},
                "server": {"type": "string", "description": "What the server is, as far as it can be told: vLLM, llama.cpp, llama-cpp-python, or another OpenAI-compatible server"},
                "version": {"type": ["string", "null"]},
                "health": {"type": "string", "description": "What GET /health answered"},
                "models": {"type": "array", "items": {"type": "string"}},
                "metrics": {"type": ["object", "null"], "properties": {
                    "family": {"type": "string"},
                    "requests_running": {"type": ["number", "null"]}, "requests_waiting": {"type": ["number", "null"]},
                    "kv_cache_usage": {"type": ["number", "null"], "description": "0-1"},
                    "prompt_tokens_total": {"type": ["number", "null"]}, "generation_tokens_total": {"type": ["number", "null"]},
                    "preemptions_total": {"type": ["number", "null"]},
                    "requests_finished": {"type": ["object", "null"], "additionalProperties": {"type": "number"}}}},
                "problems": {"type": "array", "items": {"type": "string"}, "description": "Failures worth a person's attention"},
                "notes": {"type": "array", "items": {"type": "string"}, "description": "Routes this server does not have (not failures)"}},
             "required": ["status", "base_url", "server", "models", "problems", "notes"]}
            """#,
        annotations: reading)
}
