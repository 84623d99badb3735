/// A container's cgroup path, resolved from `linux.cgroupsPath` as runc does.
public enum CgroupPath: Sendable, Equatable, CustomStringConvertible {
    /// Below each hierarchy's root (its mount point): "/machine/abc".
    case absolute(String)
    /// Below the cgroup hako itself runs in, in each hierarchy: "abc/def".
    case relative(String)

    /// Resolves `linux.cgroupsPath`:
    /// - absolute ("/machine/abc"): relative to the hierarchy root;
    /// - relative ("abc/def"): relative to the caller's own cgroup in each hierarchy;
    /// - empty or absent: "/<containerID>", as runc does.
    /// "." components are dropped; ".." is allowed only while it stays below where the path
    /// starts, so a path can never name a cgroup outside the root (or the caller's cgroup).
    public static func resolve(_ cgroupsPath: String?, containerID: String) throws(CgroupError) -> CgroupPath {
        let raw = cgroupsPath ?? ""
        if raw.isEmpty {
            guard !containerID.isEmpty, !containerID.contains("/"), containerID != ".", containerID != ".." else {
                throw CgroupError.field("linux.cgroupsPath", "container id \"\(containerID)\" cannot name a cgroup")
            }
            return .absolute("/" + containerID)
        }
        guard !raw.utf8.contains(0), !raw.contains("\n") else {
            throw CgroupError.field("linux.cgroupsPath", "\"\(raw)\" contains a NUL or newline")
        }
        var parts: [Substring] = []
        for part in raw.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if parts.popLast() == nil {
                    throw CgroupError.field("linux.cgroupsPath", "\"\(raw)\" escapes the cgroup root with \"..\"")
                }
                continue
            }
            parts.append(part)
        }
        if parts.isEmpty {
            let what = raw.hasPrefix("/") ? "the root cgroup" : "hako's own cgroup"
            throw CgroupError.field("linux.cgroupsPath", "\"\(raw)\" names \(what), not a cgroup of its own")
        }
        let joined = parts.joined(separator: "/")
        return raw.hasPrefix("/") ? .absolute("/" + joined) : .relative(joined)
    }

    public var description: String {
        switch self {
        case .absolute(let p): return p
        case .relative(let p): return p
        }
    }
}
