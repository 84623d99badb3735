// Decoding follows Go's encoding/json, which runc uses: a missing key or a JSON null
// leaves a non-pointer field at its zero value instead of failing. Fields that are
// required by the spec are therefore non-optional in Swift but still decode when
// absent; `validate()` reports the ones whose zero value is not acceptable.
// A value of the wrong type is still a decoding error.
extension KeyedDecodingContainer {
    /// A non-omitempty Go field: the decoded value, or `zero` when absent or null.
    func go<T: Decodable>(_ key: Key, or zero: @autoclosure () -> T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? zero()
    }

    /// An omitempty Go field: the decoded value, or nil when absent or null.
    func opt<T: Decodable>(_ key: Key) throws -> T? {
        try decodeIfPresent(T.self, forKey: key)
    }
}
