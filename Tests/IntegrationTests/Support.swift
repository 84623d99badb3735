import Foundation
import LinuxSys
import OCISpec
import Testing

/// Runs the hako binary built by `swift build`/`swift test` and makes busybox bundles.
enum Runner {
    /// The package root, from this file's path.
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The hako executable: $HAKO_BINARY, or the debug build next to the tests.
    static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["HAKO_BINARY"], !path.isEmpty { return path }
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("hako").path,
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("hako").path,
            packageRoot + "/.build/debug/hako",
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }()

    static let busybox = "/bin/busybox"

    static var isRoot: Bool { getuid() == 0 }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs hako with output captured through files (a container may keep a pipe open
    /// long after hako exits, so pipes would block the test).
    @discardableResult
    static func run(_ arguments: [String], stdin: String? = nil, executable: String? = nil, environment: [String: String] = [:],
                    timeout: TimeInterval = 60) throws -> Result {
        let dir = try Scratch.directory("out")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outPath = dir + "/stdout", errPath = dir + "/stderr"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable ?? binary)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        if let stdin {
            let inPath = dir + "/stdin"
            FileManager.default.createFile(atPath: inPath, contents: Data(stdin.utf8))
            process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
        } else {
            process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        }
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            Issue.record("hako \(arguments.joined(separator: " ")) timed out after \(timeout)s")
        }
        process.waitUntilExit()
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return Result(status: process.terminationStatus, stdout: out, stderr: err)
    }
}

extension TestBundle {
    /// Starts hako with this bundle's --root and returns without waiting: stdin from
    /// /dev/null, stdout and stderr to `output` (created empty) or /dev/null. For tests
    /// that kill hako, stop it, or run several at once.
    func launch(_ arguments: [String], environment: [String: String] = [:], output: String? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Runner.binary)
        process.arguments = ["--root", root] + arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        if let output {
            FileManager.default.createFile(atPath: output, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
            process.standardOutput = handle
            process.standardError = handle
        } else {
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        }
        try process.run()
        return process
    }
}

/// Temporary directories that tests remove.
enum Scratch {
    static func directory(_ tag: String) throws -> String {
        let path = NSTemporaryDirectory() + "hako-test-\(tag)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// A bundle with a busybox rootfs and a config built from hako's default spec, plus its
/// own state root, so each test is isolated from the others.
final class TestBundle {
    let path: String
    let root: String
    let id: String
    var spec: Spec

    var rootfs: String { path + "/rootfs" }

    init(args: [String], tag: String = "c") throws {
        path = try Scratch.directory("bundle")
        root = try Scratch.directory("root")
        id = "\(tag)-\(UUID().uuidString.prefix(12).lowercased())"
        try TestBundle.makeRootfs(at: path + "/rootfs")
        spec = Spec.defaultSpec(rootless: false)
        spec.process?.terminal = false
        spec.process?.args = args
        // A marker in the environment finds the container's processes from the host.
        spec.process?.env?.append("HAKO_TEST_MARKER=\(id)")
        try writeConfig()
    }

    func writeConfig() throws {
        let data = try spec.encoded(pretty: true)
        try Data(data).write(to: URL(fileURLWithPath: path + "/config.json"))
    }

    /// A busybox-static rootfs: /bin/busybox and a symlink per applet.
    static func makeRootfs(at rootfs: String) throws {
        let fm = FileManager.default
        for dir in ["bin", "etc", "proc", "sys", "dev", "tmp", "root"] {
            try fm.createDirectory(atPath: rootfs + "/" + dir, withIntermediateDirectories: true)
        }
        try fm.copyItem(atPath: Runner.busybox, toPath: rootfs + "/bin/busybox")
        for applet in applets {
            try? fm.createSymbolicLink(atPath: rootfs + "/bin/" + applet, withDestinationPath: "busybox")
        }
        try "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n"
            .write(toFile: rootfs + "/etc/passwd", atomically: true, encoding: .utf8)
        try "root:x:0:\nnogroup:x:65534:\n".write(toFile: rootfs + "/etc/group", atomically: true, encoding: .utf8)
    }

    static let applets: [String] = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Runner.busybox)
        process.arguments = ["--list"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try? process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }()

    /// hako with this bundle's --root.
    @discardableResult
    func hako(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], timeout: TimeInterval = 60) throws -> Runner.Result {
        try Runner.run(["--root", root] + arguments, stdin: stdin, environment: environment, timeout: timeout)
    }

    /// `run` of this bundle, returning the result.
    func run(_ extra: [String] = [], stdin: String? = nil) throws -> Runner.Result {
        try writeConfig()
        return try hako(["run", "--bundle", path] + extra + [id], stdin: stdin)
    }

    /// `run` that must succeed and leave nothing behind; returns the container's stdout.
    func runExpectingSuccess(_ extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try run(extra)
        #expect(result.status == 0, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        expectNothingLeft(sourceLocation: sourceLocation)
        return result.stdout
    }

    func create(_ extra: [String] = []) throws -> Runner.Result {
        try writeConfig()
        return try hako(["create", "--bundle", path] + extra + [id])
    }

    func state() throws -> [String: Any]? {
        let result = try hako(["state", id])
        guard result.status == 0 else { return nil }
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    }

    /// Pids of processes that carry this container's marker: hako's own processes for it
    /// (their command line has the id) and the container's (their environment has it).
    func leftoverProcesses() -> [Int32] {
        var found: [Int32] = []
        let me = getpid()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(name), pid != me else { continue }
            for file in ["cmdline", "environ"] {
                if let data = FileManager.default.contents(atPath: "/proc/\(pid)/\(file)"),
                   String(decoding: data, as: UTF8.self).contains(id) {
                    // A zombie of ours is not a leftover (its parent will reap it).
                    if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), stat.contains(") Z ") { break }
                    found.append(pid)
                    break
                }
            }
        }
        return found
    }

    /// Mounts on the host that involve this bundle.
    func leftoverMounts() -> [String] {
        let text = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init).filter { $0.contains(path) }
    }

    /// cgroup directories named after this container (the default cgroupsPath is /<id>).
    func leftoverCgroups() -> [String] {
        let hierarchies = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? []
        let candidates = ["/sys/fs/cgroup/\(id)"] + hierarchies.map { "/sys/fs/cgroup/\($0)/\(id)" }
        return candidates.filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// `delete --force`, then expects nothing left: how a test ends its detached container.
    func deleteExpectingNothingLeft(sourceLocation: SourceLocation = #_sourceLocation) {
        let deleted = try? hako(["delete", "--force", id])
        #expect(deleted?.status == 0, "delete --force: \(deleted?.stderr ?? "")", sourceLocation: sourceLocation)
        expectNothingLeft(sourceLocation: sourceLocation)
    }

    /// Expects that nothing of this container remains: no state, process, mount or cgroup.
    func expectNothingLeft(sourceLocation: SourceLocation = #_sourceLocation) {
        // The caches (compiled seccomp filters, a passed criu check) stay by design: they are no container's.
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { !$0.contains("@") }
        #expect(entries.isEmpty, "state left in \(root): \(entries)", sourceLocation: sourceLocation)
        #expect(leftoverProcesses().isEmpty, "processes left: \(leftoverProcesses())", sourceLocation: sourceLocation)
        #expect(leftoverMounts().isEmpty, "mounts left: \(leftoverMounts())", sourceLocation: sourceLocation)
        #expect(leftoverCgroups().isEmpty, "cgroups left: \(leftoverCgroups())", sourceLocation: sourceLocation)
    }

    /// Kills and deletes the container if a test left it, then removes the directories.
    func cleanUp() {
        _ = try? hako(["delete", "--force", id])
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.removeItem(atPath: root)
    }

    deinit { cleanUp() }
}

/// Waits (polling) until a condition holds or the timeout passes.
func eventually(timeout: TimeInterval = 10, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        usleep(20_000)
    }
    return try condition()
}

/// A Unix socket that receives one descriptor over SCM_RIGHTS, as an engine runs one for
/// hako to connect to: a console socket (the pty master, as runc's recvtty), a pidfd
/// socket, a seccomp agent's listener.
final class DescriptorSocket {
    let path: String
    let fd: Int32

    init() throws {
        path = try Scratch.directory("socket") + "/receiver.sock"
        fd = try Sockets.listen(path: path, backlog: 1)
    }

    /// Accepts one connection and returns the descriptor and name it carried.
    func receiveDescriptor(timeoutMilliseconds: Int32 = 10_000) throws -> (fd: Int32, name: String) {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, timeoutMilliseconds) == 1 else { throw SysError("poll", path: path, errno: ETIMEDOUT) }
        let connection = accept(fd, nil, nil)
        guard connection >= 0 else { throw SysError("accept", path: path, errno: errno) }
        defer { close(connection) }
        let (bytes, descriptor) = try Sockets.receive(connection)
        guard let descriptor else { throw SysError("recvmsg: no descriptor", path: path, errno: EBADMSG) }
        return (descriptor, String(decoding: bytes, as: UTF8.self))
    }

    deinit {
        close(fd)
        try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }
}

/// Gives a tree (a rootfs) to one uid and gid, so that a user namespace's mapped root owns it.
func chownTree(_ path: String, to id: UInt32) {
    for item in [path] + (FileManager.default.subpaths(atPath: path) ?? []).map({ path + "/" + $0 }) {
        lchown(item, id, id)
    }
}
