#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// The identity and limits a container's process takes on before it runs: user and
/// group ids (all three of each, so none can be regained), the UTS names, the session
/// keyring, resource limits.
public enum Credentials {
    /// setresuid(2) with one id for the real, effective and saved ids.
    public static func setUserID(_ uid: uid_t, step: String? = nil) throws(SysError) {
        try check(Seam.call(.setresuid) { hako_setresuid(uid, uid, uid) }, step ?? "setresuid \(uid)")
    }

    /// setresgid(2) with one id for the real, effective and saved ids.
    public static func setGroupID(_ gid: gid_t, step: String? = nil) throws(SysError) {
        try check(Seam.call(.setresgid) { hako_setresgid(gid, gid, gid) }, step ?? "setresgid \(gid)")
    }

    /// setgroups(2): the supplementary groups.
    public static func setGroups(_ groups: [gid_t]) throws(SysError) {
        try check(Seam.call(.setgroups) { Glibc.setgroups(groups.count, groups) }, "setgroups \(groups)")
    }

    public static func setHostname(_ name: String) throws(SysError) {
        try check(Seam.call(.sethostname, path: name) { hako_sethostname(name, name.utf8.count) }, "sethostname \(name)")
    }

    public static func setDomainname(_ name: String) throws(SysError) {
        try check(Seam.call(.setdomainname, path: name) { hako_setdomainname(name, name.utf8.count) }, "setdomainname \(name)")
    }

    /// Joins a new session keyring named `name` (keyctl(KEYCTL_JOIN_SESSION_KEYRING)).
    public static func joinSessionKeyring(_ name: String) throws(SysError) {
        if Seam.call(.keyctl, path: name, { Int32(truncatingIfNeeded: hako_keyctl_join_session_keyring(name)) }) < 0 { throw SysError("keyctl(KEYCTL_JOIN_SESSION_KEYRING)", errno: errno) }
    }

    /// Sets the calling process's resource limit `resource` (an RLIMIT_* number), soft
    /// and hard, with prlimit(2): 64-bit values whatever the C library's rlim_t.
    public static func setResourceLimit(_ resource: Int32, soft: UInt64, hard: UInt64) throws(SysError) {
        try check(Seam.call(.prlimit) { hako_setrlimit(resource, soft, hard) }, "prlimit")
    }

    /// personality(2): the execution domain, such as PER_LINUX32.
    public static func setPersonality(_ persona: UInt) throws(SysError) {
        try check(Seam.call(.personality) { hako_personality(persona) }, "personality(\(persona))")
    }
}
