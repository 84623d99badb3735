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

    /// The manager of a new container's cgroup, from linux.cgroupsPath: nothing is made
    /// yet, so its paths can be recorded before they exist. With `systemd`, a transient
    /// unit that systemd makes (cgroupsPath "slice:prefix:name").
    static func plan(spec: Spec, id: String, systemd: Bool) throws -> any CgroupManager {
        let host = try CgroupHost.current()
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
            if let warning = try manager.checkBeforeCreating() { warn(warning) }
            if let pid {
                try manager.setUp(pid: pid, resources: resources(for: spec))
            } else {
                try manager.prepare(resources: resources(for: spec))
            }
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

/// How a new process enters the container's cgroup by itself, which is far cheaper than
/// being moved. Moving another process (a pid written to cgroup.procs) takes the kernel's
/// global threadgroup lock for writing, and its first use waits for an RCU grace period:
/// about 10-15 ms, most of a container's start. A process that moves only its own thread
/// (v1's `tasks` file, "0") skips that lock, and a child forked straight into a cgroup2
/// directory (clone3 CLONE_INTO_CGROUP) migrates nothing.
///
/// Main opens the files before forking: the kernel checks the credentials of the opener
/// (main, root), and for exec the paths would otherwise be the container's, not the host's.
/// Used by init at create (the cgroup made, limits written, before the fork) and by the
/// process of an exec.
struct CgroupEntry {
    /// The `tasks` file of each v1 hierarchy, open for writing; the process writes "0".
    let taskFDs: [Int32]
    /// The cgroup2 directory (pure v2, or the unified mount of a hybrid host), open for
    /// clone3, or -1.
    let cgroup2FD: Int32

    /// Every descriptor, for the children to keep.
    var descriptors: [Int32] { taskFDs + (cgroup2FD >= 0 ? [cgroup2FD] : []) }

    /// Whether init can enter by itself: it must see the host's cgroupfs at the same paths
    /// and write to it as the host's root, so no user namespace, and no mount or cgroup
    /// namespace joined by path. (The systemd driver needs init's pid to make the unit.)
    static func isPossible(_ plan: CreatePlan) -> Bool {
        !plan.options.systemdCgroup && !plan.namespaces.creates.contains(.user)
            && !plan.namespaces.joins.contains { [.user, .mount, .cgroup].contains($0.kind) }
    }

    /// Opens the files of a cgroup's `paths` (the manager's, or those saved in state).
    /// - Parameter minimumFD: the lowest number the descriptors may take (above those the
    ///   container inherits).
    init(paths: [String: String], minimumFD: Int32) throws {
        var taskFDs: [Int32] = []
        var cgroup2FD: Int32 = -1
        do {
            // Directories only: the systemd driver also keeps its unit's name there.
            for directory in Set(paths.filter { !$0.key.isEmpty && $0.value.hasPrefix("/") }.map(\.value)).sorted() {
                taskFDs.append(try Descriptors.moveAbove(try Files.open(directory + "/tasks", O_WRONLY | O_CLOEXEC), minimum: minimumFD))
            }
            if let directory = paths[""] {
                cgroup2FD = try Descriptors.moveAbove(try Files.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC), minimum: minimumFD)
            }
        } catch {
            for fd in taskFDs { Glibc.close(fd) }
            throw RuntimeError("opening the container's cgroup", error)
        }
        self.taskFDs = taskFDs
        self.cgroup2FD = cgroup2FD
    }

    /// Forks the process that enters: straight into the cgroup2 directory (clone3 with
    /// CLONE_INTO_CGROUP) where the kernel allows it, else a plain fork. clone3 fails with
    /// ENOSYS before Linux 5.3, with E2BIG or EINVAL on 5.3 to 5.6, which lack
    /// CLONE_INTO_CGROUP, and with whatever errno a seccomp profile that refuses it picks
    /// (ENOSYS in Docker's, for hako inside a container; EPERM in older ones): any failure
    /// falls back, and a plain fork that fails too reports its own error.
    /// - Returns: the pid (0 in the child), and whether the child is in the cgroup2
    ///   directory already; if not, `enter(cgroup2: true)` moves it.
    func fork() throws(SysError) -> (pid: pid_t, inCgroup2: Bool) {
        guard cgroup2FD >= 0 else { return (try Processes.fork(), true) }
        if let pid = try? Processes.fork(intoCgroup: cgroup2FD) { return (pid, true) }
        return (try Processes.fork(), false)
    }

    /// In the new process: enters each v1 hierarchy's cgroup and, when `cgroup2` is true,
    /// the cgroup2 directory (writing its cgroup.procs, the slower way clone3 avoids).
    func enter(cgroup2: Bool) throws {
        for fd in taskFDs {
            try step("joining the container's cgroup") { try Files.writeAll(fd, Array("0".utf8), path: "tasks") }
        }
        if cgroup2 && cgroup2FD >= 0 {
            try step("joining the container's cgroup") {
                let procs = try check(openat(cgroup2FD, "cgroup.procs", O_WRONLY | O_CLOEXEC), "open", path: "cgroup.procs")
                defer { Glibc.close(procs) }
                try Files.writeAll(procs, Array("0".utf8), path: "cgroup.procs")
            }
        }
    }

    func close() {
        for fd in descriptors { _ = Glibc.close(fd) }
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
