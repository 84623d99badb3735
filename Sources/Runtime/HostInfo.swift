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
    public struct OperatingSystem: Encodable, Sendable {
        /// NAME and VERSION of /etc/os-release ("Debian GNU/Linux", "12 (bookworm)").
        public var name: String
        public var version: String
    }
    public struct CPU: Encodable, Sendable {
        /// The first "model name" of /proc/cpuinfo (x86), else its "Hardware" or "CPU part".
        public var model: String
        /// Online CPUs.
        public var count: Int
    }
    public struct CRIU: Encodable, Sendable {
        /// Where PATH finds criu; nil when it does not.
        public var path: String?
        /// What `criu --version` says ("3.17.1"), when it runs.
        public var version: String?
        /// Why `criu check` fails on this host, when it does; nil when it passes or criu
        /// is missing.
        public var checkFailure: String?
    }
    public var hako: String
    public var os: OperatingSystem
    public var architecture: String
    public var cpu: CPU
    /// MemTotal of /proc/meminfo, in bytes.
    public var memoryBytes: UInt64
    public var kernel: Kernel
    public var cgroup: CgroupInfo?
    public var cgroupError: String?
    /// The controllers whose limits a container here can get: every controller of a
    /// mounted v1 hierarchy, and those the cgroup2 root offers (cgroup.controllers).
    public var containerControllers: [String]
    /// Namespace kinds the kernel has (/proc/self/ns entries).
    public var namespaces: [String]
    /// "mode 2" when the kernel has seccomp filters (/proc/self/status Seccomp field present).
    public var seccomp: Bool
    public var apparmor: Bool
    public var selinux: Bool
    public var userNamespaces: Bool
    public var lastCapability: Int
    public var libseccomp: String
    public var criu: CRIU
    /// Whether checkpoint and restore work here: criu found, and `criu check` passes.
    public var checkpointRestore: Bool
    /// Whether this build runs WebAssembly modules as container processes.
    public var wasm: Bool

    /// What `hako info` reports of this host, read now.
    /// - Parameters:
    ///   - version: hako's version, as `--version` prints it.
    ///   - binary: the criu checkpoint and restore would run (`--criu`).
    public static func gather(version: String, criu binary: String = "criu") -> HostInfo {
        var names = utsname()
        uname(&names)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { raw in String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self) }
        }
        var cgroup: CgroupInfo?
        var cgroupError: String?
        var containerControllers: [String] = []
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
            containerControllers = Set(hierarchies.values.flatMap { $0.split(separator: ",").map(String.init) })
                .filter { !$0.hasPrefix("name=") }.sorted()
        } catch {
            cgroupError = "\(error)"
        }
        let namespaceFiles = Set((try? Files.listDirectory("/proc/self/ns")) ?? [])
        let namespaces = Container.namespaceFiles.filter { namespaceFiles.contains($0.value) }.map(\.key.rawValue).sorted()
        let status = (try? Files.readText("/proc/self/status")) ?? ""
        let apparmor = ((try? Files.readText("/sys/module/apparmor/parameters/enabled")) ?? "").hasPrefix("Y")
        let selinux = Files.exists("/sys/fs/selinux/enforce")
        let criu = criu(binary: binary)
        let maxUserNamespaces = Int(((try? Files.readText("/proc/sys/user/max_user_namespaces")) ?? "0").trimmingWhitespace()) ?? 0
        return HostInfo(
            hako: version, os: operatingSystem(), architecture: field(names.machine), cpu: cpu(),
            memoryBytes: memoryBytes(),
            kernel: Kernel(release: field(names.release), version: field(names.version), machine: field(names.machine)),
            cgroup: cgroup, cgroupError: cgroupError, containerControllers: containerControllers, namespaces: namespaces,
            seccomp: status.includes("Seccomp:"), apparmor: apparmor, selinux: selinux,
            userNamespaces: maxUserNamespaces > 0, lastCapability: Capabilities.lastCapability(),
            libseccomp: RuntimeFeatures.libseccompVersion, criu: criu,
            checkpointRestore: criu.version != nil && criu.checkFailure == nil, wasm: true)
    }

    /// NAME and VERSION of os-release(5): /etc/os-release, else /usr/lib/os-release.
    static func operatingSystem(file: String? = nil) -> OperatingSystem {
        let text = [file ?? "/etc/os-release", "/usr/lib/os-release"].lazy.compactMap { try? Files.readText($0) }.first ?? ""
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            var value = line[line.index(after: equals)...]
            if value.count >= 2, let quote = value.first, quote == "\"" || quote == "'", value.last == quote {
                value = value.dropFirst().dropLast()
            }
            values[String(line[..<equals])] = String(value)
        }
        return OperatingSystem(name: values["NAME"] ?? "Linux", version: values["VERSION"] ?? values["VERSION_ID"] ?? "")
    }

    static func cpu(cpuinfo: String = "/proc/cpuinfo") -> CPU {
        var model = "unknown"
        let text = (try? Files.readText(cpuinfo)) ?? ""
        for key in ["model name", "Hardware", "CPU part"] {
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key) }), let colon = line.firstIndex(of: ":") {
                model = String(line[line.index(after: colon)...]).trimmingWhitespace()
                break
            }
        }
        return CPU(model: model, count: max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    static func memoryBytes(meminfo: String = "/proc/meminfo") -> UInt64 {
        let text = (try? Files.readText(meminfo)) ?? ""
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ UInt64($0) }) else { return 0 }
        return kilobytes * 1024
    }

    /// Where `binary` is: itself when it names a path, else where PATH finds it.
    static func criuPath(_ binary: String = "criu") -> String? {
        if binary.contains("/") { return Files.isExecutable(binary) ? binary : nil }
        let searchPath = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        return searchPath.split(separator: ":").map { "\($0)/\(binary)" }.first { Files.isExecutable($0) }
    }

    /// criu found in PATH, its version from `criu --version` ("Version: 3.17.1") and, when
    /// `check`, why `criu check` fails if it does.
    static func criu(check: Bool = true, binary: String = "criu") -> CRIU {
        guard let path = criuPath(binary) else { return CRIU(path: nil, version: nil) }
        guard let (stdout, status) = try? Processes.output(of: path, ["--version"]), status == .exited(0) else {
            return CRIU(path: path, version: nil)
        }
        let line = String(decoding: stdout, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("Version:") }
        var failure: String?
        if check {
            do { try CriuSupport.requireWorking(criu: path) } catch { failure = "\(error)" }
        }
        return CRIU(path: path, version: line.map { String($0.dropFirst("Version:".count)).trimmingWhitespace() }, checkFailure: failure)
    }
}
