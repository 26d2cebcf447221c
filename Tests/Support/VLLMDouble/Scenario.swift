/// Per-request overrides of `Behavior`, written as a comma-separated list of directives.
///
/// A plugin test cannot set the headers the plugin sends, but it controls the prompt and the model
/// name, so a scenario reaches the double in one of these ways (later ones win):
/// 1. `ServedModel.scenario`: every request naming that model gets it.
/// 2. A marker anywhere in the last user message (chat) or the prompt (completions):
///    `[[double: token-delay=50ms, cut-after=3]]`. Markers are removed from the echoed reply but
///    still count as prompt tokens.
/// 3. The header `X-Double-Scenario: token-delay=50ms, cut-after=3`.
///
/// Directives (durations take `us`, `ms` or `s`; a bare number is milliseconds):
/// `echo`, `reply=TEXT`, `reply-tokens=N`, `latency=D`, `queue=D`, `token-delay=D` (alias
/// `slow-tokens`), `keep-alive=D|off`, `cut-after=N`, `error-after=N`, `error-message=TEXT`,
/// `status=CODE`, `dead[=true|false]`, `reasoning=off|on|only`,
/// `reasoning-field=reasoning|reasoning_content`, `reasoning-text=TEXT`, `errors=nested|flat`,
/// `context-check=clamp|legacy`, `stream-headers=early|late`,
/// `hostile=off|garbage|endless|oversized|drip|redirect`, `hostile-bytes=N`, `drip-interval=D`,
/// `drip-length=N`, `redirect-to=URL`. TEXT may be double-quoted to hold
/// commas (`\"` and `\\` escape inside quotes). An unknown directive makes the request fail with a
/// 400 naming it, so a typo in a test cannot pass silently.
package enum Scenario {
    /// The opening of an in-prompt marker.
    package static let markerOpen = "[[double:"
    /// The closing of an in-prompt marker.
    package static let markerClose = "]]"
    /// The request header that carries a scenario.
    package static let headerName = "X-Double-Scenario"

    /// Finds the scenario markers in `text`.
    ///
    /// - Parameter text: A user message or prompt.
    /// - Returns: The markers' directive lists joined by commas (nil when there is none), and the
    ///   text with the markers removed and surrounding whitespace trimmed.
    package static func extract(from text: String) -> (scenario: String?, remainder: String) {
        guard text.contains(markerOpen) else { return (nil, text) }
        var scenarios: [Substring] = []
        var remainder = ""
        var rest = text[...]
        while let open = rest.firstRange(of: markerOpen) {
            guard let close = rest[open.upperBound...].firstRange(of: markerClose) else { break }
            remainder += rest[..<open.lowerBound]
            scenarios.append(rest[open.upperBound..<close.lowerBound])
            rest = rest[close.upperBound...]
        }
        remainder += rest
        return (scenarios.joined(separator: ","), remainder.trimmingWhitespace())
    }

    /// Applies a directive list to `behavior`.
    ///
    /// - Parameters:
    ///   - scenario: Directives such as `latency=100ms, reasoning=on`.
    ///   - behavior: The behaviour to change.
    /// - Throws: `ScenarioError` for an unknown directive or a malformed value.
    package static func apply(_ scenario: String, to behavior: inout Behavior) throws(ScenarioError) {
        for (key, value) in try directives(in: scenario) {
            try apply(key: key, value: value, to: &behavior)
        }
    }

    private static func apply(key: String, value: String?, to behavior: inout Behavior) throws(ScenarioError) {
        func required() throws(ScenarioError) -> String {
            guard let value else { throw ScenarioError("`\(key)` needs a value") }
            return value
        }
        switch key {
        case "echo": behavior.reply = .echo
        case "reply": behavior.reply = .fixed(try required())
        case "reply-tokens": behavior.reply = .lorem(tokens: try count(key, required()))
        case "latency": behavior.latency = try duration(key, required())
        case "queue": behavior.queueWait = try duration(key, required())
        case "token-delay", "slow-tokens": behavior.tokenDelay = try duration(key, required())
        case "keep-alive":
            let text = try required()
            behavior.keepAliveInterval = text == "off" ? nil : try duration(key, text)
        case "cut-after": behavior.cutAfterTokens = try count(key, required())
        case "error-after": behavior.errorAfterTokens = try count(key, required())
        case "error-message": behavior.errorMessage = try required()
        case "status":
            let code = try count(key, required())
            guard (400...599).contains(code) else { throw ScenarioError("`status` must be 400–599") }
            behavior.injectedStatus = code
        case "dead": behavior.engineDead = try flag(key, value)
        case "reasoning":
            switch try required() {
            case "off": behavior.reasoning = .off
            case "on": behavior.reasoning = .on
            case "only": behavior.reasoning = .only
            default: throw ScenarioError("`reasoning` is off, on or only")
            }
        case "reasoning-field":
            guard let field = ReasoningField(rawValue: try required()) else {
                throw ScenarioError("`reasoning-field` is reasoning or reasoning_content")
            }
            behavior.reasoningField = field
        case "reasoning-text": behavior.reasoningText = try required()
        case "errors":
            guard let style = ErrorStyle(rawValue: try required()) else {
                throw ScenarioError("`errors` is nested or flat")
            }
            behavior.errorStyle = style
        case "context-check":
            guard let check = ContextCheck(rawValue: try required()) else {
                throw ScenarioError("`context-check` is clamp or legacy")
            }
            behavior.contextCheck = check
        case "stream-headers":
            switch try required() {
            case "early": behavior.streamHeadersBeforeFirstToken = true
            case "late": behavior.streamHeadersBeforeFirstToken = false
            default: throw ScenarioError("`stream-headers` is early or late")
            }
        case "hostile":
            let text = try required()
            if text == "off" {
                behavior.hostile = nil
            } else {
                guard let mode = Hostility(rawValue: text) else {
                    throw ScenarioError("`hostile` is off, garbage, endless, oversized, drip or redirect")
                }
                behavior.hostile = mode
            }
        case "hostile-bytes": behavior.hostileBytes = max(1, try count(key, required()))
        case "drip-interval": behavior.dripInterval = try duration(key, required())
        case "drip-length": behavior.dripLength = try count(key, required())
        case "redirect-to": behavior.redirectLocation = try required()
        default:
            throw ScenarioError("unknown directive `\(key)`")
        }
    }

    /// Splits a directive list into keys and optional values, honouring quotes.
    private static func directives(in scenario: String) throws(ScenarioError) -> [(String, String?)] {
        var result: [(String, String?)] = []
        var key = ""
        var value: String?
        var inQuotes = false
        var escaped = false
        var quotedValue = false

        func finish() {
            let name = key.trimmingWhitespace()
            let text = quotedValue ? value : value?.trimmingWhitespace()
            if !name.isEmpty { result.append((name, text)) }
            key = ""
            value = nil
            quotedValue = false
        }

        for character in scenario {
            if inQuotes {
                if escaped {
                    value!.append(character)
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inQuotes = false
                } else {
                    value!.append(character)
                }
                continue
            }
            switch character {
            case ",":
                finish()
            case "=" where value == nil:
                value = ""
            case "\"" where value != nil && value!.trimmingWhitespace().isEmpty:
                inQuotes = true
                quotedValue = true
                value = ""
            default:
                if value == nil { key.append(character) } else { value!.append(character) }
            }
        }
        if inQuotes { throw ScenarioError("unterminated quote") }
        finish()
        return result
    }

    private static func count(_ key: String, _ text: String) throws(ScenarioError) -> Int {
        guard let value = Int(text), value >= 0 else { throw ScenarioError("`\(key)` needs a whole number") }
        return value
    }

    private static func flag(_ key: String, _ text: String?) throws(ScenarioError) -> Bool {
        switch text {
        case nil, "true", "on", "1": return true
        case "false", "off", "0": return false
        default: throw ScenarioError("`\(key)` is true or false")
        }
    }

    /// Parses `250ms`, `2s`, `1.5s`, `500us` or a bare number of milliseconds.
    package static func duration(_ key: String, _ text: String) throws(ScenarioError) -> Duration {
        let units: [(suffix: String, microseconds: Double)] = [("ms", 1_000), ("us", 1), ("s", 1_000_000)]
        var number = Substring(text)
        var scale = 1_000.0
        for unit in units where text.hasSuffix(unit.suffix) {
            number = text.dropLast(unit.suffix.count)
            scale = unit.microseconds
            break
        }
        guard let value = Double(number), value >= 0, value.isFinite else {
            throw ScenarioError("`\(key)` needs a duration such as 100ms")
        }
        return .microseconds(Int64(value * scale))
    }
}

/// A scenario that could not be applied.
package struct ScenarioError: Error, Sendable, CustomStringConvertible {
    /// What was wrong.
    package let reason: String

    init(_ reason: String) { self.reason = reason }

    package var description: String { "vllm-double scenario: \(reason)" }
}
