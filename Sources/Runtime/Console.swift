#if canImport(Glibc)
import Glibc
#endif
import CLinux
import LinuxSys
import OCISpec

/// process.terminal: a pty from the container's own devpts, its master sent to the
/// console socket over SCM_RIGHTS (with the pty's name as the message, as runc's
/// recvtty expects), its slave made the controlling terminal, stdio and /dev/console.
enum Console {
    /// `bindConsole`: whether /dev/console becomes the pty (for a container's init, not
    /// for a process exec'd into a running container).
    static func setUp(socket: Int32, size: Box?, bindConsole: Bool = true) throws {
        let master = try check(hako_open_pty_master(O_RDWR | O_NOCTTY | O_CLOEXEC), "open /dev/ptmx")
        defer { close(master) }
        try check(hako_unlockpt(master), "unlockpt")
        var nameBuffer = [CChar](repeating: 0, count: 128)
        guard hako_ptsname(master, &nameBuffer, nameBuffer.count) == 0 else { throw SysError("ptsname", errno: errno) }
        let name = String(cString: nameBuffer)
        // As runc: no "\n" -> "\r\n" on output, so what the process prints reaches the
        // console socket's holder (an engine's log, a script) as written.
        var attributes = termios()
        try check(tcgetattr(master, &attributes), "tcgetattr", path: name)
        attributes.c_oflag &= ~tcflag_t(ONLCR)
        try check(tcsetattr(master, TCSANOW, &attributes), "tcsetattr", path: name)
        if let size {
            var winsize = winsize(ws_row: UInt16(clamping: size.height), ws_col: UInt16(clamping: size.width), ws_xpixel: 0, ws_ypixel: 0)
            try check(hako_ioctl_ptr(master, UInt(TIOCSWINSZ), &winsize), "ioctl(TIOCSWINSZ)")
        }
        let slave = try Files.open(name, O_RDWR | O_NOCTTY)
        defer { close(slave) }
        if bindConsole {
            // /dev/console is the pty too, as it would be on a machine's console.
            let console = "/dev/console"
            // Made at rootfs setup when /dev is read-only (RootfsBuilder.prepare).
            if !Files.exists(console) { try Files.touch(console, mode: 0o600) }
            try Mounts.mount(source: name, target: console, type: nil, flags: MountFlag.bind)
        }
        try Sockets.send(socket, Array(name.utf8), fd: master)
        _ = setsid()
        for fd in Int32(0)...2 {
            try check(dup2(slave, fd), "dup2 \(name) to \(fd)")
        }
        try check(hako_ioctl_int(0, UInt(TIOCSCTTY), 0), "ioctl(TIOCSCTTY)")
    }
}
