import NIOCore
import Testing
import ToolHostJSON
import VLLMDouble

@Suite("JSON, tokenizer and scenario parsing")
struct UnitTests {
    @Test("JSON round-trips, keeps member order, and escapes only what it must")
    func json() throws {
        let text = #"{"b":1,"a":[true,false,null,-2.5,1e-05,"\u00e9\ud83d\ude00\n\"\\\/"],"c":{}}"#
        let value = try JSON(parsing: text)
        #expect(value.objectValue?.keys == ["b", "a", "c"])
        #expect(value["a"]?[5] == "é😀\n\"\\/")
        #expect(value["a"]?[3] == -2.5)
        #expect(starlette(value) == #"{"b":1,"a":[true,false,null,-2.5,1e-05,"é😀\n\"\\/"],"c":{}}"#)
        #expect(starlette(.string("\u{01}\u{08}\u{0C}")) == #""\u0001\b\f""#, "as Python's json escapes them")
        for bad in ["", "{", "[1,]", "01", "\"\u{01}\"", "tru", "{\"a\" 1}", "1 2"] {
            #expect(throws: JSONParseError.self) { try JSON(parsing: bad) }
        }
    }

    /// The compact text the double sends (`JSON+Starlette`).
    private func starlette(_ value: JSON) -> String {
        var buffer = ByteBuffer()
        value.write(into: &buffer)
        return String(buffer: buffer)
    }

    @Test(
        "Tokens join back to the text",
        arguments: ["", "Hello, world!", "  lead and trail  ", "ÜnÏcødé 🙂👍🏽", "supercalifragilistic", "a\nb\tc"])
    func tokenizer(_ text: String) {
        let tokens = Tokenizer.tokens(text)
        #expect(tokens.joined() == text)
        #expect(Tokenizer.count(text) == tokens.count)
        #expect(tokens.allSatisfy { !$0.isEmpty })
    }

    @Test("Words split at eight letters, spaces lead")
    func tokenShapes() {
        #expect(Tokenizer.tokens("Hello, world!") == ["Hello", ",", " world", "!"])
        #expect(Tokenizer.tokens("abcdefghij") == ["abcdefgh", "ij"])
        #expect(Tokenizer.id(of: "<s>") == 1)
        #expect(Tokenizer.id(of: "hello") == Tokenizer.id(of: "hello"))
        #expect((100..<150_100).contains(Tokenizer.id(of: "hello")), "ordinary tokens stay clear of the special ids")
        #expect(Tokenizer.id(of: "hello") != Tokenizer.id(of: "world"))
    }

    @Test("Scenario markers are found and removed")
    func extraction() {
        let (scenario, rest) = Scenario.extract(from: "Tell me [[double: latency=5ms]] a joke [[double: cut-after=2]]")
        #expect(scenario == " latency=5ms, cut-after=2")
        #expect(rest == "Tell me  a joke")
        #expect(Scenario.extract(from: "plain").scenario == nil)
    }

    @Test("Directives set behaviour; quotes hold commas; durations take units")
    func directives() throws {
        var behavior = Behavior()
        try Scenario.apply(
            #"latency=1.5s, queue=250, token-delay=500us, reply="a, \"b\"", cut-after=3, dead, reasoning=only, errors=flat, keep-alive=off"#,
            to: &behavior
        )
        #expect(behavior.latency == .milliseconds(1500))
        #expect(behavior.queueWait == .milliseconds(250))
        #expect(behavior.tokenDelay == .microseconds(500))
        #expect(behavior.reply == .fixed(#"a, "b""#))
        #expect(behavior.cutAfterTokens == 3)
        #expect(behavior.engineDead)
        #expect(behavior.reasoning == .only)
        #expect(behavior.errorStyle == .flat)
        #expect(behavior.keepAliveInterval == nil)
        for bad in ["nope=1", "latency=fast", "cut-after=-1", "status=200", "reasoning=maybe", #"reply="open"#] {
            #expect(throws: ScenarioError.self, "\(bad)") { try Scenario.apply(bad, to: &behavior) }
        }
    }
}
