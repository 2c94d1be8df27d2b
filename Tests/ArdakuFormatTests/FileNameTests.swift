import Testing
import ArdakuFormat

/// DESIGN §2.7: every hostile name is rejected with its reason.
@Suite struct FileNameTests {
    @Test(arguments: [
        ("", NameError.empty),
        ("a/b", .notAbsolute),
        ("/", .trailingSlash),
        ("/a/", .trailingSlash),
        ("//a", .emptyComponent(byteOffset: 1)),
        ("/a//b", .emptyComponent(byteOffset: 3)),
        ("/.", .dotComponent(byteOffset: 1)),
        ("/a/./b", .dotComponent(byteOffset: 3)),
        ("/..", .dotDotComponent(byteOffset: 1)),
        ("/a/../b", .dotDotComponent(byteOffset: 3)),
        ("/a\u{0}b", .containsNUL(byteOffset: 2)),
    ] as [(String, NameError)])
    func rejected(name: String, reason: NameError) {
        #expect(throws: reason) { try FileName(name) }
    }

    @Test func rejectsInvalidUTF8WithItsOffset() {
        let cases: [([UInt8], Int)] = [
            ([0x2F, 0x61, 0xFF], 2),                 // not a lead byte
            ([0x2F, 0xC0, 0xAF], 1),                 // overlong '/'
            ([0x2F, 0xE0, 0x80, 0xAF], 1),           // overlong 3-byte
            ([0x2F, 0xED, 0xA0, 0x80], 1),           // UTF-16 surrogate
            ([0x2F, 0xF4, 0x90, 0x80, 0x80], 1),     // past U+10FFFF
            ([0x2F, 0x61, 0xE2, 0x82], 2),           // truncated sequence
        ]
        for (bytes, offset) in cases {
            #expect(throws: NameError.invalidUTF8(byteOffset: offset)) { try FileName(bytes: bytes) }
        }
    }

    @Test func lengthLimit() throws {
        let longest = "/" + String(repeating: "x", count: 1019)
        #expect(try FileName(longest).bytes.count == 1020)
        #expect(throws: NameError.tooLong(bytes: 1021, limit: 1020)) { try FileName(longest + "x") }
    }

    @Test func acceptsOrdinaryAndUnicodeNames() throws {
        for name in ["/a", "/docs/a.txt", "/é/日本語/🙂", "/.hidden", "/a..b", "/...", "/a b/c\td"] {
            #expect(try FileName(name).string == name)
        }
        #expect(try FileName("/docs/x/a.txt").directoryPrefixes == [Array("/docs".utf8), Array("/docs/x".utf8)])
        #expect(try FileName("/docs/x/a.txt").lastComponent == "a.txt")
    }
}
