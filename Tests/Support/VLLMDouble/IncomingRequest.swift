import NIOHTTP1
import ToolHostJSON

/// A complete request as the router sees it.
struct IncomingRequest {
    var head: HTTPRequestHead
    /// The target without its query string.
    var path: String
    var json: JSON?
    var jsonError: JSONParseError?

    init(head: HTTPRequestHead, json: JSON?, jsonError: JSONParseError?) {
        self.head = head
        self.path = String(head.uri.prefix(while: { $0 != "?" }))
        self.json = json
        self.jsonError = jsonError
    }
}
