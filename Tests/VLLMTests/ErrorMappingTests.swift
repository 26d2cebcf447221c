import Testing
@testable import VLLMCore

@Suite struct ErrorMappingTests {
    static let secret = "sk-very-secret-key"
    static let mapper = ErrorMapper(configuration: try! VLLMConfiguration(json: Array(#"{"base_url":"http://u:p@gpu:8000","api_key":"\#(secret)","default_timeout":"30"}"#.utf8)))

    private func response(_ status: Int, _ body: String) -> UpstreamError {
        Self.mapper.response(status: status, body: Array(body.utf8), request: "POST /v1/chat/completions")
    }

    @Test func unauthorizedSaysTheKeyWasRefusedWithoutPrintingIt() {
        let error = response(401, #"{"error":"Unauthorized"}"#)
        #expect(error.code == .unauthorized)
        #expect(error.message.contains("refused the API key"))
        #expect(error.message.contains("VLLM_API_KEY"))
        #expect(!error.message.contains(Self.secret))
        #expect(!error.message.contains("u:p@"), "credentials in the URL are not shown")
    }

    @Test func unauthorizedWithoutAKeySaysToSetOne() {
        let mapper = ErrorMapper(configuration: VLLMConfiguration())
        let error = mapper.response(status: 401, body: [], request: "GET /v1/models")
        #expect(error.message.contains("none is set"))
    }

    @Test func unknownModelIsToldApartFromAMissingRoute() {
        #expect(response(404, #"{"error":{"message":"The model `x` does not exist.","type":"NotFoundError","param":"model","code":404}}"#).code == .unknownModel)
        #expect(response(404, #"{"object":"error","message":"The model `x` does not exist.","type":"NotFoundError","code":404}"#).code == .unknownModel)
        let route = response(404, #"{"detail":"Not Found"}"#)
        #expect(route.code == .notFound)
        #expect(route.message.contains("VLLM_BASE_URL"))
    }

    @Test func contextOverflowPassesVLLMsMessage() {
        let said = "This model's maximum context length is 4096 tokens. However, your prompt contains 5000 input tokens."
        let error = response(400, #"{"error":{"message":"\#(said)","type":"BadRequestError","param":null,"code":400}}"#)
        #expect(error.code == .contextTooLong)
        #expect(error.message.contains(said))
        #expect(error.failureKind == .invalidArgument)
    }

    @Test func serverErrorsSayWhatToCheck() {
        let error = response(500, "")
        #expect(error.code == .serverError)
        #expect(error.message.contains("HTTP 500"))
        #expect(error.message.contains("vllm_status"))
        #expect(response(503, #"{"error":{"message":"queue full","type":"ServiceUnavailable","code":503}}"#).message.contains("queue full"))
    }

    @Test func anUpstreamMessageQuotingTheKeyIsScrubbed() {
        let error = response(400, #"{"error":{"message":"bad header Bearer \#(Self.secret)","type":"BadRequestError","code":400}}"#)
        #expect(!error.message.contains(Self.secret))
        #expect(error.message.contains("[redacted]"))
    }

    @Test(arguments: [
        (ExchangePhase.wholeGeneration, "non-streamed"),
        (ExchangePhase.firstToken, "queue"),
        (ExchangePhase.moreTokens(12), "after 12 tokens"),
        (ExchangePhase.query("GET /v1/models"), "GET /v1/models"),
    ] as [(ExchangePhase, String)])
    func timeoutsSayWhichWait(phase: ExchangePhase, says: String) {
        let error = Self.mapper.transport(HTTPClientErrorSample.readTimeout, phase: phase)
        #expect(error.code == .readTimeout)
        #expect(error.failureKind == .timeout)
        #expect(error.message.contains("30 s (VLLM_DEFAULT_TIMEOUT)"))
        if phase == .wholeGeneration {
            #expect(error.message.contains("bounds the whole generation"))
        } else {
            #expect(error.message.contains(says))
        }
    }

    @Test func connectTimeoutIsItsOwnMessage() {
        let error = Self.mapper.transport(HTTPClientErrorSample.connectTimeout, phase: .firstToken)
        #expect(error.code == .connectTimeout)
        #expect(error.message.contains("Connecting"))
        #expect(error.message.contains("http://gpu:8000"))
    }

    @Test func cancellationIsCancellation() {
        #expect(Self.mapper.transport(CancellationError(), phase: .firstToken).code == .cancelled)
        #expect(Self.mapper.transport(HTTPClientErrorSample.cancelled, phase: .wholeGeneration).code == .cancelled)
    }

    @Test func aClosedConnectionMidStreamIsACut() {
        let error = Self.mapper.transport(HTTPClientErrorSample.remoteConnectionClosed, phase: .moreTokens(3))
        #expect(error.code == .streamCut)
        #expect(error.message.contains("after 3 tokens"))
    }
}

import AsyncHTTPClient

/// The transport errors the mapper sees from AsyncHTTPClient.
enum HTTPClientErrorSample {
    static let readTimeout = HTTPClientError.readTimeout
    static let connectTimeout = HTTPClientError.connectTimeout
    static let cancelled = HTTPClientError.cancelled
    static let remoteConnectionClosed = HTTPClientError.remoteConnectionClosed
}
