#if canImport(Glibc)
import Glibc
#endif
import Cgroups
import Criu
import LinuxSys
import OCISpec
import Rootfs

/// What checkpoint and restore share: finding a working criu, the options both take in
/// runc's form, the mounts CRIU must treat as external, and quoting CRIU's log on failure.
enum CriuSupport {
    /// The file under the state root that remembers a passed `criu check` (a name no
    /// container id can have, as `seccomp@cache`).
    static let checkMarker = "criu@check"

    /// `requireWorking`, skipped when this boot's kernel already passed it with the same
    /// criu binary: `criu check` costs about as much as a small dump (a second in an
    /// emulated guest), and the answer changes only with the kernel or criu.
    static func requireWorking(store: StateStore, criu: String) throws {
        let marker = store.root + "/" + checkMarker
        let key = checkKey(criu: criu)
        if let key, let saved = try? Files.readText(marker), saved == key { return }
        try requireWorking(criu: criu)
        if let key {
            _ = try? Files.makeDirectories(store.root, mode: 0o700)
            _ = try? Files.writeAtomically(marker, Array(key.utf8), mode: 0o600, durable: false)
        }
    }

    /// This boot, and the criu that runs with its change time; nil when unknown.
    static func checkKey(criu: String) -> String? {
        guard let boot = try? Files.readText("/proc/sys/kernel/random/boot_id"),
              let path = HostInfo.criuPath(criu), let info = try? Files.status(path) else { return nil }
        return "\(boot.trimmingWhitespace()) \(path) \(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec) \(info.st_ino)\n"
    }

    /// Runs `criu check`; when it fails, both commands fail at once with criu's reason
    /// (rather than half-way through a dump, with a log to dig in).
    static func requireWorking(criu: String) throws {
        let result: (output: [UInt8], status: ExitStatus)
        do {
            // Its log to stderr, which is captured: a criu configuration file (/etc/criu/
            // default.conf) that names a log file would otherwise take the reason there.
            result = try Processes.combinedOutput(of: criu, ["check", "--log-file", "/dev/stderr"])
        } catch {
            throw RuntimeError("running criu check", error)
        }
        // One line: criu's lines joined, as hako's errors are printed on one.
        let output = String(decoding: result.output, as: UTF8.self).split(separator: "\n").map { $0.trimmingWhitespace() }
            .filter { !$0.isEmpty }.joined(separator: "; ")
        switch result.status {
        case .exited(0):
            return
        case .exited(127):
            throw RuntimeError(criu.contains("/") ? "--criu \(criu): not found or not executable"
                                                  : "checkpoint/restore needs criu, and none was found in PATH")
        case .exited(let code):
            throw RuntimeError("criu check failed on this host (status \(code)): \(output.isEmpty ? "no reason given" : output)")
        case .signaled(let signal):
            throw RuntimeError("criu check was killed by signal \(signal)")
        }
    }

    /// `--manage-cgroups-mode`.
    static func cgroupMode(_ flag: String) throws -> CriuCgroupMode {
        guard let mode = CriuCgroupMode(flag: flag) else {
            throw RuntimeError("--manage-cgroups-mode \(flag): must be soft, full, strict or ignore")
        }
        return mode
    }

    /// `--empty-ns` names (runc takes "network" only), as CLONE_NEW* flags. The network
    /// namespace is always among them, as with runc: hako does not manage network
    /// devices, so an engine sets the restored namespace up (its own hooks, or one joined
    /// by path, which CRIU leaves alone).
    static func emptyNamespaces(_ names: [String]) throws -> UInt32 {
        for name in names where name != NamespaceKind.network.rawValue {
            throw RuntimeError("--empty-ns \(name): only network is supported")
        }
        return UInt32(NamespacePlan.flags[.network]!)
    }

    /// `--page-server ADDRESS:PORT`.
    static func pageServer(_ text: String) throws -> (address: String, port: Int32) {
        guard let colon = text.lastIndex(of: ":") else {
            throw RuntimeError("--page-server \(text): use ADDRESS:PORT")
        }
        var address = String(text[..<colon])
        if address.hasPrefix("[") && address.hasSuffix("]") { address = String(address.dropFirst().dropLast()) }
        guard !address.isEmpty, let port = Int32(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            throw RuntimeError("--page-server \(text): use ADDRESS:PORT with a port from 1 to 65535")
        }
        return (address, port)
    }

    /// A CRIU configuration file for this container: the `org.criu.config` annotation's
    /// (empty: none), else hako's default, which CRIU skips when it does not exist.
    static func configFile(_ annotations: [String: String]?) -> String? {
        if let file = annotations?["org.criu.config"] { return file.isEmpty ? nil : file }
        return "/etc/criu/hako.conf"
    }

    /// The key under which a network or pid namespace joined by path is left out of the
    /// dump and handed back at restore (runc's names, so either runtime restores the other's).
    static func key(for kind: NamespaceKind) -> String {
        kind == .network ? "extRootNetNS" : "extRootPidNS"
    }

    /// The mounts of a container that CRIU cannot dump from inside it, as (destination,
    /// source): bind mounts, the binds a cgroup mount is made of without a cgroup
    /// namespace (`cgroups`: the container's, as /proc/PID/cgroup lists them) and device nodes
    /// (bound from the host when a user namespace forbids mknod). At dump, CRIU records
    /// each destination as the mount's name; at restore, it binds the source in its place.
    /// File masks, binds of /dev/null, are the callers' (`maskName`).
    static func externalMounts(_ spec: Spec, cgroups: [String: String]) throws -> [(destination: String, source: String)] {
        var result: [(String, String)] = []
        let ownCgroupNamespace = try NamespacePlan(spec.linux?.namespaces ?? []).has(.cgroup)
        for mount in spec.mounts ?? [] {
            if mount.isBind {
                result.append((Paths.clean(mount.destination), mount.source ?? mount.destination))
            } else if (mount.type == "cgroup" || mount.type == "cgroup2") && !ownCgroupNamespace {
                result += CgroupMount.binds(destination: mount.destination, own: cgroups,
                                           hierarchies: CgroupMount.hostHierarchies(try CgroupHost.hostMounts()))
            }
        }
        for device in spec.linux?.devices ?? [] { result.append((device.path, device.path)) }
        return result
    }

    /// The name under which masked files (binds of /dev/null) are recorded, and the
    /// source they are bound from again.
    static let maskName = "/dev/null"

    /// The lines of CRIU's log around each "Error" (five before), as runc quotes them.
    static func quoteLog(_ path: String) -> String {
        guard let text = try? Files.readText(path) else { return "" }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var shown = Set<Int>()
        for (index, line) in lines.enumerated() where line.includes("Error") {
            shown.formUnion(max(0, index - 5)...index)
        }
        guard !shown.isEmpty else { return "" }
        let quoted = shown.sorted().suffix(40).map { "\($0 + 1):\(lines[$0])" }
        return "\n--- \(path)\n" + quoted.joined(separator: "\n") + "\n---"
    }
}

