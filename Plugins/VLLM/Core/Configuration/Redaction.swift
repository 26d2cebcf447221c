/// Keeps secrets out of text meant for people.
package enum Redaction {
    /// `url` without a `user:password@` part.
    package static func url(_ url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://")?.upperBound else { return url }
        let rest: Substring = url[schemeEnd...]
        let authorityEnd: String.Index = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<schemeEnd]) + String(rest[rest.index(after: at)...])
    }

    /// `text` with every occurrence of `secret` replaced (for text that came from elsewhere,
    /// such as an upstream error message that might quote a header).
    package static func scrub(_ text: String, secret: String?) -> String {
        guard let secret, secret.count >= 4, text.contains(secret) else { return text }
        return text.replacing(secret, with: "[redacted]")
    }
}
