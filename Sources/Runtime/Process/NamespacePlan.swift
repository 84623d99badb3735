#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// The namespaces a container creates or joins, sorted by who handles them: the
/// intermediate joins the ones given by path and creates the user namespace (so the
/// namespaces created after it are owned by it), then creates the rest; init creates
/// the cgroup namespace once main has placed it in its cgroup.
struct NamespacePlan {
    static let flags: [NamespaceKind: Int32] = [
        .pid: 0x2000_0000, .network: 0x4000_0000, .mount: 0x0002_0000, .ipc: 0x0800_0000,
        .uts: 0x0400_0000, .user: 0x1000_0000, .cgroup: 0x0200_0000, .time: 0x0000_0080,
    ]

    /// Namespaces to join, user first in the list (`joinAll` orders the joins itself).
    var joins: [(kind: NamespaceKind, path: String)] = []
    /// Namespaces to create.
    var creates: Set<NamespaceKind> = []

    init(_ namespaces: [LinuxNamespace]) throws {
        for (index, namespace) in namespaces.enumerated() {
            guard let kind = namespace.kind else {
                throw RuntimeError("linux.namespaces[\(index)].type: unknown namespace \"\(namespace.type)\"")
            }
            if let path = namespace.path, !path.isEmpty {
                joins.append((kind, path))
            } else {
                creates.insert(kind)
            }
        }
        joins.sort { a, b in a.kind == .user && b.kind != .user }
    }

    func has(_ kind: NamespaceKind) -> Bool {
        creates.contains(kind) || joins.contains(where: { $0.kind == kind })
    }

    /// CLONE_NEW* flags for the namespaces the intermediate creates after the user namespace.
    var intermediateUnshareFlags: Int32 {
        creates.filter { $0 != .user && $0 != .cgroup }.reduce(0) { $0 | (Self.flags[$1] ?? 0) }
    }

    /// Joins every namespace in `joins`. All paths are opened first: once the mount
    /// namespace is joined, /proc is the container's and the other paths (the host's
    /// /proc/PID/ns/...) no longer resolve.
    /// - Parameter deferred: a kind not to join now; its namespace is returned open (or -1
    ///   when it is not in `joins`) for a child to join.
    @discardableResult
    func joinAll(except deferred: NamespaceKind? = nil) throws -> Int32 {
        var opened: [(kind: NamespaceKind, path: String, fd: Int32)] = []
        var kept: Int32 = -1
        defer { for entry in opened where entry.fd != kept { Files.close(entry.fd) } }
        for join in joins {
            let fd = try step("opening the \(join.kind.rawValue) namespace \(join.path)") { try Files.open(join.path, O_RDONLY | O_CLOEXEC) }
            opened.append((join.kind, join.path, fd))
            if join.kind == deferred { kept = fd }
        }
        // In three passes, as runc and nsenter(1) join: first every namespace but the user
        // namespace, while hako still has its own privileges (a namespace owned by another
        // user namespace than the one joined can only be joined then); then the user
        // namespace; then what the first pass was refused (EPERM), with the privileges the
        // user namespace gives (rootless).
        var refused: [(kind: NamespaceKind, path: String, fd: Int32)] = []
        func join(_ entry: (kind: NamespaceKind, path: String, fd: Int32), deferringRefusal: Bool) throws {
            do { try Namespaces.join(fd: entry.fd, type: Self.flags[entry.kind] ?? 0, path: entry.path) } catch {
                if deferringRefusal && error.errno == EPERM { refused.append(entry); return }
                throw RuntimeError("joining the \(entry.kind.rawValue) namespace \(entry.path)", error)
            }
        }
        let toJoin = opened.filter { $0.fd != kept }
        for entry in toJoin where entry.kind != .user { try join(entry, deferringRefusal: true) }
        for entry in toJoin where entry.kind == .user { try join(entry, deferringRefusal: false) }
        for entry in refused { try join(entry, deferringRefusal: false) }
        return kept
    }
}
