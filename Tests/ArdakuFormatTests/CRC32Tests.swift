import CZlib
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

    @Test func acceleratedPathIsUsedOnThisMachine() {
        // The benchmark's speed claim rests on this; the notes list pclmulqdq for this machine kind.
        #expect(CRC32.isAccelerated)
    }
}
