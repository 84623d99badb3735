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
    /// defaults. A node of linux.devices is created but not allowed by that alone, as with
    /// runc: the config's rules decide (engines add an allow rule for each device they pass),
    /// so a deny-all list keeps /dev/kmsg closed even when the node exists.
    static func resources(for spec: Spec) -> LinuxResources {
        var resources = spec.linux?.resources ?? LinuxResources()
        resources.devices = (resources.devices ?? []) + defaultAllowedDevices
        return resources
    }

    /// The manager of a new container's cgroup, from linux.cgroupsPath: nothing is made
    /// yet, so its paths can be recorded before they exist. With `systemd`, a transient
    /// unit that systemd makes (cgroupsPath "slice:prefix:name").
    /// - Parameter host: the host's cgroup layout, as main read it.
    static func plan(spec: Spec, id: String, systemd: Bool, host: CgroupHost) throws -> any CgroupManager {
        let path = spec.linux?.cgroupsPath
        return systemd
            ? try Cgroups.systemdManager(host: host, cgroupsPath: path, containerID: id, annotations: spec.annotations)
            : try Cgroups.manager(host: host, cgroupsPath: path, containerID: id)
    }

    /// Creates the planned cgroup, writes its limits and moves `pid` into it.
    ///
    /// Rootless (not root of the host), a cgroup hako may not create is no error as long as
    /// the config asks for no limit, as with runc: the container then runs in its creator's
    /// cgroup, and nil is returned.
    /// - Parameters:
    ///   - pid: the process to move in; nil to only create the cgroup and write the limits
    ///     (the process then enters it itself: `CgroupEntry`).
    ///   - warn: settings accepted without effect here.
    ///   - note: why a rootless container has no cgroup (runc says nothing of it: debug).
    static func setUp(_ manager: any CgroupManager, spec: Spec, pid: Int32?, systemd: Bool = false, warn: (String) -> Void,
                      note: (String) -> Void = { _ in }) throws -> (any CgroupManager)? {
        do throws(CgroupError) {
            try manager.checkBeforeCreating()
            if let pid {
                try manager.setUp(pid: pid, resources: resources(for: spec))
            } else {
                try manager.prepare(resources: resources(for: spec))
            }
        } catch {
            let denied = [EACCES, EPERM, EROFS].contains(error.errno ?? 0)
            guard Caller.isRootless, !systemd, denied, !asksForLimits(spec.linux?.resources) else { throw error }
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

extension CgroupEntry {
    /// Whether init can enter by itself: it must see the host's cgroupfs at the same paths
    /// and write to it as the host's root, so no user namespace, and no mount or cgroup
    /// namespace joined by path. (The systemd driver needs init's pid to make the unit.)
    static func isPossible(_ plan: CreatePlan) -> Bool {
        !plan.options.systemdCgroup && !plan.namespaces.creates.contains(.user)
            && !plan.namespaces.joins.contains { [.user, .mount, .cgroup].contains($0.kind) }
    }
}

extension Container {
    /// The container's cgroup manager, from the paths saved at create.
    public func cgroup() throws -> any CgroupManager {
        guard let paths = state.cgroupPaths, !paths.isEmpty else {
            throw RuntimeError("container \"\(id)\" has no cgroup")
        }
        do {
            return try Cgroups.restore(host: try CgroupHost.current(), paths: paths)
        } catch {
            throw RuntimeError("finding the cgroup of container \"\(id)\"", error)
        }
    }
}
