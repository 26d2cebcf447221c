/// How much of one generation the plugin takes from the server, derived from the `max_tokens`
/// it asked for. A server that sends more ignores `max_tokens` (or is not what it claims to be):
/// past any of these limits the plugin stops reading, closes the connection (which makes vLLM
/// abort the generation) and answers with an error, so memory stays bounded whatever the server
/// does. The limits are generous: a server that honours `max_tokens` never comes near them.
package struct GenerationLimits: Sendable, Equatable {
    /// The `max_tokens` asked for.
    package let maxTokens: Int
    /// Stream chunks that carry text (answer or reasoning): `max_tokens` + 16. A chunk carries
    /// one token or more on vLLM, llama.cpp and SGLang; the slack covers servers that send a
    /// token's text in two pieces, or held-back text at the end.
    package let chunks: Int
    /// Stream events of any kind (role, usage and empty chunks included): `chunks` + 64.
    package let events: Int
    /// Bytes of text, answer and reasoning together: 64 per token asked plus 16 KiB (a token is
    /// a few bytes on average; the longest tokens of common vocabularies are a few hundred).
    package let textBytes: Int
    /// Bytes of the response body as received, JSON and event framing included: 6 per byte of
    /// text (the worst case of JSON escaping) plus 1 KiB per event, at most 64 MiB.
    package let bodyBytes: Int

    /// The hard ceiling of any body the plugin reads.
    package static let maxBodyBytes = 64 << 20

    package init(maxTokens: Int) {
        self.maxTokens = maxTokens
        // Beyond 2^32 tokens every limit is at its ceiling anyway; this keeps the arithmetic safe.
        let tokens = min(max(1, maxTokens), 1 << 32)
        chunks = tokens + 16
        events = chunks + 64
        textBytes = min(tokens * 64 + (16 << 10), Self.maxBodyBytes)
        bodyBytes = min(textBytes * 6 + events * 1024, Self.maxBodyBytes)
    }
}
