import Testing
@testable import Runtime

@Suite("/etc/passwd read by hand")
struct PasswdFileTests {
    let text = """
    # a comment: 0 is not read from here
    root:x:0:0:root:/root:/bin/bash
    daemon:x:1:1::/usr/sbin:/usr/sbin/nologin
    broken:x:notanumber:1::/nowhere
    short:x:5
    nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
    second-root:x:0:0::/elsewhere:/bin/sh
    """

    @Test("the first entry of a uid, with its name and home")
    func lookup() {
        #expect(PasswdFile.entry(uid: 0, in: text) == .init(name: "root", uid: 0, home: "/root"))
        #expect(PasswdFile.entry(uid: 65534, in: text)?.name == "nobody")
        #expect(PasswdFile.entry(uid: 1, in: text)?.home == "/usr/sbin")
        #expect(PasswdFile.entry(uid: 5, in: text) == nil)
        #expect(PasswdFile.entry(uid: 4242, in: text) == nil)
        #expect(PasswdFile.entry(uid: 0, path: "/nonexistent/passwd") == nil)
    }
}
