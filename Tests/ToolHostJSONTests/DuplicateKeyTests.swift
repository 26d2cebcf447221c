import Testing
import ToolHostJSON

/// Member names are unique in every object the parser accepts (issue 11): two readers of one
/// text could otherwise disagree on which of two equal names counts.
@Suite struct DuplicateKeyTests {
    @Test(arguments: [
        (#"{"a":1,"a":2}"#, "a"),
        (#"{"x":{"y":[{"k":1,"b":0,"k":2}]}}"#, "k"),
        (#"{"\u0061":1,"a":2}"#, "a"),  // equal after unescaping
        (#"[{"ok":1},{"ok":1,"ok":1}]"#, "ok"),
    ])
    func duplicateNamesAreRefusedAtAnyDepth(text: String, key: String) {
        #expect {
            _ = try JSONParser.parse(text)
        } throws: { error in
            (error as? JSONParseError)?.reason.contains("duplicate member name \"\(key)\"") == true
        }
    }

    @Test func largeObjectsAreCheckedToo() throws {
        let members = (0..<200).map { "\"k\($0)\":\($0)" }
        #expect(try JSONParser.parse("{" + members.joined(separator: ",") + "}").objectValue?.count == 200)
        #expect(throws: JSONParseError.self) {
            _ = try JSONParser.parse("{" + members.joined(separator: ",") + ",\"k150\":0}")
        }
        #expect(throws: JSONParseError.self) {
            _ = try JSONParser.parse("{" + members.prefix(5).joined(separator: ",") + ",\"k3\":0}")
        }
    }

    @Test func equalNamesInSeparateObjectsAreFine() throws {
        let value = try JSONParser.parse(#"{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}"#)
        #expect(value["a"]?["a"]?["a"] == 1)
    }

    @Test func settingAKeyKeepsItsPosition() {
        var object: JSONObject = ["first": 1, "second": 2, "third": 3]
        object["second"] = "changed"
        #expect(object.keys == ["first", "second", "third"])
        #expect(object["second"] == .string("changed"))
        object["fourth"] = 4
        #expect(object.keys == ["first", "second", "third", "fourth"])
        object["first"] = nil
        #expect(object.keys == ["second", "third", "fourth"])
    }
}
