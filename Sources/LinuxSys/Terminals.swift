#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// Pseudo-terminals and terminal modes: the pty a container gets for `process.terminal`,
/// and hako's own terminal put in raw mode while it relays one.
public enum Terminals {
    /// A new pty master from /dev/ptmx (flags as for open(2)), unlocked, and the path of
    /// its slave.
    public static func openMaster(flags: Int32) throws(SysError) -> (fd: Int32, slave: String) {
        let master = try check(hako_open_pty_master(flags), "open", path: "/dev/ptmx")
        var name = [CChar](repeating: 0, count: 128)
        if hako_unlockpt(master) != 0 || hako_ptsname(master, &name, name.count) != 0 {
            let error = SysError("unlockpt/ptsname", path: "/dev/ptmx", errno: errno)
            close(master)
            throw error
        }
        let bytes = name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return (master, String(decoding: bytes, as: UTF8.self))
    }

    /// The window size of the terminal open at `fd` (TIOCGWINSZ); nil when it is none.
    public static func windowSize(_ fd: Int32) -> winsize? {
        var size = winsize()
        return hako_ioctl_ptr(fd, UInt(TIOCGWINSZ), &size) == 0 ? size : nil
    }

    public static func setWindowSize(_ fd: Int32, _ size: winsize) throws(SysError) {
        var size = size
        try check(hako_ioctl_ptr(fd, UInt(TIOCSWINSZ), &size), "ioctl(TIOCSWINSZ)")
    }

    /// Makes the terminal open at `fd` the caller's controlling terminal (TIOCSCTTY); the
    /// caller must be a session leader without one.
    public static func makeControlling(_ fd: Int32) throws(SysError) {
        try check(hako_ioctl_int(fd, UInt(TIOCSCTTY), 0), "ioctl(TIOCSCTTY)")
    }

    /// Turns output post-processing's "\n" -> "\r\n" off (ONLCR), as runc does for a
    /// container's pty: what the process prints reaches a log as written.
    public static func disableNewlineTranslation(_ fd: Int32, path: String) throws(SysError) {
        var attributes = termios()
        try check(tcgetattr(fd, &attributes), "tcgetattr", path: path)
        attributes.c_oflag &= ~tcflag_t(ONLCR)
        try check(tcsetattr(fd, TCSANOW, &attributes), "tcsetattr", path: path)
    }

    /// A terminal's modes as they were before `makeRaw`, for `restore`.
    public struct SavedModes: Sendable {
        fileprivate let bytes: [UInt8]
    }

    /// Puts the terminal open at `fd` in raw mode; returns its modes before, or nil when
    /// `fd` is no terminal or its modes cannot be set.
    public static func makeRaw(_ fd: Int32) -> SavedModes? {
        guard isatty(fd) != 0 else { return nil }
        var saved = [UInt8](repeating: 0, count: Int(hako_termios_size()))
        return hako_terminal_make_raw(fd, &saved) == 0 ? SavedModes(bytes: saved) : nil
    }

    /// Gives the terminal open at `fd` back the modes `makeRaw` saved.
    public static func restore(_ fd: Int32, _ saved: SavedModes) {
        _ = saved.bytes.withUnsafeBytes { hako_terminal_restore(fd, $0.baseAddress) }
    }
}
