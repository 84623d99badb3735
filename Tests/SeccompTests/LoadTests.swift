import CSeccomp
import Foundation
import LinuxSys
import OCISpec
import Seccomp
import Testing

/// Loads a filter in a forked child and reports how the child ended.
///
/// The test process is multi-threaded, so the child may only make system calls: everything
/// that allocates (compiling, building paths) is done in the parent before the fork, and
/// `load()` is one seccomp(2) call on the program's existing buffer. Its error, a typed
/// throw of a struct holding a string literal, allocates nothing either. Without root the
/// child sets no_new_privs first, which the kernel then requires.
func runFiltered(_ program: SeccompProgram, _ body: () -> Int32) throws -> LinuxSys.ExitStatus {
    let unprivileged = geteuid() != 0
    let pid = try Processes.fork()
    if pid == 0 {
        if unprivileged { _ = try? Processes.prctl(Prctl.setNoNewPrivileges, 1, step: "prctl") }
        do {
            _ = try program.load()
        } catch {
            _exit(200)
        }
        _exit(body())
    }
    let result = try #require(try Processes.wait(pid))
    return result.status
}

/// pids above the kernel's pid_max (at most 2^22), so kill(2) on them fails with ESRCH
/// unless a filter answers first.
let absentPid: pid_t = 0x7fff_fff0

@Suite("loading filters in a child", .serialized)
struct LoadTests {
    @Test("an ERRNO rule: mkdir fails with the profile's errno and creates nothing")
    func errnoRule() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("seccomp-mkdir-\(UUID().uuidString)").path
        let path = Array(directory.utf8CString)
        let config = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [rule(["mkdir", "mkdirat"], .errno, errnoRet: UInt(ENOMSG))])
        let program = try SeccompProgram.compile(config)
        let status = try runFiltered(program) {
            path.withUnsafeBufferPointer { mkdir($0.baseAddress!, 0o755) == -1 ? errno : 0 }
        }
        #expect(status == .exited(ENOMSG))
        #expect(!FileManager.default.fileExists(atPath: directory))
    }

    @Test("a Docker-sized allow list with an EPERM default: mkdir alone is refused")
    func dockerSized() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("seccomp-large-\(UUID().uuidString)").path
        let path = Array(directory.utf8CString)
        let names = nativeSyscallNames().filter { $0 != "mkdir" && $0 != "mkdirat" }
        let config = LinuxSeccomp(defaultAction: "SCMP_ACT_ERRNO", architectures: hostFamily, syscalls: [rule(names, .allow)])
        let status = try runFiltered(try SeccompProgram.compile(config)) {
            var bits: Int32 = 0
            if path.withUnsafeBufferPointer({ mkdir($0.baseAddress!, 0o755) }) == -1 && errno == EPERM { bits |= 1 }
            if kill(absentPid, 0) == -1 && errno == ESRCH { bits |= 2 }
            if getppid() > 0 { bits |= 4 }
            return bits
        }
        #expect(status == .exited(7))
        #expect(!FileManager.default.fileExists(atPath: directory))
    }

    @Test("a KILL_PROCESS rule: getppid ends the child with SIGSYS")
    func killProcess() throws {
        let config = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [rule(["getppid"], .killProcess)])
        let status = try runFiltered(try SeccompProgram.compile(config)) {
            _ = getppid()
            return 0
        }
        #expect(status == .signaled(SIGSYS))
    }

    @Test("argument conditions on different arguments are ANDed (with the LOG, SPEC_ALLOW and TSYNC flags)")
    func argumentsAnded() throws {
        let config = LinuxSeccomp(
            defaultAction: "SCMP_ACT_ALLOW",
            flags: ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"].filter(SeccompFeatures.supportedFlags.contains),
            syscalls: [
                rule(["kill"], .errno, errnoRet: UInt(ENOMSG), args: [
                    LinuxSeccompArg(index: 0, value: UInt64(absentPid), op: "SCMP_CMP_EQ"),
                    LinuxSeccompArg(index: 1, value: 0, op: "SCMP_CMP_EQ"),
                ]),
            ]
        )
        let status = try runFiltered(try SeccompProgram.compile(config)) {
            var bits: Int32 = 0
            if kill(absentPid, 0) == -1 && errno == ENOMSG { bits |= 1 }
            if kill(absentPid + 1, 0) == -1 && errno == ESRCH { bits |= 2 }
            if kill(absentPid, SIGCONT) == -1 && errno == ESRCH { bits |= 4 }
            return bits
        }
        #expect(status == .exited(7))
    }

    @Test("two conditions on one argument are ORed, as runc does")
    func argumentsOred() throws {
        let config = LinuxSeccomp(
            defaultAction: "SCMP_ACT_ALLOW",
            syscalls: [
                rule(["kill"], .errno, errnoRet: UInt(ENOMSG), args: [
                    LinuxSeccompArg(index: 0, value: UInt64(absentPid), op: "SCMP_CMP_EQ"),
                    LinuxSeccompArg(index: 0, value: UInt64(absentPid + 1), op: "SCMP_CMP_EQ"),
                ]),
            ]
        )
        let status = try runFiltered(try SeccompProgram.compile(config)) {
            var bits: Int32 = 0
            if kill(absentPid, 0) == -1 && errno == ENOMSG { bits |= 1 }
            if kill(absentPid + 1, 0) == -1 && errno == ENOMSG { bits |= 2 }
            if kill(absentPid + 2, 0) == -1 && errno == ESRCH { bits |= 4 }
            return bits
        }
        #expect(status == .exited(7))
    }

    #if arch(x86_64)
    @Test("the -ENOSYS stub: a syscall newer than the profile's newest fails with ENOSYS, an older one with EPERM")
    func enosysStub() throws {
        let path = Array("/nonexistent-seccomp-test".utf8CString)
        let config = LinuxSeccomp(
            defaultAction: "SCMP_ACT_ERRNO",
            architectures: ["SCMP_ARCH_X86_64"],
            // exit_group (231) is the newest syscall named; mkdirat is 258, kill 62.
            syscalls: [rule(["exit_group", "exit", "rt_sigreturn"], .allow)]
        )
        let status = try runFiltered(try SeccompProgram.compile(config)) {
            var bits: Int32 = 0
            if kill(absentPid, 0) == -1 && errno == EPERM { bits |= 1 }
            if path.withUnsafeBufferPointer({ mkdirat(AT_FDCWD, $0.baseAddress!, 0) }) == -1 && errno == ENOSYS { bits |= 2 }
            return bits
        }
        #expect(status == .exited(3))
    }
    #endif

    @Test("SCMP_ACT_NOTIFY: load returns the listener fd and an agent answers the call")
    func notify() throws {
        let config = LinuxSeccomp(
            defaultAction: "SCMP_ACT_ALLOW", listenerPath: "/run/agent.sock",
            syscalls: [rule(["getppid"], .notify)]
        )
        let program = try SeccompProgram.compile(config)
        let (parentEnd, childEnd) = try Sockets.pair()
        defer { close(parentEnd) }
        let payload: [UInt8] = [1]

        let pid = try Processes.fork()
        if pid == 0 {
            close(parentEnd)
            guard let fd = try? program.load() else { _exit(200) }
            if (try? Sockets.send(childEnd, payload, fd: fd)) == nil { _exit(201) }
            // Blocks until the agent answers.
            _exit(getppid() == 4242 ? 0 : 1)
        }
        close(childEnd)
        var reaped = false
        defer {
            if !reaped {
                kill(pid, SIGKILL)
                _ = try? Processes.wait(pid)
            }
        }

        let (_, received) = try Sockets.receive(parentEnd)
        let listener = try #require(received)
        defer { close(listener) }
        var request: UnsafeMutablePointer<seccomp_notif>?
        var response: UnsafeMutablePointer<seccomp_notif_resp>?
        #expect(seccomp_notify_alloc(&request, &response) == 0)
        defer { seccomp_notify_free(request, response) }
        let req = try #require(request)
        let resp = try #require(response)
        #expect(seccomp_notify_receive(listener, req) == 0)
        #expect(req.pointee.pid == UInt32(pid))
        #expect(req.pointee.data.nr == nr("getppid"))
        resp.pointee.id = req.pointee.id
        resp.pointee.val = 4242
        resp.pointee.error = 0
        resp.pointee.flags = 0
        #expect(seccomp_notify_respond(listener, resp) == 0)

        let result = try #require(try Processes.wait(pid))
        reaped = true
        #expect(result.status == .exited(0))
    }

    @Test("a kernel refusal is reported with the step and errno")
    func loadFailure() throws {
        // Without no_new_privs and without CAP_SYS_ADMIN the kernel refuses a filter (EACCES).
        let config = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [rule(["mkdir"], .errno)])
        let program = try SeccompProgram.compile(config)
        let pid = try Processes.fork()
        if pid == 0 {
            if geteuid() == 0 {
                // Drop to nobody: setuid clears the effective capabilities.
                if setgid(65534) != 0 || setuid(65534) != 0 { _exit(201) }
            }
            do {
                _ = try program.load()
                _exit(0)
            } catch {
                _exit(error.errno == EACCES ? 3 : 202)
            }
        }
        let result = try #require(try Processes.wait(pid))
        #expect(result.status == .exited(3))
    }
}
