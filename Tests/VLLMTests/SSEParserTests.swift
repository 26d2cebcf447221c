import Testing
@testable import VLLMCore

@Suite struct SSEParserTests {
    private func events(_ pieces: [String]) throws -> [SSEEvent] {
        var parser = SSEParser()
        var out: [SSEEvent] = []
        for piece in pieces { try parser.feed(Array(piece.utf8)) { out.append($0) } }
        try parser.finish { out.append($0) }
        return out
    }

    private func data(_ text: String) -> SSEEvent { .data(Array(text.utf8)) }

    @Test func splitsEventsOnBlankLines() throws {
        let stream = "data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n"
        #expect(try events([stream]) == [data("{\"a\":1}"), data("{\"b\":2}"), data("[DONE]")])
    }

    @Test(arguments: [1, 2, 3, 5, 7, 13])
    func piecesOfAnySizeGiveTheSameEvents(size: Int) throws {
        let stream = "data: {\"x\":\"é日本\"}\r\n\r\n: keep-alive\n\ndata: [DONE]\r\n\r\n"
        let bytes = Array(stream.utf8)
        var parser = SSEParser()
        var out: [SSEEvent] = []
        var i = 0
        while i < bytes.count {
            try parser.feed(bytes[i..<min(i + size, bytes.count)]) { out.append($0) }
            i += size
        }
        #expect(out == [data("{\"x\":\"é日本\"}"), .comment, data("[DONE]")])
    }

    @Test func joinsMultipleDataLinesAndIgnoresOtherFields() throws {
        let stream = "event: message\nid: 7\ndata: line one\ndata:line two\nretry: 10\n\n"
        #expect(try events([stream]) == [data("line one\nline two")])
    }

    @Test func lonelyCarriageReturnsEndLines() throws {
        #expect(try events(["data: a\r\rdata: b\r\r"]) == [data("a"), data("b")])
    }

    @Test func anUnterminatedLastEventIsStillDelivered() throws {
        #expect(try events(["data: {\"tail\":true}"]) == [data("{\"tail\":true}")])
    }

    @Test func emptyDataFieldIsAnEmptyEvent() throws {
        #expect(try events(["data\n\n"]) == [data("")])
    }

    @Test func anEventThatNeverEndsIsRefused() throws {
        var parser = SSEParser(maxEventBytes: 64)
        #expect(throws: SSEParser.TooLarge.self) {
            try parser.feed(Array(("data: " + String(repeating: "x", count: 100)).utf8)) { _ in }
        }
    }
}
