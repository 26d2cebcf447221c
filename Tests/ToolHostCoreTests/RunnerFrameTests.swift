@testable import ToolHostCore
import Testing

/// The host↔runner framing (issue 14), without processes.
@Suite struct RunnerFrameTests {
    @Test func messagesRoundTripThroughAnyCutOfTheStream() {
        let messages: [RunnerMessage] = [
            .setup(.object(["settings": .object([:])])),
            .call(id: 7, flags: 1, tool: "echo", requestID: "\"a\"", version: "2025-11-25", arguments: Array(#"{"text":"é"}"#.utf8)),
            .progress(id: 7, value: 1, total: 2, message: "half"),
            .log(id: 0, level: 4, message: "a line\nand more"),
            .result(id: 7, .object(["content": .array([]), "isError": .bool(false), "status": .number(JSONNumber(0))])),
            .cancel(id: 9),
            .shutdown,
        ]
        var bytes: [UInt8] = []
        for m in messages { m.frame.encode(into: &bytes) }
        for step in [1, 2, 3, 5, 64, bytes.count] {
            var decoder = FrameDecoder()
            var decoded: [RunnerMessage] = []
            var offset = 0
            while offset < bytes.count {
                let n = min(step, bytes.count - offset)
                decoder.append(Array(bytes[offset..<(offset + n)]))
                offset += n
                while let frame = try! decoder.next() { decoded.append(try! RunnerMessage(frame)) }
            }
            #expect(decoded == messages, "cut every \(step) bytes")
            #expect(decoder.pending == 0)
        }
    }

    @Test func framesThatBreakTheProtocolAreErrorsNotTraps() {
        var tooLong = FrameDecoder()
        tooLong.append([0xFF, 0xFF, 0xFF, 0x7F, 3])
        #expect(throws: FrameDecoder.Failure.tooLong(0x7FFF_FFFF)) { try tooLong.next() }
        var empty = FrameDecoder()
        empty.append([0, 0, 0, 0])
        #expect(throws: FrameDecoder.Failure.empty) { try empty.next() }
        var unknown = FrameDecoder()
        unknown.append([1, 0, 0, 0, 200])
        #expect(throws: FrameDecoder.Failure.unknownKind(200)) { try unknown.next() }
        // A call frame cut inside its fields parses as malformed, not out of bounds.
        #expect(throws: RunnerMessage.Malformed.self) { try RunnerMessage(RunnerFrame(kind: .call, payload: [1, 2, 3])) }
        #expect(throws: RunnerMessage.Malformed.self) { try RunnerMessage(RunnerFrame(kind: .result, payload: [1, 0, 0, 0, 0, 0, 0, 0] + Array("{".utf8))) }
        // A string length beyond the payload.
        var call = FrameBuilder()
        call.u64(1); call.u32(0); call.u32(1000)
        #expect(throws: RunnerMessage.Malformed.self) { try RunnerMessage(RunnerFrame(kind: .call, payload: call.bytes)) }
    }

    @Test func theProbeSurvivesRandomStreams() {
        #expect(RunnerProtocolProbe.roundTrip(count: 500, seed: 42) == nil)
    }
}
