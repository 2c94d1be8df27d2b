import ArdakuFormat
import ArdakuZest
import Testing
import TestSupport

/// docs/FORMAT.md Part II and the ZEST structures' layout rows agree on every field.
@Suite struct ZestLayoutTests {
    @Test(arguments: [
        ("## Z3. Header", ZestHeader.layout),
        ("## Z4. Fragments", ZestFragmentSlot.layout),
        ("### Z4.2 Commit seal", ZestCommitSeal.layout),
    ] as [(String, [FieldLayout])])
    func documentMatchesCode(heading: String, layout: [FieldLayout]) throws {
        let documented = try #require(FormatDocument.rows(under: heading), "docs/FORMAT.md has no heading \(heading)")
        #expect(!documented.isEmpty)
        #expect(documented == FormatDocument.rows(layout), "\(heading)")
    }

    @Test(arguments: [ZestHeader.layout, ZestFragmentSlot.layout, ZestCommitSeal.layout])
    func fieldsAreContiguous(layout: [FieldLayout]) {
        for (a, b) in zip(layout, layout.dropFirst()) {
            #expect(a.end == b.offset, "\(a.name) ends at \(a.end) but \(b.name) starts at \(b.offset)")
        }
    }

    /// The encoders put each field where its row says (the header's and the seal's fields
    /// read back from their encoded bytes at the named offsets).
    @Test func encodersWriteAtTheNamedOffsets() throws {
        let header = ZestHeader(segmentSize: 512).encoded()
        try header.withUnsafeBytes { raw in
            #expect(ByteReader.uint32(in: raw, at: ZestHeader.Offset.magic) == ZestHeader.magic)
            #expect(ByteReader.uint32(in: raw, at: ZestHeader.Offset.segmentSize) == 512)
            #expect(ByteReader.uint32(in: raw, at: ZestHeader.Offset.zatHead) == UInt32(4096 / 512))
            let crc = try #require(ByteReader.uint32(in: raw, at: ZestHeader.Offset.crc))
            #expect(crc == CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[..<ZestHeader.Offset.crc])))
        }
    }
}
