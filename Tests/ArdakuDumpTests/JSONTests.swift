@testable import ArdakuDump
import ArdakuFormat
import Foundation
import Testing

/// Every view's JSON parses, carries the schema, and says what the text says.
@Suite struct JSONTests {
    static let views: [DumpView] = [.summary, .system, .bitmap, .trie, .owners, .file("/docs/a.txt"), .file("/sparse"), .record(19)]

    private func object(_ view: DumpView) throws -> [String: Any] {
        let text = try Fixtures.render(view, Fixtures.golden, json: true)
        #expect(text.hasSuffix("}\n"))
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test(arguments: views)
    func parsesWithSchemaAndView(_ view: DumpView) throws {
        let json = try object(view)
        #expect(json["schema"] as? String == "ardaku-dumpfs/1")
        #expect(json["view"] as? String == view.name)
        let image = try #require(json["image"] as? [String: Any])
        #expect(image["bytes"] as? Int == Fixtures.golden.count)
    }

    @Test func summaryCountsMatchTheVolume() throws {
        let json = try object(.summary)
        #expect(json["files"] as? Int == 5)
        #expect(json["used_pages"] as? Int == 15)
        #expect(json["used_pages_stored"] as? Int == 15)
        #expect(json["label"] as? String == "golden")
        #expect((json["free_ranges"] as? [[Int]])?.last == [22, 62])
        #expect((json["problems"] as? [Any])?.isEmpty == true)
    }

    @Test func fieldsCarryOffsetsRawAndChecks() throws {
        let json = try object(.system)
        let copies = try #require(json["copies"] as? [[String: Any]])
        #expect(copies.count == 2)
        let fields = try #require(copies[1]["fields"] as? [[String: Any]])
        let magic = try #require(fields.first { $0["name"] as? String == "magic" })
        #expect(magic["offset"] as? Int == 63 << 16 | 0x400)
        #expect(magic["relative_offset"] as? Int == 0x400)
        #expect(magic["raw"] as? String == "4152444b")
        #expect((magic["check"] as? [String: Any])?["status"] as? String == "ok")
        #expect(json["differences"] as? [String] == ["copy", "checksum"])
    }

    @Test func sparseFileListsEveryDataPage() throws {
        let json = try object(.file("/sparse"))
        let pages = try #require(json["data_pages"] as? [[String: Any]])
        #expect(pages.count == 2100)
        #expect(pages.filter { $0["hole"] as? Bool == false }.map { $0["ordinal"] as? Int } == [1, 2099])
        #expect((json["extension_pages"] as? [Any])?.count == 1)
        #expect(json["mismatched_data_pages"] as? Int == 0)
    }

    @Test func trieNodesAndFiles() throws {
        let json = try object(.trie)
        let files = try #require(json["files"] as? [[String: Any]])
        #expect(files.map { $0["name"] as? String } == ["/c", "/docs/a.txt", "/docs/b.bin", "/nested.zest", "/sparse"])
        let nodes = try #require(json["nodes"] as? [[String: Any]])
        #expect(nodes.count == 8)
        #expect(nodes.allSatisfy { ($0["problems"] as? [Any])?.isEmpty == true })
    }

    @Test func rawBytesAndAnnotatedRanges() throws {
        let image = ImageBytes(copying: Fixtures.golden)
        var options = RawDump.Options()
        options.json = true
        let raw = try OutputBuffer.render {
            try RawDump(image: image, name: "golden.img").render(try RawRange.parse("0x400:4", unit: .byte), options: options, to: $0)
        }
        let rawJSON = try #require(try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any])
        #expect(rawJSON["hex"] as? String == "4152444b")
        #expect(rawJSON["offset"] as? Int == 0x400)
        options.annotate = true
        let annotated = try OutputBuffer.render {
            try RawDump(image: image, name: "golden.img").render(try RawRange.parse("4", unit: .page), options: options, to: $0)
        }
        let annotatedJSON = try #require(try JSONSerialization.jsonObject(with: Data(annotated.utf8)) as? [String: Any])
        let regions = try #require(annotatedJSON["regions"] as? [[String: Any]])
        #expect(regions.count == 4)   // the four subpages of a record page
        // Every byte of the page belongs to exactly one field, in order.
        var next = 4 << 16
        for region in regions {
            for field in region["fields"] as? [[String: Any]] ?? [] {
                #expect(field["offset"] as? Int == next)
                next += field["size"] as? Int ?? 0
            }
        }
        #expect(next == 5 << 16)
    }

    @Test func stringsAreEscaped() throws {
        let text = try OutputBuffer.render { output in
            var json = JSONWriter(output: output)
            try json.value("a\"b\\c\n\u{1}é")
        }
        #expect(text == "\"a\\\"b\\\\c\\n\\u0001é\"")
    }
}
