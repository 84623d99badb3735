import LinuxSys

/// /etc/passwd, read by hand as runc reads it, never through getpwuid(3): glibc's user
/// lookups go through NSS modules that a static binary cannot load, and in a container's
/// root the host's modules are not there anyway.
enum PasswdFile {
    struct Entry: Equatable {
        var name: String
        var uid: UInt32
        var home: String
    }

    /// The first entry for `uid` in a passwd file's text.
    static func entry(uid: UInt32, in text: String) -> Entry? {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 6, UInt32(fields[2]) == uid else { continue }
            return Entry(name: String(fields[0]), uid: uid, home: String(fields[5]))
        }
        return nil
    }

    /// The entry for `uid` in the passwd file at `path` (the current root's by default).
    static func entry(uid: UInt32, path: String = "/etc/passwd") -> Entry? {
        guard let text = try? Files.readText(path) else { return nil }
        return entry(uid: uid, in: text)
    }
}
