import Foundation
import Testing
import ArdakuFormat

/// docs/FORMAT.md, the code's offset tables and the encoders must agree on every field.
/// The tables are parsed out of the document itself, so the spec cannot drift from the code.
@Suite struct LayoutTests {
    struct Row: Equatable, CustomStringConvertible {
        var name: String, offset: Int, size: Int
        var description: String { "\(name)@\(offset)+\(size)" }
    }

    /// Rows with a literal offset and size from the first table after `heading`.
    static func documentedRows(under heading: String) throws -> [Row] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/FORMAT.md")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.hasPrefix(heading) }) else {
            Issue.record("docs/FORMAT.md has no heading \(heading)")
            return []
        }
        var rows: [Row] = []
        var inTable = false
        for line in lines[(start + 1)...] {
            if line.hasPrefix("|") { inTable = true } else if inTable { break } else { continue }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3 else { continue }
            let offsetText = cells[0], sizeText = cells[1]
            let offset: Int?
            if offsetText.hasPrefix("0x") { offset = Int(offsetText.dropFirst(2), radix: 16) }
            else if offsetText.hasPrefix("+0x") { offset = Int(offsetText.dropFirst(3), radix: 16) }
            else if offsetText.hasPrefix("+") { offset = Int(offsetText.dropFirst()) }
            else { offset = nil }
            var size = Int(sizeText)
            if size == nil, sizeText.contains("×") {
                let factors = sizeText.split(separator: "×").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                if factors.count == 2, let a = factors[0], let b = factors[1] { size = a * b }
            }
            if let offset, let size { rows.append(Row(name: cells[2], offset: offset, size: size)) }
        }
        return rows
    }

    static func codeRows(_ layout: [FieldLayout]) -> [Row] {
        layout.filter { $0.size > 0 }.map { Row(name: $0.name, offset: $0.offset, size: $0.size) }
    }

    @Test(arguments: [
        ("## 4. System information block", SystemInformationBlock.layout),
        ("### 6.2 Trie page", TriePage.layout),
        ("### 6.3 Node", TrieNode.layout),
        ("## 7. File-metadata records", FileRecord.layout),
        ("### 7.2 Attributes", RecordAttributes.layout),
        ("### 8.2 Extension page", ExtensionPage.layout),
    ] as [(String, [FieldLayout])])
    func documentMatchesCode(heading: String, layout: [FieldLayout]) throws {
        let documented = try Self.documentedRows(under: heading)
        #expect(!documented.isEmpty)
        #expect(documented == Self.codeRows(layout), "\(heading)")
    }

    @Test(arguments: [SystemInformationBlock.layout, TriePage.layout, TrieNode.layout, FileRecord.layout, RecordAttributes.layout,
                      ExtensionPage.layout])
    func fieldsAreContiguous(layout: [FieldLayout]) {
        for (a, b) in zip(layout, layout.dropFirst()) {
            #expect(a.end == b.offset, "\(a.name) ends at \(a.end) but \(b.name) starts at \(b.offset)")
        }
    }

    /// Reads field `name` of `layout` out of encoded bytes.
    static func field(_ name: String, _ layout: [FieldLayout], in bytes: [UInt8]) -> [UInt8] {
        let row = layout.first { $0.name == name }!
        return Array(bytes[row.offset..<row.end])
    }

    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    @Test func systemBlockEncodesEveryFieldAtItsOffset() throws {
        var block = SystemInformationBlock(label: Array("lbl".utf8), totalPageCount: 600_000,
                                           uuid: VolumeUUID(bytes: Array(1...16)), creationTime: 0x1122_3344_5566_7788,
                                           triePages: [PageIndex(7), PageIndex(9)], trieRoot: NodeReference(ordinal: 1, slot: 2))
        block.copy = .backup
        block.nextEmptyPageHint = 0xAABB
        block.generation = 0x0102_0304_0506_0708
        block.usedPageCount = 0x3344
        block.fileCount = 0x5566
        block.recordPageHint = 0x7788
        block.nextFileID = 0x99AA
        let bytes = block.encode()
        let layout = SystemInformationBlock.layout
        #expect(bytes.count == 65_536)
        #expect(Self.field("label_length", layout, in: bytes) == [3, 0])
        #expect(Self.field("label", layout, in: bytes).prefix(4) == [0x6C, 0x62, 0x6C, 0])
        #expect(Self.field("magic", layout, in: bytes) == Array("ARDK".utf8))
        #expect(Self.field("version", layout, in: bytes) == Self.le(UInt32(1)))
        #expect(Self.field("bitfield_page_count", layout, in: bytes) == Self.le(UInt16(2)))
        #expect(Self.field("copy", layout, in: bytes) == Self.le(UInt16(1)))
        #expect(Self.field("next_empty_page_index", layout, in: bytes) == Self.le(UInt32(0xAABB)))
        #expect(Self.field("trie_page_count", layout, in: bytes) == Self.le(UInt32(2)))
        #expect(Self.field("total_page_count", layout, in: bytes) == Self.le(UInt32(600_000)))
        #expect(Self.field("uuid", layout, in: bytes) == Array(1...16))
        #expect(Self.field("creation_time", layout, in: bytes) == Self.le(UInt64(0x1122_3344_5566_7788)))
        #expect(Self.field("generation", layout, in: bytes) == Self.le(UInt64(0x0102_0304_0506_0708)))
        #expect(Self.field("used_page_count", layout, in: bytes) == Self.le(UInt32(0x3344)))
        #expect(Self.field("file_count", layout, in: bytes) == Self.le(UInt32(0x5566)))
        #expect(Self.field("trie_root", layout, in: bytes) == Self.le(UInt32(0x0001_0002)))
        #expect(Self.field("incompat_features", layout, in: bytes) == [0, 0, 0, 0])
        #expect(Self.field("record_page_hint", layout, in: bytes) == Self.le(UInt32(0x7788)))
        #expect(Self.field("next_file_id", layout, in: bytes) == Self.le(UInt64(0x99AA)))
        #expect(Array(Self.field("trie_pages", layout, in: bytes).prefix(12)) == Self.le(UInt32(7)) + Self.le(UInt32(9)) + [0, 0, 0, 0])
        let crc = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<0xFFFC])) }
        #expect(Self.field("checksum", layout, in: bytes) == Self.le(crc))
        // Reserved areas are zero.
        #expect(bytes[0x0458..<0x0800].allSatisfy { $0 == 0 })
        let decoded = try bytes.withUnsafeBytes { try SystemInformationBlock.decode($0) }
        #expect(decoded == block)
    }

    @Test func recordEncodesEveryFieldAtItsOffset() throws {
        let record = FileRecord(volumeUUID: VolumeUUID(bytes: Array(101...116)), generation: 0x77, fileID: 0x1234,
                                name: Array("/abcde".utf8), type: .zest, byteLength: 0x2_0001, modificationTime: 0x5555,
                                dataPageCount: 3, tags: [0xDEAD], extensionPages: [PageIndex(40)],
                                inlineEntries: [PageEntry(page: PageIndex(50), checksum: 0xCAFE_F00D)])
        let bytes = record.encode()
        let layout = FileRecord.layout
        #expect(Self.field("magic", layout, in: bytes) == Array("AFMR".utf8))
        #expect(Self.field("used_length", layout, in: bytes) == Self.le(UInt32(bytes.count)))
        #expect(Self.field("volume_uuid", layout, in: bytes) == Array(101...116))
        #expect(Self.field("generation", layout, in: bytes) == Self.le(UInt64(0x77)))
        #expect(Self.field("file_id", layout, in: bytes) == Self.le(UInt64(0x1234)))
        #expect(Self.field("byte_length", layout, in: bytes) == Self.le(UInt64(0x2_0001)))
        #expect(Self.field("modification_time", layout, in: bytes) == Self.le(UInt64(0x5555)))
        #expect(Self.field("data_page_count", layout, in: bytes) == Self.le(UInt32(3)))
        #expect(Self.field("extension_page_count", layout, in: bytes) == Self.le(UInt32(1)))
        #expect(Self.field("inline_entry_count", layout, in: bytes) == Self.le(UInt32(1)))
        #expect(Self.field("name_length", layout, in: bytes) == Self.le(UInt16(6)))
        #expect(Self.field("tag_count", layout, in: bytes) == Self.le(UInt16(1)))
        #expect(Self.field("type", layout, in: bytes) == Array("zest".utf8) + [UInt8](repeating: 0, count: 28))
        // Variable part: name padded to 8 bytes, then the tag, the extension page, the entry.
        #expect(Array(bytes[0x80..<0x88]) == Array("/abcde".utf8) + [0, 0])
        #expect(Array(bytes[0x88..<0x8C]) == Self.le(UInt32(0xDEAD)))
        #expect(Array(bytes[0x8C..<0x90]) == Self.le(UInt32(40)))
        #expect(Array(bytes[0x90..<0x98]) == Self.le(UInt32(50)) + Self.le(UInt32(0xCAFE_F00D)))
        #expect(bytes.count == 0x98)
        let crc = CRC32.checksum(Array(bytes[8...]))
        #expect(Self.field("checksum", layout, in: bytes) == Self.le(crc))
        var subpage = bytes + [UInt8](repeating: 0xEE, count: 16_384 - bytes.count)   // tail bytes carry no meaning
        let decoded = try subpage.withUnsafeBytes { try FileRecord.decode($0) }
        #expect(decoded == record)
        subpage[0] = UInt8(ascii: "X")
        #expect(throws: FormatError.self) { try subpage.withUnsafeBytes { try FileRecord.decode($0) } }
    }

    @Test func triePageAndNodesEncodeAtTheirOffsets() throws {
        let root = TrieNode(label: [], children: [TrieNode.Child(firstByte: 0x2F, reference: NodeReference(ordinal: 0, slot: 1))])
        let leaf = TrieNode(label: Array("/ab".utf8), value: SubpageIndex(0x4321))
        let page = TriePage(ordinal: 3, generation: 0x99, slots: [root, leaf, nil])
        let bytes = page.encode()
        #expect(Self.field("magic", TriePage.layout, in: bytes) == Array("AFIT".utf8))
        #expect(Self.field("ordinal", TriePage.layout, in: bytes) == Self.le(UInt16(3)))
        #expect(Self.field("slot_count", TriePage.layout, in: bytes) == Self.le(UInt16(3)))
        #expect(Self.field("generation", TriePage.layout, in: bytes) == Self.le(UInt64(0x99)))
        // Slot table: root right after the 3 slots (0x18 + 6 = 0x1E), leaf after the root's 17 bytes, free slot 0.
        #expect(Array(bytes[0x18..<0x1E]) == Self.le(UInt16(0x1E)) + Self.le(UInt16(0x1E + 17)) + [0, 0])
        let rootBytes = Array(bytes[0x1E..<(0x1E + 17)])
        #expect(rootBytes == [0, 0] + Self.le(UInt16(0)) + Self.le(UInt16(1)) + [0, 0] + Self.le(UInt32(0)) + [0x2F] + Self.le(UInt32(1)))
        let leafBytes = Array(bytes[(0x1E + 17)..<(0x1E + 17 + 15)])
        #expect(leafBytes == [1, 0] + Self.le(UInt16(3)) + Self.le(UInt16(0)) + [0, 0] + Self.le(UInt32(0x4321)) + Array("/ab".utf8))
        #expect(bytes[(0x1E + 32)...].allSatisfy { $0 == 0 })
        let decoded = try bytes.withUnsafeBytes { try TriePage.decode($0) }
        #expect(decoded.slots == page.slots)
    }

    @Test func extensionPageEncodesAtItsOffsets() throws {
        let page = ExtensionPage(sequence: 5, fileID: 0xABCD, entries: [PageEntry(page: PageIndex(9), checksum: 1), .hole(bytesInPage: 10)])
        let bytes = page.encode()
        #expect(Self.field("magic", ExtensionPage.layout, in: bytes) == Array("AFXP".utf8))
        #expect(Self.field("sequence", ExtensionPage.layout, in: bytes) == Self.le(UInt32(5)))
        #expect(Self.field("entry_count", ExtensionPage.layout, in: bytes) == Self.le(UInt32(2)))
        #expect(Self.field("file_id", ExtensionPage.layout, in: bytes) == Self.le(UInt64(0xABCD)))
        #expect(Array(bytes[0x20..<0x28]) == Self.le(UInt32(9)) + Self.le(UInt32(1)))
        #expect(Array(bytes[0x28..<0x30]) == [0, 0, 0, 0] + Self.le(CRC32.checksum([UInt8](repeating: 0, count: 10))))
        #expect(try bytes.withUnsafeBytes { try ExtensionPage.decode($0) } == page)
    }

    @Test func bitfieldAddressing() {
        #expect(UsedPageBitfield.location(of: PageIndex(0)) == .init(bitfieldPage: PageIndex(1), byteOffset: 0, bit: 0))
        #expect(UsedPageBitfield.location(of: PageIndex(13)) == .init(bitfieldPage: PageIndex(1), byteOffset: 1, bit: 5))
        #expect(UsedPageBitfield.location(of: PageIndex(524_288)) == .init(bitfieldPage: PageIndex(2), byteOffset: 0, bit: 0))
        #expect(UsedPageBitfield.location(of: PageIndex(Limits.maxPageCount - 1)) == .init(bitfieldPage: PageIndex(2047), byteOffset: 65_535, bit: 7))
        #expect(VolumeLayout.bitfieldPageCount(forTotal: 524_288) == 1)
        #expect(VolumeLayout.bitfieldPageCount(forTotal: 524_289) == 2)
        #expect(VolumeLayout.bitfieldPageCount(forTotal: Limits.maxPageCount) == 2047)
        #expect(Limits.maxTriePages == 15_871)
        #expect(Limits.entriesPerExtensionPage == 8_188)
    }
}
