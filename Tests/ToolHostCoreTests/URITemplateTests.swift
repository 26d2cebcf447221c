@testable import ToolHostCore
import Testing

/// Matching URIs against the RFC 6570 templates resource templates use.
@Suite struct URITemplateTests {
    func match(_ template: String, _ uri: String) throws -> [String: String]? {
        try URITemplate(template).match(uri)
    }

    @Test func simpleVariablesMatchOneSegmentAndArePercentDecoded() throws {
        #expect(try match("file:///{name}", "file:///notes.txt") == ["name": "notes.txt"])
        #expect(try match("users://{id}/profile", "users://a%20b/profile") == ["id": "a b"])
        #expect(try match("users://{id}/profile", "users://a/b/profile") == nil, "a simple value has no slash")
        #expect(try match("users://{id}", "users://") == nil, "an empty value does not match")
        #expect(try match("users://{id}", "users://%zz") == nil, "a broken escape does not match")
        #expect(try match("db://{table}/{row}", "db://t/42") == ["table": "t", "row": "42"])
    }

    @Test func reservedAndPathOperators() throws {
        #expect(try match("file://{+path}", "file:///etc/hosts") == ["path": "/etc/hosts"])
        #expect(try match("repo://x{/branch}", "repo://x/main") == ["branch": "main"])
        #expect(try match("doc://page{#section}", "doc://page#intro") == ["section": "intro"])
        #expect(try match("img://logo{.ext}", "img://logo.png") == ["ext": "png"])
        #expect(try match("m://x{;v}", "m://x;v=3") == ["v": "3"])
        // A literal after a reserved variable: the value ends where the literal can match.
        #expect(try match("file://{+path}/raw", "file://a/b/raw") == ["path": "a/b"])
    }

    @Test func queryVariablesAreOptionalAndNamed() throws {
        #expect(try match("search://items{?q,limit}", "search://items?q=tea&limit=5") == ["q": "tea", "limit": "5"])
        #expect(try match("search://items{?q,limit}", "search://items?limit=5") == ["limit": "5"])
        #expect(try match("search://items{?q,limit}", "search://items") == [:])
        #expect(try match("search://items{?q,limit}", "search://items?other=1") == nil, "an unknown name does not match")
        #expect(try match("search://items{?q}{&page}", "search://items?q=a&page=2") == ["q": "a", "page": "2"])
    }

    @Test func whatIsNotUnderstoodIsRefusedNamingIt() {
        for (template, words) in [
            ("x://{list*}", "modifier"), ("x://{name:3}", "modifier"), ("x://{a,b}", "several variables"),
            ("x://{=a}", "reserved"), ("x://{a", "not closed"), ("x://a}", "without a matching"),
            ("x://plain", "no expression"), ("x://{a}/{a}", "appears twice"), ("x://{}", "empty variable name"),
        ] {
            #expect(throws: TemplateError.self, "\(template)") { try URITemplate(template) }
            do {
                _ = try URITemplate(template)
            } catch {
                #expect(error.description.contains(words), "\(template): \(error)")
            }
        }
    }
}
