import ArdakuCAS
import ArdakuFormat
import Testing
import TestSupport

/// docs/FORMAT.md Part III and the CAS structures' layout rows agree on every field.
@Suite struct CASLayoutTests {
    @Test(arguments: [
        ("### C3.1 Header slot", VolumeHeader.layout),
        ("#### C3.1.2 Commit seal", CommitSeal.layout),
        ("### C3.2 Record prefix", RecordPrefix.layout),
        ("### C3.3 Object record", ObjectRecord.layout),
        ("### C3.4 Index record", IndexRecord.layout),
        ("### C3.5 Tag table record", TagTableRecord.layout),
        ("### C3.6 Pack record", PackRecord.layout),
    ] as [(String, [FieldLayout])])
    func documentMatchesCode(heading: String, layout: [FieldLayout]) throws {
        let documented = try #require(FormatDocument.rows(under: heading), "docs/FORMAT.md has no heading \(heading)")
        #expect(!documented.isEmpty)
        #expect(documented == FormatDocument.rows(layout), "\(heading)")
    }

    @Test(arguments: [VolumeHeader.layout, CommitSeal.layout, RecordPrefix.layout, ObjectRecord.layout,
                      IndexRecord.layout, TagTableRecord.layout, PackRecord.layout])
    func fieldsAreContiguous(layout: [FieldLayout]) {
        for (a, b) in zip(layout, layout.dropFirst()) {
            #expect(a.end == b.offset, "\(a.name) ends at \(a.end) but \(b.name) starts at \(b.offset)")
        }
    }

    /// The header encoder puts each field where its row says.
    @Test func headerEncoderWritesAtTheNamedOffsets() throws {
        let header = VolumeHeader(generation: 7, dataEnd: 9000, indexOffset: 8192, indexLength: 80, objectCount: 1, tagCount: 0,
                                  tagTableOffset: 8272, tagTableLength: 32, objectBytes: 64)
        try header.encoded().withUnsafeBytes { raw in
            #expect(ByteReader.uint32(in: raw, at: VolumeHeader.Offset.magic) == VolumeHeader.magic)
            #expect(ByteReader.uint64(in: raw, at: VolumeHeader.Offset.generation) == 7)
            #expect(ByteReader.uint64(in: raw, at: VolumeHeader.Offset.dataEnd) == 9000)
            #expect(ByteReader.uint64(in: raw, at: VolumeHeader.Offset.tagTableOffset) == 8272)
            #expect(ByteReader.uint64(in: raw, at: VolumeHeader.Offset.objectBytes) == 64)
            let crc = try #require(ByteReader.uint32(in: raw, at: VolumeHeader.Offset.crc))
            #expect(crc == CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[..<VolumeHeader.Offset.crc])))
        }
    }
}
