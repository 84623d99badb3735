import OCISpec

/// A device cgroup rule in the kernel's v1 syntax ("c 1:3 rwm", "a *:* rwm").
struct DeviceRule: Equatable, Sendable {
    /// "a" (all devices), "c" or "b".
    var type: Character
    /// nil is the wildcard "*".
    var major: Int64?
    var minor: Int64?
    /// A subset of "rwm", in that order.
    var access: String
    var allow: Bool

    /// "c 1:3 rwm"; type "a" is written as "a *:* rwm" whatever the numbers (the
    /// kernel treats any "a" rule as all devices).
    var cgroupString: String {
        if type == "a" { return "a *:* \(access)" }
        return "\(type) \(major.map(String.init) ?? "*"):\(minor.map(String.init) ?? "*") \(access)"
    }

    /// The identity of an exception in the kernel's list: type, major and minor.
    var key: String {
        "\(type) \(major.map(String.init) ?? "*"):\(minor.map(String.init) ?? "*")"
    }

    /// Validates and normalises the config's rules; errors name the JSON path.
    static func parse(_ rules: [LinuxDeviceCgroup]) throws(CgroupError) -> [DeviceRule] {
        var result: [DeviceRule] = []
        for (index, rule) in rules.enumerated() {
            let field = "linux.resources.devices[\(index)]"
            let type: Character
            switch rule.type ?? "a" {
            case "a", "": type = "a"
            case "c": type = "c"
            case "b": type = "b"
            case let other: throw CgroupError.field(field + ".type", "invalid device type \(CgroupIO.quoted(other)) (want a, b or c)")
            }
            if let major = rule.major, major < 0 { throw CgroupError.field(field + ".major", "negative device number \(major)") }
            if let minor = rule.minor, minor < 0 { throw CgroupError.field(field + ".minor", "negative device number \(minor)") }
            let access = try canonicalAccess(rule.access, field: field + ".access")
            result.append(DeviceRule(type: type, major: rule.major, minor: rule.minor, access: access, allow: rule.allow))
        }
        return result
    }

    /// "rwm" order; unset or empty means all three, as runc reads the spec. Other letters
    /// are dropped, as runc drops them (its own tests write "rwa"); `ignoredAccess` words
    /// a warning for each rule that had some.
    static func canonicalAccess(_ access: String?, field: String) throws(CgroupError) -> String {
        guard let access, !access.isEmpty else { return "rwm" }
        return String("rwm".filter { access.contains($0) })
    }

    /// Warnings for access letters other than r, w and m, which have no meaning.
    static func ignoredAccess(_ rules: [LinuxDeviceCgroup]) -> [String] {
        rules.enumerated().compactMap { index, rule in
            guard let access = rule.access else { return nil }
            let ignored = access.filter { !"rwm".contains($0) }
            guard !ignored.isEmpty else { return nil }
            return "linux.resources.devices[\(index)].access: \(CgroupIO.quoted(access)): \(CgroupIO.quoted(ignored)) ignored (only r, w and m mean something)"
        }
    }

    /// True for the rules `runc spec` writes by default: deny everything, nothing else.
    static func isDefaultDenyAll(_ rules: [LinuxDeviceCgroup]) -> Bool {
        rules.allSatisfy { !$0.allow && ($0.type == nil || $0.type == "a" || $0.type == "") }
    }
}

/// The kernel's v1 device list for one cgroup: a default (allow all or deny all) and the
/// exceptions to it, kept in the order they were added. Emulating it lets an update write
/// only the difference, so a running container never passes through "deny all".
struct DeviceState: Equatable {
    var defaultAllow: Bool
    /// (key, access) pairs; `key` as DeviceRule.key.
    var exceptions: [(key: String, access: String)]

    static func == (lhs: DeviceState, rhs: DeviceState) -> Bool {
        lhs.defaultAllow == rhs.defaultAllow && lhs.exceptions.elementsEqual(rhs.exceptions, by: { $0 == $1 })
    }

    /// The state the config asks for: runc starts from "deny all" and applies the rules in order.
    static func target(_ rules: [DeviceRule]) -> DeviceState {
        var state = DeviceState(defaultAllow: false, exceptions: [])
        for rule in rules { state.apply(rule) }
        return state
    }

    mutating func apply(_ rule: DeviceRule) {
        if rule.type == "a" {
            // Any "a" rule resets the list, as the kernel does.
            defaultAllow = rule.allow
            exceptions = []
            return
        }
        let index = exceptions.firstIndex { $0.key == rule.key }
        if rule.allow != defaultAllow {
            // An exception to the default: add the access.
            if let index {
                exceptions[index].access = Self.union(exceptions[index].access, rule.access)
            } else {
                exceptions.append((rule.key, rule.access))
            }
        } else if let index {
            // Same as the default: take the access away from a matching exception.
            let left = exceptions[index].access.filter { !rule.access.contains($0) }
            if left.isEmpty { exceptions.remove(at: index) } else { exceptions[index].access = String(left) }
        }
    }

    /// Reads devices.list: "a *:* rwm" alone means allow-all (whose deny exceptions the
    /// kernel does not list); otherwise a deny-all list of allowed devices.
    static func parse(list text: String) -> DeviceState? {
        var exceptions: [(key: String, access: String)] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 3 else { return nil }
            if fields[0] == "a" { return DeviceState(defaultAllow: true, exceptions: []) }
            exceptions.append(("\(fields[0]) \(fields[1])", String(fields[2])))
        }
        return DeviceState(defaultAllow: false, exceptions: exceptions)
    }

    /// The writes (file, rule) that take the kernel from `current` (nil: unknown) to `self`.
    func writes(from current: DeviceState?) -> [(file: String, value: String)] {
        if let current, !current.defaultAllow, !defaultAllow {
            var result: [(file: String, value: String)] = []
            for old in current.exceptions {
                let want = exceptions.first { $0.key == old.key }?.access ?? ""
                let extra = old.access.filter { !want.contains($0) }
                if !extra.isEmpty { result.append(("devices.deny", old.key + " " + extra)) }
            }
            for new in exceptions {
                let have = current.exceptions.first { $0.key == new.key }?.access ?? ""
                if new.access.contains(where: { !have.contains($0) }) {
                    result.append(("devices.allow", new.key + " " + new.access))
                }
            }
            return result
        }
        // Different defaults (or an unknown list): reset, then add the exceptions.
        let (resetFile, exceptionFile) = defaultAllow ? ("devices.allow", "devices.deny") : ("devices.deny", "devices.allow")
        return [(resetFile, "a")] + exceptions.map { (exceptionFile, $0.key + " " + $0.access) }
    }

    static func union(_ a: String, _ b: String) -> String {
        String("rwm".filter { a.contains($0) || b.contains($0) })
    }
}
