import Testing
@testable import ToolHostCore

@Suite struct FramingTests {
    /// Feeds `chunks` and returns the events as strings ("line:…" / "oversized:N").
    func events(_ chunks: [String], max: Int = 16) -> [String] {
        var framer = LineFramer(maxLineBytes: max)
        var out: [String] = []
        let record: (LineFramer.Event) -> Void = { event in
            switch event {
            case .line(let bytes): out.append("line:" + String(decoding: bytes, as: UTF8.self))
            case .oversized(let n): out.append("oversized:\(n)")
            }
        }
        for chunk in chunks {
            Array(chunk.utf8).withUnsafeBufferPointer { framer.feed($0, record) }
        }
        framer.finish(record)
        return out
    }

    @Test func splitsLinesAcrossChunks() {
        #expect(events(["ab", "c\nde", "f\n"]) == ["line:abc", "line:def"])
    }

    @Test func stripsCarriageReturns() {
        #expect(events(["a\r\nb\r", "\n"]) == ["line:a", "line:b"])
    }

    @Test func unterminatedLastLineStillCounts() {
        #expect(events(["abc\nlast"]) == ["line:abc", "line:last"])
    }

    @Test func oversizedLinesAreSkippedAndReportedOnce() {
        #expect(events(["0123456789abcdefXYZ\nok\n"]) == ["oversized:19", "line:ok"])
        #expect(events(["0123456789", "abcdefXYZ", "more", "\nok\n"]) == ["oversized:23", "line:ok"])
        #expect(events(["0123456789", "abcdefXYZ"]) == ["oversized:19"])
    }

    @Test func emptyLinesArePassedThrough() {
        #expect(events(["\n\n"]) == ["line:", "line:"])
    }
}

@Suite struct ConfigurationTests {
    @Test func environmentOverridesTheFileKeyByKey() {
        var configuration = HostConfiguration()
        configuration.pluginSettings = ["vllm": ["base_url": "http://file:8000", "model": "from-file"], "other": ["x": 1]]
        configuration.environment = ["VLLM_BASE_URL": "http://env:9000", "VLLM_API_KEY": "secret", "VLLMX": "ignored", "VLLM_": "ignored", "PATH": "/bin"]
        let settings = configuration.settings(forPlugin: "vllm")
        #expect(settings["base_url"] == "http://env:9000")
        #expect(settings["model"] == "from-file")
        #expect(settings["api_key"] == "secret")
        #expect(settings.objectValue?.count == 3)
        #expect(configuration.settings(forPlugin: "my-plugin") == .object([:]))
    }

    @Test func dashesInIdsBecomeUnderscores() {
        var configuration = HostConfiguration()
        configuration.environment = ["MY_PLUGIN_TOKEN": "t"]
        #expect(configuration.settings(forPlugin: "my-plugin")["token"] == "t")
    }

    @Test func toolNamesFollowMCP() {
        #expect(ToolReader.isValidName("vllm_chat"))
        #expect(ToolReader.isValidName("a.b-c_D9"))
        #expect(!ToolReader.isValidName(""))
        #expect(!ToolReader.isValidName("has space"))
        #expect(!ToolReader.isValidName(String(repeating: "x", count: 129)))
        #expect(!ToolReader.isValidName("ünïcode"))
    }
}
