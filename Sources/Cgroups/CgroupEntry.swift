#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

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
public struct CgroupEntry {
    /// The `tasks` file of each v1 hierarchy, open for writing; the process writes "0".
    public let taskFDs: [Int32]
    /// The cgroup2 directory (pure v2, or the unified mount of a hybrid host), open for
    /// clone3, or -1.
    public let cgroup2FD: Int32

    /// Every descriptor, for the children to keep.
    public var descriptors: [Int32] { taskFDs + (cgroup2FD >= 0 ? [cgroup2FD] : []) }

    /// Opens the files of a cgroup's `paths` (the manager's, or those saved in state).
    /// - Parameter minimumFD: the lowest number the descriptors may take (above those the
    ///   container inherits).
    public init(paths: [String: String], minimumFD: Int32) throws(CgroupError) {
        var taskFDs: [Int32] = []
        var cgroup2FD: Int32 = -1
        do {
            // Directories only: the systemd driver also keeps its unit's name there.
            for directory in Set(paths.filter { !$0.key.isEmpty && $0.value.hasPrefix("/") }.map(\.value)).sorted() {
                taskFDs.append(try Files.move(try Files.open(directory + "/tasks", O_WRONLY), atOrAbove: minimumFD))
            }
            if let directory = paths[""] {
                cgroup2FD = try Files.move(try Files.open(directory, O_RDONLY | O_DIRECTORY), atOrAbove: minimumFD)
            }
        } catch {
            for fd in taskFDs { Files.close(fd) }
            throw CgroupError("opening the container's cgroup", error)
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
    public func fork() throws(SysError) -> (pid: pid_t, inCgroup2: Bool) {
        guard cgroup2FD >= 0 else { return (try Processes.fork(), true) }
        if let pid = try? Processes.fork(intoCgroup: cgroup2FD) { return (pid, true) }
        return (try Processes.fork(), false)
    }

    /// In the new process: enters each v1 hierarchy's cgroup and, when `cgroup2` is true,
    /// the cgroup2 directory (writing its cgroup.procs, the slower way clone3 avoids).
    public func enter(cgroup2: Bool) throws(CgroupError) {
        do throws(SysError) {
            for fd in taskFDs { try Files.writeAll(fd, Array("0".utf8), path: "tasks") }
            if cgroup2 && cgroup2FD >= 0 {
                let procs = try Files.open("cgroup.procs", at: cgroup2FD, flags: O_WRONLY, path: "cgroup.procs")
                defer { Files.close(procs) }
                try Files.writeAll(procs, Array("0".utf8), path: "cgroup.procs")
            }
        } catch {
            throw CgroupError("joining the container's cgroup: \(error.operation)", path: error.path, errno: error.errno)
        }
    }

    public func close() {
        for fd in descriptors { Files.close(fd) }
    }
}

extension Cgroups {
    /// The `oom_kill` count of memory.oom_control (v1) or memory.events (v2) of a cgroup.
    public static func oomKillCount(paths: [String: String]?) -> UInt64? {
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

    /// Moves `pid` on into sub-cgroups of a container's cgroup (`exec --cgroup`): for each
    /// directory of `paths` (controller -> directory, as saved in state.json), the
    /// sub-cgroup named for its controller in `subgroups`, or for "" (every controller).
    /// A sub-cgroup must exist and lie inside the container's; "/" is the container's own.
    public static func join(pid: pid_t, subgroups: [String: String], of paths: [String: String]) throws(CgroupError) {
        // Directories only: the systemd driver also keeps its unit's name there.
        for (controller, directory) in paths where directory.hasPrefix("/") {
            guard let sub = subgroups[controller] ?? subgroups[""] else { continue }
            let target = Paths.clean(directory + "/" + sub)
            // "/" is the container's own cgroup (runc's explicit top level); ".." leads out.
            guard target == directory || target.hasPrefix(directory + "/") else {
                throw CgroupError("--cgroup \(sub) is not a sub cgroup path")
            }
            // runc's words, which scripts look for.
            guard Files.isDirectory(target) else {
                throw CgroupError("--cgroup \(sub): adding pid \(pid) to", path: target + "/cgroup.procs",
                                  reason: "no such file or directory (no such sub-cgroup)")
            }
            do {
                try Files.write(target + "/cgroup.procs", "\(pid)", flags: O_WRONLY)
            } catch {
                throw CgroupError("adding pid \(pid) to", error)
            }
        }
    }
}
