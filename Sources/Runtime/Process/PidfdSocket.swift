#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// `--pidfd-socket` of create, run and exec: a Unix socket that receives a pidfd of the
/// container's init (create, run) or of the exec'd process, so that whoever supervises the
/// container can signal it and wait for it with no race against a reused pid.
///
/// It is connected before anything of the container or the process exists, so that a bad
/// path fails the command with nothing left behind. The pidfd is opened while the process is
/// known to be alive (blocked on main), and sent once the process has been set up. The
/// message carries the words runc sends with it ("standard" for init, "setns" for an exec'd
/// process), which receivers written for runc may read as the descriptor's name.
struct PidfdSocket {
    enum Kind: String {
        case initProcess = "standard"
        case execProcess = "setns"
    }

    let fd: Int32

    /// Connects to `path` (relative to the working directory), at a descriptor at or above
    /// `minimumFD` so that it cannot take the place of a preserved descriptor; nil without
    /// a path.
    static func connect(_ path: String?, minimumFD: Int32) throws -> PidfdSocket? {
        guard let path else { return nil }
        do {
            let fd = try Sockets.connect(path: Paths.absolute(path, base: currentDirectory()))
            return PidfdSocket(fd: try Descriptors.moveAbove(fd, minimum: minimumFD))
        } catch {
            throw RuntimeError("--pidfd-socket \(path): connecting", error)
        }
    }

    /// Sends `pidfd` with the message that names what the process is.
    func send(pidfd: Int32, of kind: Kind) throws {
        do {
            try Sockets.send(fd, Array(kind.rawValue.utf8), fd: pidfd)
        } catch {
            throw RuntimeError("--pidfd-socket: sending the pidfd", error)
        }
    }

    func close() {
        Files.close(fd)
    }
}
