#if canImport(Glibc)
import Glibc
#endif
import Cgroups
import LinuxSys
import OCISpec

/// The container's cgroup: made at create from linux.cgroupsPath and linux.resources,
/// found again by later commands from the paths saved in state.json.
enum ContainerCgroup {
    /// The devices every container may use whatever its config says, appended after the
    /// config's rules as runc does (later rules win): mknod of any node, the default
    /// /dev nodes, the console, ptys and tun.
    static let defaultAllowedDevices: [LinuxDeviceCgroup] = [
        LinuxDeviceCgroup(allow: true, type: "c", access: "m"),
        LinuxDeviceCgroup(allow: true, type: "b", access: "m"),
        LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),
        LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 8, access: "rwm"),
        LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 7, access: "rwm"),
        LinuxDeviceCgroup(allow: true, type: "c", major: 5, minor: 0, access: "rwm"),
        LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 5, access: "rwm"),
        LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 9, access: "rwm"),
        LinuxDeviceCgroup(allow: true, type: "c", major: 5, minor: 1, access: "rwm"),
        LinuxDeviceCgroup(allow: true, type: "c", major: 136, access: "rwm"),
        LinuxDeviceCgroup(allow: true, type: "c", major: 5, minor: 2, access: "rwm"),
        LinuxDeviceCgroup(allow: true, type: "c", major: 10, minor: 200, access: "rwm"),
    ]

    /// linux.resources as written to the cgroup: the config's device rules, then the
    /// devices of linux.devices (which the container must be able to use), then the defaults.
    static func resources(for spec: Spec) -> LinuxResources {
        var resources = spec.linux?.resources ?? LinuxResources()
        var rules = resources.devices ?? []
        for device in spec.linux?.devices ?? [] where device.type != "p" {
            rules.append(LinuxDeviceCgroup(allow: true, type: device.type == "u" ? "c" : device.type,
                                           major: device.major, minor: device.minor, access: "rwm"))
        }
        rules += defaultAllowedDevices
        resources.devices = rules
        return resources
    }

    /// The `oom_kill` count of memory.oom_control (v1) or memory.events (v2) of a cgroup.
    static func oomKillCount(paths: [String: String]?) -> UInt64? {
        guard let paths else { return nil }
        let candidates = [paths["memory"].map { $0 + "/memory.oom_control" }, paths[""].map { $0 + "/memory.events" }]
        for file in candidates.compactMap({ $0 }) {
            guard let text = try? Files.readText(file) else { continue }
            for line in text.split(separator: "\n") where line.hasPrefix("oom_kill ") {
                return UInt64(line.dropFirst("oom_kill ".count))
            }
        }
        return nil
    }

    /// Creates the cgroup for a new container, writes its limits and moves `pid` into it;
    /// with `systemd`, as a transient unit that systemd makes (cgroupsPath "slice:prefix:name").
    ///
    /// Rootless (not root of the host), a cgroup hako may not create is no error as long as
    /// the config asks for no limit, as with runc: the container then runs in its creator's
    /// cgroup, and nil is returned.
    /// - Parameters:
    ///   - warn: settings accepted without effect here.
    ///   - note: why a rootless container has no cgroup (runc says nothing of it: debug).
    static func create(spec: Spec, id: String, pid: Int32, systemd: Bool = false, warn: (String) -> Void,
                       note: (String) -> Void = { _ in }) throws -> (any CgroupManager)? {
        let host = try CgroupHost.detect()
        let path = spec.linux?.cgroupsPath
        let manager: any CgroupManager = systemd
            ? try Cgroups.systemdManager(host: host, cgroupsPath: path, containerID: id)
            : try Cgroups.manager(host: host, cgroupsPath: path, containerID: id)
        do {
            try manager.setUp(pid: pid, resources: resources(for: spec))
        } catch {
            let denied = [EACCES, EPERM, EROFS].contains(error.errno ?? 0)
            guard geteuid() != 0, !systemd, denied, !asksForLimits(spec.linux?.resources) else { throw error }
            note("rootless: no cgroup for the container (\(error)); it runs in its creator's cgroup")
            return nil
        }
        for warning in manager.warnings { warn(warning) }
        return manager
    }

    /// Whether linux.resources sets anything but device rules (which a user namespace
    /// already bounds: it cannot make device nodes, only bind-mount the host's).
    static func asksForLimits(_ resources: LinuxResources?) -> Bool {
        guard var resources else { return false }
        resources.devices = nil
        return resources != LinuxResources()
    }
}

extension Container {
    /// The container's cgroup manager, from the paths saved at create.
    public func cgroup() throws -> any CgroupManager {
        guard let paths = state.cgroupPaths, !paths.isEmpty else {
            throw RuntimeError("container \"\(id)\" has no cgroup")
        }
        do {
            return try Cgroups.restore(host: try CgroupHost.detect(), paths: paths)
        } catch {
            throw RuntimeError("finding the cgroup of container \"\(id)\"", error)
        }
    }
}
