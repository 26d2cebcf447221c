import Testing
import ToolHostJSON

@Suite struct JSONTests {
    @Test func roundTripKeepsNumbersExactly() throws {
        let text = #"{"big":18446744073709551615,"neg":-9223372036854775808,"pi":3.141592653589793238462643,"e":1E+400,"list":[true,false,null,"x"]}"#
        let value = try JSONParser.parse(text)
        #expect(JSONWriter.string(value) == text)
    }

    @Test func escapesRoundTrip() throws {
        let value = try JSONParser.parse(#""a\"b\\c\/d\b\f\n\r\t\u0001\u00e9\ud83d\ude00""#)
        #expect(value == .string("a\"b\\c/d\u{08}\u{0C}\n\r\t\u{01}é😀"))
        #expect(JSONWriter.string(value) == #""a\"b\\c/d\u0008\u000c\n\r\t\u0001é😀""#)
    }

    @Test(arguments: [
        ("", "unexpected end of input"),
        ("{", "unexpected end of input"),
        (#"{"a" 1}"#, "expected ':'"),
        (#"{"a":1,}"#, "expected a string key"),
        ("[1,]", "unexpected character"),
        ("01", "unexpected data after the JSON value"),
        ("1.", "digits expected after '.'"),
        ("-", "unexpected end of input in a number"),
        ("1e", "digits expected in exponent"),
        ("tru", "unexpected end of input"),
        ("nul!", "invalid literal"),
        ("\"a\u{01}\"", "control character in a string"),
        (#""\x""#, "invalid escape sequence"),
        (#""\ud800""#, "lone surrogate"),
        (#""\udc00x""#, "lone surrogate"),
        (#""abc"#, "unterminated string"),
        ("{} {}", "unexpected data after the JSON value"),
    ])
    func rejectsMalformedText(text: String, reason: String) {
        #expect {
            try JSONParser.parse(text)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }

    @Test func rejectsInvalidUTF8InStrings() {
        let bytes: [UInt8] = [0x22, 0x61, 0xFF, 0x62, 0x22]
        #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
        let overlong: [UInt8] = [0x22, 0xC0, 0xAF, 0x22]
        #expect(throws: JSONParseError.self) { try JSONParser.parse(overlong) }
    }

    @Test func depthIsBoundedWithoutCrashing() throws {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect {
            try JSONParser.parse(deep)
        } throws: { error in
            "\(error)".contains("nesting deeper than 512 levels")
        }
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(throws: Never.self) { try JSONParser.parse(fine) }
    }

    @Test func objectsKeepOrderAndRefuseDuplicates() throws {
        let value = try JSONParser.parse(#"{"b":1,"a":2,"c":3}"#)
        #expect(value["b"] == .int(1))
        #expect(value.objectValue?.keys == ["b", "a", "c"])
        // Two members of one name would let two readers disagree (DuplicateKeyTests).
        #expect(throws: JSONParseError.self) { try JSONParser.parse(#"{"b":1,"a":2,"b":3}"#) }
    }

    @Test func numberClassification() throws {
        #expect(JSONNumber(literal: "2.0").isInteger)
        #expect(!JSONNumber(literal: "2.0").isPlainInteger)
        #expect(JSONNumber(literal: "1e3").int64Value == 1000)
        #expect(!JSONNumber(literal: "2.5").isInteger)
        #expect(JSONNumber(0.1).text == "0.1")
        #expect(JSONNumber(3.0).text == "3")
        #expect(JSONNumber(.infinity).text == "0")
    }

    @Test func prettyOutputIsIndented() {
        let value: JSON = ["a": [1, 2], "b": [:]]
        #expect(JSONWriter.string(value, pretty: true) == "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}")
    }
}
