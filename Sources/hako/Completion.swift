import ArgumentParser
import Runtime

/// Shell completion beyond what swift-argument-parser derives from the options: the ids of
/// the containers under the state root, for the commands that act on an existing one.
enum Completion {
    /// The ids under `--root` as given on the command line being completed (either
    /// spelling), else under the default root; none when the root cannot be read.
    static let containerIDs = CompletionKind.custom { words, _, prefix in
        var root: String?
        for (index, word) in words.enumerated() {
            if word == "--root", index + 1 < words.count {
                root = words[index + 1]
            } else if word.hasPrefix("--root=") {
                root = String(word.dropFirst("--root=".count))
            }
        }
        let store = StateStore(root: Globals(root: root).stateRoot)
        return ((try? store.ids()) ?? []).filter { $0.hasPrefix(prefix) }.sorted()
    }
}
