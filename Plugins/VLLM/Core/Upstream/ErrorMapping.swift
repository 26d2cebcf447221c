import CCurl
import ToolHostJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where in an exchange a failure happened: it decides what a timeout means to the user.
package enum ExchangePhase: Sendable, Equatable {
    /// A short request (`GET /v1/models`, `/health` …).
    case query(String)
    /// Waiting for a non-streamed generation, which arrives only once it is complete.
    case wholeGeneration
    /// Waiting for the first event of a stream (the request may sit in vLLM's queue).
    case firstToken
    /// Waiting for more of a stream, after `tokens` tokens.
    case moreTokens(Int)
}

/// Turns transport failures and error responses into ``UpstreamError``s with actionable text.
package struct ErrorMapper: Sendable {
    package let displayURL: String
    package let timeout: Double?
    package let apiKey: String?

    package init(configuration: VLLMConfiguration) {
        displayURL = configuration.displayBaseURL
        timeout = configuration.timeout
        apiKey = configuration.apiKey
    }

    private var timeoutText: String {
        guard let timeout else { return "the time allowed" }
        return "\(SecondsFormat.text(timeout)) s (VLLM_DEFAULT_TIMEOUT)"
    }

    /// A failure below HTTP: connecting, TLS, timeouts, a connection closed, cancellation.
    package func transport(_ failure: TransportFailure, phase: ExchangePhase) -> UpstreamError {
        switch failure.reason {
        case .cancelled:
            return .cancelled
        case .idleTimeout:
            return readTimeout(phase)
        case .shutDown:
            return closed(phase, detail: "the plugin is shutting down")
        case .setup:
            return UpstreamError(.cannotConnect, message: "VLLM_BASE_URL \(displayURL) is not a usable URL, or libcurl refused the request's settings.")
        case .curl(let code):
            return transport(code, failure, phase: phase)
        }
    }

    private func transport(_ code: CURLcode, _ failure: TransportFailure, phase: ExchangePhase) -> UpstreamError {
        let detail = Redaction.scrub(failure.detail, secret: apiKey)
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            // libcurl's connect timeout, or the whole-request deadline of a GET once connected.
            guard failure.connected else { return connectTimeout }
            return readTimeout(phase)
        case CURLE_COULDNT_CONNECT:
            let reason = failure.osErrno != 0 ? Self.describe(errno: failure.osErrno) : detail
            // Through a proxy, say so: it is the proxy that did not answer.
            return cannotConnect(detail.lowercased().contains("proxy") ? "\(reason) (\(detail))" : reason)
        case CURLE_COULDNT_RESOLVE_HOST:
            return cannotConnect("the host name could not be resolved (\(detail))")
        case CURLE_COULDNT_RESOLVE_PROXY:
            return cannotConnect("the proxy's host name could not be resolved (\(detail)); check http_proxy, https_proxy and NO_PROXY")
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            return UpstreamError(.cannotConnect, message: "VLLM_BASE_URL \(displayURL) is not a usable URL (\(detail)).")
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_CRL_BADFILE,
            CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_SHUTDOWN_FAILED,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_USE_SSL_FAILED:
            return tlsFailure(code, detail: detail)
        case CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE:
            return closed(phase, detail: "the server closed the connection: \(detail)")
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR:
            if failure.osErrno == ECONNRESET || failure.osErrno == EPIPE || detail.isEmpty {
                return closed(phase, detail: "the server closed the connection: \(detail)")
            }
            return closed(phase, detail: detail)
        default:
            return closed(phase, detail: "\(detail) (libcurl error \(code.rawValue))")
        }
    }

    /// A request needs TLS (an `https://` server or proxy), but the libcurl the process opened
    /// has none: the HTTP-only build (``CurlChoice``).
    /// - Parameters:
    ///   - library: how the library is named.
    ///   - cause: what needs TLS.
    package func libraryWithoutTLS(_ library: String, cause: String) -> UpstreamError {
        UpstreamError(.cannotConnect, message: "Cannot connect to the vLLM server at \(displayURL): \(cause) needs TLS, but the vLLM plugin runs on \(library), an HTTP-only libcurl without TLS (VLLM_LIBCURL names it, or it was chosen earlier in this process for a server that needed no TLS). Set VLLM_LIBCURL=system to use the system's libcurl, which has TLS.")
    }

    private var connectTimeout: UpstreamError {
        UpstreamError(.connectTimeout, message: "Connecting to the vLLM server at \(displayURL) took longer than \(timeoutText). Check that the address is right and reachable, or raise VLLM_DEFAULT_TIMEOUT.")
    }

    /// TLS failed: the certificate (most often) or the handshake.
    private func tlsFailure(_ code: CURLcode, detail: String) -> UpstreamError {
        let advice: String
        switch code {
        case CURLE_PEER_FAILED_VERIFICATION:
            advice = "the server's TLS certificate could not be verified (\(detail)). If the server uses a self-signed certificate or a private CA, set VLLM_CA_BUNDLE to a PEM file with that CA's certificate; check too that the host name in VLLM_BASE_URL is one the certificate names."
        case CURLE_SSL_CACERT_BADFILE:
            advice = "the CA certificates could not be read (\(detail)). Check that VLLM_CA_BUNDLE names a readable PEM file."
        default:
            advice = "the TLS handshake failed (\(detail)). Check that the server speaks TLS on this port (or use http://) and that its certificate is valid."
        }
        return UpstreamError(.cannotConnect, message: "Cannot connect to the vLLM server at \(displayURL) over TLS: \(advice)")
    }

    private func cannotConnect(_ reason: String) -> UpstreamError {
        UpstreamError(.cannotConnect, message: "Cannot connect to the vLLM server at \(displayURL): \(reason). Check that the server is running (it refuses connections while it loads the model) and that VLLM_BASE_URL is right.")
    }

    private func readTimeout(_ phase: ExchangePhase) -> UpstreamError {
        let message: String
        switch phase {
        case .query(let what):
            // A request that is not a generation has a deadline for the whole exchange.
            message = "The vLLM server at \(displayURL) did not finish answering \(what) within \(timeoutText), which bounds the whole of a request that is not a generation. Check that the server is not overloaded and that nothing between (a proxy) holds the answer back."
        case .wholeGeneration:
            message = "The vLLM server at \(displayURL) sent nothing for \(timeoutText) while generating. Without streaming the answer arrives only when it is complete, so this limit bounds the whole generation: raise VLLM_DEFAULT_TIMEOUT, lower max_tokens, call with a progressToken (the answer is then streamed and the limit bounds each wait for a token), or set VLLM_STREAM=always."
        case .firstToken:
            message = "The vLLM server at \(displayURL) accepted the request but sent no token for \(timeoutText); the request may be waiting in its queue behind others (vllm_status shows the queue). Raise VLLM_DEFAULT_TIMEOUT to wait longer."
        case .moreTokens(let tokens):
            message = "The vLLM server at \(displayURL) stopped sending tokens for \(timeoutText) after \(tokens) token\(tokens == 1 ? "" : "s"). Raise VLLM_DEFAULT_TIMEOUT if the server is just slow."
        }
        return UpstreamError(.readTimeout, message: message)
    }

    private func closed(_ phase: ExchangePhase, detail: String) -> UpstreamError {
        let detail = Redaction.scrub(detail, secret: apiKey)
        switch phase {
        case .moreTokens(let tokens):
            return UpstreamError(.streamCut, message: "The connection to the vLLM server at \(displayURL) broke in the middle of the answer, after \(tokens) token\(tokens == 1 ? "" : "s") (\(detail)). The server may have crashed or been restarted; vllm_status tells whether it is up.")
        case .firstToken, .wholeGeneration:
            return UpstreamError(.streamCut, message: "The connection to the vLLM server at \(displayURL) broke before the answer arrived (\(detail)). The server may have crashed or been restarted; vllm_status tells whether it is up.")
        case .query(let what):
            return UpstreamError(.cannotConnect, message: "The exchange with the vLLM server at \(displayURL) failed during \(what) (\(detail)).")
        }
    }

    /// An HTTP error status with its body. Unknown-model 404s are told apart by the body.
    /// - Parameter location: the `Location` header, for a redirect.
    package func response(status: Int, body: [UInt8], request: String, location: String? = nil) -> UpstreamError {
        if (300...399).contains(status) { return redirected(status: status, request: request, location: location) }
        let parsed = ErrorBody.parse(body)
        let said = parsed.message.map { Redaction.scrub(Self.shorten($0), secret: apiKey) }
        let saying = said.map { ": \($0)" } ?? ""
        switch status {
        case 401, 403:
            let message = apiKey != nil
                ? "The vLLM server at \(displayURL) refused the API key (HTTP \(status)). Check VLLM_API_KEY: it must match the key the server was started with (--api-key)."
                : "The vLLM server at \(displayURL) requires an API key (HTTP \(status)) and none is set: set VLLM_API_KEY to the key the server was started with (--api-key)."
            return UpstreamError(.unauthorized, status: status, message: message, upstreamMessage: said)
        case 404:
            if Self.isUnknownModel(parsed) {
                return UpstreamError(.unknownModel, status: status, message: "The vLLM server at \(displayURL) does not serve the requested model\(saying)", upstreamMessage: said)
            }
            return UpstreamError(.notFound, status: status, message: "The server at \(displayURL) has no \(request) (HTTP 404\(said.map { ", \($0)" } ?? "")). Check that VLLM_BASE_URL points at an OpenAI-compatible server (without /v1).", upstreamMessage: said)
        case 400, 413, 422:
            if let said, Self.isContextOverflow(said) {
                return UpstreamError(.contextTooLong, status: status, message: "The request does not fit the model's context window (HTTP \(status)): \(said) Shorten the messages or lower max_tokens.", upstreamMessage: said)
            }
            return UpstreamError(.badRequest, status: status, message: "The vLLM server rejected the request (HTTP \(status))\(saying)", upstreamMessage: said)
        case 503:
            return UpstreamError(.serverError, status: status, message: "The vLLM server at \(displayURL) is unavailable (HTTP 503)\(saying). Its engine may be down or its request queue full; vllm_status shows which.", upstreamMessage: said)
        case 500...599:
            return UpstreamError(.serverError, status: status, message: "The vLLM server at \(displayURL) failed (HTTP \(status))\(said.map { ": \($0)" } ?? " without saying why"). Check the server's log; vllm_status shows whether the engine is healthy.", upstreamMessage: said)
        default:
            return UpstreamError(.badRequest, status: status, message: "The vLLM server at \(displayURL) answered \(request) with HTTP \(status)\(saying)", upstreamMessage: said)
        }
    }

    /// An error event inside a stream (vLLM keeps status 200 and sends `data: {"error":…}`).
    package func streamError(_ error: JSON, tokens: Int) -> UpstreamError {
        let body = ErrorBody.parse(.object(["error": error]))
        let said = body.message.map { Redaction.scrub(Self.shorten($0), secret: apiKey) } ?? "no details"
        return UpstreamError(.streamError, message: "The vLLM server reported an error in the middle of the answer, after \(tokens) token\(tokens == 1 ? "" : "s"): \(said)", upstreamMessage: said)
    }

    /// `detail` may quote what the server sent; the API key is taken out of it.
    package func invalidResponse(_ request: String, _ detail: String) -> UpstreamError {
        UpstreamError(.invalidResponse, message: "The server at \(displayURL) answered \(request) with something that is not an OpenAI-compatible response (\(Redaction.scrub(detail, secret: apiKey))). Check that VLLM_BASE_URL points at vLLM or another OpenAI-compatible server.")
    }

    /// Redirects are not followed: the API key would go along to wherever the server points,
    /// and a generation would be sent twice. The message says where, so VLLM_BASE_URL can be fixed.
    private func redirected(status: Int, request: String, location: String?) -> UpstreamError {
        let target = location.map { quote(Array(Redaction.url($0).utf8), limit: 300) } ?? "nowhere (no Location header)"
        return UpstreamError(.redirected, status: status, message: "The server at \(displayURL) redirected \(request) (HTTP \(status)) to \(target). The plugin does not follow redirects (the API key would go along): set VLLM_BASE_URL to the server's own address (without /v1).")
    }

    /// The server went past the ``GenerationLimits`` of the request's `max_tokens`.
    package func sentTooMuch(_ limits: GenerationLimits, bodyBytes: Int, chunks: Int?, textBytes: Int?) -> UpstreamError {
        var sent = "\(bodyBytes) bytes"
        if let chunks, let textBytes {
            sent += " (\(chunks) chunk\(chunks == 1 ? "" : "s") of text, \(textBytes) bytes of text kept)"
        }
        return UpstreamError(.sentTooMuch, message: "The server at \(displayURL) sent more than was asked: max_tokens is \(limits.maxTokens), and it had sent \(sent) without finishing the answer, past what that many tokens can take (at most \(limits.chunks) chunks of text, \(limits.textBytes) bytes of text and \(limits.bodyBytes) bytes in all). The plugin stopped reading and closed the connection. The server ignores max_tokens or is not an OpenAI-compatible server: check VLLM_BASE_URL and the server.")
    }

    /// A streamed request answered with a body that is not `text/event-stream`.
    /// - Parameters:
    ///   - prefix: the first bytes of the body.
    ///   - contentType: the response's `Content-Type`, when it had one.
    package func notEventStream(_ prefix: [UInt8], contentType: String?) -> UpstreamError {
        let shown = prefix.isEmpty ? "an empty body" : quote(prefix, limit: 200)
        let type = contentType.map { "Content-Type: \(quote(Array($0.utf8), limit: 100))" } ?? "no Content-Type"
        return UpstreamError(.invalidResponse, message: "The server at \(displayURL) did not answer with an event stream: \(shown) (\(type)). A streamed request (stream: true) must be answered with text/event-stream: check that VLLM_BASE_URL points at vLLM or another OpenAI-compatible server, and not at a proxy's page.")
    }

    /// Bytes from the server, as text to quote in a message, on one line: invalid UTF-8 and
    /// control characters shown as U+FFFD, the API key taken out (a part of it cut at the end too),
    /// at most `limit` characters.
    package func quote(_ bytes: some Collection<UInt8>, limit: Int) -> String {
        // Decode a little more than is shown, so that a key cut by the shortening is whole here.
        let window = bytes.prefix(limit * 4 + (apiKey?.utf8.count ?? 0))
        var text = String(decoding: window, as: UTF8.self)
        // On one line: line breaks and tabs become spaces, other control characters U+FFFD.
        text = String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            switch scalar {
            case "\n", "\r", "\t": " "
            case _ where scalar.properties.generalCategory == .control: "\u{FFFD}"
            default: scalar
            }
        }))
        text = Redaction.scrub(text, secret: apiKey, cutAtEnd: true)
        return Self.shorten(text, limit: limit)
    }

    static func isUnknownModel(_ body: ErrorBody) -> Bool {
        if body.type == "NotFoundError" || body.type == "model_not_found" { return true }
        guard let message = body.message?.lowercased() else { return false }
        return message.contains("model") && (message.contains("does not exist") || message.contains("not found"))
    }

    static func isContextOverflow(_ message: String) -> Bool {
        let lower = message.lowercased()
        return lower.contains("context length") || lower.contains("context window") || lower.contains("maximum context")
            || lower.contains("too many tokens") || lower.contains("exceeds the available context") || lower.contains("context size")
    }

    /// `text` trimmed, and cut to `limit` characters with "…"; linear in what it keeps, so a huge
    /// text costs no more than a short one.
    static func shorten(_ text: String, limit: Int = 2000) -> String {
        let start = text.firstIndex { !$0.isWhitespace } ?? text.endIndex
        let rest = text[start...]
        guard let cut = rest.index(rest.startIndex, offsetBy: limit, limitedBy: rest.endIndex), cut < rest.endIndex,
            !rest[cut...].allSatisfy(\.isWhitespace)
        else { return rest.trimmingSpaces() }
        return String(rest[..<cut]) + "…"
    }

    /// The reason a connection could not be made, from the system's error number.
    static func describe(errno code: Int32) -> String {
        switch code {
        case ECONNREFUSED: return "connection refused"
        case EHOSTUNREACH: return "host unreachable"
        case ENETUNREACH: return "network unreachable"
        case ETIMEDOUT: return "timed out"
        default: return String(cString: strerror(code))
        }
    }
}

/// Seconds as people write them: `60`, `0.5`.
package enum SecondsFormat {
    package static func text(_ seconds: Double) -> String {
        if seconds == seconds.rounded(), abs(seconds) < 1e15 { return String(Int64(seconds)) }
        return String(seconds)
    }
}
