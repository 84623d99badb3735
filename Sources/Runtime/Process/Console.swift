#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec
import Rootfs

/// process.terminal: a pty from the container's own devpts, its master sent to the
/// console socket over SCM_RIGHTS (with the pty's name as the message, as runc's
/// recvtty expects), its slave made the controlling terminal, stdio and /dev/console.
enum Console {
    /// `bindConsole`: whether /dev/console becomes the pty (for a container's init, not
    /// for a process exec'd into a running container).
    static func setUp(socket: Int32, size: Box?, bindConsole: Bool = true) throws {
        let (master, name) = try Terminals.openMaster(flags: O_RDWR | O_NOCTTY | O_CLOEXEC)
        defer { Files.close(master) }
        // As runc: no "\n" -> "\r\n" on output, so what the process prints reaches the
        // console socket's holder (an engine's log, a script) as written.
        try Terminals.disableNewlineTranslation(master, path: name)
        if let size {
            try Terminals.setWindowSize(master, winsize(ws_row: UInt16(clamping: size.height), ws_col: UInt16(clamping: size.width), ws_xpixel: 0, ws_ypixel: 0))
        }
        let slave = try Files.open(name, O_RDWR | O_NOCTTY)
        defer { Files.close(slave) }
        if bindConsole {
            // /dev/console is the pty too, as it would be on a machine's console.
            let console = "/dev/console"
            // Made at rootfs setup when /dev is read-only (RootfsBuilder.prepare).
            if !Files.exists(console) { try Files.touch(console, mode: 0o600) }
            try Mounts.mount(source: name, target: console, type: nil, flags: MountFlag.bind)
        }
        try Sockets.send(socket, Array(name.utf8), fd: master)
        Processes.newSession()
        for fd in Int32(0)...2 {
            try Files.duplicate(slave, onto: fd, path: name)
        }
        try Terminals.makeControlling(0)
    }
}
