#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec
@testable import Rootfs
import Testing

/// A bundle in a temporary directory (rootfs/ with the usual top directories) and a
/// recorder whose paths are the container's view of it. Everything the rootfs code does
/// runs under the recorder: files are made in the temporary directory, mounts, pivot_root,
/// mknod, chown and chroot are pretended, so nothing needs root and nothing is mounted.
final class Scratch {
    let bundle: String
    let rootfs: String
    let recorder: SyscallRecorder

    init(directories: [String] = ["proc", "dev", "sys", "tmp", "etc"]) throws {
        var template = Array("/tmp/hako-rootfs-test-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw SysError("mkdtemp", errno: errno)
        }
        bundle = String(cString: made)
        rootfs = bundle + "/rootfs"
        try Files.makeDirectories(rootfs)
        for directory in directories { try Files.makeDirectories(rootfs + "/" + directory) }
        recorder = SyscallRecorder(root: rootfs)
    }

    deinit { try? Files.removeTree(bundle) }

    /// A spec with only what a test gives.
    func spec(mounts: [Mount] = [], devices: [LinuxDevice]? = nil, masked: [String]? = nil, readonly: [String]? = nil,
              propagation: String? = nil, readonlyRoot: Bool = false, cwd: String? = nil) -> Spec {
        Spec(ociVersion: "1.2.0",
             process: cwd.map { ProcessSpec(args: ["/bin/sh"], cwd: $0) },
             root: Root(path: "rootfs", readonly: readonlyRoot),
             mounts: mounts,
             linux: Linux(namespaces: [LinuxNamespace(type: "mount")], devices: devices, rootfsPropagation: propagation,
                          maskedPaths: masked, readonlyPaths: readonly))
    }

    func builder(_ spec: Spec, userNamespace: Bool = false, hierarchies: [MountInfo.Entry] = []) -> RootfsBuilder {
        RootfsBuilder(spec: spec, rootfs: rootfs, bundle: bundle, inUserNamespace: userNamespace, cgroupHierarchies: hierarchies)
    }

    /// Runs `body` under the recorder and returns the error it threw, recording an issue
    /// when it threw none.
    func failure(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> (any Error)? {
        do {
            try recorder.run(body)
        } catch {
            return error
        }
        Issue.record("no error was thrown", sourceLocation: sourceLocation)
        return nil
    }

    /// The failed system call under an error's steps.
    static func sysError(_ error: (any Error)?) -> SysError? {
        if let error = error as? SysError { return error }
        return (error as? RootfsError)?.sysError
    }

    /// The calls that reached the seam, as "mount /proc" lines.
    var log: [String] { recorder.calls.map(\.description) }

    /// Every descriptor the code under test opened is closed again: the failure path
    /// cleans up after itself.
    func expectNoDescriptorLeft(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(recorder.openDescriptors.isEmpty, "descriptors left open: \(recorder.openDescriptors.sorted())", sourceLocation: sourceLocation)
    }

    func write(_ relative: String, _ text: String = "") throws {
        try Files.write(rootfs + relative, text)
    }

    func symlink(_ relative: String, to target: String) throws {
        try check(Glibc.symlink(target, rootfs + relative), "symlink", path: relative)
    }
}
