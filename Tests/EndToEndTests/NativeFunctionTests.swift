import Foundation
import TestSupport
import Testing

/// Typed C functions (include/toolhost.h, "th.native_functions.v1") through the real binary:
/// every type at its bounds, 64-bit precision, strings and their ownership, error conventions,
/// out-parameters, buffers, and arguments that must never reach the function.
@Suite struct NativeFunctionTests {
    static let fixture = "Tests/Fixtures/plugins/native_fixture.c"

    static func fixtureLibrary(defines: [String] = []) throws -> String {
        let dir = try PluginBuilder.temporaryDirectory("native")
        return try PluginBuilder.build(fixture, name: "nativefix", into: dir, defines: defines)
    }

    func connected(version: String = "2025-11-25") throws -> MCPTestClient {
        let client = try MCPTestClient.start(plugins: [try Self.fixtureLibrary()])
        try client.initialize(version: version)
        return client
    }

    /// The result's text, failing the test when it is a tool error.
    func value(_ client: MCPTestClient, _ tool: String, _ arguments: JSONDict) throws -> String {
        let result = try client.callTool(tool, arguments)
        #expect(result["isError"] == nil, "\(tool) \(arguments): \(MCPTestClient.text(of: result))")
        return MCPTestClient.text(of: result)
    }

    func calls(_ client: MCPTestClient) throws -> Int {
        Int(try value(client, "fixture_calls", [:]))!
    }

    // MARK: Types at their bounds

    /// (tool, argument as sent, text the function's return must come back as)
    static var bounds: [(String, Any, String)] { [
        ("id_bool", true, "true"), ("id_bool", false, "false"),
        ("id_i8", -128, "-128"), ("id_i8", 127, "127"), ("id_i8", 0, "0"),
        ("id_i16", -32768, "-32768"), ("id_i16", 32767, "32767"),
        ("id_i32", -2147483648, "-2147483648"), ("id_i32", 2147483647, "2147483647"),
        ("id_i64", Int64.min, "-9223372036854775808"), ("id_i64", Int64.max, "9223372036854775807"),
        ("id_i64", "-9223372036854775808", "-9223372036854775808"), ("id_i64", "9223372036854775807", "9223372036854775807"),
        ("id_u8", 0, "0"), ("id_u8", 255, "255"),
        ("id_u16", 0, "0"), ("id_u16", 65535, "65535"),
        ("id_u32", 0, "0"), ("id_u32", 4294967295, "4294967295"),
        ("id_u64", 0, "0"), ("id_u64", UInt64.max, "18446744073709551615"), ("id_u64", "18446744073709551615", "18446744073709551615"),
        ("id_size", 0, "0"), ("id_size", "18446744073709551615", "18446744073709551615"),
        ("id_f32", 0.1, "0.1"), ("id_f32", -3.4028234663852886e38, "-3.4028235e+38"), ("id_f32", 1.0e-45, "1e-45"),
        ("id_f64", 0.1, "0.1"), ("id_f64", 1.7976931348623157e308, "1.7976931348623157e+308"), ("id_f64", Double.leastNonzeroMagnitude, "5e-324"),
        ("id_f64", -0.0, "-0"),
        ("id_string", "héllo \"wörld\" ✓ 🎉", "héllo \"wörld\" ✓ 🎉"), ("id_string", "", ""),
        // Narrow returns computed in C: libffi widens them into an ffi_arg, the host narrows.
        ("neg_i8", 127, "-128"), ("neg_i8", -128, "127"), ("neg_i8", 0, "-1"),
        ("not_u16", 0, "65535"), ("not_u16", 65535, "0"),
    ] }

    @Test func everyTypeRoundTripsAtItsBounds() throws {
        let client = try connected()
        for (tool, argument, expected) in Self.bounds {
            #expect(try value(client, tool, ["v": argument]) == expected, "\(tool)(\(argument))")
        }
        #expect(try calls(client) == Self.bounds.count)
    }

    @Test func manyArgumentsOfMixedWidthsArriveInOrder() throws {
        let client = try connected()
        let text = try value(client, "mix", ["a": -3, "b": 40000, "c": -100000, "d": 7, "e": 0.5, "f": 0.25, "g": true])
        let expected: Double = 940_004.75  // -3 + 40000 - 100000 + 7 + 0.5 + 0.25 + 1e6
        #expect(Double(text) == expected)
    }

    /// 64-bit values survive beyond 2^53 both ways: in as JSON numbers with exact text or as
    /// decimal strings, out as exact digits (text) and exact JSON numbers (structuredContent).
    @Test(arguments: [
        ("id_i64", "9007199254740993"), ("id_i64", "-9007199254740993"), ("id_i64", "9223372036854775806"),
        ("id_u64", "9007199254740993"), ("id_u64", "18446744073709551614"), ("id_u64", "12345678901234567890"),
    ])
    func sixtyFourBitValuesKeepEveryDigit(tool: String, digits: String) throws {
        let client = try connected()
        // As a string.
        #expect(try value(client, tool, ["v": digits]) == digits)
        // As a JSON number written with all its digits (sent raw: Foundation would round it).
        let id = 4242
        client.sendRaw(#"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"\#(tool)","arguments":{"v":\#(digits)}}}"#)
        let line = try #require(client.process.readLine(timeout: 10))
        #expect(line.contains(#""text":"\#(digits)""#), "\(line)")
        #expect(line.contains(#""structuredContent":{"result":\#(digits)}"#), "\(line)")
    }

    @Test func outParametersAndVoidReturns() throws {
        let client = try connected()
        let division = try client.callTool("checked_div", ["a": 7, "b": -2])
        #expect(sameObject(division["structuredContent"], ["result": 0, "quotient": -3, "remainder": 1]))
        let extremes = try client.callTool("extremes")
        #expect(MCPTestClient.text(of: extremes)
            == #"{"min64":-9223372036854775808,"max64":18446744073709551615,"tiny":5e-324,"yes":true,"max8":255,"f":0.1}"#)
        let touch = try client.callTool("touch")
        #expect(MCPTestClient.text(of: touch) == "done")
        #expect(touch["structuredContent"] == nil)
    }

    @Test func byteBuffersAsTextAndBase64() throws {
        let client = try connected()
        // "AB" = 65 + 66, two bytes; the length goes in the C argument after the pointer.
        #expect(try value(client, "sum_bytes", ["data": "AB"]) == "\(131 * 1000 + 2)")
        #expect(try value(client, "sum_bytes", ["data": ""]) == "0")
        #expect(try value(client, "sum_bytes", ["data": "é"]) == "\((0xC3 + 0xA9) * 1000 + 2)", "UTF-8 bytes")
        #expect(try value(client, "hex", ["data": "AAEC/w=="]) == "000102ff")
        #expect(try value(client, "hex", ["data": "AAEC/w"]) == "000102ff", "padding is optional")
        let bad = try client.callTool("hex", ["data": "not base64!"])
        #expect(bad["isError"] as? Bool == true)
        #expect(MCPTestClient.text(of: bad).contains("`data` must be base64"))
    }

    @Test func errorConventions() throws {
        let client = try connected()
        func failure(_ tool: String, _ arguments: JSONDict) throws -> String {
            let result = try client.callTool(tool, arguments)
            #expect(result["isError"] as? Bool == true, "\(tool) should fail")
            #expect(result["structuredContent"] == nil)
            return MCPTestClient.text(of: result)
        }
        #expect(try failure("checked_div", ["a": 1, "b": 0]) == "checked_div failed: it returned -\(EDOM) (as a negated errno: Numerical argument out of domain, errno \(EDOM)).")
        #expect(try failure("open_nothing", [:]).hasPrefix("open_nothing failed: it returned NULL; No such file or directory (errno \(ENOENT))"))
        #expect(try failure("nonzero_fails", ["code": 3]) == "nonzero_fails failed: it returned 3.")
        #expect(try value(client, "nonzero_fails", ["code": 0]) == "0")
        #expect(try failure("false_fails", ["ok": false]) == "false_fails failed: it returned false.")
        #expect(try failure("errno_fails", ["x": -1]).contains("Numerical argument out of domain (errno \(EDOM))"))
        #expect(try value(client, "errno_fails", ["x": 2]) == "2")
        // NULL without an error convention is a null result; non-finite doubles are null too.
        let null = try client.callTool("maybe_null", ["give": false])
        #expect(MCPTestClient.text(of: null) == "null")
        #expect((null["structuredContent"] as? JSONDict)?["result"] is NSNull)
        for (which, name) in [(0, "inf"), (1, "-inf"), (2, "nan")] {
            let result = try client.callTool("non_finite", ["which": which])
            #expect(MCPTestClient.text(of: result) == name)
            #expect((result["structuredContent"] as? JSONDict)?["result"] is NSNull)
        }
    }

    // MARK: Wrong arguments never reach the function

    /// (tool, arguments, what the error must say). Each is checked by the schema the host
    /// derived from the C types, or by the host's own conversion behind it.
    static var rejected: [(String, JSONDict, String)] { [
        ("id_i8", ["v": 128], "`v` must be at most 127"),
        ("id_i8", ["v": -129], "`v` must be at least -128"),
        ("id_u8", ["v": 256], "`v` must be at most 255"),
        ("id_u8", ["v": -1], "`v` must be at least 0"),
        ("id_i16", ["v": 32768], "`v` must be at most 32767"),
        ("id_u16", ["v": 65536], "`v` must be at most 65535"),
        ("id_i32", ["v": 2147483648], "`v` must be at most 2147483647"),
        ("id_u32", ["v": 4294967296], "`v` must be at most 4294967295"),
        ("id_u32", ["v": -1], "`v` must be at least 0"),
        ("id_i64", ["v": "9223372036854775808"], "`v` must be at most 9223372036854775807"),
        ("id_i64", ["v": "-9223372036854775809"], "`v` must be at least -9223372036854775808"),
        ("id_u64", ["v": "18446744073709551616"], "`v` must be at most 18446744073709551615"),
        ("id_u64", ["v": "-1"], "`v`"),
        ("id_u64", ["v": "12abc"], "`v`"),
        ("id_i64", ["v": "1.5"], "`v`"),
        ("id_i32", ["v": 1.5], "`v` must be an integer"),
        ("id_i32", ["v": "12"], "`v` must be an integer"),
        ("id_bool", ["v": 1], "`v` must be a boolean"),
        ("id_f64", ["v": "1.0"], "`v` must be a number"),
        ("id_f32", ["v": 3.5e38], "`v` must be at most"),
        ("id_string", ["v": 5], "`v` must be a string"),
        ("id_string", ["v": "a\u{0}b"], "`v` must not contain NUL characters"),
        ("id_i32", [:], "`v` is required"),
        ("id_i32", ["v": 1, "w": 2], "`w` is not an accepted argument"),
        ("level", ["level": 4], "`level` must be one of 1, 2, 3"),
        ("percent", ["p": 101], "`p` must be at most 100"),
        ("mix", ["a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6], "`g` is required"),
        ("checked_div", ["a": 1, "b": 2, "quotient": 3], "`quotient` is not an accepted argument"),
    ] }

    @Test func wrongArgumentsAreToolErrorsAndNeverReachTheFunction() throws {
        let client = try connected()
        for (tool, arguments, expected) in Self.rejected {
            let result = try client.callTool(tool, arguments)
            #expect(result["isError"] as? Bool == true, "\(tool) \(arguments)")
            let text = MCPTestClient.text(of: result)
            #expect(text.contains(expected), "\(tool) \(arguments): \(text)")
            #expect(text.hasPrefix("Invalid arguments for tool \(tool)"), "\(text)")
        }
        #expect(try calls(client) == 0, "no rejected call reached C")
        // The same functions work with good arguments, and the counter counts them.
        #expect(try value(client, "percent", ["p": 100]) == "100")
        #expect(try value(client, "level", ["level": 3]) == "30")
        #expect(try calls(client) == 2)
    }

    // MARK: Strings and ownership

    @Test func ownedStringsAreFreedOnceAndStaticOnesNever() throws {
        let client = try connected()
        let n = 25
        for i in 0..<n {
            #expect(try value(client, "greet", ["name": "n\(i)"]).hasPrefix("hello, n\(i)"))
        }
        #expect(try value(client, "greet", [:]).hasPrefix("hello, world"), "default argument")
        #expect(try value(client, "hex", ["data": "AQ=="]) == "01")
        #expect(try value(client, "static_text", [:]) == "static ✓ text")
        #expect(try value(client, "maybe_null", ["give": true]) == "given")
        let allocated = Int(try value(client, "fixture_allocs", [:]))!
        #expect(allocated == n + 2)
        #expect(Int(try value(client, "fixture_frees", [:]))! == allocated, "every owned string freed exactly once")
    }

    // MARK: Schemas and results per revision

    @Test func derivedSchemasAndStructuredResultsPerRevision() throws {
        let modern = try connected(version: "2025-06-18")
        let tools = try modern.result("tools/list")["tools"] as? [JSONDict] ?? []
        let i8 = try #require(tools.first { $0["name"] as? String == "id_i8" })
        #expect(i8[path: "inputSchema", "properties", "v", "minimum"] as? Int == -128)
        #expect(i8[path: "inputSchema", "properties", "v", "maximum"] as? Int == 127)
        #expect(i8[path: "inputSchema", "properties", "v", "type"] as? String == "integer")
        #expect(i8[path: "inputSchema", "required"] as? [String] == ["v"])
        #expect(i8[path: "inputSchema", "additionalProperties"] as? Bool == false)
        #expect(i8[path: "outputSchema", "properties", "result", "type"] as? String == "integer")
        let u64 = try #require(tools.first { $0["name"] as? String == "id_u64" })
        #expect(u64[path: "inputSchema", "properties", "v", "type"] as? [String] == ["integer", "string"])
        let greet = try #require(tools.first { $0["name"] as? String == "greet" })
        #expect((greet[path: "inputSchema", "required"] as? [String] ?? []).isEmpty, "a default makes it optional")
        #expect(greet[path: "inputSchema", "properties", "name", "default"] as? String == "world")
        let result = try modern.callTool("id_i32", ["v": 5])
        #expect(sameObject(result["structuredContent"], ["result": 5]))

        let old = try connected(version: "2024-11-05")
        let oldTools = try old.result("tools/list")["tools"] as? [JSONDict] ?? []
        #expect(oldTools.allSatisfy { $0["outputSchema"] == nil })
        let oldResult = try old.callTool("id_i32", ["v": 5])
        #expect(oldResult["structuredContent"] == nil)
        #expect(MCPTestClient.text(of: oldResult) == "5")
    }

    @Test func modernEraCallsGetTheSameObject() throws {
        let client = try MCPTestClient.start(plugins: [try Self.fixtureLibrary()])
        let meta: JSONDict = [
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": [:] as JSONDict,
        ]
        let result = try client.result("tools/call", ["_meta": meta, "name": "checked_div", "arguments": ["a": 9, "b": 4]])
        #expect(result["resultType"] as? String == "complete")
        #expect(sameObject(result["structuredContent"], ["result": 0, "quotient": 2, "remainder": 1]))
    }

    // MARK: Broken declarations

    @Test func brokenEntriesAreReportedAndTheRestLoad() throws {
        let library = try Self.fixtureLibrary(defines: ["BROKEN_ENTRIES"])
        let check = try runCommand(ServerProcess.toolhostPath, ["check", library])
        #expect(check.status == 1)
        let expectations = [
            "(tool bad_type): typed functions: functions[34].params[0].type: unsupported type 99",
            "(tool bad_bounds): typed functions: functions[35].params[0].maximum: 300 is not a valid bound for uint8_t",
            "(tool bad name!): typed functions: functions[36].name: tool name \"bad name!\" is not",
            "(tool bad_out): typed functions: functions[37].params[0].out: only bool, integer, float and double",
            "(tool bad_negative): typed functions: functions[38].errors: \"negative\" needs a signed integer return",
            "(tool bad_null_fn): typed functions: functions[39].function: is NULL",
            "(tool bad_free): typed functions: functions[40].free_result: only string returns are freed",
        ]
        for expected in expectations {
            #expect(check.stdout.contains(expected), "missing: \(expected)\n\(check.stdout)")
        }
        #expect(check.stdout.contains("plugin nativefix-native 0.0.1"))
        #expect(check.stdout.contains("kind: typed C functions of plugin nativefix, called through libffi"))
        #expect(check.stdout.contains("C: int32_t checked_div(int32_t a, int32_t b, int32_t *quotient /* out */, int32_t *remainder /* out */) [errors: negative]"))

        let client = try MCPTestClient.start(plugins: [library])
        try client.initialize()
        let names = (try client.result("tools/list")["tools"] as? [JSONDict] ?? []).compactMap { $0["name"] as? String }
        #expect(names.count == 34)
        #expect(!names.contains { $0.hasPrefix("bad") })
        #expect(try value(client, "id_i8", ["v": 1]) == "1")
    }
}
