/// Container ids name a directory under the state root, so they must not be able to
/// escape it: runc's rule (letters, digits, and `_ + - .`, not "." or "..") with a
/// length bound that keeps paths well under PATH_MAX.
public enum ContainerID {
    public static let maxLength = 1024

    public static func validate(_ id: String) throws(RuntimeError) {
        if id.isEmpty { throw RuntimeError("invalid container id: the id is empty") }
        if id.utf8.count > maxLength {
            throw RuntimeError("invalid container id \"\(id.prefix(40))...\": longer than \(maxLength) bytes")
        }
        if id == "." || id == ".." { throw RuntimeError("invalid container id \"\(id)\"") }
        for byte in id.utf8 {
            let ok = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            if !ok {
                throw RuntimeError("invalid container id \"\(id)\": only letters, digits and _ + - . are allowed")
            }
        }
    }
}
