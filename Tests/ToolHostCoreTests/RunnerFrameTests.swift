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

/// What a runner reports, and the limits a plugin's settings ask for.
@Suite struct RunnerCatalogTests {
    @Test func aCatalogSurvivesItsJSON() {
        var catalog = RunnerCatalog(id: "p", name: "P", version: "1", summary: "s", abiMajor: 1, abiMinor: 9, flags: 4)
        catalog.tools = [.object(["name": "t", "inputSchema": .object(["type": "object"])])]
        catalog.prompts = [.object(["name": "q", "arguments": .array([.object(["name": "a", "required": .bool(true)])])])]
        catalog.templates = [.object(["uri": "x://{id}", "name": "x"])]
        catalog.offersPrompts = true
        catalog.offersResources = true
        catalog.problems = [PluginProblem(path: "/p.so", plugin: "p", tool: "bad", message: "no")]
        catalog.report = ["plugin p 1 — P"]
        #expect(RunnerCatalog(json: catalog.json) == catalog)
        #expect(RunnerCatalog(json: .object(["name": "no id"])) == nil)
        let tables = CatalogTables(catalog)
        #expect(String(cString: tables.tools[0].name) == "t")
        #expect(tables.prompts[0].argument_count == 1)
        #expect(tables.templates[0].size == -1)
    }

    @Test func limitsComeFromNumbersOrTheEnvironmentsStrings() {
        let policy = IsolatedPlugin.Policy(settings: .object([
            "memory_limit_mb": "96", "cancel_grace": .number(JSONNumber(0.5)), "max_crashes": "2", "crash_window": "10",
        ]))
        #expect(policy.memoryLimit == 96 << 20)
        #expect(policy.cancelGrace == 0.5)
        #expect(policy.maxCrashes == 2 && policy.crashWindow == 10)
        let defaults = IsolatedPlugin.Policy(settings: .object(["memory_limit_mb": "lots", "max_crashes": "0"]))
        #expect(defaults.memoryLimit == nil && defaults.maxCrashes == 3 && defaults.cancelGrace == 5)
    }
}
