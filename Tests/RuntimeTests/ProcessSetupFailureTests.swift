#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec
@testable import Runtime
import Rootfs
import Testing

/// The steps of `ProcessSetup` (init's and an exec'd process's last steps before execve)
/// when the kernel refuses one, driven through the syscall seam: the recorder pretends the
/// set*id, capability, rlimit and chdir calls, so the test process keeps its own identity,
/// and fails the one a test names. No root needed.
@Suite("process setup failures")
struct ProcessSetupFailureTests {
    func setup(_ configure: (inout ProcessSpec) -> Void = { _ in }) -> ProcessSetup {
        var process = ProcessSpec(args: ["/bin/sh"], cwd: "/")
        process.user = User(uid: 1000, gid: 1000, additionalGids: [10, 20])
        configure(&process)
        return ProcessSetup(process: process, canSetGroups: true)
    }

    func failure(_ recorder: SyscallRecorder, _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> (any Error)? {
        do { try recorder.run(body) } catch { return error }
        Issue.record("no error was thrown", sourceLocation: sourceLocation)
        return nil
    }

    @Test("a refused rlimit names it and its values; the ones after it are not set")
    func rlimitRefused() throws {
        let recorder = SyscallRecorder()
        recorder.fail(.prlimit, errno: EPERM, after: 1)
        let setup = setup {
            $0.rlimits = [POSIXRlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 1024),
                          POSIXRlimit(type: "RLIMIT_NPROC", hard: 10, soft: 20),
                          POSIXRlimit(type: "RLIMIT_CORE", hard: 0, soft: 0)]
        }
        let error = failure(recorder) { try setup.applyRlimits() }
        #expect("\(error!)" == "setting RLIMIT_NPROC to soft 20, hard 10: prlimit: Operation not permitted")
        #expect((error as? RuntimeError)?.sysError?.errno == EPERM)
        #expect(recorder.calls.map(\.syscall) == [.prlimit, .prlimit])
    }

    @Test("an unknown rlimit is refused before any is set")
    func unknownRlimit() throws {
        let recorder = SyscallRecorder()
        let setup = setup { $0.rlimits = [POSIXRlimit(type: "RLIMIT_BOGUS", hard: 1, soft: 1)] }
        let error = failure(recorder) { try setup.applyRlimits() }
        #expect("\(error!)" == "process.rlimits: unknown rlimit \"RLIMIT_BOGUS\"")
        #expect(recorder.calls.isEmpty)
    }

    @Test("setgroups refused: no uid or gid is switched")
    func setgroupsRefused() throws {
        let recorder = SyscallRecorder()
        recorder.fail(.setgroups, errno: EPERM)
        let setup = setup()
        let error = failure(recorder) { try setup.switchUser(.init()) }
        #expect("\(error!)" == "setgroups [10, 20]: Operation not permitted")
        #expect(recorder.paths(of: .setresgid).isEmpty && recorder.paths(of: .setresuid).isEmpty)
    }

    @Test("setresuid refused (EAGAIN: RLIMIT_NPROC of the user) after the groups and gid")
    func setuidRefused() throws {
        let recorder = SyscallRecorder()
        recorder.fail(.setresuid, errno: EAGAIN)
        let setup = setup()
        let error = failure(recorder) { try setup.switchUser(.init()) }
        #expect("\(error!)" == "setresuid 1000: Resource temporarily unavailable")
        let order = recorder.calls.map(\.syscall).filter { [.setgroups, .setresgid, .setresuid].contains($0) }
        #expect(order == [.setgroups, .setresgid, .setresuid])
        // PR_SET_KEEPCAPS was set before the switch and is not cleared after a failure.
        #expect(recorder.calls.last?.syscall == .setresuid)
    }

    @Test("no setgroups where the user namespace denies it")
    func setgroupsDenied() throws {
        let recorder = SyscallRecorder()
        var setup = setup()
        setup = ProcessSetup(process: setup.process, canSetGroups: false)
        try recorder.run { try setup.switchUser(.init()) }
        #expect(recorder.paths(of: .setgroups).isEmpty)
        #expect(recorder.calls.map(\.syscall).filter { [.setgroups, .setresgid, .setresuid].contains($0) } == [.setresgid, .setresuid])
    }

    @Test("the bounding set cannot be dropped: the user is not switched")
    func boundingRefused() throws {
        let recorder = SyscallRecorder()
        recorder.fail(.prctl, errno: EPERM)
        let setup = setup()
        let error = failure(recorder) { try setup.switchUser(.init()) }
        #expect("\(error!)".hasPrefix("dropping bounding capabilities: prctl(PR_CAPBSET_DROP, 0): Operation not permitted"))
        #expect(recorder.paths(of: .setresuid).isEmpty)
    }

    @Test("capset refused: the ambient set is not touched")
    func capsetRefused() throws {
        let recorder = SyscallRecorder()
        recorder.fail(.capset, errno: EPERM)
        let setup = setup()
        var masks = ProcessSetup.CapabilityMasks()
        masks.effective = 1 << 21
        masks.permitted = 1 << 21
        let error = failure(recorder) { try setup.applyCapabilities(masks, holding: 0) }
        #expect("\(error!)" == "setting capabilities: capset: Operation not permitted")
        #expect(recorder.calls.map(\.syscall) == [.capset])
    }

    @Test("ambient capabilities refused after capset")
    func ambientRefused() throws {
        let recorder = SyscallRecorder()
        recorder.fail(.prctl, errno: EINVAL, after: 1)
        let setup = setup()
        let all: UInt64 = 1 << 10
        let masks = ProcessSetup.CapabilityMasks(bounding: all, effective: all, inheritable: all, permitted: all, ambient: all)
        let error = failure(recorder) { try setup.applyCapabilities(masks, holding: 0) }
        #expect("\(error!)" == "setting capabilities: prctl(PR_CAP_AMBIENT_RAISE, 10): Invalid argument")
    }

    @Test("cwd denied to root is retried as the user; another errno is an error naming process.cwd")
    func cwd() throws {
        let recorder = SyscallRecorder()
        recorder.fail(.chdir, errno: EACCES)
        recorder.fail(.chdir, errno: ENOENT)
        let setup = setup()
        let entered = try recorder.run { try setup.changeDirectory("/srv", retryingAsUserOnDenial: true) }
        #expect(entered == false)
        let error = failure(recorder) { _ = try setup.changeDirectory("/srv", retryingAsUserOnDenial: false) }
        #expect("\(error!)" == "changing to process.cwd /srv: chdir /srv: No such file or directory")
        #expect((error as? RuntimeError)?.sysError?.errno == ENOENT)
    }
}

@Suite("errors keep their cause")
struct ErrorCauseTests {
    @Test("the errno under Runtime's and Rootfs's steps stays matchable")
    func chain() {
        let sys = SysError("mount proc on", path: "/proc", errno: EPERM)
        let error = RuntimeError("creating container", RootfsError("mounts[0] (/proc)", sys))
        #expect(error.sysError == sys)
        #expect(error.description == "creating container: mounts[0] (/proc): mount proc on /proc: Operation not permitted")
        #expect(RuntimeError("no cause").sysError == nil)
        #expect(RuntimeError("a cgroup", RuntimeError("plain words")).sysError == nil)
    }
}
