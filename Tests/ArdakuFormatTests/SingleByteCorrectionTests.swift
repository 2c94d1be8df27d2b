import Testing
@testable import ArdakuFormat

/// The one-byte correction under a CRC-32 (docs/FORMAT.md §Z4.1).
@Suite struct SingleByteCorrectionTests {
    static let message: [UInt8] = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }

    /// The message followed by its CRC, little-endian.
    static func sealed() -> [UInt8] {
        let crc = CRC32.checksum(message)
        return message + (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * UInt32($0))) }
    }

    @Test("every byte changed, covered or CRC, with several masks: found, and applying it restores the bytes")
    func everySingleByteChangeIsFound() {
        let original = Self.sealed()
        for position in original.indices {
            for mask: UInt8 in [0x01, 0x80, 0xFF, 0x5A] {
                var damaged = original
                damaged[position] ^= mask
                let fix = SingleByteCorrection.find(in: damaged, coveredStart: 0, crcOffset: Self.message.count)
                #expect(fix != nil, "byte \(position) mask \(mask)")
                if let fix {
                    SingleByteCorrection.apply(fix, to: &damaged, coveredStart: 0, crcOffset: Self.message.count)
                    #expect(damaged == original, "byte \(position) mask \(mask)")
                }
            }
        }
    }

    @Test("an intact message needs no fix; two changed bytes are (almost always) not explained by one")
    func intactAndDoubleDamage() {
        let original = Self.sealed()
        #expect(SingleByteCorrection.find(in: original, coveredStart: 0, crcOffset: Self.message.count) == nil)
        var explained = 0
        for position in stride(from: 0, to: Self.message.count - 1, by: 7) {
            var damaged = original
            damaged[position] ^= 0x21
            damaged[position + 1] ^= 0x42
            if SingleByteCorrection.find(in: damaged, coveredStart: 0, crcOffset: Self.message.count) != nil { explained += 1 }
        }
        #expect(explained == 0)
    }
}
