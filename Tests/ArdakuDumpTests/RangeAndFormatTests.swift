@testable import ArdakuDump
import Testing

@Suite struct RangeAndFormatTests {
    @Test func parsesEveryForm() throws {
        #expect(try RawRange.parse("3", unit: .page) == RawRange(unit: .page, start: 3, count: 1, text: "3"))
        #expect(try RawRange.parse("12:4", unit: .subpage) == RawRange(unit: .subpage, start: 12, count: 4, text: "12:4"))
        #expect(try RawRange.parse("5-9", unit: .sector) == RawRange(unit: .sector, start: 5, count: 5, text: "5-9"))
        #expect(try RawRange.parse("0x10000:256", unit: .byte) == RawRange(unit: .byte, start: 0x10000, count: 256, text: "0x10000:256"))
        #expect(try RawRange.parse("64K:1M", unit: .byte) == RawRange(unit: .byte, start: 65_536, count: 1 << 20, text: "64K:1M"))
        #expect(try RawRange.parse("1KiB:2g", unit: .byte).count == 2 << 30)
        #expect(try RawRange.parse("0x1f", unit: .byte).count == nil)
        #expect(try RawRange.parse("0X1F:0x10", unit: .byte).start == 31)
    }

    @Test func rejectsNonsense() {
        for text in ["", ":", "abc", "1:", "-3", "9-2", "0x", "12q", "1.5"] {
            #expect(throws: RawRange.Problem.self, "\(text)") { try RawRange.parse(text, unit: .byte) }
        }
        #expect(throws: RawRange.Problem.overflow("99999999999999T")) { try RawRange.parse("99999999999999T", unit: .byte) }
    }

    @Test func resolvesInsideTheImageOnly() throws {
        #expect(try RawRange.parse("2:2", unit: .page).resolve(imageSize: 4 << 16) == (2 << 16, 2 << 16))
        #expect(try RawRange.parse("100", unit: .byte).resolve(imageSize: 150) == (100, 50))
        #expect(try RawRange.parse("150", unit: .byte).resolve(imageSize: 150) == (150, 0))
        #expect(try RawRange.parse("10:0", unit: .byte).resolve(imageSize: 150) == (10, 0))
        #expect(throws: RawRange.Problem.self) { try RawRange.parse("151", unit: .byte).resolve(imageSize: 150) }
        #expect(throws: RawRange.Problem.self) { try RawRange.parse("3:2", unit: .page).resolve(imageSize: 4 << 16) }
        #expect(throws: RawRange.Problem.self) { try RawRange.parse("0xffffffffffffffff", unit: .sector).resolve(imageSize: 1) }
    }

    @Test func utcDates() {
        #expect(TextFormat.utc(0) == "1970-01-01 00:00:00 UTC")
        #expect(TextFormat.utc(1_700_000_000) == "2023-11-14 22:13:20 UTC")
        #expect(TextFormat.utc(951_782_400) == "2000-02-29 00:00:00 UTC")
        #expect(TextFormat.utc(4_107_542_399) == "2100-02-28 23:59:59 UTC")
        #expect(TextFormat.utc(253_402_300_799) == "9999-12-31 23:59:59 UTC")
        #expect(TextFormat.utc(.max) == "beyond 9999-12-31 UTC")
    }

    @Test func escaping() {
        #expect(TextFormat.escaped(Array("a/b\"c\\".utf8)) == "\"a/b\\\"c\\\\\"")
        #expect(TextFormat.escaped([0, 0x7F, 0xC3, 0xA9, 0x20]) == "\"\\x00\\x7f\\xc3\\xa9 \"")
        #expect(TextFormat.magicText(0x4B44_5241) == "\"ARDK\"")
    }
}
