extension StringProtocol {
    /// Whether `other` occurs in this text, compared byte for byte in UTF-8.
    ///
    /// The standard library's `contains(_:)` for a string in a string lives in
    /// _StringProcessing, the regex engine's module: one call links it into the binary (about
    /// 1 MB, and 445 protocol conformance records that every process scans on its first
    /// dynamic casts; bench/README.md, ninth round). hako's searches are for ASCII words
    /// ("..", "Seccomp:"), where bytes and characters agree.
    public func includes(_ other: some StringProtocol) -> Bool {
        let needle = Array(other.utf8)
        guard !needle.isEmpty else { return true }
        let haystack = Array(utf8)
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
