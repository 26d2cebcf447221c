import Testing
import VLLMDouble

@Suite("Routes other than generation")
struct RoutesTests {
    @Test("GET /health is an empty 200")
    func health() async throws {
        try await withDouble { double in
            let response = try await double.request(.GET, "/health")
            #expect(response.status == 200)
            #expect(response.body.isEmpty)
            #expect(response.headers.first(name: "content-length") == "0")
        }
    }

    @Test("GET /version reports 0.32.0")
    func version() async throws {
        try await withDouble { double in
            let response = try await double.request(.GET, "/version")
            #expect(response.status == 200)
            #expect(response.body == #"{"version":"0.32.0"}"#)
            #expect(response.headers.first(name: "content-type") == "application/json")
        }
    }

    @Test("GET /load counts generations in flight")
    func load() async throws {
        try await withDouble { double in
            let idle = try await double.request(.GET, "/load").json()
            #expect(idle == ["server_load": 0])
            try await TestConnection.with(double) { connection in
                try await connection.send(.POST, "/v1/chat/completions", json: chatBody("hi [[double: latency=10s]]"))
                let busy = try await eventually { try await double.request(.GET, "/load").json() == ["server_load": 1] }
                #expect(busy)
            }
            let idleAgain = try await eventually {
                try await double.request(.GET, "/load").json() == ["server_load": 0]
            }
            #expect(idleAgain)
        }
    }

    @Test("GET /v1/models lists cards in vLLM's shape, LoRA adapters with a parent")
    func models() async throws {
        let configuration = Configuration(
            models: [ServedModel(name: "qwen", root: "/srv/Qwen3-8B", maxModelLen: 8192), ServedModel(name: "alias")],
            loraAdapters: [LoRAAdapter(name: "sql-lora", path: "/srv/sql")]
        )
        try await withDouble(configuration) { double in
            let json = try await double.request(.GET, "/v1/models").json()
            #expect(json["object"] == "list")
            let cards = try #require(json["data"]?.arrayValue)
            #expect(cards.count == 3)
            let first = try #require(cards.first?.objectValue)
            #expect(
                first.keys == ["id", "object", "created", "owned_by", "root", "parent", "max_model_len", "permission"])
            #expect(first["id"] == "qwen")
            #expect(first["object"] == "model")
            #expect(first["owned_by"] == "vllm")
            #expect(first["root"] == "/srv/Qwen3-8B")
            #expect(first["parent"] == .null)
            #expect(first["max_model_len"] == 8192)
            #expect(first["created"]?.intValue ?? 0 > 1_700_000_000)
            #expect(first["permission"]?[0]?["object"] == "model_permission")
            #expect(cards[1]["max_model_len"] == 4096)
            #expect(cards[2]["id"] == "sql-lora")
            #expect(cards[2]["parent"] == "qwen")
            #expect(cards[2]["root"] == "/srv/sql")
            #expect(cards[2]["max_model_len"] == .null)
        }
    }

    @Test("An unknown path is FastAPI's 404, a wrong method its 405")
    func unknownRoute() async throws {
        try await withDouble { double in
            let missing = try await double.request(.GET, "/v1/nothing")
            #expect(missing.status == 404)
            #expect(missing.body == #"{"detail":"Not Found"}"#)
            let wrongMethod = try await double.request(.GET, "/v1/chat/completions")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.body == #"{"detail":"Method Not Allowed"}"#)
        }
    }

    @Test("POST /tokenize counts a prompt and a chat the way generation does")
    func tokenize() async throws {
        try await withDouble { double in
            let prompt = try await double.post("/tokenize", #"{"prompt":"Hello world","return_token_strs":true}"#)
                .json()
            #expect(prompt["count"] == 3)
            #expect(prompt["max_model_len"] == 4096)
            #expect(prompt["tokens"]?.arrayValue?.count == 3)
            #expect(prompt["token_strs"] == ["<s>", "Hello", " world"])

            let chat = try await double.post("/tokenize", chatBody("Hello, world!")).json()
            let completion = try await double.post("/v1/chat/completions", chatBody("Hello, world!")).json()
            #expect(chat["count"] == completion["usage"]?["prompt_tokens"])
            #expect(chat["token_strs"] == .null)
        }
    }

    @Test("Responses say they come from uvicorn")
    func serverHeader() async throws {
        try await withDouble { double in
            let response = try await double.request(.GET, "/version")
            #expect(response.headers.first(name: "server") == "uvicorn")
        }
    }

    @Test("One connection serves many requests (keep-alive)")
    func keepAlive() async throws {
        try await withDouble { double in
            try await TestConnection.with(double) { connection in
                for _ in 0..<20 {
                    let response = try await connection.request(.POST, "/v1/chat/completions", json: chatBody("ping"))
                    #expect(response.status == 200)
                }
            }
            #expect(double.stats.completed == 20)
        }
    }
}
