#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// The calls the managers make on the host. `HostCgroupSystem` is the real thing; tests put
/// a double in its place that records the writes and plays the kernel's part on a temp dir.
public protocol CgroupSystem {
    /// Reads a whole cgroup file.
    func readFile(_ path: String) throws(SysError) -> String
    /// Writes a value to an existing cgroup file with a single write(2); never creates it.
    func writeFile(_ path: String, _ value: String) throws(SysError)
    /// mkdir(2) of one directory; EEXIST is reported like any other error.
    func makeDirectory(_ path: String) throws(SysError)
    /// rmdir(2) of a cgroup directory.
    func removeDirectory(_ path: String) throws(SysError)
    /// Names in a directory, without "." and "..".
    func listDirectory(_ path: String) throws(SysError) -> [String]
    /// The names of the directories in a directory (child cgroups).
    func listSubdirectories(_ path: String) throws(SysError) -> [String]
    func exists(_ path: String) -> Bool
    func isDirectory(_ path: String) -> Bool
    /// kill(2).
    func signal(_ pid: Int32, _ signal: Int32) throws(SysError)
    /// Waits a little while polling a state (freezer, rmdir retries).
    func pause(microseconds: UInt32)
    /// cgroup v2: makes `program` the cgroup's device program, replacing the ones
    /// attached there before.
    func attachDeviceProgram(_ directory: String, _ program: DeviceProgram) throws(SysError)
}

extension CgroupSystem {
    public func listSubdirectories(_ path: String) throws(SysError) -> [String] {
        try listDirectory(path).filter { isDirectory(path + "/" + $0) }
    }
}

/// The host's cgroup filesystem and processes.
public struct HostCgroupSystem: CgroupSystem, Sendable {
    public init() {}

    public func readFile(_ path: String) throws(SysError) -> String {
        try Files.readText(path)
    }

    public func writeFile(_ path: String, _ value: String) throws(SysError) {
        // No O_CREAT: a missing file means the kernel lacks the knob, and must say so.
        try Files.write(path, value, flags: O_WRONLY | O_TRUNC)
    }

    public func makeDirectory(_ path: String) throws(SysError) {
        try check(mkdir(path, 0o755), "mkdir", path: path)
    }

    public func removeDirectory(_ path: String) throws(SysError) {
        try check(rmdir(path), "rmdir", path: path)
    }

    public func listDirectory(_ path: String) throws(SysError) -> [String] {
        try Files.listDirectory(path)
    }

    public func listSubdirectories(_ path: String) throws(SysError) -> [String] {
        try Files.listSubdirectories(path)
    }

    public func exists(_ path: String) -> Bool {
        Files.exists(path)
    }

    public func isDirectory(_ path: String) -> Bool {
        Files.isDirectory(path)
    }

    public func signal(_ pid: Int32, _ signal: Int32) throws(SysError) {
        try check(kill(pid, signal), "kill \(pid)")
    }

    public func pause(microseconds: UInt32) {
        usleep(microseconds)
    }

    public func attachDeviceProgram(_ directory: String, _ program: DeviceProgram) throws(SysError) {
        try DevicePrograms.replace(directory, with: program)
    }
}
