public extension Spec {
    /// Checks the configuration without touching the filesystem and throws the
    /// first problem found, located by its JSON path, e.g.
    /// `linux.namespaces[2].type: unknown namespace "foo"`.
    func validate() throws(SpecError) {
        try SpecValidation.version(ociVersion)
        try SpecValidation.root(root)
        try SpecValidation.process(process)
        try SpecValidation.mounts(mounts)
        try SpecValidation.hooks(hooks)
        try SpecValidation.linux(linux)
    }
}

/// The checks behind `Spec.validate()`, by section of config.json.
enum SpecValidation {
    // MARK: Document

    /// Any 1.x.y version is accepted (with an optional -pre-release or +build
    /// suffix): minor versions only add fields, which are ignored when unknown.
    static func version(_ version: String) throws(SpecError) {
        let path = JSONPath.root.key("ociVersion")
        guard !version.isEmpty else { throw fail(path, "must not be empty") }
        guard let major = semanticMajor(version) else {
            throw fail(path, "\(quoted(version)) is not a version of the form 1.x.y")
        }
        guard major == 1 else {
            throw fail(path, "unsupported version \(quoted(version)): only 1.x is supported")
        }
    }

    static func root(_ root: Root?) throws(SpecError) {
        guard let root else { return }
        if root.path.isEmpty { throw fail(JSONPath.root.key("root").key("path"), "must not be empty") }
    }

    static func mounts(_ mounts: [Mount]?) throws(SpecError) {
        // runc accepts a relative destination (resolved against "/", with a warning).
        for (i, mount) in (mounts ?? []).enumerated() where mount.destination.isEmpty {
            throw fail(JSONPath.root.key("mounts").index(i).key("destination"), "must not be empty")
        }
    }

    static func hooks(_ hooks: Hooks?) throws(SpecError) {
        guard let hooks else { return }
        let lists: [(String, [Hook]?)] = [
            ("prestart", hooks.prestart), ("createRuntime", hooks.createRuntime),
            ("createContainer", hooks.createContainer), ("startContainer", hooks.startContainer),
            ("poststart", hooks.poststart), ("poststop", hooks.poststop),
        ]
        for (name, list) in lists {
            for (i, hook) in (list ?? []).enumerated() {
                let path = JSONPath.root.key("hooks").key(name).index(i)
                try absolute(hook.path, at: path.key("path"))
                if let timeout = hook.timeout, timeout <= 0 {
                    throw fail(path.key("timeout"), "must be greater than zero, got \(timeout)")
                }
            }
        }
    }

    // MARK: Process

    static func process(_ process: ProcessSpec?) throws(SpecError) {
        guard let process else { return }
        let path = JSONPath.root.key("process")
        if process.args?.isEmpty ?? true { throw fail(path.key("args"), "must not be empty") }
        try absolute(process.cwd, at: path.key("cwd"))
        for (i, entry) in (process.env ?? []).enumerated() where !isEnvironmentEntry(entry) {
            throw fail(path.key("env").index(i), "\(quoted(entry)) is not of the form NAME=value")
        }
        try rlimits(process.rlimits, at: path.key("rlimits"))
        if let adj = process.oomScoreAdj, !(-1000...1000).contains(adj) {
            throw fail(path.key("oomScoreAdj"), "\(adj) is out of range -1000...1000")
        }
        if let scheduler = process.scheduler {
            let at = path.key("scheduler")
            try known(scheduler.policy, LinuxSchedulerPolicy.self, at: at.key("policy"), what: "policy")
            for (i, flag) in (scheduler.flags ?? []).enumerated() {
                try known(flag, LinuxSchedulerFlag.self, at: at.key("flags").index(i), what: "flag")
            }
        }
        if let priority = process.ioPriority {
            let at = path.key("ioPriority")
            try known(priority.class, IOPriorityClass.self, at: at.key("class"), what: "class")
            if !(0...7).contains(priority.priority) {
                throw fail(at.key("priority"), "\(priority.priority) is out of range 0...7")
            }
        }
    }

    static func rlimits(_ limits: [POSIXRlimit]?, at path: JSONPath) throws(SpecError) {
        var seen: Set<String> = []
        for (i, limit) in (limits ?? []).enumerated() {
            let at = path.index(i)
            guard RlimitKind(name: limit.type) != nil else {
                throw fail(at.key("type"), "unknown rlimit \(quoted(limit.type))")
            }
            guard seen.insert(limit.type).inserted else {
                throw fail(at.key("type"), "duplicate rlimit \(quoted(limit.type))")
            }
            guard limit.soft <= limit.hard else {
                throw fail(at, "soft limit \(limit.soft) exceeds hard limit \(limit.hard)")
            }
        }
    }

    // MARK: Linux

    static func linux(_ linux: Linux?) throws(SpecError) {
        guard let linux else { return }
        let path = JSONPath.root.key("linux")
        try namespaces(linux.namespaces, at: path.key("namespaces"))
        try idMappings(linux, at: path)
        try timeOffsets(linux, at: path.key("timeOffsets"))
        for key in (linux.sysctl ?? [:]).keys where key.isEmpty {
            throw fail(path.key("sysctl"), "keys must not be empty")
        }
        for (i, device) in (linux.devices ?? []).enumerated() {
            let at = path.key("devices").index(i)
            try known(device.type, DeviceType.self, at: at.key("type"), what: "device type", listing: true)
            try absolute(device.path, at: at.key("path"))
        }
        if let propagation = linux.rootfsPropagation, !propagation.isEmpty {
            try known(propagation, MountPropagation.self, at: path.key("rootfsPropagation"),
                      what: "propagation", listing: true)
        }
        try deviceRules(linux.resources?.devices, at: path.key("resources").key("devices"))
        try seccomp(linux.seccomp, at: path.key("seccomp"))
        if let personality = linux.personality {
            try known(personality.domain, LinuxPersonalityDomain.self,
                      at: path.key("personality").key("domain"), what: "domain", listing: true)
        }
        if let policy = linux.memoryPolicy {
            let at = path.key("memoryPolicy")
            try known(policy.mode, MemoryPolicyMode.self, at: at.key("mode"), what: "mode")
            for (i, flag) in (policy.flags ?? []).enumerated() {
                try known(flag, MemoryPolicyFlag.self, at: at.key("flags").index(i), what: "flag")
            }
        }
    }

    static func namespaces(_ namespaces: [LinuxNamespace]?, at path: JSONPath) throws(SpecError) {
        var seen: Set<String> = []
        for (i, namespace) in (namespaces ?? []).enumerated() {
            let at = path.index(i)
            guard namespace.kind != nil else {
                throw fail(at.key("type"), "unknown namespace \(quoted(namespace.type))")
            }
            guard seen.insert(namespace.type).inserted else {
                throw fail(at.key("type"), "duplicate namespace \(quoted(namespace.type))")
            }
            if let nsPath = namespace.path, !nsPath.isEmpty {
                try absolute(nsPath, at: at.key("path"))
            }
        }
    }

    /// Mappings need a user namespace; a new (not joined) user namespace needs mappings.
    static func idMappings(_ linux: Linux, at path: JSONPath) throws(SpecError) {
        let mappings: [(String, Bool)] = [
            ("uidMappings", !(linux.uidMappings ?? []).isEmpty),
            ("gidMappings", !(linux.gidMappings ?? []).isEmpty),
        ]
        let userNamespace = linux.namespace(.user)
        for (key, present) in mappings {
            if userNamespace == nil, present {
                throw fail(path.key(key), "requires a user namespace")
            }
            if let userNamespace, userNamespace.path?.isEmpty ?? true, !present {
                let kind = key == "uidMappings" ? "uid" : "gid"
                throw fail(path.key(key), "a new user namespace requires \(kind) mappings")
            }
        }
    }

    static func timeOffsets(_ linux: Linux, at path: JSONPath) throws(SpecError) {
        guard let offsets = linux.timeOffsets, !offsets.isEmpty else { return }
        guard linux.namespace(.time) != nil else { throw fail(path, "requires a time namespace") }
        for clock in offsets.keys.sorted() {
            try known(clock, TimeNamespaceClock.self, at: path.key(clock), what: "clock", listing: true)
        }
    }

    static func deviceRules(_ rules: [LinuxDeviceCgroup]?, at path: JSONPath) throws(SpecError) {
        for (i, rule) in (rules ?? []).enumerated() {
            let at = path.index(i)
            if let type = rule.type, !type.isEmpty {
                try known(type, DeviceCgroupType.self, at: at.key("type"), what: "device type", listing: true)
            }
            // Letters other than r, w and m are dropped with a warning when the rules are
            // written (runc drops them; its own tests write "rwa"); anything but letters is
            // no access string at all.
            if let access = rule.access, !access.allSatisfy({ $0.isLetter }) {
                throw fail(at.key("access"), "\(quoted(access)) is not a combination of r, w and m")
            }
        }
    }

    static func seccomp(_ seccomp: LinuxSeccomp?, at path: JSONPath) throws(SpecError) {
        guard let seccomp else { return }
        try known(seccomp.defaultAction, LinuxSeccompAction.self, at: path.key("defaultAction"), what: "action")
        if seccomp.defaultAction == LinuxSeccompAction.notify.rawValue {
            throw fail(path.key("defaultAction"), "SCMP_ACT_NOTIFY cannot be the default action")
        }
        for (i, arch) in (seccomp.architectures ?? []).enumerated() {
            try known(arch, SeccompArch.self, at: path.key("architectures").index(i), what: "architecture")
        }
        for (i, flag) in (seccomp.flags ?? []).enumerated() {
            try known(flag, LinuxSeccompFlag.self, at: path.key("flags").index(i), what: "flag")
        }
        var notifies = false
        for (i, rule) in (seccomp.syscalls ?? []).enumerated() {
            let at = path.key("syscalls").index(i)
            try known(rule.action, LinuxSeccompAction.self, at: at.key("action"), what: "action")
            notifies = notifies || rule.action == LinuxSeccompAction.notify.rawValue
            for (j, arg) in (rule.args ?? []).enumerated() {
                try known(arg.op, LinuxSeccompOperator.self, at: at.key("args").index(j).key("op"), what: "operator")
                if arg.index > 5 {
                    throw fail(at.key("args").index(j).key("index"), "\(arg.index) is out of range 0...5")
                }
            }
        }
        if notifies, seccomp.listenerPath?.isEmpty ?? true {
            throw fail(path.key("listenerPath"), "must be set when a rule uses SCMP_ACT_NOTIFY")
        }
    }

    // MARK: Helpers

    static func fail(_ path: JSONPath, _ reason: String) -> SpecError {
        SpecError(path: path.description, reason: reason)
    }

    static func absolute(_ value: String, at path: JSONPath) throws(SpecError) {
        guard !value.isEmpty else { throw fail(path, "must not be empty") }
        guard value.hasPrefix("/") else { throw fail(path, "must be an absolute path, got \(quoted(value))") }
    }

    /// Throws `unknown <what> "<value>"` unless `value` is a raw value of `E`;
    /// with `listing`, the message ends with the accepted values.
    static func known<E: RawRepresentable & CaseIterable>(
        _ value: String, _: E.Type, at path: JSONPath, what: String, listing: Bool = false
    ) throws(SpecError) where E.RawValue == String {
        guard E(rawValue: value) == nil else { return }
        var reason = "unknown \(what) \(quoted(value))"
        if listing { reason += " (expected \(alternatives(E.allCases.map(\.rawValue))))" }
        throw fail(path, reason)
    }

    /// "a, b or c".
    static func alternatives(_ values: [String]) -> String {
        guard let last = values.last else { return "" }
        let rest = values.dropLast()
        return rest.isEmpty ? last : "\(rest.joined(separator: ", ")) or \(last)"
    }

    static func quoted(_ value: String) -> String {
        "\"\(value)\""
    }

    static func isEnvironmentEntry(_ entry: String) -> Bool {
        guard let equals = entry.firstIndex(of: "=") else { return false }
        return equals != entry.startIndex
    }

    /// The major number of a MAJOR.MINOR.PATCH version (with an optional
    /// -pre-release or +build suffix), or nil when malformed.
    static func semanticMajor(_ version: String) -> Int? {
        let core = version.prefix { $0 != "-" && $0 != "+" }
        let parts = core.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
              parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } })
        else { return nil }
        return Int(parts[0])
    }
}
