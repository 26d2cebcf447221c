import CCurl

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One request and its response, as one libcurl easy handle on the ``CurlLoop``: the status
/// and the headers the plugin reads, then the body — collected up to a limit, or, for a
/// successful streamed request, fed to a ``StreamSink`` as it arrives.
final class Transfer: @unchecked Sendable {
    // Made by the calling task; from `CurlLoop.add` to the end used on the loop thread alone;
    // read by the task again only after its continuation was resumed.

    /// How a transfer ended, as the loop saw it: libcurl's result (`CURLE_OK` when it
    /// succeeded), or the loop's own reason.
    typealias Ending = TransportFailure.Reason

    /// What the request is.
    struct Request {
        var url: String
        var headers: [String]
        /// A POST body; nil: GET.
        var body: [UInt8]?
        /// Connecting (and any proxy handshake) at most, in milliseconds.
        var connectTimeoutMilliseconds: Int
        /// The whole exchange at most (GETs), in milliseconds.
        var wholeTimeoutMilliseconds: Int?
        /// Each wait for bytes once connected at most, in nanoseconds.
        var idleTimeoutNanoseconds: UInt64?
        /// CA certificates (PEM) to verify the server with instead of the system's.
        var caBundle: String?
    }

    private let request: Request
    let sink: StreamSink?
    private let limit: Int
    var continuation: CheckedContinuation<Result<Void, TransportFailure>, Never>?

    private(set) var easy: UnsafeMutableRawPointer?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var errorBuffer: UnsafeMutablePointer<CChar>?
    private(set) var status = 0
    private(set) var headers = ResponseHeaders()
    private(set) var body: [UInt8] = []
    private(set) var overflow = false
    /// Bytes of the body received, counted also past the limit.
    private(set) var received = 0
    /// A connection was ready (made or reused) and the request went on it.
    private(set) var connected = false
    private var lastActivity: UInt64 = 0
    private(set) var ended = false

    init(_ request: Request, sink: StreamSink?, limit: Int) {
        self.request = request
        self.sink = sink
        self.limit = limit
    }

    var streaming: Bool { sink != nil && status / 100 == 2 }

    /// When the wait for the next bytes runs out; nil while connecting or without a limit.
    var idleDeadline: UInt64? {
        guard connected, let idle = request.idleTimeoutNanoseconds else { return nil }
        return lastActivity &+ idle
    }

    /// Monotonic nanoseconds.
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// The libcurl of the handle (set by ``makeHandle(_:)``).
    private var library: CurlLibrary?

    /// The easy handle of this request, configured; nil when libcurl cannot make one.
    func makeHandle(_ library: CurlLibrary) -> UnsafeMutableRawPointer? {
        self.library = library
        let curl = library.functions
        let api = library.api
        guard let easy = curl.easy_init!() else { return nil }
        self.easy = easy
        let me = Unmanaged.passUnretained(self).toOpaque()
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        buffer[0] = 0
        errorBuffer = buffer
        for header in request.headers { headerList = curl.slist_append!(headerList, header) }

        var ok = true
        func set(_ result: CURLcode) { if result != CURLE_OK { ok = false } }
        set(th_curl_easy_setopt_pointer(api, easy, CURLOPT_ERRORBUFFER, buffer))
        set(th_curl_easy_setopt_long(api, easy, CURLOPT_NOSIGNAL, 1))
        set(th_curl_easy_setopt_string(api, easy, CURLOPT_URL, request.url))
        // Only what the library speaks: the HTTP-only build refuses "https" here.
        set(th_curl_easy_setopt_string(api, easy, CURLOPT_PROTOCOLS_STR, library.protocols))
        // HTTP/1.1 only: cancelling a call closes its connection, which is what makes vLLM
        // abort the generation (an HTTP/2 stream reset would depend on the server).
        set(th_curl_easy_setopt_long(api, easy, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1)))
        // Redirects are reported, not followed (ErrorMapper.response); no decompression
        // (no Accept-Encoding is sent). Proxies come from the environment, as libcurl reads
        // them by default (http_proxy, https_proxy/HTTPS_PROXY, ALL_PROXY, NO_PROXY).
        set(th_curl_easy_setopt_long(api, easy, CURLOPT_FOLLOWLOCATION, 0))
        set(th_curl_easy_setopt_long(api, easy, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1))
        set(th_curl_easy_setopt_pointer(api, easy, CURLOPT_HTTPHEADER, headerList))
        if let body = request.body {
            set(th_curl_easy_setopt_long(api, easy, CURLOPT_POSTFIELDSIZE, body.count))
            // Copied by libcurl; an empty body still needs a valid pointer.
            let bytes = body.isEmpty ? [0] : body
            bytes.withUnsafeBytes { bytes in
                set(th_curl_easy_setopt_pointer(api, easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress!)))
            }
        } else {
            set(th_curl_easy_setopt_long(api, easy, CURLOPT_HTTPGET, 1))
        }
        // A 4 KiB receive buffer instead of 16: a handle per request in flight, and answers
        // (stream events above all) come in small pieces anyway.
        set(th_curl_easy_setopt_long(api, easy, CURLOPT_BUFFERSIZE, 4096))
        set(th_curl_easy_setopt_long(api, easy, CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeoutMilliseconds))
        if let whole = request.wholeTimeoutMilliseconds { set(th_curl_easy_setopt_long(api, easy, CURLOPT_TIMEOUT_MS, whole)) }
        // (A CA bundle means https://, which a library without TLS never gets: UpstreamClient.)
        if let bundle = request.caBundle, library.tls { set(th_curl_easy_setopt_string(api, easy, CURLOPT_CAINFO, bundle)) }
        set(th_curl_easy_setopt_data_callback(api, easy, CURLOPT_HEADERFUNCTION, transferHeaderCallback))
        set(th_curl_easy_setopt_pointer(api, easy, CURLOPT_HEADERDATA, me))
        set(th_curl_easy_setopt_data_callback(api, easy, CURLOPT_WRITEFUNCTION, transferWriteCallback))
        set(th_curl_easy_setopt_pointer(api, easy, CURLOPT_WRITEDATA, me))
        set(th_curl_easy_setopt_prereq_callback(api, easy, transferPrereqCallback))
        set(th_curl_easy_setopt_pointer(api, easy, CURLOPT_PREREQDATA, me))
        return ok ? easy : nil
    }

    /// A connection is ready and the request is about to be sent: the idle timeout starts.
    fileprivate func ready() {
        connected = true
        lastActivity = Self.now()
    }

    /// One header line (the status line first; again after a 1xx answer).
    fileprivate func header(_ line: UnsafeRawBufferPointer) {
        lastActivity = Self.now()
        if line.starts(with: "HTTP/".utf8) {
            // "HTTP/1.1 200 OK": a new response head.
            headers = ResponseHeaders()
            let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 2)
            status = fields.count > 1 ? Int(String(decoding: fields[1], as: UTF8.self)) ?? 0 : 0
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            // The blank line that ends the head.
            if streaming { sink?.contentType = headers.first(name: "content-type") }
            return
        }
        headers.add(name: String(decoding: line[..<colon], as: UTF8.self), value: String(decoding: line[(colon + 1)...], as: UTF8.self))
    }

    /// A piece of the body. Returns false to stop the transfer (and close its connection).
    fileprivate func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        lastActivity = Self.now()
        received += bytes.count
        if streaming, let sink {
            return sink.feed(bytes)
        }
        if body.count + bytes.count > limit {
            overflow = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// Ends the transfer: frees its handle and resumes the task, once.
    func finish(_ ending: Ending) {
        guard !ended else { return }
        ended = true
        var outcome: Result<Void, TransportFailure> = .success(())
        switch ending {
        case .curl(let code) where code == CURLE_OK:
            if streaming { sink?.finish() }
        case .curl(let code):
            var osErrno = 0
            if let easy, let library { _ = th_curl_easy_getinfo_long(library.api, easy, CURLINFO_OS_ERRNO, &osErrno) }
            let said = errorBuffer.map { String(cString: $0) } ?? ""
            let strerror = library.flatMap { $0.functions.easy_strerror!(code).map { String(cString: $0) } }
            let detail = said.isEmpty ? strerror ?? "libcurl error \(code.rawValue)" : said
            outcome = .failure(TransportFailure(ending, osErrno: Int32(truncatingIfNeeded: osErrno), detail: detail, connected: connected))
        default:
            outcome = .failure(TransportFailure(ending, connected: connected))
        }
        if let easy, let library { library.functions.easy_cleanup!(easy) }
        easy = nil
        if let headerList, let library { library.functions.slist_free_all!(headerList) }
        headerList = nil
        errorBuffer?.deallocate()
        errorBuffer = nil
        let continuation = self.continuation
        self.continuation = nil
        continuation?.resume(returning: outcome)
    }
}

private func transferHeaderCallback(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    let transfer = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
    var line = UnsafeRawBufferPointer(start: data, count: size * count)
    // Without the line break.
    while let last = line.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { line = UnsafeRawBufferPointer(rebasing: line.dropLast()) }
    transfer.header(line)
    return size * count
}

private func transferWriteCallback(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    let transfer = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
    // Fewer bytes than given: libcurl ends the transfer with CURLE_WRITE_ERROR.
    return transfer.write(UnsafeRawBufferPointer(start: data, count: size * count)) ? size * count : 0
}

private func transferPrereqCallback(_ user: UnsafeMutableRawPointer?, _ primary: UnsafeMutablePointer<CChar>?, _ local: UnsafeMutablePointer<CChar>?, _ primaryPort: Int32, _ localPort: Int32) -> Int32 {
    Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue().ready()
    return Int32(CURL_PREREQFUNC_OK)
}

/// The response headers the plugin reads (`Content-Type`, `Location`), by name.
package struct ResponseHeaders: Sendable {
    private var fields: [(name: String, value: String)] = []
    /// Only these are kept: the others are never read.
    private static let kept: Set<String> = ["content-type", "location"]

    package init() {}

    package mutating func add(name: String, value: String) {
        let name = name.lowercased()
        guard Self.kept.contains(name) else { return }
        fields.append((name, value.trimmingSpaces()))
    }

    /// The first value of `name` (any case).
    package func first(name: String) -> String? {
        let name = name.lowercased()
        return fields.first { $0.name == name }?.value
    }
}

/// Why a transfer failed below HTTP: libcurl's result, or the loop's own reasons.
package struct TransportFailure: Error, Sendable {
    package enum Reason: Sendable, Equatable {
        /// libcurl's result code.
        case curl(CURLcode)
        /// Connected, then no bytes for the idle timeout.
        case idleTimeout
        case cancelled
        /// The client was shut down while the request ran.
        case shutDown
        /// libcurl refused the request's settings.
        case setup
    }

    package let reason: Reason
    /// The system's error number behind a failed connect, 0 when none.
    package let osErrno: Int32
    /// libcurl's text for the failure (may name hosts, never the API key, which travels in a header).
    package let detail: String
    /// Whether a connection was ready when it failed (a timeout then is not a connect timeout).
    package let connected: Bool

    package init(_ reason: Reason, osErrno: Int32 = 0, detail: String = "", connected: Bool = false) {
        self.reason = reason
        self.osErrno = osErrno
        self.detail = detail
        self.connected = connected
    }
}
