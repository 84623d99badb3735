#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// Runs OCI hooks: each is executed with its args and env, the container's state JSON
/// on stdin, and killed when its timeout passes.
enum HookRunner {
    /// Runs the hooks in order; the first that fails fails the caller.
    /// - Parameter inChild: run in each hook's process after the fork, before execve: init
    ///   loads the container's seccomp filter there for startContainer hooks, which run
    ///   under it as with runc, while init's own steps do not.
    /// - Parameter environment: what a hook without `env` gets; nil for hako's own, as runc
    ///   gives its own (startContainer hooks get the container process's, as with runc).
    static func run(_ hooks: [Hook], kind: String, state: State, environment: [String]? = nil,
                    inChild: (() throws -> Void)? = nil) throws {
        guard !hooks.isEmpty else { return }
        let input = try JSONCoding.encode(state)
        for (index, hook) in hooks.enumerated() {
            try step(stepName(kind, index, hook)) {
                try runOne(hook, input: input, environment: environment, inChild: inChild)
            }
        }
    }

    /// runc's words, which scripts and engines look for.
    static func stepName(_ kind: String, _ index: Int, _ hook: Hook) -> String {
        "error running \(kind) hook #\(index): \(hook.path)"
    }

    /// Runs every hook even when one fails, reporting each failure through `warn`:
    /// runtime-spec's rule for poststart and poststop hooks, whose failure is logged while
    /// "the remaining hooks and lifecycle continue as if the hook had succeeded".
    static func runEach(_ hooks: [Hook], kind: String, state: State, warn: (String) -> Void) {
        guard !hooks.isEmpty else { return }
        let input: [UInt8]
        do {
            input = try JSONCoding.encode(state)
        } catch {
            warn("encoding the state for the \(kind) hooks: \(error)")
            return
        }
        for (index, hook) in hooks.enumerated() {
            do {
                try step(stepName(kind, index, hook)) { try runOne(hook, input: input) }
            } catch {
                warn("\(error)")
            }
        }
    }

    static func runOne(_ hook: Hook, input: [UInt8], environment: [String]? = nil, inChild: (() throws -> Void)? = nil) throws {
        let (pipeRead, pipeWrite) = try Files.pipe()
        // stdin is the state; stdout and stderr are hako's. Only stdio: the caller's other
        // descriptors are none of the hook's business. Its own process group, so a timeout
        // kills what it started too. (Signal actions and the mask go back to the defaults:
        // a hook that traps or waits for a signal must get it.)
        let program = ChildProgram(path: hook.path, arguments: hook.args ?? [hook.path], environment: hook.env ?? environment,
                                   descriptors: [pipeRead, 1, 2], searchPath: false, newProcessGroup: true)
        let pid: pid_t
        do {
            pid = try Processes.spawn(program, prepare: inChild)
        } catch {
            Files.close(pipeRead)
            Files.close(pipeWrite)
            throw error
        }
        Files.close(pipeRead)
        // A hook that does not read its stdin must not block us: ignore EPIPE.
        _ = try? Files.writeAll(pipeWrite, input)
        Files.close(pipeWrite)
        let pidfd = try Processes.pidfd(pid)
        defer { Files.close(pidfd) }
        let timeout = hook.timeout.map { Int32(clamping: $0 * 1000) } ?? -1
        if try !Processes.awaitExit(pidfd: pidfd, timeoutMilliseconds: timeout) {
            Processes.signalIfAlive(-pid, SIGKILL)
            Processes.signalIfAlive(pid, SIGKILL)
            _ = try Processes.wait(pid)
            throw RuntimeError("timed out after \(hook.timeout ?? 0)s")
        }
        guard let (_, status) = try Processes.wait(pid) else { return }
        switch status {
        case .exited(0): return
        case .exited(let code): throw RuntimeError("exited with status \(code)")
        case .signaled(let signal): throw RuntimeError("killed by signal \(signal) (\(Signals.describe(signal)))")
        }
    }
}
