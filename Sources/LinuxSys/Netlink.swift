#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// A small rtnetlink client (rtnetlink(7)): look a link up, bring it up or down, move it
/// into another network namespace under a new name, list and add its addresses. Only
/// what moving a network device into a container needs; messages are built by hand in
/// the host's byte order, as netlink(7) wants. A class: it owns a socket and a sequence
/// counter. Not for use from several threads.
public final class RouteNetlink {
    public let fd: Int32
    private var sequence: UInt32 = 0

    // From <linux/netlink.h>, <linux/rtnetlink.h>, <linux/if_link.h>, <linux/if_addr.h>.
    static let netlinkRoute: Int32 = 0 // NETLINK_ROUTE
    static let messageError: UInt16 = 2 // NLMSG_ERROR
    static let messageDone: UInt16 = 3 // NLMSG_DONE
    static let newLink: UInt16 = 16 // RTM_NEWLINK
    static let getLink: UInt16 = 18 // RTM_GETLINK
    static let newAddress: UInt16 = 20 // RTM_NEWADDR
    static let getAddress: UInt16 = 22 // RTM_GETADDR
    static let flagRequest: UInt16 = 0x1 // NLM_F_REQUEST
    static let flagAck: UInt16 = 0x4 // NLM_F_ACK
    static let flagExclusive: UInt16 = 0x200 // NLM_F_EXCL
    static let flagCreate: UInt16 = 0x400 // NLM_F_CREATE
    static let flagDump: UInt16 = 0x300 // NLM_F_ROOT | NLM_F_MATCH
    static let linkName: UInt16 = 3 // IFLA_IFNAME
    static let linkNamespaceFD: UInt16 = 28 // IFLA_NET_NS_FD
    static let addressAddress: UInt16 = 1 // IFA_ADDRESS
    static let addressLocal: UInt16 = 2 // IFA_LOCAL
    static let addressBroadcast: UInt16 = 4 // IFA_BROADCAST
    static let addressFlags: UInt16 = 8 // IFA_FLAGS
    public static let interfaceUp: UInt32 = 0x1 // IFF_UP
    public static let addressPermanent: UInt32 = 0x80 // IFA_F_PERMANENT
    public static let scopeUniverse: UInt8 = 0 // RT_SCOPE_UNIVERSE

    /// A link as RTM_GETLINK reports it.
    public struct Link: Sendable, Equatable {
        public let index: Int32
        public let flags: UInt32
    }

    /// An interface address as RTM_GETADDR reports it.
    public struct Address: Sendable, Equatable {
        public let family: UInt8
        public let prefixLength: UInt8
        public let scope: UInt8
        /// IFA_F_* (IFA_FLAGS when present, which has the bits ifa_flags cannot hold).
        public let flags: UInt32
        /// IFA_LOCAL, or IFA_ADDRESS when there is no IFA_LOCAL (IPv6).
        public let local: [UInt8]
        public let broadcast: [UInt8]?
    }

    /// A NETLINK_ROUTE socket in the caller's network namespace.
    public init() throws(SysError) {
        fd = try check(socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), Self.netlinkRoute), "socket(AF_NETLINK)")
    }

    /// A NETLINK_ROUTE socket in the network namespace behind `namespace` (an open
    /// /proc/PID/ns/net): the calling thread enters it, makes the socket (which stays bound
    /// to that namespace) and returns to its own. The caller must be single-threaded.
    public static func inNetworkNamespace(_ namespace: Int32, name: String) throws(SysError) -> RouteNetlink {
        let newNet: Int32 = 0x4000_0000 // CLONE_NEWNET
        let own = try Files.open("/proc/thread-self/ns/net", O_RDONLY)
        defer { _ = Glibc.close(own) }
        try check(hako_setns(namespace, newNet), "setns", path: name)
        let made: RouteNetlink
        do {
            made = try RouteNetlink()
        } catch {
            if hako_setns(own, newNet) != 0 { throw SysError("setns back to hako's own network namespace", errno: errno) }
            throw error
        }
        if hako_setns(own, newNet) != 0 {
            made.close()
            throw SysError("setns back to hako's own network namespace", errno: errno)
        }
        return made
    }

    public func close() { _ = Glibc.close(fd) }

    // MARK: links

    /// RTM_GETLINK by name.
    public func link(named name: String) throws(SysError) -> Link {
        var body = Self.interfaceInfo(index: 0, flags: 0, change: 0)
        Self.appendAttribute(&body, Self.linkName, Array(name.utf8) + [0])
        let replies = try request(Self.getLink, flags: Self.flagRequest, body: body, operation: "RTM_GETLINK \(name)")
        guard let reply = replies.first(where: { $0.type == Self.newLink }), reply.payload.count >= 16 else {
            throw SysError("RTM_GETLINK \(name): no link in the answer", errno: ENODEV)
        }
        return Link(index: Self.read(Int32.self, reply.payload, at: 4), flags: Self.read(UInt32.self, reply.payload, at: 8))
    }

    /// RTM_NEWLINK that sets or clears IFF_UP.
    public func setLink(_ index: Int32, up: Bool) throws(SysError) {
        let body = Self.interfaceInfo(index: index, flags: up ? Self.interfaceUp : 0, change: Self.interfaceUp)
        _ = try request(Self.newLink, flags: Self.flagRequest | Self.flagAck, body: body, operation: "RTM_NEWLINK (\(up ? "up" : "down"))")
    }

    /// RTM_NEWLINK with IFLA_NET_NS_FD and IFLA_IFNAME: moves the link into the network
    /// namespace behind `namespace` and renames it there, in one step (no name clash in
    /// between). The kernel drops the link's addresses on the way.
    public func moveLink(_ index: Int32, toNamespace namespace: Int32, name: String) throws(SysError) {
        var body = Self.interfaceInfo(index: index, flags: 0, change: 0)
        Self.appendAttribute(&body, Self.linkName, Array(name.utf8) + [0])
        Self.appendAttribute(&body, Self.linkNamespaceFD, Self.bytes(UInt32(bitPattern: namespace)))
        _ = try request(Self.newLink, flags: Self.flagRequest | Self.flagAck, body: body, operation: "RTM_NEWLINK (IFLA_NET_NS_FD)")
    }

    // MARK: addresses

    /// Every address of a link (RTM_GETADDR dump, filtered by index).
    public func addresses(of index: Int32) throws(SysError) -> [Address] {
        let body: [UInt8] = [UInt8(AF_UNSPEC), 0, 0, 0] + Self.bytes(UInt32(0))
        let replies = try request(Self.getAddress, flags: Self.flagRequest | Self.flagDump, body: body, operation: "RTM_GETADDR")
        var found: [Address] = []
        for reply in replies where reply.type == Self.newAddress && reply.payload.count >= 8 {
            let payload = reply.payload
            guard Self.read(UInt32.self, payload, at: 4) == UInt32(bitPattern: index) else { continue }
            var attributes: [UInt16: [UInt8]] = [:]
            Self.parseAttributes(payload, from: 8) { attributes[$0] = $1 }
            guard let local = attributes[Self.addressLocal] ?? attributes[Self.addressAddress] else { continue }
            var flags = UInt32(payload[2])
            if let extended = attributes[Self.addressFlags], extended.count >= 4 { flags = Self.read(UInt32.self, extended, at: 0) }
            found.append(Address(family: payload[0], prefixLength: payload[1], scope: payload[3], flags: flags,
                                 local: local, broadcast: attributes[Self.addressBroadcast]))
        }
        return found
    }

    /// RTM_NEWADDR of an address on a link (the peer is the address itself).
    public func addAddress(_ address: Address, to index: Int32) throws(SysError) {
        var body: [UInt8] = [address.family, address.prefixLength, 0, Self.scopeUniverse] + Self.bytes(UInt32(bitPattern: index))
        Self.appendAttribute(&body, Self.addressLocal, address.local)
        Self.appendAttribute(&body, Self.addressAddress, address.local)
        if let broadcast = address.broadcast { Self.appendAttribute(&body, Self.addressBroadcast, broadcast) }
        _ = try request(Self.newAddress, flags: Self.flagRequest | Self.flagAck | Self.flagCreate | Self.flagExclusive,
                        body: body, operation: "RTM_NEWADDR")
    }

    // MARK: the protocol

    /// Sends one request and collects the answers: up to the ack (or error) for a plain
    /// request, up to NLMSG_DONE for a dump, or the one answer of a get.
    private func request(_ type: UInt16, flags: UInt16, body: [UInt8], operation: String) throws(SysError) -> [(type: UInt16, payload: [UInt8])] {
        sequence &+= 1
        let seq = sequence
        var message = Self.bytes(UInt32(16 + body.count)) + Self.bytes(type) + Self.bytes(flags) + Self.bytes(seq) + Self.bytes(UInt32(0))
        message += body
        let sent = message.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        if sent < 0 { throw SysError(operation + ": send", errno: errno) }
        let isDump = flags & Self.flagDump == Self.flagDump
        var replies: [(type: UInt16, payload: [UInt8])] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SysError(operation + ": recv", errno: errno)
            }
            var offset = 0
            while offset + 16 <= n {
                let length = Int(Self.read(UInt32.self, buffer, at: offset))
                guard length >= 16, offset + length <= n else { break }
                let replyType = Self.read(UInt16.self, buffer, at: offset + 4)
                let replySequence = Self.read(UInt32.self, buffer, at: offset + 8)
                let payload = Array(buffer[(offset + 16)..<(offset + length)])
                offset += (length + 3) & ~3
                guard replySequence == seq else { continue }
                switch replyType {
                case Self.messageError:
                    let code = payload.count >= 4 ? Self.read(Int32.self, payload, at: 0) : -EIO
                    if code != 0 { throw SysError(operation, errno: -code) }
                    return replies
                case Self.messageDone:
                    return replies
                default:
                    replies.append((replyType, payload))
                    if !isDump && flags & Self.flagAck == 0 { return replies }
                }
            }
        }
    }

    static func interfaceInfo(index: Int32, flags: UInt32, change: UInt32) -> [UInt8] {
        // struct ifinfomsg: family, pad, type, index, flags, change.
        [UInt8(AF_UNSPEC), 0, 0, 0] + bytes(UInt32(bitPattern: index)) + bytes(flags) + bytes(change)
    }

    static func appendAttribute(_ body: inout [UInt8], _ type: UInt16, _ value: [UInt8]) {
        body += bytes(UInt16(4 + value.count)) + bytes(type) + value
        while body.count % 4 != 0 { body.append(0) }
    }

    static func parseAttributes(_ payload: [UInt8], from start: Int, _ each: (UInt16, [UInt8]) -> Void) {
        var offset = start
        while offset + 4 <= payload.count {
            let length = Int(read(UInt16.self, payload, at: offset))
            guard length >= 4, offset + length <= payload.count else { return }
            each(read(UInt16.self, payload, at: offset + 2), Array(payload[(offset + 4)..<(offset + length)]))
            offset += (length + 3) & ~3
        }
    }

    static func bytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }

    static func read<T: FixedWidthInteger>(_ type: T.Type, _ bytes: [UInt8], at offset: Int) -> T {
        var value = T.zero
        withUnsafeMutableBytes(of: &value) { raw in
            for i in 0..<MemoryLayout<T>.size { raw[i] = bytes[offset + i] }
        }
        return value
    }
}
