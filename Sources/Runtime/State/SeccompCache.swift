#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec
import Seccomp

/// Compiled seccomp filters kept under the state root, so that a profile engines send for
/// every container and exec (15-20 ms to compile with libseccomp for Docker's or podman's
/// default) is compiled once. The directory's name holds a character no container id may
/// have, so it never meets a container's directory; files are named by a hash of the key
/// and used only when the key stored in them is the same, byte for byte (a hash collision
/// costs a compilation, never a wrong filter). A cache that cannot be read or written is
/// no error: the profile is compiled as if there were none.
struct SeccompCache {
    static let directoryName = "seccomp@cache"
    let directory: String

    init(store: StateStore) {
        directory = store.root + "/" + Self.directoryName
    }

    func program(for config: LinuxSeccomp) throws(SeccompError) -> SeccompProgram {
        guard let key = SeccompProgram.cacheKey(config) else { return try SeccompProgram.compile(config) }
        let path = directory + "/" + Self.hash(key)
        if let data = try? Files.read(path), let cached = SeccompProgram(cached: data, key: key) {
            return cached
        }
        let program = try SeccompProgram.compile(config)
        store(program.encoded(key: key), at: path)
        return program
    }

    private func store(_ bytes: [UInt8], at path: String) {
        guard (try? Files.makeDirectories(directory, mode: 0o700)) != nil else { return }
        _ = try? Files.writeAtomically(path, bytes, mode: 0o600, durable: false)
    }

    /// FNV-1a, 64 bits, as hex: only a file name; the key inside decides.
    static func hash(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
