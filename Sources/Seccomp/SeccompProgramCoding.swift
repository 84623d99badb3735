#if canImport(Glibc)
import Glibc
#endif
import CSeccomp
import OCISpec

/// A compiled program as bytes, for a cache of compiled filters: compiling a profile the
/// size of Docker's or podman's default with libseccomp takes 15-20 ms, and engines send
/// the same profile for every container and every exec.
extension SeccompProgram {
    static let magic = Array("hako-seccomp-1\n".utf8)

    /// Everything the compiled program depends on: the profile (re-encoded with sorted
    /// keys), the libseccomp version and the kernel API level it reports. A cached program
    /// is used only when its key is byte for byte the one asked for.
    public static func cacheKey(_ config: LinuxSeccomp) -> [UInt8]? {
        guard let profile = try? JSONCoding.encode(config) else { return nil }
        var library = "libseccomp unknown"
        if let version = seccomp_version() {
            library = "libseccomp \(version.pointee.major).\(version.pointee.minor).\(version.pointee.micro)"
        }
        return Array("\(library) api \(seccomp_api_get())\n".utf8) + Array(profile)
    }

    /// magic, key, flags, notify, skipped names, instructions; integers little-endian.
    public func encoded(key: [UInt8]) -> [UInt8] {
        var out = Self.magic
        func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { out += $0 } }
        func bytes(_ value: [UInt8]) { u32(UInt32(value.count)); out += value }
        bytes(key)
        u32(filterFlags)
        out.append(usesNotify ? 1 : 0)
        u32(UInt32(skippedSyscalls.count))
        for name in skippedSyscalls { bytes(Array(name.utf8)) }
        u32(UInt32(instructions.count))
        for instruction in instructions {
            withUnsafeBytes(of: instruction.code.littleEndian) { out += $0 }
            out += [instruction.jt, instruction.jf]
            u32(instruction.k)
        }
        return out
    }

    /// The program `encoded(key:)` made for exactly this key; nil for anything else
    /// (another key, another format, a truncated file).
    public init?(cached data: [UInt8], key: [UInt8]) {
        var position = 0
        func take(_ count: Int) -> ArraySlice<UInt8>? {
            guard count >= 0, data.count - position >= count else { return nil }
            defer { position += count }
            return data[position..<position + count]
        }
        func u32() -> UInt32? {
            guard let slice = take(4) else { return nil }
            return slice.reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        }
        func bytes() -> ArraySlice<UInt8>? {
            guard let count = u32() else { return nil }
            return take(Int(count))
        }
        guard take(Self.magic.count).map(Array.init) == Self.magic, let storedKey = bytes(), storedKey.elementsEqual(key),
              let flags = u32(), let notify = take(1), let skippedCount = u32() else { return nil }
        var skipped: [String] = []
        for _ in 0..<skippedCount {
            guard let name = bytes() else { return nil }
            skipped.append(String(decoding: name, as: UTF8.self))
        }
        guard let count = u32(), count <= UInt32(BPF.maxInstructions) else { return nil }
        var instructions: [sock_filter] = []
        instructions.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let code = take(2), let jumps = take(2), let k = u32() else { return nil }
            instructions.append(sock_filter(code: UInt16(code[code.startIndex]) | UInt16(code[code.startIndex + 1]) << 8,
                                            jt: jumps[jumps.startIndex], jf: jumps[jumps.startIndex + 1], k: k))
        }
        guard position == data.count else { return nil }
        self.init(instructions: instructions, filterFlags: flags, skippedSyscalls: skipped, usesNotify: notify.first == 1)
    }
}
