import LinuxSys
import Testing

@Suite("text search without the regex module")
struct TextSearchTests {
    @Test("includes finds a word anywhere, as contains(_:) does for ASCII", arguments: [
        ("a/../b", "..", true), ("..", "..", true), ("a.b", "..", false), ("", "..", false), ("x", "", true),
        ("Name: x\nSeccomp:\t2\n", "Seccomp:", true), ("Seccomp", "Seccomp:", false), ("pipe:[123]", "pipe:", true),
        ("ppipe:", "pipe:", true), ("pip", "pipe:", false), ("Error (criu/cr-dump.c)", "Error", true),
        ("héhé..", "..", true), ("日本語", "本", true), ("日本語", "語x", false),
    ])
    func includes(text: String, word: String, expected: Bool) {
        #expect(text.includes(word) == expected)
        #expect(text[...].includes(word[...]) == expected)
    }
}
