#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// Unix-domain sockets.
public enum Sockets {
    /// A close-on-exec SOCK_SEQPACKET pair: message boundaries are kept and a closed
    /// peer reads as end of file, so a dead child is noticed.
    public static func pair() throws(SysError) -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        let type = Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        try check(socketpair(AF_UNIX, type, 0, &fds), "socketpair")
        return (fds[0], fds[1])
    }

    /// Sends one message, optionally with a file descriptor attached.
    public static func send(_ socket: Int32, _ bytes: [UInt8], fd: Int32? = nil) throws(SysError) {
        let sent: Int
        if let fd {
            sent = bytes.withUnsafeBytes { hako_send_fd(socket, fd, $0.baseAddress, $0.count) }
        } else {
            sent = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        if sent < 0 { throw SysError("send", errno: errno) }
    }

    /// Receives one message (empty at end of file) and any descriptor attached to it.
    public static func receive(_ socket: Int32, capacity: Int = 65536) throws(SysError) -> (bytes: [UInt8], fd: Int32?) {
        var buffer = [UInt8](repeating: 0, count: capacity)
        var fd: Int32 = -1
        while true {
            let n = buffer.withUnsafeMutableBytes { hako_recv_fd(socket, &fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SysError("recvmsg", errno: errno)
            }
            return (Array(buffer[0..<n]), fd >= 0 ? fd : nil)
        }
    }

    /// Connects to a Unix socket at a path.
    public static func connect(path: String) throws(SysError) -> Int32 {
        try unixSocket(SOCK_STREAM, path: path, "connect") { Glibc.connect($0, $1, $2) }
    }
}

extension Sockets {
    /// A Unix datagram socket bound at a path (an existing socket file there is replaced).
    public static func bindDatagram(path: String) throws(SysError) -> Int32 {
        unlink(path)
        return try unixSocket(SOCK_DGRAM, path: path, "bind") { bind($0, $1, $2) }
    }

    /// A Unix datagram socket connected to a path, for send(2) with or without descriptors.
    public static func connectDatagram(path: String) throws(SysError) -> Int32 {
        try unixSocket(SOCK_DGRAM, path: path, "connect") { Glibc.connect($0, $1, $2) }
    }

    /// A Unix stream socket listening at a path (console sockets, seccomp agents).
    public static func listen(path: String, backlog: Int32 = 4) throws(SysError) -> Int32 {
        let fd = try unixSocket(SOCK_STREAM, path: path, "bind") { bind($0, $1, $2) }
        if Glibc.listen(fd, backlog) != 0 {
            let err = errno
            close(fd)
            throw SysError("listen", path: path, errno: err)
        }
        return fd
    }

    /// A close-on-exec Unix socket of `type`, bound or connected (`call`) to `path`, or to
    /// a name in the abstract namespace when `abstract`.
    private static func unixSocket(_ type: __socket_type, path: String, abstract: Bool = false, _ operation: String,
                                   _ call: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Int32) throws(SysError) -> Int32 {
        let shown = abstract ? "@" + path : path
        let fd = try check(socket(AF_UNIX, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0), "socket")
        let address: (sockaddr_un, socklen_t)
        do {
            address = try unixAddress(path, abstract: abstract)
        } catch {
            close(fd)
            throw error
        }
        let result = withUnsafePointer(to: address.0) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(fd, $0, address.1) }
        }
        if result != 0 {
            let err = errno
            close(fd)
            throw SysError(operation, path: shown, errno: err)
        }
        return fd
    }

    /// The address of a socket file, or of an abstract name: a leading NUL marks the
    /// abstract namespace, and the address length, not a NUL, says where the name ends.
    static func unixAddress(_ path: String, abstract: Bool = false) throws(SysError) -> (sockaddr_un, socklen_t) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let offset = abstract ? 1 : 0
        guard bytes.count + offset < MemoryLayout.size(ofValue: address.sun_path) else {
            throw SysError("socket address", path: abstract ? "@" + path : path, errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in bytes.enumerated() { raw[i + offset] = byte }
        }
        let length = abstract ? MemoryLayout<sa_family_t>.size + 1 + bytes.count : MemoryLayout<sockaddr_un>.size
        return (address, socklen_t(length))
    }
}

extension Sockets {
    /// Connects to a Unix stream socket in the abstract namespace (a name, not a file:
    /// D-Bus's `unix:abstract=` addresses).
    public static func connect(abstract name: String) throws(SysError) -> Int32 {
        try unixSocket(SOCK_STREAM, path: name, abstract: true, "connect") { Glibc.connect($0, $1, $2) }
    }

    /// Writes all bytes to a stream socket; a closed peer is EPIPE, not SIGPIPE.
    public static func sendAll(_ socket: Int32, _ bytes: [UInt8]) throws(SysError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SysError("send", errno: errno)
            }
            offset += n
        }
    }

    /// Appends what a stream socket has to `buffer`, waiting up to `timeoutMilliseconds`
    /// (-1: no limit) for something to arrive. Returns the number of bytes read: 0 at end
    /// of file; nil when the time ran out first.
    public static func receive(_ socket: Int32, appendingTo buffer: inout [UInt8], timeoutMilliseconds: Int32) throws(SysError) -> Int? {
        var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&poller, 1, timeoutMilliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw SysError("poll", errno: errno)
            }
            if ready == 0 { return nil }
            break
        }
        let failure: Int32?
        var count = 0
        failure = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16384) { chunk in
            while true {
                let n = recv(socket, chunk.baseAddress, chunk.count, 0)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[0..<n]))
                count = n
                return nil
            }
        }
        if let failure { throw SysError("recv", errno: failure) }
        return count
    }
}
