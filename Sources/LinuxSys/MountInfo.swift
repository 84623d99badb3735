/// /proc/PID/mountinfo (proc(5)), which the cgroup detection and the rootfs read.
public enum MountInfo {
    public struct Entry: Equatable, Sendable {
        /// The mounted directory of its filesystem (field 4, unescaped).
        public var root: String
        public var mountPoint: String
        public var fsType: String
        public var superOptions: String

        public init(root: String, mountPoint: String, fsType: String, superOptions: String) {
            self.root = root
            self.mountPoint = mountPoint
            self.fsType = fsType
            self.superOptions = superOptions
        }
    }

    /// Parses /proc/self/mountinfo (proc(5)): "ID parent MAJ:MIN root mountpoint options
    /// [optional fields...] - fstype source superoptions". Split on bytes: String's own
    /// split walks grapheme clusters, many times slower, and every create reads this file.
    /// The kernel separates with single spaces and escapes those in paths.
    public static func parse(_ text: String) -> [Entry] {
        var entries: [Entry] = []
        for line in Array(text.utf8).split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: " "))
            guard let dash = fields.firstIndex(where: { $0.count == 1 && $0.first == UInt8(ascii: "-") }),
                  dash >= 6, fields.count > dash + 3 else { continue }
            entries.append(Entry(
                root: unescape(fields[3]),
                mountPoint: unescape(fields[4]),
                fsType: String(decoding: fields[dash + 1], as: UTF8.self),
                superOptions: String(decoding: fields[dash + 3], as: UTF8.self)
            ))
        }
        return entries
    }

    /// mountinfo escapes space, tab, newline and backslash as \ooo octal.
    static func unescape(_ field: ArraySlice<UInt8>) -> String {
        guard field.contains(UInt8(ascii: "\\")) else { return String(decoding: field, as: UTF8.self) }
        let utf8 = Array(field)
        var bytes: [UInt8] = []
        var i = 0
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "\\"), i + 3 < utf8.count {
                let digits = utf8[(i + 1)...(i + 3)]
                if digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }) {
                    let value = digits.reduce(0) { $0 * 8 + Int($1 - UInt8(ascii: "0")) }
                    if value < 256 {
                        bytes.append(UInt8(value))
                        i += 4
                        continue
                    }
                }
            }
            bytes.append(utf8[i])
            i += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
