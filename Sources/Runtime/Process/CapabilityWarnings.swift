import LinuxSys
import OCISpec

/// What of process.capabilities cannot be given, as warnings main logs before the process
/// is started. runtime-spec 1.2 has a runtime warn about a capability it cannot map or
/// grant and not fail, so that a config written for a newer kernel (CAP_BPF,
/// CAP_CHECKPOINT_RESTORE on an older one) or with a name of its own still runs, with the
/// capabilities that exist. The words are runc's, which operators and tests look for.
/// `ProcessSetup.capabilityMasks` leaves the same capabilities out.
enum CapabilityWarnings {
    static func of(_ caps: LinuxCapabilities?, lastCapability: Int = Capabilities.lastCapability()) -> [String] {
        guard let caps else { return [] }
        var warnings: [String] = []
        let lists = [caps.bounding, caps.effective, caps.inheritable, caps.permitted, caps.ambient]
        let unavailable = Set(lists.flatMap { $0 ?? [] }.filter { name in
            guard let number = Capability.number(named: name) else { return true }
            return number > lastCapability
        })
        if !unavailable.isEmpty {
            warnings.append("ignoring unknown or unavailable capabilities: [\(unavailable.sorted().joined(separator: " "))]")
        }
        // The kernel raises an ambient capability only when it is permitted and inheritable.
        let raisable = Set(caps.permitted ?? []).intersection(caps.inheritable ?? [])
        var seen: Set<String> = []
        for name in caps.ambient ?? [] where !unavailable.contains(name) && !raisable.contains(name) && seen.insert(name).inserted {
            warnings.append("can't raise ambient capability \(name): operation not permitted")
        }
        return warnings
    }
}
