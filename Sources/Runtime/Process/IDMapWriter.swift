#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// Writes a new user namespace's uid_map and gid_map from outside it.
///
/// As root of the host every mapping can be written directly. An unprivileged caller (a
/// rootless hako) may write only a map of its own id, and for gid_map only after
/// /proc/PID/setgroups says "deny" (the kernel's rule, so that dropping groups cannot be
/// undone). Any other mapping needs the setuid helpers newuidmap/newgidmap (Debian's uidmap
/// package), which map the ranges /etc/subuid and /etc/subgid grant the caller; they are
/// run as runc and podman run them.
enum IDMapWriter {
    /// Where the helpers are looked for, in order.
    static let helperDirectories = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]

    static func write(pid: pid_t, uidMappings: [LinuxIDMapping], gidMappings: [LinuxIDMapping]) throws {
        let euid = geteuid(), egid = getegid()
        if euid == 0 {
            try writeFile(pid, "uid_map", uidMappings)
            try writeFile(pid, "gid_map", gidMappings)
            return
        }
        if isOwnID(uidMappings, euid) {
            try writeFile(pid, "uid_map", uidMappings)
        } else {
            try runHelper("newuidmap", pid: pid, uidMappings, field: "linux.uidMappings", ownID: "uid \(euid)", idFile: "/etc/subuid")
        }
        if isOwnID(gidMappings, egid) {
            // Without "deny" the kernel refuses an unprivileged gid_map.
            try step("denying setgroups for the container's user namespace") {
                try Files.write("/proc/\(pid)/setgroups", "deny", flags: O_WRONLY)
            }
            try writeFile(pid, "gid_map", gidMappings)
        } else {
            try runHelper("newgidmap", pid: pid, gidMappings, field: "linux.gidMappings", ownID: "gid \(egid)", idFile: "/etc/subgid")
        }
    }

    /// A single mapping of exactly the caller's own id: what the kernel lets anyone write.
    static func isOwnID(_ mappings: [LinuxIDMapping], _ id: UInt32) -> Bool {
        mappings.count == 1 && mappings[0].hostID == id && mappings[0].size == 1
    }

    /// "0 1000 1\n1 100000 65536\n": the map file's format.
    static func text(_ mappings: [LinuxIDMapping]) -> String {
        mappings.map { "\($0.containerID) \($0.hostID) \($0.size)\n" }.joined()
    }

    /// The helper's arguments: the pid, then each mapping's three numbers.
    static func helperArguments(pid: pid_t, _ mappings: [LinuxIDMapping]) -> [String] {
        [String(pid)] + mappings.flatMap { [String($0.containerID), String($0.hostID), String($0.size)] }
    }

    private static func writeFile(_ pid: pid_t, _ file: String, _ mappings: [LinuxIDMapping]) throws {
        try Files.write("/proc/\(pid)/\(file)", text(mappings), flags: O_WRONLY)
    }

    /// Runs newuidmap/newgidmap and waits; its own message (which names the subordinate id
    /// file when a range is not granted) becomes the error.
    private static func runHelper(_ name: String, pid: pid_t, _ mappings: [LinuxIDMapping], field: String, ownID: String, idFile: String) throws {
        guard let path = helperDirectories.map({ $0 + "/" + name }).first(where: { Files.isExecutable($0) }) else {
            throw RuntimeError("\(field): mapping ids other than your own (\(ownID)) needs \(name) (Debian's uidmap package) and a range in \(idFile)")
        }
        // What it says goes into the error: stdout and stderr both, in one pipe.
        let arguments = helperArguments(pid: pid, mappings)
        let result: (output: [UInt8], status: ExitStatus)
        do {
            result = try Processes.combinedOutput(of: path, arguments)
        } catch {
            throw RuntimeError("\(field): running \(path)", error)
        }
        if result.status == .exited(0) { return }
        let said = String(decoding: result.output, as: UTF8.self).trimmingWhitespace()
        throw RuntimeError("\(field): \(([path] + arguments).joined(separator: " ")) failed" + (said.isEmpty ? "" : ": \(said)"))
    }
}
