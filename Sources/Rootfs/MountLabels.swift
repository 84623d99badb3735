import LinuxSys

/// linux.mountLabel: the SELinux context of the filesystems mounted for the container.
/// (The process's own labels are set by Runtime's SecurityLabels.)
public enum MountLabels {
    /// linux.mountLabel on a filesystem mount, as runc labels them: a `context=` option in
    /// the mount data of every filesystem but those that carry their own labels (proc,
    /// sysfs, cgroup) and mqueue, which is labelled after mounting (`labelMount`).
    public static func mountData(_ data: String?, label: String?, type: String?) -> String? {
        guard let label, !label.isEmpty, !["proc", "sysfs", "cgroup", "cgroup2", "mqueue"].contains(type ?? "") else { return data }
        let context = "context=\"\(label)\""
        guard let data, !data.isEmpty else { return context }
        return data + "," + context
    }

    /// The mqueue mount's label, set on its root after mounting (its mount data takes none).
    public static func labelMount(_ fd: Int32, label: String, destination: String) throws {
        do { try Files.setAttribute(procFD(fd), name: "security.selinux", value: label) } catch {
            throw RootfsError("labelling \(destination) with linux.mountLabel", SysError(error.operation, path: destination, errno: error.errno))
        }
    }
}
