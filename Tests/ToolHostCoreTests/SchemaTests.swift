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

    /// A runner keeps its tools' schemas as text (its host checks the arguments); asked anyway,
    /// such a schema gives the verdicts the compiled one gives.
    @Test func aDeferredSchemaChecksLikeTheCompiledOne() throws {
        let json = try JSONParser.parse(Self.chat)
        let deferred = Schema(deferring: json)
        let compiled = try Schema(json, requireObjectRoot: true)
        for value in [#"{}"#, #"{"messages":[{"role":"bot","content":"x"}]}"#, #"{"messages":[],"temperature":2}"#, #"{"messages":[],"max_tokens":0}"#] {
            let parsed = try JSONParser.parse(value)
            #expect(deferred.validate(parsed) == compiled.validate(parsed))
        }
        #expect(deferred.json == compiled.json)
        let broken = Schema(deferring: try JSONParser.parse(#"{"type":"object","properties":{"a":{"$ref":"https://example.com/s"}}}"#))
        #expect(broken.validate(.object([:]))?.message.hasPrefix("the schema cannot be checked") == true)
    }

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
        (#"{"type":"object","properties":{"a":{"$ref":"https://example.com/s"}}}"#, "#/properties/a/$ref: \"https://example.com/s\" is a remote reference"),
        (#"{"type":"object","$ref":"other.json#/a"}"#, "is a remote reference"),
        (#"{"type":"object","$defs":{"a":{"$id":"https://example.com/a"}}}"#, "#/$defs/a/$id: a subschema with its own $id (an embedded resource) is not supported"),
        (##"{"type":"object","$recursiveRef":"#"}"##, "#/$recursiveRef: is draft 2019-09 and not supported"),
        (#"{"type":"object","$schema":"https://example.com/my-meta"}"#, "#/$schema: \"https://example.com/my-meta\" is not a JSON Schema draft's meta-schema"),
        (##"{"type":"object","$ref":"#nowhere"}"##, "names no $anchor or $dynamicAnchor"),
        (##"{"type":"object","$defs":{"a":{"$anchor":"x"},"b":{"$anchor":"x"}}}"##, "the anchor \"x\" is also defined at #/$defs/a"),
        (##"{"type":"object","$defs":{"a":{"$anchor":"1x"}}}"##, "#/$defs/a/$anchor: must be a name"),
        (##"{"type":"object","dependentRequired":{"a":"b"}}"##, "#/dependentRequired/a: must be an array of strings"),
        (##"{"type":"object","properties":{"a":{"multipleOf":0}}}"##, "#/properties/a/multipleOf: must be greater than 0"),
        (##"{"type":"object","properties":{"a":{"minContains":-1}}}"##, "#/properties/a/minContains: must be a non-negative integer"),
        (##"{"type":"object","properties":{"a":{"items":[true],"prefixItems":[true]}}}"##, "cannot stand beside prefixItems"),
        (##"{"type":"object","properties":{"a":{"format":3}}}"##, "#/properties/a/format: must be a string"),
        (#"{"type":"object","properties":{"a":5}}"#, "a schema must be an object or a boolean"),
    ])
    func invalidSchemasAreReportedWithTheirLocation(text: String, reason: String) {
        #expect {
            try schema(text)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }

    @Test(arguments: [
        ##"{"type":"object","properties":{"a":{"$ref":"#/properties/a"}}}"##,
        ##"{"type":"object","$defs":{"a":{"allOf":[{"$ref":"#/$defs/b"}]},"b":{"anyOf":[{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"}"##,
        ##"{"type":"object","anyOf":[true,{"$ref":"#"}]}"##,
    ])
    func referenceLoopsThatNeverReachTheValueAreRefusedAtLoad(text: String) {
        #expect {
            try schema(text)
        } throws: { error in
            "\(error)".contains("without end (a $ref loop)")
        }
    }

    @Test func recursionThroughTheValueIsFine() throws {
        let tree = ##"{"type":"object","properties":{"children":{"type":"array","items":{"$ref":"#"}},"name":{"type":"string"}}}"##
        #expect(try violation(tree, #"{"name":"a","children":[{"name":"b","children":[{"name":3}]}]}"#)
            == #"`children[0].children[0].name` must be a string (got the number 3)"#)
    }

    // MARK: - 2020-12 keywords, one by one

    @Test func refAppliesBesideSiblingKeywords() throws {
        let s = ##"{"$defs":{"name":{"type":"string"}},"$ref":"#/$defs/name","maxLength":3}"##
        #expect(try violation(s, #""abcd""#) == "must have at most 3 characters (got 4)")
        #expect(try violation(s, "1") == "must be a string (got the number 1)")
        #expect(try violation(s, #""abc""#) == nil)
    }

    @Test func anchorsAndDynamicReferencesWithinTheSchema() throws {
        let s = ##"{"$defs":{"n":{"$anchor":"num","type":"number"},"s":{"$dynamicAnchor":"str","type":"string"}},"properties":{"a":{"$ref":"#num"},"b":{"$dynamicRef":"#str"},"c":{"$ref":"#/$defs/n"}}}"##
        #expect(try violation(s, #"{"a":"x"}"#) == #"`a` must be a number (got the string "x")"#)
        #expect(try violation(s, #"{"b":1}"#) == "`b` must be a string (got the number 1)")
        #expect(try violation(s, #"{"c":true}"#) == "`c` must be a number (got true)")
        #expect(try violation(s, #"{"a":1,"b":"x","c":2}"#) == nil)
        // The root's own $id may name the document; a percent-encoded pointer is decoded.
        let withID = ##"{"$id":"https://example.com/tool","$defs":{"a b":{"type":"integer"}},"properties":{"x":{"$ref":"https://example.com/tool#/$defs/a%20b"}}}"##
        #expect(try violation(withID, #"{"x":1.5}"#) == "`x` must be an integer (got the number 1.5)")
    }

    @Test func dependentRequiredAndDependentSchemas() throws {
        let s = #"{"type":"object","dependentRequired":{"card":["expiry"]},"dependentSchemas":{"stream":{"properties":{"n":{"const":1}}}}}"#
        #expect(try violation(s, #"{"card":"1234"}"#) == "`expiry` is required when `card` is present (dependentRequired)")
        #expect(try violation(s, #"{"card":"1234","expiry":"12/30"}"#) == nil)
        #expect(try violation(s, #"{"stream":true,"n":2}"#) == "`n` must be 1 (got the number 2) (dependentSchemas, as `stream` is present)")
        #expect(try violation(s, #"{"n":2}"#) == nil)
    }

    @Test func draft07DependenciesItemsAndDefinitions() throws {
        let s = ##"{"definitions":{"pos":{"type":"integer","minimum":1}},"dependencies":{"a":["b"],"c":{"required":["d"]}},"properties":{"t":{"items":[{"type":"string"},{"$ref":"#/definitions/pos"}],"additionalItems":false}}}"##
        #expect(try violation(s, #"{"a":1}"#) == "`b` is required when `a` is present (dependentRequired)")
        #expect(try violation(s, #"{"c":1}"#)?.hasPrefix("`d` is required") == true)
        #expect(try violation(s, #"{"t":["x",0]}"#) == "`t[1]` must be at least 1 (got 0)")
        #expect(try violation(s, #"{"t":["x",1,2]}"#) == "`t[2]` is not allowed")
        #expect(try violation(s, #"{"t":["x",1]}"#) == nil)
    }

    @Test func ifThenElse() throws {
        let s = #"{"if":{"properties":{"kind":{"const":"file"}},"required":["kind"]},"then":{"required":["path"]},"else":{"required":["url"]}}"#
        #expect(try violation(s, #"{"kind":"file"}"#) == "`path` is required (then, as the if at # matched)")
        #expect(try violation(s, #"{"kind":"web"}"#) == "`url` is required (else, as the if at # did not match)")
        #expect(try violation(s, #"{"kind":"file","path":"/x"}"#) == nil)
        #expect(try violation(#"{"then":false}"#, "1") == nil, "then without if does nothing")
    }

    @Test func propertyNames() throws {
        let s = #"{"propertyNames":{"pattern":"^[a-z_]+$","maxLength":8}}"#
        #expect(try violation(s, #"{"ok_name":1,"Bad":2}"#) == "`Bad` is not an accepted name: it must match the pattern ^[a-z_]+$ (propertyNames)")
        #expect(try violation(s, #"{"much_too_long":1}"#)?.contains("must have at most 8 characters") == true)
        #expect(try violation(s, #"{"fine":1}"#) == nil)
    }

    @Test func containsWithMinAndMax() throws {
        let s = #"{"contains":{"type":"integer"},"minContains":2,"maxContains":3}"#
        #expect(try violation(s, #"["a",1]"#) == #"must contain at least 2 items that match contains (found 1); first: `[0]` must be an integer (got the string "a")"#)
        #expect(try violation(s, "[1,2,3,4]") == "must contain at most 3 items that match contains (found 4)")
        #expect(try violation(s, #"[1,"a",2]"#) == nil)
        #expect(try violation(#"{"contains":{"const":1},"minContains":0}"#, "[]") == nil)
        #expect(try violation(#"{"maxContains":0}"#, "[1]") == nil, "maxContains without contains does nothing")
    }

    @Test func unevaluatedPropertiesSeeThroughInPlaceSubschemas() throws {
        let s = ##"{"$defs":{"base":{"properties":{"id":{"type":"integer"}}}},"$ref":"#/$defs/base","properties":{"name":true},"anyOf":[{"properties":{"x":true}},{"properties":{"y":true}}],"if":{"required":["kind"]},"then":{"properties":{"kind":true}},"unevaluatedProperties":false}"##
        #expect(try violation(s, #"{"id":1,"name":"n","x":1,"y":2,"kind":"k"}"#) == nil)
        #expect(try violation(s, #"{"id":1,"other":1}"#) == "`other` is not an accepted argument (unevaluatedProperties)")
        // A failed branch's properties do not count as evaluated.
        let branch = #"{"anyOf":[{"properties":{"a":{"type":"string"}}},true],"unevaluatedProperties":false}"#
        #expect(try violation(branch, #"{"a":"s"}"#) == nil)
        #expect(try violation(branch, #"{"a":1}"#) == "`a` is not an accepted argument (unevaluatedProperties)")
        // not: its annotations never count.
        #expect(try violation(#"{"not":{"not":{"properties":{"a":true}}},"unevaluatedProperties":false}"#, #"{"a":1}"#)?.contains("unevaluatedProperties") == true)
        #expect(try violation(#"{"unevaluatedProperties":{"type":"integer"}}"#, #"{"a":"x"}"#) == #"`a` must be an integer (got the string "x")"#)
    }

    @Test func unevaluatedItemsAndPrefixItems() throws {
        let s = #"{"prefixItems":[{"type":"string"}],"allOf":[{"prefixItems":[true,{"type":"integer"}]}],"contains":{"type":"boolean"},"unevaluatedItems":false}"#
        #expect(try violation(s, #"["a",1,true]"#) == nil)
        #expect(try violation(s, #"["a",1,true,null]"#) == "`[3]` is not allowed here (unevaluatedItems)")
        #expect(try violation(#"{"items":{"type":"integer"},"unevaluatedItems":false}"#, "[1,2]") == nil)
    }

    @Test func numbersAreExact() throws {
        #expect(try violation(#"{"multipleOf":0.1}"#, "0.3") == nil, "0.3 is a multiple of 0.1 (a double would say 2.9999…)")
        #expect(try violation(#"{"multipleOf":0.01}"#, "19.99") == nil)
        #expect(try violation(#"{"multipleOf":0.01}"#, "19.991") == "must be a multiple of 0.01 (got 19.991)")
        #expect(try violation(#"{"multipleOf":3}"#, "123456789012345678901234567890") == nil)
        #expect(try violation(#"{"multipleOf":7}"#, "123456789012345678901234567891") == "must be a multiple of 7 (got 123456789012345678901234567891)")
        #expect(try violation(#"{"multipleOf":1234567890123456789012345}"#, "2469135780246913578024690") == nil)
        #expect(try violation(#"{"multipleOf":0.0001}"#, "1e400") == nil)
        #expect(try violation(#"{"type":"integer"}"#, "1e400") == nil)
        #expect(try violation(#"{"type":"integer"}"#, "1.000000000000000000001") == "must be an integer (got the number 1.000000000000000000001)")
        #expect(try violation(#"{"maximum":0.30000000000000000001}"#, "0.3") == nil)
        #expect(try violation(#"{"exclusiveMaximum":0.3}"#, "0.30000000000000000001") != nil)
        #expect(try violation(#"{"const":100}"#, "1e2") == nil)
        #expect(try violation(#"{"enum":[18446744073709551617]}"#, "18446744073709551616") != nil)
        #expect(try violation(#"{"uniqueItems":true}"#, "[0.5, 5e-1]") == "`[1]` repeats item 0; items must be unique")
    }

    @Test func annotationsAreNotChecked() throws {
        let s = #"{"type":"object","title":"T","description":"d","examples":[1],"x-vendor":{"type":"number"},"default":5,"deprecated":true,"readOnly":true,"$comment":"c","contentMediaType":"text/plain","properties":{"when":{"type":"string","format":"date-time"}}}"#
        #expect(try violation(s, #"{"when":"not a date"}"#) == nil)
    }
}
