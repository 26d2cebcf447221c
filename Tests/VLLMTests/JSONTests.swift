import Testing
@testable import VLLMCore

@Suite struct JSONTests {
    @Test func readsEveryKindOfValue() throws {
        let value = try JSONValue(parsing: #" {"s":"a\"b\\c\/d\n\t\u00e9\ud83d\ude00","i":-42,"big":18446744073709551616,"d":0.25,"e":1e3,"t":true,"f":false,"n":null,"a":[1,[2,{}],[]]} "#)
        #expect(value["s"] == .string("a\"b\\c/d\n\té😀"))
        #expect(value["i"] == .integer(-42))
        #expect(value["big"] == .number(18446744073709551616))
        #expect(value["d"] == .number(0.25))
        #expect(value["e"] == .number(1000))
        #expect(value["t"] == .bool(true))
        #expect(value["f"] == .bool(false))
        #expect(value["n"] == .null)
        #expect(value["a"] == .array([.integer(1), .array([.integer(2), .object([:])]), .array([])]))
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "\"unterminated", "tru", "01x", "+1", "-", "{\"a\":1} x", "\"\u{01}\"", "nan", "[1 2]"])
    func refusesInvalidText(text: String) {
        #expect(throws: JSONReadError.self) { try JSONValue(parsing: text) }
    }

    @Test func refusesDeepNesting() {
        #expect(throws: JSONReadError.self) { try JSONValue(parsing: String(repeating: "[", count: 600) + String(repeating: "]", count: 600)) }
    }

    @Test func writesCompactSortedAndEscaped() throws {
        let value: JSONValue = .object(["b": .string("x\"y\n\u{1}é/"), "a": .array([.integer(1), .number(0.7), .number(2), .null, .bool(false)])])
        #expect(value.jsonText == #"{"a":[1,0.7,2,null,false],"b":"x\"y\n\u0001é/"}"#)
        #expect(try JSONValue(parsing: value.jsonText) == .object(["b": .string("x\"y\n\u{1}é/"), "a": .array([.integer(1), .number(0.7), .integer(2), .null, .bool(false)])]))
    }

    @Test func aLoneSurrogateBecomesAReplacementCharacter() throws {
        #expect(try JSONValue(parsing: #""\ud800x""#) == .string("\u{FFFD}x"))
    }
}
