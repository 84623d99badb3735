public extension Spec {
    /// The configuration `runc spec` (or `runc spec --rootless`) writes, with
    /// ociVersion "1.2.0", as runc 1.2 writes it: no ambient capabilities (runc 1.1 listed
    /// some, which did nothing without an inheritable set, and now draw a warning). Rootless maps container root to `hostUID`/`hostGID`
    /// (runc uses the caller's effective IDs; pass geteuid()/getegid()).
    static func defaultSpec(rootless: Bool, hostUID: UInt32 = 0, hostGID: UInt32 = 0) -> Spec {
        let defaultCapabilities = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
        let process = ProcessSpec(
            terminal: true,
            user: User(uid: 0, gid: 0),
            args: ["sh"],
            env: [
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "TERM=xterm",
            ],
            cwd: "/",
            capabilities: LinuxCapabilities(
                bounding: defaultCapabilities,
                effective: defaultCapabilities,
                permitted: defaultCapabilities
            ),
            rlimits: [POSIXRlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 1024)],
            noNewPrivileges: true
        )

        // A rootless container cannot set gid=5 on devpts (no such group mapped)
        // nor mount a fresh sysfs (no network namespace of its own), so it binds /sys.
        var devptsOptions = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]
        if !rootless { devptsOptions.append("gid=5") }
        let sys = rootless
            ? Mount(destination: "/sys", type: "none", source: "/sys",
                    options: ["rbind", "nosuid", "noexec", "nodev", "ro"])
            : Mount(destination: "/sys", type: "sysfs", source: "sysfs",
                    options: ["nosuid", "noexec", "nodev", "ro"])
        let mounts = [
            Mount(destination: "/proc", type: "proc", source: "proc"),
            Mount(destination: "/dev", type: "tmpfs", source: "tmpfs",
                  options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
            Mount(destination: "/dev/pts", type: "devpts", source: "devpts", options: devptsOptions),
            Mount(destination: "/dev/shm", type: "tmpfs", source: "shm",
                  options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
            Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue",
                  options: ["nosuid", "noexec", "nodev"]),
            sys,
            Mount(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
                  options: ["nosuid", "noexec", "nodev", "relatime", "ro"]),
        ]

        var linux = Linux(
            maskedPaths: [
                "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
            ],
            readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
        )
        if rootless {
            linux.uidMappings = [LinuxIDMapping(containerID: 0, hostID: hostUID, size: 1)]
            linux.gidMappings = [LinuxIDMapping(containerID: 0, hostID: hostGID, size: 1)]
            linux.namespaces = [.pid, .ipc, .uts, .mount, .user].map { LinuxNamespace($0) }
        } else {
            linux.resources = LinuxResources(devices: [LinuxDeviceCgroup(allow: false, access: "rwm")])
            linux.namespaces = [.pid, .network, .ipc, .uts, .mount].map { LinuxNamespace($0) }
        }

        return Spec(
            ociVersion: Spec.supportedVersion,
            process: process,
            root: Root(path: "rootfs", readonly: true),
            hostname: "hako",
            mounts: mounts,
            linux: linux
        )
    }
}
