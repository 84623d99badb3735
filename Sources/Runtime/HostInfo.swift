#if canImport(Glibc)
import Glibc
#endif
import Cgroups
import LinuxSys
import OCISpec

/// A report of what this host offers a container runtime (`hako info`).
public struct HostInfo: Encodable, Sendable {
    public struct Kernel: Encodable, Sendable {
        public var release: String
        public var version: String
        public var machine: String
    }
    public struct CgroupInfo: Encodable, Sendable {
        /// legacy (v1), hybrid or unified (v2).
        public var mode: String
        /// Mount point -> controllers ("" for a named or empty hierarchy).
        public var hierarchies: [String: String]
    }
    public var hako: String
    public var kernel: Kernel
    public var cgroup: CgroupInfo?
    public var cgroupError: String?
    /// Namespace kinds the kernel has (/proc/self/ns entries).
    public var namespaces: [String]
    /// "mode 2" when the kernel has seccomp filters (/proc/self/status Seccomp field present).
    public var seccomp: Bool
    public var apparmor: Bool
    public var selinux: Bool
    public var userNamespaces: Bool
    public var lastCapability: Int

    public static func gather(version: String) -> HostInfo {
        var names = utsname()
        uname(&names)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { raw in String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self) }
        }
        var cgroup: CgroupInfo?
        var cgroupError: String?
        do {
            let host = try CgroupHost.current()
            var hierarchies: [String: String] = [:]
            for hierarchy in host.hierarchies { hierarchies[hierarchy.mountPoint] = hierarchy.controllers.sorted().joined(separator: ",") }
            if let unified = host.unified {
                let controllers = (try? Files.readText(unified.mountPoint + "/cgroup.controllers")) ?? ""
                hierarchies[unified.mountPoint] = controllers.trimmingWhitespace().split(separator: " ").joined(separator: ",")
            }
            let mode: String
            switch host.mode {
            case .legacy: mode = "legacy"
            case .hybrid: mode = "hybrid"
            case .unified: mode = "unified"
            }
            cgroup = CgroupInfo(mode: mode, hierarchies: hierarchies)
        } catch {
            cgroupError = "\(error)"
        }
        let namespaceFiles = Set((try? Files.listDirectory("/proc/self/ns")) ?? [])
        let namespaces = Container.namespaceFiles.filter { namespaceFiles.contains($0.value) }.map(\.key.rawValue).sorted()
        let status = (try? Files.readText("/proc/self/status")) ?? ""
        let apparmor = ((try? Files.readText("/sys/module/apparmor/parameters/enabled")) ?? "").hasPrefix("Y")
        let selinux = Files.exists("/sys/fs/selinux/enforce")
        let maxUserNamespaces = Int(((try? Files.readText("/proc/sys/user/max_user_namespaces")) ?? "0").trimmingWhitespace()) ?? 0
        return HostInfo(
            hako: version,
            kernel: Kernel(release: field(names.release), version: field(names.version), machine: field(names.machine)),
            cgroup: cgroup, cgroupError: cgroupError, namespaces: namespaces,
            seccomp: status.contains("Seccomp:"), apparmor: apparmor, selinux: selinux,
            userNamespaces: maxUserNamespaces > 0, lastCapability: Capabilities.lastCapability())
    }
}
