import Testing
@testable import ToolHostCore

@Suite struct JSONTests {
    @Test func roundTripKeepsNumbersExactly() throws {
        let text = #"{"big":18446744073709551615,"neg":-9223372036854775808,"pi":3.141592653589793238462643,"e":1E+400,"list":[true,false,null,"x"]}"#
        let value = try JSONParser.parse(text)
        #expect(JSONWriter.string(value) == text)
    }
}
