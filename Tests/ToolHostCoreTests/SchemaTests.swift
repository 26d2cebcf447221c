import Testing
@testable import ToolHostCore

@Suite struct SchemaTests {
    func schema(_ text: String, object: Bool = true) throws -> Schema {
        try Schema(try JSONParser.parse(text), requireObjectRoot: object)
    }

    func violation(_ schemaText: String, _ valueText: String) throws -> String? {
        try schema(schemaText, object: false).validate(try JSONParser.parse(valueText))?.description
    }

    static let chat = #"""
    {"type":"object","properties":{
      "messages":{"type":"array","items":{"type":"object","properties":{
        "role":{"type":"string","enum":["system","user","assistant"]},"content":{"type":"string"}},
        "required":["role","content"]}},
      "temperature":{"type":"number","minimum":0,"maximum":2},
      "max_tokens":{"type":"integer","exclusiveMinimum":0}},
     "required":["messages"]}
    """#

    @Test func namesTheFieldThatIsWrong() throws {
        #expect(try violation(Self.chat, #"{}"#) == "`messages` is required")
        #expect(try violation(Self.chat, #"{"messages":[{"role":"bot","content":"x"}]}"#)
            == #"`messages[0].role` must be one of "system", "user", "assistant" (got the string "bot")"#)
        #expect(try violation(Self.chat, #"{"messages":[{"role":"user"}]}"#) == "`messages[0].content` is required")
        #expect(try violation(Self.chat, #"{"messages":[],"temperature":"hot"}"#) == #"`temperature` must be a number (got the string "hot")"#)
        #expect(try violation(Self.chat, #"{"messages":[],"temperature":2.5}"#) == "`temperature` must be at most 2 (got 2.5)")
        #expect(try violation(Self.chat, #"{"messages":[],"max_tokens":0}"#) == "`max_tokens` must be greater than 0 (got 0)")
        #expect(try violation(Self.chat, #"{"messages":[],"max_tokens":1.5}"#) == "`max_tokens` must be an integer (got the number 1.5)")
        #expect(try violation(Self.chat, #"{"messages":[{"role":"user","content":"hi"}],"temperature":0}"#) == nil)
        #expect(try violation(Self.chat, #"{"messages":[],"max_tokens":2.0}"#) == nil, "2.0 is an integer")
    }

    @Test func integerBoundsAreExactBeyondDoublePrecision() throws {
        let int64 = #"{"type":"integer","minimum":-9223372036854775808,"maximum":9223372036854775807}"#
        #expect(try violation(int64, "9223372036854775807") == nil)
        #expect(try violation(int64, "9223372036854775808") != nil)
        #expect(try violation(int64, "-9223372036854775809") != nil)
        let uint64 = #"{"type":"integer","minimum":0,"maximum":18446744073709551615}"#
        #expect(try violation(uint64, "18446744073709551615") == nil)
        #expect(try violation(uint64, "18446744073709551616") != nil)
        #expect(try violation(uint64, "-0") == nil)
    }

    @Test func combinatorsAndReferences() throws {
        let s = ##"{"$defs":{"node":{"type":"object","properties":{"next":{"$ref":"#/$defs/node"},"v":{"type":"integer"}}}},"$ref":"#/$defs/node"}"##
        #expect(try violation(s, #"{"v":1,"next":{"v":2,"next":{"v":3}}}"#) == nil)
        #expect(try violation(s, #"{"v":1,"next":{"v":"x"}}"#) == #"`next.v` must be an integer (got the string "x")"#)
        #expect(try violation(#"{"anyOf":[{"type":"string"},{"type":"integer"}]}"#, "true")?.contains("matches none of the allowed forms") == true)
        #expect(try violation(#"{"oneOf":[{"type":"integer"},{"type":"number"}]}"#, "1")?.contains("more than one") == true)
        #expect(try violation(#"{"not":{"type":"null"}}"#, "null") != nil)
        #expect(try violation(#"{"allOf":[{"minLength":2},{"maxLength":3}]}"#, #""abcd""#) == "must have at most 3 characters (got 4)")
        #expect(try violation(#"{"type":"array","uniqueItems":true}"#, "[1,2,1.0]") == "`[2]` repeats item 0; items must be unique")
        #expect(try violation(#"{"type":"string","pattern":"^[a-z]+$"}"#, #""abc""#) == nil)
        #expect(try violation(#"{"type":"string","pattern":"^[a-z]+$"}"#, #""ab1""#) == "must match the pattern ^[a-z]+$")
        #expect(try violation(#"{"prefixItems":[{"type":"string"}],"items":{"type":"integer"}}"#, #"["a",1,"b"]"#) == #"`[2]` must be an integer (got the string "b")"#)
        #expect(try violation(#"{"patternProperties":{"^x_":{"type":"integer"}},"additionalProperties":false}"#, #"{"x_a":1,"y":2}"#)?.contains("`y` is not an accepted argument") == true)
        #expect(try violation(#"{"const":{"a":[1]}}"#, #"{"a":[1.0]}"#) == nil)
        #expect(try violation("false", "1") == "is not allowed")
    }

    @Test(arguments: [
        (#"{"type":"array"}"#, "the root must be"),
        (##"{"type":"object","properties":[]}"##, "#/properties: must be an object"),
        (##"{"type":"object","required":"a"}"##, "#/required: must be an array of strings"),
        (##"{"type":"object","properties":{"a":{"type":"text"}}}"##, "#/properties/a/type: unknown type \"text\""),
        (##"{"type":"object","properties":{"a":{"minimum":"0"}}}"##, "#/properties/a/minimum: must be a number"),
        (#"{"type":"object","properties":{"a":{"pattern":"("}}}"#, "invalid regular expression"),
        (##"{"type":"object","properties":{"a":{"$ref":"#/$defs/missing"}}}"##, "points nowhere"),
        (#"{"type":"object","properties":{"a":{"$ref":"https://example.com/s"}}}"#, "only local references"),
        (#"{"type":"object","properties":{"a":5}}"#, "a schema must be an object or a boolean"),
    ])
    func invalidSchemasAreReportedWithTheirLocation(text: String, reason: String) {
        #expect {
            try schema(text)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }

    @Test func selfReferenceDoesNotLoopForever() throws {
        let loop = try schema(##"{"type":"object","properties":{"a":{"$ref":"#/properties/a"}}}"##)
        #expect(loop.validate(try JSONParser.parse(#"{"a":1}"#))?.description.contains("refers to itself") == true)
    }
}
