import ArdakuFormat
import Testing
@testable import ArdakuZest

@Suite("ZEST on-disk structures")
struct FormatTests {
    @Test("header golden bytes, 4096-byte segments")
    func headerGolden() throws {
        let bytes = ZestHeader(segmentSize: 4096).encoded()
        #expect(bytes == [0x5A, 0x45, 0x53, 0x54, 0x01, 0x00, 0x20, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00,
                          0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xBB, 0x10, 0x9D, 0x14])
        #expect(try ZestHeader.decode(bytes) == ZestHeader(segmentSize: 4096))
    }

    @Test("header golden bytes, 64-byte segments: the ZAT head is segment 64")
    func headerGoldenSmallSegments() throws {
        let header = ZestHeader(segmentSize: 64)
        let bytes = header.encoded()
        #expect(Array(bytes[8..<20]) == [0x40, 0, 0, 0, 0x00, 0x10, 0, 0, 0x40, 0, 0, 0])
        #expect(Array(bytes[28..<32]) == [0x38, 0x70, 0xE1, 0x99])
        #expect(header.firstDataSegment == 64 + 128)
    }

    @Test("header area holds the primary at 0 and the backup at 2048")
    func headerArea() {
        let area = ZestHeader(segmentSize: 512).encodedArea()
        #expect(area.count == 4096)
        #expect(Array(area[0..<32]) == Array(area[2048..<2080]))
        #expect(area[32..<2048].allSatisfy { $0 == 0 } && area[2080...].allSatisfy { $0 == 0 })
    }

    @Test("header decoding rejects each damaged field with the field's offset")
    func headerRejects() {
        var bytes = ZestHeader(segmentSize: 4096).encoded()
        bytes[0] = 0x58
        #expect(throws: FormatError.self) { try ZestHeader.decode(bytes) }
        bytes = ZestHeader(segmentSize: 4096).encoded()
        bytes[9] ^= 0x01
        do {
            _ = try ZestHeader.decode(bytes, origin: 2048)
            Issue.record("a flipped segment size decoded")
        } catch {
            guard case .checksumMismatch = error.kind else { Issue.record("wrong kind \(error.kind)"); return }
            #expect(error.address == ByteAddress(2048 + 0x1C))
        }
        // A valid CRC over an unsupported version: refused as unsupported, not as damage.
        var writer = ByteWriter()
        writer.writeUInt32(ZestHeader.magic); writer.writeUInt16(2); writer.writeUInt16(32)
        writer.writeUInt32(4096); writer.writeUInt32(4096); writer.writeUInt32(1); writer.writeUInt32(0); writer.writeUInt32(0)
        writer.writeUInt32(CRC32.checksum(writer.bytes))
        do {
            _ = try ZestHeader.decode(writer.bytes)
            Issue.record("version 2 decoded")
        } catch {
            #expect(error.kind == .unsupportedVersion(found: 2, supported: 1))
        }
    }

    @Test("entry golden bytes and field offsets")
    func entryGolden() throws {
        let entry = ZestEntry(name: Array("/a.txt".utf8), segmentStart: 3, storedLength: 100, originalLength: 250,
                              contentCRC: 0xDEAD_BEEF, codec: .deflate, kind: .file, dictionaryID: 2)
        let bytes = entry.encoded()
        #expect(bytes == [0x06, 0x00, 0x2F, 0x61, 0x2E, 0x74, 0x78, 0x74, 0x03, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00,
                          0xFA, 0x00, 0x00, 0x00, 0xEF, 0xBE, 0xAD, 0xDE, 0x01, 0x00, 0x02, 0x00, 0x1F, 0x94, 0xD9, 0x04])
        #expect(bytes.count == entry.encodedSize && entry.encodedSize == 6 + ZestLimits.entryOverhead)
        #expect(ZestEntry.fieldsOffset(nameLength: 6) == 8 && ZestEntry.crcOffset(nameLength: 6) == 28)
        let decoded = try ByteReader.decode(bytes, structure: "entry") { (reader: inout ByteReader) throws(FormatError) in
            try ZestEntry.decode(from: &reader, areaEnd: bytes.count)
        }
        #expect(decoded?.entry == entry)
        #expect(decoded?.isChecksumValid == true)
    }

    @Test("fragment slot golden bytes: link, entries, zeros, generation, CRC")
    func fragmentGolden() {
        let entry = ZestEntry(name: Array("/a.txt".utf8), segmentStart: 3, storedLength: 100, originalLength: 250,
                              contentCRC: 0xDEAD_BEEF, codec: .deflate, kind: .file, dictionaryID: 2)
        let slot = ZestFragmentSlot(next: 0, generation: 7, entries: [entry]).encoded()
        #expect(slot.count == 4096)
        #expect(Array(slot[0..<4]) == [0, 0, 0, 0])
        #expect(Array(slot[4..<36]) == entry.encoded())
        #expect(slot[36..<0xFF8].allSatisfy { $0 == 0 })
        #expect(Array(slot[0xFF8..<0x1000]) == [0x07, 0x00, 0x00, 0x00, 0x6F, 0x9F, 0xCB, 0x25])
        let trailer = slot.withUnsafeBytes { ZestSlotTrailer($0) }
        #expect(trailer.isValid && trailer.generation == 7 && !trailer.isBlank)
    }

    @Test("the current slot is the valid one with the newer generation, across wrap-around")
    func slotChoice() {
        func trailer(_ generation: UInt32, valid: Bool = true) -> ZestSlotTrailer {
            var bytes = ZestFragmentSlot(next: 0, generation: generation, entries: []).encoded()
            if !valid { bytes[100] = 1 }
            return bytes.withUnsafeBytes { ZestSlotTrailer($0) }
        }
        #expect(ZestSlotTrailer.currentSlot(trailer(1), trailer(2)) == 1)
        #expect(ZestSlotTrailer.currentSlot(trailer(3), trailer(2)) == 0)
        #expect(ZestSlotTrailer.currentSlot(trailer(3), trailer(4, valid: false)) == 0)
        #expect(ZestSlotTrailer.currentSlot(trailer(UInt32.max), trailer(1)) == 1)
        #expect(ZestSlotTrailer.currentSlot(trailer(1, valid: false), trailer(2, valid: false)) == nil)
        #expect(ZestFragmentSlot.generation(after: UInt32.max) == 1)
        let blank = [UInt8](repeating: 0, count: 4096).withUnsafeBytes { ZestSlotTrailer($0) }
        #expect(blank.isBlank && !blank.isValid)
    }

    @Test("limits: the longest entry fits one entry area; segment sizes are powers of two 16...4096")
    func limits() {
        #expect(ZestLimits.maxEntrySize <= ZestFragmentSlot.entryAreaCapacity)
        #expect(ZestFragmentSlot.entryAreaCapacity == 4084)
        #expect((4...12).allSatisfy { ZestLimits.isValidSegmentSize(1 << $0) })
        #expect(![0, 8, 48, 8192, 100].contains { ZestLimits.isValidSegmentSize(UInt32($0)) })
    }
}
