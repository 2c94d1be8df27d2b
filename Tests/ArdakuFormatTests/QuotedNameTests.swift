import Testing
import ArdakuFormat

/// Issue 14 #13: one unambiguous quoting for names in every tool.
@Suite struct QuotedNameTests {
    @Test func differentNamesNeverPrintTheSame() {
        let controlThenC = QuotedName.quotedName([0x2F, 0x01, UInt8(ascii: "c")])
        let literal = QuotedName.quotedName(Array("/\\x1c".utf8))
        #expect(controlThenC == "/\\x01c")
        #expect(literal == "/\\\\x1c")
        #expect(controlThenC != literal)
    }

    @Test func escapes() {
        #expect(QuotedName.quotedName(Array("/a\tb\nc\rd".utf8)) == "/a\\tb\\nc\\rd")
        #expect(QuotedName.quotedName([0x2F, 0xFF, 0x41, 0x7F]) == "/\\xffA\\x7f")
        #expect(QuotedName.quotedName(Array("/caf\u{E9}/\u{85}".utf8)) == "/caf\u{E9}/\\xc2\\x85")
        #expect(QuotedName.quotedName([0x2F, 0xE2, 0x82]) == "/\\xe2\\x82")   // a cut sequence, byte by byte
        #expect(QuotedName.quotedName("plain name") == "plain name")
    }
}
