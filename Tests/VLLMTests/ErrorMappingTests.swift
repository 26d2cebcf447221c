import CCurl
import Testing
@testable import VLLMCore

#if canImport(Glibc)
import Glibc
#endif

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
        let error = Self.mapper.transport(TransportFailureSample.idleTimeout, phase: phase)
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
        let error = Self.mapper.transport(TransportFailureSample.connectTimeout, phase: .firstToken)
        #expect(error.code == .connectTimeout)
        #expect(error.message.contains("Connecting"))
        #expect(error.message.contains("http://gpu:8000"))
    }

    @Test func cancellationIsCancellation() {
        #expect(Self.mapper.transport(TransportFailureSample.cancelled, phase: .firstToken).code == .cancelled)
    }

    @Test func aClosedConnectionMidStreamIsACut() {
        let error = Self.mapper.transport(TransportFailureSample.remoteConnectionClosed, phase: .moreTokens(3))
        #expect(error.code == .streamCut)
        #expect(error.message.contains("after 3 tokens"))
        #expect(error.message.contains("the server closed the connection"))
    }

    /// A whole-request deadline (libcurl's timeout) after connecting is a read timeout of the
    /// request, before connecting a connect timeout.
    @Test func libcurlsTimeoutIsToldApartByWhetherItHadConnected() {
        let timedOut = TransportFailure(.curl(CURLE_OPERATION_TIMEDOUT), detail: "Operation timed out after 30001 milliseconds", connected: true)
        #expect(Self.mapper.transport(timedOut, phase: .query("GET /v1/models")).message.contains("did not finish answering GET /v1/models within 30 s"))
        let connecting = TransportFailure(.curl(CURLE_OPERATION_TIMEDOUT), detail: "Connection timed out after 30001 milliseconds")
        #expect(Self.mapper.transport(connecting, phase: .query("GET /v1/models")).code == .connectTimeout)
    }

    @Test func aRefusedConnectionSaysSo() {
        let refused = TransportFailure(.curl(CURLE_COULDNT_CONNECT), osErrno: ECONNREFUSED, detail: "Failed to connect to gpu port 8000 after 0 ms: Couldn't connect to server")
        let error = Self.mapper.transport(refused, phase: .firstToken)
        #expect(error.code == .cannotConnect)
        #expect(error.message.contains("Cannot connect to the vLLM server at http://gpu:8000: connection refused."), "\(error.message)")
        let unresolved = TransportFailure(.curl(CURLE_COULDNT_RESOLVE_HOST), detail: "Could not resolve host: gpu")
        #expect(Self.mapper.transport(unresolved, phase: .firstToken).message.contains("could not be resolved (Could not resolve host: gpu)"))
    }

    @Test func aCertificateThatCannotBeVerifiedNamesTLSAndTheSetting() {
        let failure = TransportFailure(.curl(CURLE_PEER_FAILED_VERIFICATION), detail: "SSL certificate problem: self-signed certificate")
        let error = Self.mapper.transport(failure, phase: .query("GET /v1/models"))
        #expect(error.code == .cannotConnect)
        #expect(error.message.contains("over TLS"))
        #expect(error.message.contains("certificate could not be verified (SSL certificate problem: self-signed certificate)"))
        #expect(error.message.contains("VLLM_CA_BUNDLE"))
    }
}

/// The transport failures the mapper sees from the client's transfers.
enum TransportFailureSample {
    static let idleTimeout = TransportFailure(.idleTimeout, connected: true)
    static let connectTimeout = TransportFailure(.curl(CURLE_OPERATION_TIMEDOUT), detail: "Connection timed out after 30000 milliseconds")
    static let cancelled = TransportFailure(.cancelled)
    static let remoteConnectionClosed = TransportFailure(.curl(CURLE_PARTIAL_FILE), detail: "transfer closed with outstanding read data remaining", connected: true)
}

