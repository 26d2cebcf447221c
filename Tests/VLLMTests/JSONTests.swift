import Testing
import ToolHostJSON
@testable import VLLMCore

/// What the plugin relies on from ToolHostJSON when it reads a server's answers (which it
/// parses with `invalidUnicode: .replace`) and writes request bodies and results.
@Suite struct JSONTests {
    @Test func readsEveryKindOfValue() throws {
        let value = try JSON(parsing: #" {"s":"a\"b\\c\/d\n\t\u00e9\ud83d\ude00","i":-42,"big":18446744073709551616,"d":0.25,"e":1e3,"t":true,"f":false,"n":null,"a":[1,[2,{}],[]]} "#, invalidUnicode: .replace)
        #expect(value["s"] == .string("a\"b\\c/d\n\té😀"))
        #expect(value["i"] == .integer(-42))
        #expect(value["i"]?.intValue == -42)
        #expect(value["big"]?.doubleValue == 18446744073709551616)
        #expect(value["big"]?.intValue == nil)
        #expect(value["d"]?.doubleValue == 0.25)
        #expect(value["d"]?.intValue == nil)
        #expect(value["e"]?.doubleValue == 1000)
        #expect(value["e"]?.intValue == 1000)
        #expect(value["t"] == .bool(true))
        #expect(value["f"] == .bool(false))
        #expect(value["n"] == .null)
        #expect(value["a"] == .array([.integer(1), .array([.integer(2), .object([:])]), .array([])]))
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "\"unterminated", "tru", "01x", "+1", "-", "{\"a\":1} x", "\"\u{01}\"", "nan", "[1 2]"])
    func refusesInvalidText(text: String) {
        #expect(throws: JSONParseError.self) { try JSON(parsing: text, invalidUnicode: .replace) }
    }

    @Test func refusesDeepNesting() {
        #expect(throws: JSONParseError.self) { try JSON(parsing: String(repeating: "[", count: 600) + String(repeating: "]", count: 600)) }
    }

    /// Members in the order they were set (no longer sorted: the order is kept).
    @Test func writesCompactInOrderAndEscaped() throws {
        let value: JSON = .object(["b": .string("x\"y\n\u{1}é/"), "a": .array([.integer(1), .finite(0.7), .finite(2), .null, .bool(false)])])
        #expect(value.jsonText == #"{"b":"x\"y\n\u0001é/","a":[1,0.7,2,null,false]}"#)
        #expect(try JSON(parsing: value.jsonText) == .object(["b": .string("x\"y\n\u{1}é/"), "a": .array([.integer(1), .double(0.7), .integer(2), .null, .bool(false)])]))
    }

    @Test func aLoneSurrogateBecomesAReplacementCharacter() throws {
        #expect(try JSON(parsing: #""\ud800x""#, invalidUnicode: .replace) == .string("\u{FFFD}x"))
    }

    /// A chunk with a lone surrogate or a broken UTF-8 sequence still counts; the bad part reads
    /// as U+FFFD.
    @Test func aStreamChunkWithInvalidUnicodeIsRead() throws {
        let errors = ErrorMapper(configuration: VLLMConfiguration())
        var accumulator = StreamAccumulator(requestedModel: "m")
        _ = try accumulator.apply(Array(#"{"choices":[{"delta":{"content":"a\udc00"}}]}"#.utf8), errors: errors)
        _ = try accumulator.apply(Array(#"{"choices":[{"delta":{"content":"b"#.utf8) + [0xE2, 0x82] + Array(#""}}]}"#.utf8), errors: errors)
        #expect(accumulator.generation.content == "a\u{FFFD}b\u{FFFD}")
    }

    @Test func nonFiniteNumbersAreWrittenAsNull() {
        var metrics = ServerMetrics(family: "vllm")
        metrics.kvCacheUsage = .nan
        metrics.requestsRunning = 2
        #expect(metrics.json["kv_cache_usage"] == .null)
        #expect(metrics.json["requests_running"] == 2)
    }
}
