import Testing
@testable import VLLMCore

@Suite struct ConfigurationTests {
    private func configuration(_ json: String) throws(ConfigurationError) -> VLLMConfiguration {
        try VLLMConfiguration(json: Array(json.utf8))
    }

    @Test func defaultsMatchThePythonServer() throws {
        let c = try configuration("{}")
        #expect(c.baseURL == "http://localhost:8000")
        #expect(c.apiKey == nil)
        #expect(c.model == nil)
        #expect(c.defaultTemperature == 0.7)
        #expect(c.defaultMaxTokens == 1024)
        #expect(c.timeout == 60)
        #expect(c.stream == .auto)
    }

    @Test func environmentStringsAreRead() throws {
        let c = try configuration(#"{"base_url":"http://gpu-box:8001/","api_key":"k-123","model":"m","default_temperature":"0","default_max_tokens":"64","default_timeout":"2.5","stream":"ALWAYS"}"#)
        #expect(c.baseURL == "http://gpu-box:8001")
        #expect(c.apiKey == "k-123")
        #expect(c.model == "m")
        #expect(c.defaultTemperature == 0)
        #expect(c.defaultMaxTokens == 64)
        #expect(c.timeout == 2.5)
        #expect(c.stream == .always)
    }

    @Test func fileValuesMayBeNumbers() throws {
        let c = try configuration(#"{"default_temperature":0.2,"default_max_tokens":99,"default_timeout":0}"#)
        #expect(c.defaultTemperature == 0.2)
        #expect(c.defaultMaxTokens == 99)
        #expect(c.timeout == nil, "0 means no limit")
    }

    @Test func aTrailingV1IsDroppedWithANote() throws {
        let c = try configuration(#"{"base_url":"http://h:8000/v1/"}"#)
        #expect(c.baseURL == "http://h:8000")
        #expect(c.notes.count == 1)
    }

    @Test func emptyStringsMeanUnset() throws {
        let c = try configuration(#"{"api_key":"","model":"","default_timeout":""}"#)
        #expect(c.apiKey == nil)
        #expect(c.model == nil)
        #expect(c.timeout == 60)
    }

    @Test(arguments: [
        (#"{"default_max_tokens":"many"}"#, "default_max_tokens"),
        (#"{"default_max_tokens":"1.5"}"#, "default_max_tokens"),
        (#"{"default_temperature":"-1"}"#, "default_temperature"),
        (#"{"default_temperature":"2.5"}"#, "default_temperature"),
        (#"{"default_timeout":"soon"}"#, "default_timeout"),
        (#"{"base_url":"gpu-box:8000"}"#, "base_url"),
        (#"{"base_url":"http://gpu box:8000"}"#, "base_url"),
        (#"{"stream":"sometimes"}"#, "stream"),
    ])
    func badValuesNameTheSetting(json: String, key: String) throws {
        do {
            _ = try configuration(json)
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.message.contains(key))
            #expect(error.message.contains("VLLM_\(key.uppercased())"))
        }
    }

    @Test func aBadAPIKeyIsNeverEchoed() throws {
        do {
            _ = try configuration(#"{"api_key":12345678}"#)
            Issue.record("accepted a number as the key")
        } catch {
            #expect(!error.message.contains("12345678"))
        }
    }

    @Test func unknownKeysAreIgnoredAndListed() throws {
        // vLLM's own variables (VLLM_TARGET_DEVICE, VLLM_USE_V1) when both share an environment.
        let c = try configuration(#"{"target_device":"cpu","use_v1":"1"}"#)
        #expect(c.ignoredKeys == ["target_device", "use_v1"])
    }

    @Test func credentialsInTheURLAreNeverShown() throws {
        let c = try configuration(#"{"base_url":"https://user:pa55w0rd@gpu-box:8000"}"#)
        #expect(c.baseURL == "https://user:pa55w0rd@gpu-box:8000")
        #expect(c.displayBaseURL == "https://gpu-box:8000")
        #expect(Redaction.url("http://h:1/a@b") == "http://h:1/a@b")
    }
}
