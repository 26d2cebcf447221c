import Testing
import ToolHostJSON

/// The conveniences the vLLM plugin and its test double use (parsing and writing themselves:
/// JSONTests).
@Suite struct AdditionsTests {
    @Test func invalidUnicodeIsRejectedByDefault() {
        #expect(throws: JSONParseError.self) { try JSON(parsing: #""\ud800x""#) }
        #expect(throws: JSONParseError.self) { try JSON(parsing: [0x22, 0xFF, 0x22]) }
    }

    @Test(arguments: [
        (#""\ud800x""#, "\u{FFFD}x"),  // a high half, then no escape
        (#""\udc00""#, "\u{FFFD}"),  // a low half alone
        (#""\ud800\u0041""#, "\u{FFFD}A"),  // a high half, then an escape that is no low half
        (#""a\ud83d\ude00b""#, "a😀b"),  // a pair stays a pair
    ])
    func loneSurrogatesCanBeReplaced(text: String, expected: String) throws {
        #expect(try JSON(parsing: text, invalidUnicode: .replace) == .string(expected))
    }

    @Test func invalidUTF8CanBeReplaced() throws {
        let fast: [UInt8] = [0x22, 0x61, 0xFF, 0x62, 0x22]  // no escapes
        let slow: [UInt8] = [0x22, 0x5C, 0x6E, 0xC3, 0x22]  // an escape, then a cut sequence
        #expect(try JSON(parsing: fast, invalidUnicode: .replace) == .string("a\u{FFFD}b"))
        #expect(try JSON(parsing: slow, invalidUnicode: .replace) == .string("\n\u{FFFD}"))
        // Everything but Unicode stays strict.
        #expect(throws: JSONParseError.self) { try JSON(parsing: "01", invalidUnicode: .replace) }
    }

    @Test func parsesAnyCollectionOfBytes() throws {
        let text = #"{"a":[1,2.5,"x"]}"#
        let contiguous = try JSON(parsing: Array(text.utf8)[...])
        let scattered = try JSON(parsing: text.utf8.lazy.map { $0 })
        #expect(contiguous == scattered)
        #expect(contiguous["a"]?[2] == "x")
    }

    @Test func pythonEscapesShortenBackspaceAndFormFeed() {
        let value: JSON = .string("\u{08}\u{0C}\u{01}\n\"")
        var python = JSONWriter(escapes: .python)
        python.write(value)
        #expect(String(decoding: python.bytes, as: UTF8.self) == #""\b\f\u0001\n\"""#)
        #expect(value.jsonText == #""\u0008\u000c\u0001\n\"""#, "the default is unchanged")
    }

    @Test func finiteNumbersOrNull() {
        #expect(JSON.finite(0.5) == .double(0.5))
        #expect(JSON.finite(2) == .int(2))
        #expect(JSON.finite(.nan) == .null)
        #expect(JSON.finite(-.infinity) == .null)
    }

    @Test func optionalsAreNullWhenUnset() {
        #expect(JSON.optional(nil as String?) == .null)
        #expect(JSON.optional("x") == .string("x"))
        #expect(JSON.optional(nil as Int?) == .null)
        #expect(JSON.optional(3 as Int?) == .int(3))
    }

    @Test func arrayElementsByIndex() {
        let value: JSON = [1, "two", [3]]
        #expect(value[1] == "two")
        #expect(value[2]?[0] == 3)
        #expect(value[3] == nil)
        #expect(value[-1] == nil)
        #expect(JSON.object(["a": 1])[0] == nil)
    }
}
