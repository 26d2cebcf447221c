import NIOCore
import ToolHostJSON

extension JSON {
    /// Appends the compact JSON text of this value to `buffer` as Starlette's `JSONResponse` and
    /// pydantic's `model_dump_json` write it: no spaces, members in order, UTF-8 left unescaped,
    /// backspace and form feed as `\b` and `\f` (Python's escapes).
    package func write(into buffer: inout ByteBuffer) {
        var writer = JSONWriter(capacity: 512, escapes: .python)
        writer.write(self)
        buffer.writeBytes(writer.bytes)
    }

    /// The value of a number written as an integer literal that fits an `Int` (`-0`, `42`; not
    /// `1.0` or `1e3`), which Python's `json` reads as an `int`.
    package var pythonInt: Int? {
        guard let number = numberValue, number.isPlainInteger else { return nil }
        return Int(number.text)
    }
}

extension JSON {
    /// Appends a member to an object (nothing happens to other values).
    mutating func append(_ key: String, _ value: JSON) {
        guard case .object(var object) = self else { return }
        object.members.append((key, value))
        self = .object(object)
    }
}
