#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// linux.personality: the execution domain, set with personality(2).
enum Personality {
    static let domains: [String: UInt] = ["LINUX": 0x0000, "LINUX32": 0x0008]

    static func apply(_ personality: LinuxPersonality) throws {
        guard let domain = domains[personality.domain] else {
            throw RuntimeError("linux.personality.domain: unknown domain \"\(personality.domain)\" (LINUX or LINUX32)")
        }
        if let flags = personality.flags, !flags.isEmpty {
            throw RuntimeError("linux.personality.flags: no flags are defined, got \(flags)")
        }
        try step("setting linux.personality.domain \(personality.domain)") { try Credentials.setPersonality(domain) }
    }
}
