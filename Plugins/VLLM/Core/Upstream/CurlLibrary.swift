import CCurl
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The libcurl the HTTP client runs on, opened once per process, when the first client is made:
/// the system's `libcurl.so.4`, or `libcurl-http.so.4`, an HTTP-only build of Debian's curl
/// source that needs nothing but the C library (`scripts/libcurl`). Debian's libcurl brings
/// OpenSSL, GnuTLS, Kerberos, LDAP and SSH libraries into the process, about 7 MB resident;
/// the HTTP-only one is used whenever the server needs no TLS and it is installed beside the
/// plugin (``CurlChoice``).
package final class CurlLibrary: @unchecked Sendable {
    /// Its functions; the table lives as long as the process (so does the library).
    let api: UnsafePointer<th_curl_api>
    /// The file opened: a path, or a name the dynamic linker looked up (`libcurl.so.4`).
    package let file: String
    /// Whether it speaks TLS (`https://` servers and proxies).
    package let tls: Bool
    /// libcurl's version, e.g. `7.88.1`.
    package let version: String

    private init(api: UnsafePointer<th_curl_api>, file: String) {
        self.api = api
        self.file = file
        tls = th_curl_has_tls(api) != 0
        version = String(cString: th_curl_version(api))
    }

    /// The functions (a copy of the table).
    var functions: th_curl_api { api.pointee }

    /// What `CURLOPT_PROTOCOLS_STR` may allow: a build without TLS refuses the option when it
    /// names `https`.
    var protocols: String { tls ? "http,https" : "http" }

    /// How it is named in messages.
    package var shown: String { file == CurlChoice.systemName ? "the system's \(file)" : file }

    /// Opens `file`; nil and the reason when it cannot be used.
    static func open(_ file: String, shown: String) -> Result<CurlLibrary, CurlLoadError> {
        let table = UnsafeMutablePointer<th_curl_api>.allocate(capacity: 1)
        table.initialize(to: th_curl_api())
        var error = [CChar](repeating: 0, count: 512)
        let opened = th_curl_load(file, shown, table, &error, error.count)
        guard opened != 0 else {
            table.deallocate()
            return .failure(CurlLoadError(message: String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)))
        }
        return .success(CurlLibrary(api: UnsafePointer(table), file: file))
    }

    /// What the process opened, once chosen (or why it could not open any).
    private static let chosen = Mutex<Result<CurlLibrary, CurlLoadError>?>(nil)

    /// The process's libcurl: chosen and opened by the first caller, from its settings; every
    /// later caller gets the same one (a process holds one libcurl). `log` hears, at the first
    /// call only, which library was opened and why.
    static func shared(for configuration: VLLMConfiguration, log: (String) -> Void) -> Result<CurlLibrary, CurlLoadError> {
        chosen.withLock { chosen in
            if let chosen { return chosen }
            let choice = CurlChoice(setting: configuration.libcurl, baseURL: configuration.baseURL, caBundle: configuration.caBundle,
                                    environment: { getenv($0).map { String(cString: $0) } }, ownFile: CurlChoice.ownFile(),
                                    exists: { access($0, F_OK) == 0 })
            var result = open(choice.file, shown: choice.shown)
            var reason = choice.reason
            if case .failure(let error) = result, choice.fallBack {
                reason = "\(error.message); the system's library instead"
                result = open(CurlChoice.systemName, shown: "the system's \(CurlChoice.systemName)")
            }
            switch result {
            case .success(let library):
                log("libcurl: \(library.shown) (\(library.version), \(library.tls ? "with TLS" : "HTTP only")): \(reason)")
            case .failure(let error):
                log("libcurl: none (\(error.message)); chosen because \(reason)")
            }
            chosen = result
            return result
        }
    }
}

/// Why no libcurl could be opened.
package struct CurlLoadError: Error, Sendable {
    package let message: String
}

/// Which libcurl to open, from the `libcurl` setting (`VLLM_LIBCURL`), what the server needs
/// and what is installed:
///
/// - `VLLM_LIBCURL=system`: the system's `libcurl.so.4`; any other value: that file (a path,
///   or a name the dynamic linker looks up), with no fallback.
/// - Otherwise, when nothing needs TLS — the server is `http://`, no CA bundle is set, and the
///   proxy libcurl would take for `http://` URLs (`http_proxy`, else `all_proxy`/`ALL_PROXY`;
///   libcurl ignores an upper-case `HTTP_PROXY`) is not `https://` — `libcurl-http.so.4` from
///   beside the plugin's code: the folder of the file that holds it (`libVLLM.so`, or the
///   executable the plugin is built into), that folder's parent, or `../lib/toolhost/` from
///   it. The system's library when none is there, or when it cannot be opened.
/// - When something needs TLS: the system's library.
package struct CurlChoice: Sendable, Equatable {
    package static let systemName = "libcurl.so.4"
    package static let httpOnlyName = "libcurl-http.so.4"

    /// The file to open.
    package var file: String
    /// How messages name it.
    package var shown: String
    /// Why it was chosen.
    package var reason: String
    /// Whether the system's library is opened instead when this one cannot be.
    package var fallBack: Bool

    /// - Parameters:
    ///   - setting: the `libcurl` setting; nil: choose.
    ///   - environment: the process environment (libcurl reads its proxies from there).
    ///   - ownFile: the file holding the plugin's code; nil when unknown.
    ///   - exists: whether a file exists.
    package init(setting: String?, baseURL: String, caBundle: String?, environment: (String) -> String?, ownFile: String?, exists: (String) -> Bool) {
        if let setting {
            if setting.lowercased() == "system" {
                self.init(file: Self.systemName, shown: "the system's \(Self.systemName)", reason: "VLLM_LIBCURL=system", fallBack: false)
            } else {
                self.init(file: setting, shown: "\(setting) (VLLM_LIBCURL)", reason: "VLLM_LIBCURL names it", fallBack: false)
            }
            return
        }
        if let tls = Self.needsTLS(baseURL: baseURL, caBundle: caBundle, environment: environment) {
            self.init(file: Self.systemName, shown: "the system's \(Self.systemName)", reason: tls, fallBack: false)
            return
        }
        let folders = ownFile.map(Self.folders(beside:)) ?? []
        if let found = folders.lazy.map({ $0 + "/" + Self.httpOnlyName }).first(where: exists) {
            self.init(file: found, shown: "\(Self.httpOnlyName) at \(found)", reason: "nothing needs TLS, and it is beside the plugin", fallBack: true)
            return
        }
        let looked = folders.isEmpty ? "the plugin's file is unknown" : "no \(Self.httpOnlyName) in \(folders.joined(separator: ", "))"
        self.init(file: Self.systemName, shown: "the system's \(Self.systemName)", reason: "nothing needs TLS, but \(looked)", fallBack: false)
    }

    private init(file: String, shown: String, reason: String, fallBack: Bool) {
        self.file = file
        self.shown = shown
        self.reason = reason
        self.fallBack = fallBack
    }

    /// Why requests may need TLS; nil when they cannot.
    package static func needsTLS(baseURL: String, caBundle: String?, environment: (String) -> String?) -> String? {
        if !baseURL.lowercased().hasPrefix("http://") { return "the server's URL is not http://" }
        if caBundle != nil { return "VLLM_CA_BUNDLE is set" }
        // libcurl's own order for an http:// URL; an empty variable counts as unset.
        for name in ["http_proxy", "all_proxy", "ALL_PROXY"] {
            guard let value = environment(name)?.trimmingSpaces(), !value.isEmpty else { continue }
            return value.lowercased().hasPrefix("https://") ? "\(name) is an https:// proxy" : nil
        }
        return nil
    }

    /// Where `libcurl-http.so.4` is looked for, given the file of the plugin's code.
    package static func folders(beside file: String) -> [String] {
        var folder = parent(file)
        // The folder as the system resolves it, so that its parent is the real one.
        if let resolved = realpath(folder, nil) {
            folder = String(cString: resolved)
            free(resolved)
        }
        let up = parent(folder)
        return [folder, up, (up == "/" ? "" : up) + "/lib/toolhost"]
    }

    private static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The file of the plugin's code (see CCurl's `th_curl_own_file`).
    static func ownFile() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard th_curl_own_file(&buffer, buffer.count) != 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
