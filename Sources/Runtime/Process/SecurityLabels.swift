#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// process.apparmorProfile and process.selinuxLabel: the label the process gets when it
/// execs, set through /proc/self/attr. A label the host cannot apply (its LSM is not
/// enabled) is an error that says so, never silently dropped.
enum SecurityLabels {
    static var appArmorEnabled: Bool {
        ((try? Files.readText("/sys/module/apparmor/parameters/enabled")) ?? "").hasPrefix("Y")
    }

    static var seLinuxEnabled: Bool {
        Files.exists("/sys/fs/selinux/enforce")
    }

    /// Checked in main before any fork, so the error comes before anything is made.
    static func check(apparmorProfile: String?, selinuxLabel: String?, mountLabel: String?) throws {
        if let profile = apparmorProfile, !profile.isEmpty, !appArmorEnabled {
            throw RuntimeError("process.apparmorProfile: AppArmor is not enabled on this host")
        }
        if let label = selinuxLabel, !label.isEmpty, !seLinuxEnabled {
            throw RuntimeError("process.selinuxLabel: SELinux is not enabled on this host")
        }
        if let label = mountLabel, !label.isEmpty, !seLinuxEnabled {
            throw RuntimeError("linux.mountLabel: SELinux is not enabled on this host")
        }
    }

    /// Asks the kernel to switch to the labels at the next execve(2).
    static func applyOnExec(apparmorProfile: String?, selinuxLabel: String?) throws {
        if let profile = apparmorProfile, !profile.isEmpty {
            // The AppArmor-specific file first (stacked LSMs), the shared one on older kernels.
            let path = Files.exists("/proc/self/attr/apparmor/exec") ? "/proc/self/attr/apparmor/exec" : "/proc/self/attr/exec"
            do {
                try Files.write(path, "exec \(profile)", flags: O_WRONLY)
            } catch {
                throw RuntimeError("setting process.apparmorProfile \"\(profile)\"", error)
            }
        }
        if let label = selinuxLabel, !label.isEmpty {
            do {
                try Files.write("/proc/self/attr/exec", label, flags: O_WRONLY)
            } catch {
                throw RuntimeError("setting process.selinuxLabel \"\(label)\"", error)
            }
        }
    }
}
