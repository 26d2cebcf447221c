import Testing
@testable import VLLMCore

/// Which libcurl the plugin opens (``CurlChoice``), from its settings, the proxy variables and
/// the files beside the plugin.
@Suite struct CurlChoiceTests {
    private static let plugin = "/opt/th/lib/toolhost/plugins/libVLLM.so"

    private func choice(
        setting: String? = nil, baseURL: String = "http://127.0.0.1:8000", caBundle: String? = nil,
        environment: [String: String] = [:], ownFile: String? = plugin, files: Set<String> = []
    ) -> CurlChoice {
        CurlChoice(setting: setting, baseURL: baseURL, caBundle: caBundle, environment: { environment[$0] }, ownFile: ownFile, exists: files.contains)
    }

    @Test func theHTTPOnlyLibraryBesideThePluginServesAnHTTPServer() {
        let beside = "/opt/th/lib/toolhost/plugins/libcurl-http.so.4"
        let c = choice(files: [beside])
        #expect(c.file == beside)
        #expect(c.fallBack)
        #expect(c.shown == "libcurl-http.so.4 at \(beside)")
    }

    @Test func itIsLookedForInTheFolderItsParentAndLibToolhost() {
        // realpath leaves a folder that does not exist as it is.
        #expect(CurlChoice.folders(beside: "/opt/th/lib/toolhost/plugins/libVLLM.so")
            == ["/opt/th/lib/toolhost/plugins", "/opt/th/lib/toolhost", "/opt/th/lib/toolhost/lib/toolhost"])
        // Built into the executable: bin/toolhost finds lib/toolhost/ of its prefix.
        #expect(CurlChoice.folders(beside: "/opt/th/bin/toolhost") == ["/opt/th/bin", "/opt/th", "/opt/th/lib/toolhost"])
        let c = choice(ownFile: "/opt/th/bin/toolhost", files: ["/opt/th/lib/toolhost/libcurl-http.so.4"])
        #expect(c.file == "/opt/th/lib/toolhost/libcurl-http.so.4")
        #expect(choice(files: ["/opt/th/lib/toolhost/libcurl-http.so.4"]).file == "/opt/th/lib/toolhost/libcurl-http.so.4")
    }

    @Test func withoutItTheSystemLibraryIsUsedAndTheReasonNamesTheFolders() {
        let c = choice()
        #expect(c.file == "libcurl.so.4")
        #expect(!c.fallBack)
        #expect(c.reason.contains("no libcurl-http.so.4 in /opt/th/lib/toolhost/plugins"), "\(c.reason)")
        #expect(choice(ownFile: nil).file == "libcurl.so.4")
    }

    @Test func whatNeedsTLSGetsTheSystemLibrary() {
        let beside: Set<String> = ["/opt/th/lib/toolhost/plugins/libcurl-http.so.4"]
        let https = choice(baseURL: "https://gpu-box:8000", files: beside)
        #expect(https.file == "libcurl.so.4")
        #expect(https.reason == "the server's URL is not http://")
        #expect(choice(baseURL: "HTTPS://gpu-box", files: beside).file == "libcurl.so.4")
        #expect(choice(caBundle: "/etc/ca.pem", files: beside).reason == "VLLM_CA_BUNDLE is set")
        #expect(choice(environment: ["http_proxy": "https://proxy:3128"], files: beside).reason == "http_proxy is an https:// proxy")
        #expect(choice(environment: ["ALL_PROXY": " HTTPS://proxy:3128"], files: beside).file == "libcurl.so.4")
    }

    @Test func proxiesWithoutTLSKeepTheHTTPOnlyLibrary() {
        let beside: Set<String> = ["/opt/th/lib/toolhost/plugins/libcurl-http.so.4"]
        // libcurl takes http_proxy first for an http:// URL, and ignores HTTP_PROXY (upper case).
        #expect(choice(environment: ["http_proxy": "http://proxy:3128", "ALL_PROXY": "https://other"], files: beside).fallBack)
        #expect(choice(environment: ["HTTP_PROXY": "https://proxy:3128"], files: beside).fallBack)
        #expect(choice(environment: ["all_proxy": "socks5h://proxy:1080"], files: beside).fallBack)
        #expect(choice(environment: ["http_proxy": "proxy:3128"], files: beside).fallBack)
        // An empty variable is no proxy: the next one counts.
        #expect(!choice(environment: ["http_proxy": "", "all_proxy": "https://proxy"], files: beside).fallBack)
        // https_proxy concerns https:// URLs only.
        #expect(choice(environment: ["https_proxy": "https://proxy:3128"], files: beside).fallBack)
    }

    @Test func theSettingDecides() {
        let beside: Set<String> = ["/opt/th/lib/toolhost/plugins/libcurl-http.so.4"]
        let system = choice(setting: "system", files: beside)
        #expect(system.file == "libcurl.so.4")
        #expect(system.reason == "VLLM_LIBCURL=system")
        let named = choice(setting: "/usr/lib/x86_64-linux-gnu/libcurl-gnutls.so.4", baseURL: "https://gpu-box")
        #expect(named.file == "/usr/lib/x86_64-linux-gnu/libcurl-gnutls.so.4")
        #expect(!named.fallBack)
    }

    @Test func theSettingIsRead() throws {
        #expect(try VLLMConfiguration(json: Array(#"{"libcurl": " system "}"#.utf8)).libcurl == "system")
        #expect(try VLLMConfiguration(json: Array(#"{"libcurl": ""}"#.utf8)).libcurl == nil)
        #expect(try VLLMConfiguration(json: Array(#"{}"#.utf8)).libcurl == nil)
    }
}
