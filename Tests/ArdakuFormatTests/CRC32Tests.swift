import CZlib
import CArdakuCRC
import Testing
import ArdakuFormat
import TestSupport

/// DESIGN §2.1: a faster CRC-32 is welcome only if it is bit-identical to zlib's crc32()
/// on random inputs of every length from 0 to a few pages.
@Suite struct CRC32Tests {
    static func zlib(_ bytes: UnsafeRawBufferPointer, _ crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
        return UInt32(crc32_z(uLong(crc), base.assumingMemoryBound(to: Bytef.self), bytes.count))
    }

    @Test func checkValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
    }

    /// Every length 0 ... 3 pages + 64, on random bytes, against zlib called directly.
    /// zlib's value is computed incrementally (one byte more each step), ours from scratch.
    @Test(arguments: [0, 7] as [Int])
    func everyLengthMatchesZlib(startOffset: Int) {
        var rng = SeededGenerator(seed: UInt64(startOffset) + 99)
        let maximum = 3 * 65_536 + 64
        let data = rng.bytes(maximum + startOffset)
        data.withUnsafeBytes { raw in
            let buffer = UnsafeRawBufferPointer(rebasing: raw[startOffset...])
            var reference: UInt32 = 0
            var mismatches = 0
            for length in 0...maximum {
                if length > 0 { reference = Self.zlib(UnsafeRawBufferPointer(rebasing: buffer[(length - 1)..<length]), reference) }
                if CRC32.checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<length])) != reference { mismatches += 1 }
            }
            #expect(mismatches == 0)
        }
    }

    @Test func continuationMatchesOneShot() {
        var rng = SeededGenerator(seed: 5)
        let data = rng.bytes(200_000)
        for split in [0, 1, 63, 64, 65, 1_000, 65_536, 199_999] {
            let first = CRC32.checksum(Array(data[..<split]))
            #expect(CRC32.checksum(Array(data[split...]), continuing: first) == CRC32.checksum(data))
        }
        #expect(CRC32.checksumOfZeros(count: 65_536) == CRC32.checksum([UInt8](repeating: 0, count: 65_536)))
    }

    /// The 128-bit fold on long buffers too (where the CPU has the 512-bit one, ardaku_crc32
    /// takes that from 1 KiB on), and both folds at lengths around the wide loop's 256-byte
    /// rounds and the 1 KiB threshold, at several alignments.
    @Test func bothFoldsMatchZlib() {
        var rng = SeededGenerator(seed: 2009)
        let data = rng.bytes(4 * 65_536 + 64)
        var lengths = Array(stride(from: 0, through: 4 * 65_536, by: 997)) + [65_536, 4 * 65_536]
        for base in [1_024, 2_048, 65_536] { lengths += (base - 300)...(base + 300) }
        var mismatches: [String] = []
        data.withUnsafeBytes { raw in
            for offset in [0, 1, 13] {
                for length in lengths {
                    let buffer = UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + length)])
                    let seed = UInt32(truncatingIfNeeded: length &* 2_654_435_761)
                    let reference = Self.zlib(buffer, seed)
                    if ardaku_crc32_narrow(seed, buffer.baseAddress, buffer.count) != reference { mismatches.append("narrow \(offset)+\(length)") }
                    if ardaku_crc32(seed, buffer.baseAddress, buffer.count) != reference { mismatches.append("\(offset)+\(length)") }
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    @Test func acceleratedPathIsUsedOnThisMachine() {
        // The benchmark's speed claim rests on this; the notes list pclmulqdq for this machine kind.
        #expect(CRC32.isAccelerated)
    }

    /// fsck's single-byte repair (FORMAT.md §2): for any one changed byte, the walk back from
    /// the syndrome names that byte and pattern, and every repair it names makes the CRC match.
    @Test func singleByteRepairsFindEveryOneByteChange() {
        var rng = SeededGenerator(seed: 7)
        for trial in 0..<300 {
            let length = 1 + Int(rng.next() % 20_000)
            var message = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let stored = CRC32.checksum(message)
            #expect(message.withUnsafeBytes { CRC32.singleByteRepairs($0, stored: stored) }.isEmpty)
            let offset = Int(rng.next() % UInt64(length))
            let pattern = UInt8(1 + rng.next() % 255)
            message[offset] ^= pattern
            let repairs = message.withUnsafeBytes { CRC32.singleByteRepairs($0, stored: stored, limit: 64) }
            #expect(repairs.contains(SingleByteRepair(offset: offset, pattern: pattern)), "trial \(trial): \(repairs)")
            for repair in repairs {
                var fixed = message
                fixed[repair.offset] ^= repair.pattern
                #expect(CRC32.checksum(fixed) == stored)
            }
        }
    }

    /// Two changed bytes are not explained by one, except by rare chance.
    @Test func singleByteRepairsRarelyExplainTwoChanges() {
        var rng = SeededGenerator(seed: 11)
        var explained = 0
        for _ in 0..<300 {
            var message = (0..<16_384).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let stored = CRC32.checksum(message)
            message[Int(rng.next() % 16_384)] ^= 0x10
            message[Int(rng.next() % 16_384)] ^= 0x01
            if !message.withUnsafeBytes({ CRC32.singleByteRepairs($0, stored: stored) }).isEmpty { explained += 1 }
        }
        // About 16,384 · 255 / 2^32 ≈ 0.1% of random syndromes name a position.
        #expect(explained <= 3)
    }
}
