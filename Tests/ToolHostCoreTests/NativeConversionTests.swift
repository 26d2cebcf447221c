import Synchronization
import Testing
@testable import ToolHostCore

private let int8Calls = Atomic<Int>(0)
private let identityInt8: @convention(c) (Int8) -> Int8 = { v in
    int8Calls.add(1, ordering: .sequentiallyConsistent)
    return v
}
private let uint64Calls = Atomic<Int>(0)
private let identityUInt64: @convention(c) (UInt64) -> UInt64 = { v in
    uint64Calls.add(1, ordering: .sequentiallyConsistent)
    return v
}

/// The host's own conversion, behind the schema check: exact for every width, and the last
/// line of defence (these tests call it without any schema in front).
@Suite struct NativeConversionTests {
    @Test(arguments: [
        ("0", NativeConversion.ExactInteger.integer(0)),
        ("-0", .integer(0)),
        ("127", .integer(127)),
        ("1e2", .integer(100)),
        ("1.0", .integer(1)),
        ("2.50e1", .integer(25)),
        ("25e-1", .notInteger),
        ("0.5", .notInteger),
        ("1e-400", .notInteger),
        ("0e999999999999", .integer(0)),
        ("1e999999999999", .tooLarge(negative: false)),
        ("-1e999999999999", .tooLarge(negative: true)),
        ("18446744073709551615", .integer(18_446_744_073_709_551_615)),
        ("9223372036854775808", .integer(9_223_372_036_854_775_808)),
        ("-9223372036854775809", .integer(-9_223_372_036_854_775_809)),
        ("1234567890123456789012345678901234567890123", .tooLarge(negative: false)),
        ("9007199254740993", .integer(9_007_199_254_740_993)),
        ("9.007199254740993e15", .integer(9_007_199_254_740_993)),
    ])
    func exactIntegers(text: String, expected: NativeConversion.ExactInteger) {
        #expect(NativeConversion.exactInteger(text) == expected)
    }

    func parameter(_ type: NativeType, _ extra: (inout NativeParameter) -> Void = { _ in }) -> NativeParameter {
        var p = NativeParameter(name: "v", type: type, cName: type.cName, location: "test")
        extra(&p)
        return p
    }

    func convert(_ json: String, _ p: NativeParameter) throws -> Result<NativeValue, NativeConversionFailure> {
        NativeConversion.convert(try JSONParser.parse(json), for: p)
    }

    @Test func integerWidthsAtTheirEdges() throws {
        let cases: [(NativeType, String, String)] = [
            (.int8, "-128", "127"), (.int16, "-32768", "32767"), (.int32, "-2147483648", "2147483647"),
            (.int64, "-9223372036854775808", "9223372036854775807"),
            (.uint8, "0", "255"), (.uint16, "0", "65535"), (.uint32, "0", "4294967295"), (.uint64, "0", "18446744073709551615"),
        ]
        for (type, low, high) in cases {
            #expect(try convert(low, parameter(type)).get() == .integer(Int128(low)!))
            #expect(try convert(high, parameter(type)).get() == .integer(Int128(high)!))
            let below = String(Int128(low)! - 1), above = String(Int128(high)! + 1)
            guard case .failure(let f1) = try convert(below, parameter(type)), case .failure(let f2) = try convert(above, parameter(type)) else {
                Issue.record("\(type): \(below) or \(above) accepted")
                continue
            }
            #expect(f1.reason == "must be at least \(low) (got \(below))")
            #expect(f2.reason == "must be at most \(high) (got \(above))")
        }
    }

    @Test func wideIntegersAlsoTakeDecimalStrings() throws {
        #expect(try convert(#""18446744073709551615""#, parameter(.uint64)).get() == .integer(18_446_744_073_709_551_615))
        #expect(try convert(#""-9223372036854775808""#, parameter(.int64)).get() == .integer(-9_223_372_036_854_775_808))
        for bad in [#""""#, #""-""#, #""+1""#, #"" 1""#, #""1.0""#, #""0x10""#] {
            #expect(throws: NativeConversionFailure.self, "\(bad)") { try convert(bad, parameter(.int64)).get() }
        }
        #expect(throws: NativeConversionFailure.self) { try convert(#""-1""#, parameter(.uint64)).get() }
        #expect(throws: NativeConversionFailure.self) { try convert(#""99999999999999999999999999999999999999999999""#, parameter(.uint64)).get() }
        #expect(throws: NativeConversionFailure.self, "narrow integers take numbers only") { try convert(#""1""#, parameter(.int32)).get() }
    }

    @Test func floatsDoublesBoolsAndStrings() throws {
        #expect(try convert("0.1", parameter(.float)).get() == .float(0.1))
        #expect(try convert("3.4028234663852886e38", parameter(.float)).get() == .float(.greatestFiniteMagnitude))
        #expect(throws: NativeConversionFailure.self) { try convert("3.5e38", parameter(.float)).get() }
        #expect(throws: NativeConversionFailure.self) { try convert("1e309", parameter(.double)).get() }
        #expect(try convert("5e-324", parameter(.double)).get() == .double(.leastNonzeroMagnitude))
        #expect(throws: NativeConversionFailure.self) { try convert("1", parameter(.bool)).get() }
        #expect(try convert("true", parameter(.bool)).get() == .bool(true))
        #expect(try convert(#""é""#, parameter(.string)).get() == .bytes([0xC3, 0xA9]))
        #expect(throws: NativeConversionFailure.self) { try convert(#""a\u0000b""#, parameter(.string)).get() }
        #expect(try convert(#""AAEC/w==""#, parameter(.bytes) { $0.base64 = true }).get() == .bytes([0, 1, 2, 255]))
        #expect(try convert(#""AAEC/w==""#, parameter(.bytes)).get() == .bytes(Array("AAEC/w==".utf8)))
        #expect(throws: NativeConversionFailure.self) { try convert(#""A===""#, parameter(.bytes) { $0.base64 = true }).get() }
    }

    @Test func boundsAndEnumsAreEnforcedToo() throws {
        let percent = parameter(.uint8) { $0.minimum = 10; $0.maximum = 100 }
        #expect(try convert("100", percent).get() == .integer(100))
        #expect(throws: NativeConversionFailure.self) { try convert("9", percent).get() }
        #expect(throws: NativeConversionFailure.self) { try convert("101", percent).get() }
        let choice = parameter(.double) { $0.enumValues = [0.5, 1] }
        #expect(try convert("1.0", choice).get() == .double(1))
        #expect(throws: NativeConversionFailure.self) { try convert("2", choice).get() }
    }

    func spec(_ address: UnsafeRawPointer, _ type: NativeType) -> NativeFunctionSpec {
        NativeFunctionSpec(
            toolName: "id", symbol: "id", address: address, parameters: [parameter(type)], returnType: type,
            returnCName: type.cName, errors: .none, serial: false, location: "test")
    }

    /// Called directly, with no schema in front: a value out of range never reaches C.
    @Test func outOfRangeValuesNeverReachTheFunctionWithoutASchemaInFront() throws {
        let int8 = try NativeFunction(spec(unsafeBitCast(identityInt8, to: UnsafeRawPointer.self), .int8))
        let before = int8Calls.load(ordering: .sequentiallyConsistent)
        for bad in ["128", "-129", "1.5", #""1""#, "true", "null", "1e3"] {
            let outcome = int8.call(try JSONParser.parse(#"{"v":\#(bad)}"#))
            guard case .invalidArguments(let reason) = outcome else {
                Issue.record("\(bad) was passed: \(outcome)")
                continue
            }
            #expect(reason.hasPrefix("`v`"))
        }
        #expect(int8.call(try JSONParser.parse("{}")) == .invalidArguments("`v` is required"))
        #expect(int8.call(try JSONParser.parse(#"{"v":1,"w":2}"#)) == .invalidArguments("`w` is not an accepted argument (accepted: v)"))
        #expect(int8Calls.load(ordering: .sequentiallyConsistent) == before, "the function was never called")
        #expect(int8.call(try JSONParser.parse(#"{"v":-128}"#)) == .success(text: "-128", structured: ["result": -128]))
        #expect(int8Calls.load(ordering: .sequentiallyConsistent) == before + 1)

        let u64 = try NativeFunction(spec(unsafeBitCast(identityUInt64, to: UnsafeRawPointer.self), .uint64))
        #expect(u64.call(try JSONParser.parse(#"{"v":"18446744073709551615"}"#))
            == .success(text: "18446744073709551615", structured: .object(["result": .number(JSONNumber(UInt64.max))])))
        #expect(uint64Calls.load(ordering: .sequentiallyConsistent) == 1)
    }

    @Test func derivedSchemaOfEachType() throws {
        let i64 = NativeType.int64.inputSchema
        #expect(i64["minimum"] == .number(JSONNumber(Int64.min)))
        #expect(i64["maximum"] == .number(JSONNumber(Int64.max)))
        #expect(i64["type"] == ["integer", "string"])
        #expect(NativeType.uint8.inputSchema["maximum"] == 255)
        #expect(NativeType.uint8.inputSchema["type"] == "integer")
        #expect(NativeType.double.inputSchema["type"] == "number")
        #expect(NativeType.bool.inputSchema["type"] == "boolean")
        #expect(NativeType.string.inputSchema["type"] == "string")
        // The host's validator agrees with the conversion at the edges of a 64-bit range.
        let schema = try Schema(.object(["type": "object", "properties": ["v": .object(NativeType.uint64.inputSchema)]]), requireObjectRoot: true)
        #expect(schema.validate(try JSONParser.parse(#"{"v":18446744073709551615}"#)) == nil)
        #expect(schema.validate(try JSONParser.parse(#"{"v":18446744073709551616}"#)) != nil)
        #expect(schema.validate(try JSONParser.parse(#"{"v":"18446744073709551616"}"#)) == nil, "the string's range is the conversion's job")
    }

    @Test func manifestTypeNamesFollowTheCPlatform() {
        #expect(NativeType.named("int") == .int32)
        #expect(NativeType.named("unsigned  long") == (MemoryLayout<CUnsignedLong>.size == 8 ? .uint64 : .uint32))
        #expect(NativeType.named("size_t") == NativeType.size)
        #expect(NativeType.named("const char *") == .string)
        #expect(NativeType.named("long double") == nil)
        #expect(NativeType.named("struct tm") == nil)
    }
}
