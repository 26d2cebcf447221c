import Testing
import VLLMDouble

@Suite("API key")
struct AuthTests {
    @Test("/v1 paths need the bearer key; the answer is the flat Unauthorized body")
    func guarded() async throws {
        try await withDouble(Configuration(apiKey: "sk-test")) { double in
            for (method, path) in [
                ("GET", "/v1/models"), ("POST", "/v1/chat/completions"), ("POST", "/v1/completions"),
                ("GET", "/v1/unknown"),
            ] {
                let response = try await double.request(
                    method == "GET" ? .GET : .POST, path, json: method == "GET" ? nil : chatBody("x"))
                #expect(response.status == 401, "\(path)")
                #expect(response.body == #"{"error":"Unauthorized"}"#)
            }
            let wrong = try await double.request(.GET, "/v1/models", headers: [("Authorization", "Bearer nope")])
            #expect(wrong.status == 401)
            let right = try await double.request(.GET, "/v1/models", headers: [("Authorization", "Bearer sk-test")])
            #expect(right.status == 200)
            let chat = try await double.post(
                "/v1/chat/completions", chatBody("x"), headers: [("Authorization", "Bearer sk-test")])
            #expect(chat.status == 200)
        }
    }

    @Test("/health, /metrics, /version, /tokenize, /load are not guarded")
    func unguarded() async throws {
        try await withDouble(Configuration(apiKey: "sk-test")) { double in
            for path in ["/health", "/metrics", "/version", "/load"] {
                let response = try await double.request(.GET, path)
                #expect(response.status == 200, "\(path)")
            }
            let tokenize = try await double.post("/tokenize", #"{"prompt":"x"}"#)
            #expect(tokenize.status == 200)
        }
    }

    @Test("The key can change while the double runs")
    func rotate() async throws {
        try await withDouble { double in
            let before = try await double.request(.GET, "/v1/models")
            #expect(before.status == 200)
            double.update { $0.apiKey = "k2" }
            let after = try await double.request(.GET, "/v1/models")
            #expect(after.status == 401)
        }
    }
}
