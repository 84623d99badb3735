#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// linux.netDevices (config-linux.md "Network Devices"): host network interfaces moved into
/// the container's new network namespace, renamed when `name` says so, as runc does: the
/// link is brought down, moved and renamed in one RTM_NEWLINK, its permanent global
/// addresses (which the kernel drops on the move) are added again inside, and it is
/// brought up there.
///
/// main does this once init exists (its network namespace is then made) and before init
/// is told to proceed. Nothing is undone on a later failure, or on delete: the network
/// namespace dies with the container's last process, and then the kernel deletes virtual
/// devices (dummy, veth, macvlan ... whose link type does not ask to be given back) and
/// returns physical ones to the host's initial network namespace, under the name they had
/// in the container (or "devN" when that name is taken).
enum NetDevices {
    /// main, before forking: the container gets a new network namespace, every name is a
    /// valid interface name and every host device exists.
    static func check(_ devices: [String: LinuxNetDevice], namespaces: NamespacePlan) throws {
        if devices.isEmpty { return }
        guard namespaces.creates.contains(.network) else {
            throw RuntimeError("linux.netDevices: needs a new network namespace")
        }
        var inside: [String: String] = [:]
        for (name, device) in devices.sorted(by: { $0.key < $1.key }) {
            let field = "linux.netDevices[\"\(name)\"]"
            try checkName(name, field: field)
            let newName = containerName(name, device)
            if newName != name { try checkName(newName, field: field + ".name") }
            if let other = inside[newName] {
                throw RuntimeError("\(field).name: \"\(newName)\" is also the name given to linux.netDevices[\"\(other)\"]")
            }
            inside[newName] = name
            if if_nametoindex(name) == 0 {
                throw RuntimeError("\(field): no such network interface")
            }
        }
    }

    /// The interface's name in the container: `name`, or the host's name when it is unset.
    static func containerName(_ hostName: String, _ device: LinuxNetDevice) -> String {
        guard let name = device.name, !name.isEmpty else { return hostName }
        return name
    }

    /// The kernel's rules for interface names (dev_valid_name): 1 to 15 bytes (IFNAMSIZ - 1),
    /// not "." or "..", no "/", ":" or white space.
    static func checkName(_ name: String, field: String) throws {
        let bytes = Array(name.utf8)
        let valid = !bytes.isEmpty && bytes.count < 16 && name != "." && name != ".."
            && !bytes.contains(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":") || $0 == 0 || $0 == 0x20 || (0x09...0x0d).contains($0) })
        if !valid {
            throw RuntimeError("\(field): \"\(name)\" is not a valid interface name (1 to 15 bytes, no \"/\", \":\" or spaces)")
        }
    }

    /// main: moves every device into the network namespace of `pid` (init).
    static func move(_ devices: [String: LinuxNetDevice], intoNetworkNamespaceOf pid: pid_t) throws {
        if devices.isEmpty { return }
        let path = "/proc/\(pid)/ns/net"
        let namespace = try step("opening the container's network namespace") { try Files.open(path, O_RDONLY) }
        defer { Files.close(namespace) }
        let host = try step("opening a netlink socket") { try RouteNetlink() }
        defer { host.close() }
        let container = try step("opening a netlink socket in the container's network namespace") {
            try RouteNetlink.inNetworkNamespace(namespace, name: path)
        }
        defer { container.close() }
        for (name, device) in devices.sorted(by: { $0.key < $1.key }) {
            let newName = containerName(name, device)
            try step("linux.netDevices[\"\(name)\"]") {
                try move(name, as: newName, into: namespace, host: host, container: container)
            }
        }
    }

    static func move(_ name: String, as newName: String, into namespace: Int32, host: RouteNetlink, container: RouteNetlink) throws {
        guard let link = try lookUp(name, in: host) else { throw RuntimeError("no such network interface") }
        // Down first, so nothing on the host uses it half-moved (runc's order).
        try step("bringing \(name) down") { try host.setLink(link.index, up: false) }
        let addresses = try step("listing the addresses of \(name)") {
            try host.addresses(of: link.index).filter {
                // Only what the user configured and that means the same anywhere (runc's rule).
                $0.flags & RouteNetlink.addressPermanent != 0 && $0.scope == RouteNetlink.scopeUniverse
            }
        }
        if let failure = moveFailure(link, to: namespace, as: newName, host: host) {
            if link.flags & RouteNetlink.interfaceUp != 0 { try? host.setLink(link.index, up: true) }
            throw RuntimeError("moving \(name) into the container's network namespace as \(newName)", failure)
        }
        // The index may change when the container's namespace already uses it.
        let moved = try step("finding \(newName) in the container's network namespace") { try container.link(named: newName) }
        for address in addresses {
            try step("adding an address to \(newName)") { try container.addAddress(address, to: moved.index) }
        }
        try step("bringing \(newName) up") { try container.setLink(moved.index, up: true) }
    }

    /// The link named `name`, or nil when there is none (ENODEV).
    static func lookUp(_ name: String, in socket: RouteNetlink) throws -> RouteNetlink.Link? {
        do {
            return try socket.link(named: name)
        } catch {
            if error.errno == ENODEV { return nil }
            throw error
        }
    }

    static func moveFailure(_ link: RouteNetlink.Link, to namespace: Int32, as newName: String, host: RouteNetlink) -> SysError? {
        do {
            try host.moveLink(link.index, toNamespace: namespace, name: newName)
            return nil
        } catch {
            return error
        }
    }
}
