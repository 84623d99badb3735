#if canImport(Glibc)
import Glibc
#endif
import Logging
import LinuxSys
import Runtime

/// runc's global options. They parse both before the command name (`hako --root R state
/// ID`, as engines pass them) and after it.
enum GlobalOptions {
    static let definitions: [OptionDefinition] = [
        .value("--root", placeholder: "DIR",
               help: "Root directory for container state (default: /run/hako; $XDG_RUNTIME_DIR/hako when not root).",
               completion: .directories),
        .value("--log", placeholder: "FILE", help: "Log file (default: stderr).", completion: .files),
        .value("--log-format", placeholder: "FORMAT", .choice(["text", "json"]), help: "Log format: text or json.",
               defaultText: "text", completion: .words(["text", "json"])),
        .flag("--debug", help: "Log debug messages."),
        // Used by `create` and `run`; later commands find the unit again from the saved state,
        // so engines may pass it to every command, as they do with runc.
        .flag("--systemd-cgroup", help: "Use the systemd cgroup driver (cgroupsPath as slice:prefix:name)."),
        .value("--criu", placeholder: "PATH", help: "The criu that checkpoint and restore run (default: criu, found in PATH).",
               completion: .files),
    ]
}

/// The global flags' values, however the command line was parsed (see FastCommandLine).
struct Globals: Equatable {
    var root: String?
    var log: String?
    var logFormat: LogFormat = .text
    var debug = false
    var systemdCgroup = false
    /// --criu: a path, or a name PATH finds.
    var criu = "criu"

    var store: StateStore { StateStore(root: stateRoot) }

    /// --root, else runc's default: /run/hako for root, $XDG_RUNTIME_DIR/hako for anyone
    /// else (who cannot write /run), when it is set.
    var stateRoot: String {
        if let root { return root }
        let environment = { (name: String) in getenv(name).map { String(cString: $0) } }
        if let runtimeDir = environment("XDG_RUNTIME_DIR"), !runtimeDir.isEmpty,
           Self.honorsRuntimeDirectory(euid: geteuid(), inInitialUserNamespace: Caller.inInitialUserNamespace,
                                       user: environment("USER")) {
            return runtimeDir + "/hako"
        }
        return "/run/hako"
    }

    /// runc's rule for $XDG_RUNTIME_DIR: a user's runtime directory for anyone but root of
    /// the host. Root of a user namespace counts as a user unless $USER says root: rootless
    /// podman runs the runtime as uid 0 of its user namespace, where /run is the host's and
    /// not writable, with XDG_RUNTIME_DIR set and USER the user's name.
    static func honorsRuntimeDirectory(euid: uid_t, inInitialUserNamespace: Bool, user: String?) -> Bool {
        if euid != 0 { return true }
        if inInitialUserNamespace { return false }
        return user != "root"
    }

    /// Runs a command's body with logging set up from the flags, and turns any error into
    /// one line on stderr (and the log), with exit status 1, as runc does.
    func run(_ body: (Logger) throws -> Void) throws(ExitStatus) {
        let logger = RuncLog.bootstrap(self)
        let logFile = log?.isEmpty == false ? logger : nil
        do {
            try body(logger)
        } catch let exit as ExitStatus {
            throw exit
        } catch let failure as CommandFailure {
            RuncLog.fail("\(failure.cause)", logger: logFile)
            throw ExitStatus(failure.status)
        } catch {
            RuncLog.fail("\(error)", logger: logFile)
            throw ExitStatus(1)
        }
    }
}

/// A failure of hako's own that exits with another status than 1: `exec` exits 255, as
/// runc does, so that a caller tells it from the exit status of the process it ran.
struct CommandFailure: Error {
    let cause: any Error
    let status: Int32
}

enum LogFormat: String {
    case text, json
}
