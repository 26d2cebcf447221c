import Testing
@testable import VLLMCore

@Suite struct WireTests {
    @Test(arguments: [
        (#"{"error":{"message":"The model `x` does not exist.","type":"NotFoundError","param":"model","code":404}}"#, "The model `x` does not exist.", "NotFoundError"),
        (#"{"object":"error","message":"old shape","type":"BadRequestError","param":null,"code":400}"#, "old shape", "BadRequestError"),
        (#"{"error":"Unauthorized"}"#, "Unauthorized", nil),
        (#"{"detail":"Not Found"}"#, "Not Found", nil),
        ("Internal Server Error", "Internal Server Error", nil),
    ] as [(String, String, String?)])
    func readsEveryErrorShape(body: String, message: String, type: String?) {
        let parsed = ErrorBody.parse(Array(body.utf8))
        #expect(parsed.message == message)
        #expect(parsed.type == type)
    }

    @Test func emptyBodyHasNoMessage() {
        #expect(ErrorBody.parse([UInt8]()).message == nil)
    }

    @Test func chatRequestCarriesOnlyWhatWasSet() throws {
        var request = GenerationRequest(model: "m", input: .messages([["role": .string("user"), "content": .string("hi")]]), temperature: 0, maxTokens: 5)
        var text = request.json.jsonText
        #expect(text == #"{"max_tokens":5,"messages":[{"content":"hi","role":"user"}],"model":"m","temperature":0}"#)
        request.stream = true
        request.sampling.seed = 7
        request.sampling.stop = ["\n"]
        request.sampling.chatTemplateKwargs = .object(["enable_thinking": .bool(false)])
        text = request.json.jsonText
        #expect(text.contains(#""stream":true"#))
        #expect(text.contains(#""stream_options":{"include_usage":true}"#))
        #expect(text.contains(#""seed":7"#))
        #expect(text.contains(#""stop":["\n"]"#))
        #expect(text.contains(#""chat_template_kwargs":{"enable_thinking":false}"#))
        #expect(request.path == "/v1/chat/completions")
        #expect(GenerationRequest(model: "m", input: .prompt("p"), temperature: 1, maxTokens: 1).path == "/v1/completions")
    }

    @Test func modelCardsAreReadLeniently() throws {
        let body = try JSONValue(parsing: Array(#"""
            {"object":"list","data":[
              {"id":"base","object":"model","created":1700000000,"owned_by":"vllm","root":"/m/base","parent":null,"max_model_len":4096,"permission":[{}]},
              {"id":"lora","object":"model","created":1700000001,"owned_by":"vllm","root":"/a/lora","parent":"base","max_model_len":null},
              {"id":"gemma","object":"model","owned_by":"me","permissions":[]},
              {"object":"model"}]}
            """#.utf8))
        let cards = try #require(ModelCard.list(from: body))
        #expect(cards.map(\.id) == ["base", "lora", "gemma"])
        #expect(cards[0].maxModelLen == 4096)
        #expect(cards[1].parent == "base")
        #expect(cards[1].maxModelLen == nil)
        #expect(cards[2].created == nil)
        #expect(ModelCard.list(from: .string("nope")) == nil)
    }

    @Test func nonStreamedResponsesReadReasoningInBothFields() throws {
        for field in ["reasoning", "reasoning_content"] {
            let body = #"{"id":"c","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null,"\#(field)":"thinking"},"finish_reason":"length"}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"#
            let response = try GenerationResponse(json: JSONValue(parsing: body))
            let generation = try #require(Generation(response: response, requestedModel: "x"))
            #expect(generation.content == "")
            #expect(generation.reasoning == "thinking")
            #expect(generation.finishReason == "length")
            #expect(generation.usage == Usage(promptTokens: 3, completionTokens: 4, totalTokens: 7))
        }
    }

    @Test func noChoicesIsNoGeneration() throws {
        let response = try GenerationResponse(json: JSONValue(parsing: #"{"choices":[]}"#))
        #expect(Generation(response: response, requestedModel: "x") == nil)
    }

    @Test func streamChunksAccumulateToTheSameGeneration() throws {
        let errors = ErrorMapper(configuration: VLLMConfiguration())
        var accumulator = StreamAccumulator(requestedModel: "asked")
        let events = [
            #"{"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#,
            #"{"model":"m","choices":[{"index":0,"delta":{"reasoning":"hmm"},"finish_reason":null}]}"#,
            #"{"model":"m","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}"#,
            #"{"model":"m","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]}"#,
            #"{"model":"m","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}"#,
            "[DONE]",
        ]
        var tokens = 0
        for event in events { tokens += try accumulator.apply(Array(event.utf8), errors: errors).tokens }
        #expect(accumulator.done)
        #expect(tokens == 3)
        let g = accumulator.generation
        #expect(g.content == "Hello")
        #expect(g.reasoning == "hmm")
        #expect(g.model == "m")
        #expect(g.finishReason == "stop")
        #expect(g.usage?.totalTokens == 8)
    }

    @Test func anErrorEventInAStreamIsAnError() throws {
        let errors = ErrorMapper(configuration: VLLMConfiguration())
        var accumulator = StreamAccumulator(requestedModel: "m")
        _ = try accumulator.apply(Array(#"{"choices":[{"delta":{"content":"a"}}]}"#.utf8), errors: errors)
        #expect {
            _ = try accumulator.apply(Array(#"{"error":{"message":"engine blew up","type":"InternalServerError","code":500}}"#.utf8), errors: errors)
        } throws: { error in
            let e = error as? UpstreamError
            return e?.code == .streamError && e?.message.contains("engine blew up") == true && e?.message.contains("after 1 token") == true
        }
    }
}

@Suite struct PrettyJSONTests {
    @Test func writesLikePythonsJSONDumpsWithIndentTwo() throws {
        let value = try JSONValue(parsing: Array(#"{"b":[1,{"c":null}],"a":"x/y","e":[],"d":{}}"#.utf8))
        #expect(value.pretty() == """
            {
              "a": "x/y",
              "b": [
                1,
                {
                  "c": null
                }
              ],
              "d": {},
              "e": []
            }
            """)
    }
}
