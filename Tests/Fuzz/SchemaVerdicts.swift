import ToolHostCore

/// `toolhost-fuzz --schema-verdicts`: the host's schema checker as a filter, for the
/// differential test (Tests/Schema/differential.py) and the JSON-Schema-Test-Suite run
/// (Tests/Schema/suite.py), which compare its verdicts with Python's jsonschema and the suite.
///
/// Reads one JSON object a line, `{"schema": S, "instances": [I, …]}`, and writes one line for
/// each: `{"compiled": true, "verdicts": [true|false, …], "messages": [null|"…", …]}`, or
/// `{"compiled": false, "error": "…"}` when the host refuses the schema. The schema is
/// compiled without MCP's object-root rule, once per line, as the host does once per tool.
enum SchemaVerdicts {
    static func run() -> Int32 {
        while let line = readLine(strippingNewline: true) {
            if line.isEmpty { continue }
            let request: JSON
            do {
                request = try JSONParser.parse(line)
            } catch {
                print(JSONWriter.string(["error": .string("input line is not JSON: \(error)")]))
                return 1
            }
            guard let schemaJSON = request["schema"], case .array(let instances)? = request["instances"] else {
                print(JSONWriter.string(["error": "each line needs \"schema\" and \"instances\" (an array)"]))
                return 1
            }
            let schema: Schema
            do {
                schema = try Schema(schemaJSON, requireObjectRoot: false)
            } catch {
                print(JSONWriter.string(["compiled": false, "error": .string(error.description)]))
                continue
            }
            var verdicts: [JSON] = []
            var messages: [JSON] = []
            for instance in instances {
                let violation = schema.validate(instance)
                verdicts.append(.bool(violation == nil))
                messages.append(violation.map { .string($0.description) } ?? .null)
            }
            print(JSONWriter.string(["compiled": true, "verdicts": .array(verdicts), "messages": .array(messages)]))
        }
        return 0
    }
}
