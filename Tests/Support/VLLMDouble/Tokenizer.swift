/// A toy, deterministic tokenizer standing in for the model's.
///
/// A token is a run of leading spaces followed by either up to eight ASCII letters or digits or a
/// single other Unicode scalar; trailing spaces form a token of their own. Joining the tokens gives
/// the text back exactly, so streamed deltas concatenate to the non-streamed content. Chat prompts
/// are rendered with a ChatML-like template whose markers count as one token each.
package enum Tokenizer {
    /// The beginning-of-sequence token a completion prompt starts with.
    package static let beginOfSequence = "<s>"
    /// Opens a chat turn.
    package static let turnStart = "<|im_start|>"
    /// Closes a chat turn.
    package static let turnEnd = "<|im_end|>"

    private static let maxWordBytes = 8

    /// Splits `text` into tokens.
    ///
    /// - Parameter text: Any text.
    /// - Returns: Tokens whose concatenation is `text`.
    package static func tokens(_ text: String) -> [String] {
        var result: [String] = []
        var text = text
        text.withUTF8 { bytes in
            forEachTokenRange(bytes) { range in
                result.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
            }
        }
        return result
    }

    /// The number of tokens in `text`, without building them.
    package static func count(_ text: String) -> Int {
        var total = 0
        var text = text
        text.withUTF8 { bytes in forEachTokenRange(bytes) { _ in total += 1 } }
        return total
    }

    /// The tokens of a chat prompt rendered with the double's template.
    ///
    /// - Parameters:
    ///   - messages: The conversation, as role and text pairs.
    ///   - addGenerationPrompt: Whether to open the assistant's turn at the end.
    /// - Returns: The prompt's tokens, markers included.
    package static func chatPromptTokens(
        _ messages: [(role: String, text: String)],
        addGenerationPrompt: Bool
    ) -> [String] {
        var result: [String] = []
        for message in messages {
            result.append(turnStart)
            result += tokens(message.role)
            result.append("\n")
            result += tokens(message.text)
            result.append(turnEnd)
            result.append("\n")
        }
        if addGenerationPrompt { result += [turnStart, "assistant", "\n"] }
        return result
    }

    /// A stable token id for `token`: fixed ids for the markers, a hash of the text otherwise.
    package static func id(of token: String) -> Int {
        switch token {
        case beginOfSequence: return 1
        case turnStart: return 151_644
        case turnEnd: return 151_645
        default:
            var hash: UInt32 = 2_166_136_261
            for byte in token.utf8 {
                hash ^= UInt32(byte)
                hash = hash &* 16_777_619
            }
            return 100 + Int(hash % 150_000)
        }
    }

    private static func forEachTokenRange(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
        var index = 0
        while index < bytes.count {
            let start = index
            while index < bytes.count, bytes[index] == UInt8(ascii: " ") { index += 1 }
            if index < bytes.count {
                if isWordByte(bytes[index]) {
                    let wordStart = index
                    while index < bytes.count, index - wordStart < maxWordBytes, isWordByte(bytes[index]) { index += 1 }
                } else {
                    index += scalarLength(leadByte: bytes[index])
                    index = min(index, bytes.count)
                }
            }
            body(start..<index)
        }
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return false
        }
    }

    private static func scalarLength(leadByte: UInt8) -> Int {
        switch leadByte {
        case 0xF0...: return 4
        case 0xE0...: return 3
        case 0xC0...: return 2
        default: return 1
        }
    }
}
