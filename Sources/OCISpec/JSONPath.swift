/// A location in a JSON document, rendered as `process.user.uid`, `mounts[3].destination`
/// or `annotations["io.podman.annotations.autoremove"]` for keys that are not plain words.
struct JSONPath: CustomStringConvertible, Sendable {
    enum Component: Sendable {
        case key(String)
        case index(Int)
    }

    var components: [Component] = []

    static let root = JSONPath()

    func key(_ name: String) -> JSONPath {
        JSONPath(components: components + [.key(name)])
    }

    func index(_ position: Int) -> JSONPath {
        JSONPath(components: components + [.index(position)])
    }

    var description: String {
        var text = ""
        for component in components {
            switch component {
            case .index(let position):
                text += "[\(position)]"
            case .key(let name) where Self.isPlainWord(name):
                text += text.isEmpty ? name : ".\(name)"
            case .key(let name):
                text += "[\(Self.quoted(name))]"
            }
        }
        return text
    }

    /// The path of a decoding error. Array positions appear as integer keys whose
    /// string form is "Index N"; every other key, even a numeric one, is a map key.
    init(codingPath: [any CodingKey]) {
        components = codingPath.map { key in
            if let position = key.intValue, key.stringValue == "Index \(position)" {
                return .index(position)
            }
            return .key(key.stringValue)
        }
    }

    init(components: [Component] = []) {
        self.components = components
    }

    /// A key written after a dot: letters, digits and "_", not starting with a digit.
    private static func isPlainWord(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !(first >= "0" && first <= "9") else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z")
                || (scalar >= "0" && scalar <= "9") || scalar == "_"
        }
    }

    private static func quoted(_ name: String) -> String {
        var text = "\""
        for character in name {
            switch character {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            default: text.append(character)
            }
        }
        return text + "\""
    }
}
