/// Signatures: strings of type codes ("s", "a(sv)", "a{sv}"), checked as the D-Bus
/// specification defines them before a value is read by one.
public enum DBusSignature {
    /// The longest signature the specification allows.
    static let maxLength = 255
    /// How deeply arrays, and separately structs, may nest.
    static let maxNesting = 32

    /// Splits a signature into its single complete types: "sa{sv}(ii)" -> ["s", "a{sv}", "(ii)"].
    /// Throws when it is not a valid signature.
    public static func split(_ signature: String) throws(DBusError) -> [Substring] {
        guard signature.utf8.count <= maxLength else { throw DBusError.malformed("signature longer than \(maxLength) bytes") }
        var types: [Substring] = []
        var index = signature.startIndex
        while index < signature.endIndex {
            let end = try completeType(signature, from: index, arrays: 0, structs: 0)
            types.append(signature[index..<end])
            index = end
        }
        return types
    }

    /// Where the single complete type starting at `start` ends.
    private static func completeType(_ signature: String, from start: String.Index, arrays: Int, structs: Int) throws(DBusError) -> String.Index {
        guard start < signature.endIndex else { throw DBusError.malformed("signature \"\(signature)\" ends inside a type") }
        let code = signature[start]
        let next = signature.index(after: start)
        switch code {
        case "y", "b", "n", "q", "i", "u", "x", "t", "d", "s", "o", "g", "v", "h":
            return next
        case "a":
            guard arrays < maxNesting else { throw DBusError.malformed("signature \"\(signature)\" nests arrays too deeply") }
            if next < signature.endIndex, signature[next] == "{" {
                // A dict entry: a basic key, any value, only as an array's element.
                let key = signature.index(after: next)
                guard key < signature.endIndex, isBasic(signature[key]) else {
                    throw DBusError.malformed("signature \"\(signature)\": a dict entry's key must be a basic type")
                }
                let valueEnd = try completeType(signature, from: signature.index(after: key), arrays: arrays + 1, structs: structs + 1)
                guard valueEnd < signature.endIndex, signature[valueEnd] == "}" else {
                    throw DBusError.malformed("signature \"\(signature)\": a dict entry holds exactly a key and a value")
                }
                return signature.index(after: valueEnd)
            }
            return try completeType(signature, from: next, arrays: arrays + 1, structs: structs)
        case "(":
            guard structs < maxNesting else { throw DBusError.malformed("signature \"\(signature)\" nests structs too deeply") }
            var index = next
            guard index < signature.endIndex, signature[index] != ")" else {
                throw DBusError.malformed("signature \"\(signature)\" has an empty struct")
            }
            while index < signature.endIndex, signature[index] != ")" {
                index = try completeType(signature, from: index, arrays: arrays, structs: structs + 1)
            }
            guard index < signature.endIndex else { throw DBusError.malformed("signature \"\(signature)\" has an unclosed struct") }
            return signature.index(after: index)
        default:
            throw DBusError.malformed("signature \"\(signature)\" has an unknown type code \"\(code)\"")
        }
    }

    static func isBasic(_ code: Character) -> Bool {
        "ybnqiuxtdsogh".contains(code)
    }

    /// The alignment of values of the type starting with `code`.
    static func alignment(of code: Character) -> Int {
        switch code {
        case "y", "g", "v": return 1
        case "n", "q": return 2
        case "b", "i", "u", "s", "o", "a", "h": return 4
        default: return 8 // x t d ( {
        }
    }
}
