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
    /// - Parameter cutAtEnd: `text` was cut from something longer, so it may end with the first
    ///   part of the secret (four characters or more), which is taken out too.
    package static func scrub(_ text: String, secret: String?, cutAtEnd: Bool = false) -> String {
        guard let secret, secret.count >= 4 else { return text }
        var text = text.contains(secret) ? text.replacing(secret, with: "[redacted]") : text
        if cutAtEnd {
            for length in stride(from: secret.count - 1, through: 4, by: -1) where text.hasSuffix(secret.prefix(length)) {
                text = String(text.dropLast(length)) + "[redacted]"
                break
            }
        }
        return text
    }
}
