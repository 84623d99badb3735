/// A problem in a runtime-spec document, located by its JSON path
/// (dotted keys and `[index]`, e.g. `linux.namespaces[2].type`).
public struct SpecError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Where the problem is; empty when it concerns the document as a whole.
    public var path: String
    /// What is wrong, e.g. `unknown namespace "foo"`.
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        path.isEmpty ? reason : "\(path): \(reason)"
    }
}
