#if canImport(Glibc)
import Glibc
#endif

/// Who runs hako, for the rules that differ when it is not root of the host (runc's rules:
/// the state directory, the systemd instance, a cgroup it may not make, device nodes).
public enum Caller {
    /// Whether hako runs in the host's user namespace. Read once, the first time main asks
    /// (before it forks): a child that joined a container's user namespace would read that
    /// namespace's map instead, so children get the answer in their plan, not from here.
    public static let inInitialUserNamespace = Namespaces.inInitialUserNamespace()

    /// A user, or root of a user namespace that is not the host's: rootless podman runs the
    /// runtime as uid 0 of its own user namespace, with no user namespace in the config.
    public static var isRootless: Bool {
        geteuid() != 0 || !inInitialUserNamespace
    }
}
