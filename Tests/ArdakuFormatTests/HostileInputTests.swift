import Testing
import ArdakuFormat
import TestSupport

/// Decoders on truncated, oversized and randomly damaged input: an error, never a trap.
@Suite struct HostileInputTests {
    @Test func truncatedStructuresThrow() {
        let short = [UInt8](repeating: 0, count: 100)
        short.withUnsafeBytes { raw in
            #expect(throws: FormatError.self) { try SystemInformationBlock.decode(raw) }
            #expect(throws: FormatError.self) { try TriePage.decode(raw) }
            #expect(throws: FormatError.self) { try FileRecord.decode(raw) }
            #expect(throws: FormatError.self) { try ExtensionPage.decode(raw) }
        }
    }

    @Test func hugeCountsAreRefusedWithTheirOffset() throws {
        var page = TriePage(ordinal: 0, generation: 1, slots: [TrieNode(label: [])]).encode()
        page[0x0A] = 0xFF; page[0x0B] = 0xFF      // slot_count 65535
        let error = page.withUnsafeBytes { raw -> FormatError? in
            do throws(FormatError) { _ = try TriePage.decode(raw, page: PageIndex(5), verifyChecksum: false); return nil } catch { return error }
        }
        #expect(error?.kind == .fieldOutOfRange(field: "slot_count", value: 65_535, allowed: 0...4_096))
        #expect(error?.address == ByteAddress(5 * 65_536 + 0x0A))
        #expect(error?.description.contains("page 5") == true)
    }

    @Test func byteFlipsInEveryStructureNeverTrap() {
        var rng = SeededGenerator(seed: 77)
        let record = FileRecord(volumeUUID: .zero, generation: 1, fileID: 1, name: Array("/x".utf8), byteLength: 70_000,
                                dataPageCount: 2, inlineEntries: [PageEntry(page: PageIndex(9), checksum: 3),
                                                                  PageEntry(page: PageIndex(10), checksum: 4)])
        var recordBytes = record.encode()
        recordBytes += [UInt8](repeating: 0, count: 16_384 - recordBytes.count)
        let trie = TriePage(ordinal: 0, generation: 1, slots: [TrieNode(label: [], children: [.init(firstByte: 0x2F, reference: NodeReference(rawValue: 1))]),
                                                               TrieNode(label: Array("/x".utf8), value: SubpageIndex(40))]).encode()
        let block = SystemInformationBlock(label: [], totalPageCount: 100, uuid: .zero, creationTime: 0,
                                           triePages: [PageIndex(2)], trieRoot: NodeReference(rawValue: 0)).encode()
        for _ in 0..<3_000 {
            for original in [recordBytes, trie, block] {
                var damaged = original
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    damaged[Int.random(in: 0..<min(damaged.count, 0x200), using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
                damaged.withUnsafeBytes { raw in
                    _ = try? FileRecord.decode(UnsafeRawBufferPointer(rebasing: raw[0..<16_384]), verifyChecksum: false)
                    _ = try? TriePage.decode(raw, verifyChecksum: false)
                    _ = try? SystemInformationBlock.decode(raw, verifyChecksum: false)
                    _ = try? ExtensionPage.decode(raw, verifyChecksum: false)
                }
            }
        }
    }
}
