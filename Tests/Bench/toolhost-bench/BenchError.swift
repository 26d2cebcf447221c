/// A failure the bench reports as it is: a plan it cannot use, a server that does not start or answer.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
