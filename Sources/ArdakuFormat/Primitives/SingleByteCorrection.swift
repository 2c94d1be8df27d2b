/// Finds the one byte whose change explains a CRC-32 mismatch, so that a structure damaged
/// in one byte can be proven again instead of given up (docs/FORMAT.md §Z4.1, §C3.1.1).
///
/// CRC-32 is affine: changing byte `p` of an `n`-byte message by `e` (xor) changes the CRC
/// by a value that depends only on `e` and `n − 1 − p`, the register of `e` followed by
/// `n − 1 − p` zero bytes. Going backwards from the difference between the stored and the
/// computed CRC, one step per byte, finds every single-byte change that explains it in
/// `O(n)` table look-ups. A correction is returned only when exactly one change (of a
/// covered byte or of the stored CRC field) explains the difference: an ambiguous one
/// proves nothing. Damage of more than one byte is, but for 1 in about 2^32 / (255·n)
/// patterns, explained by no single change.
public enum SingleByteCorrection {
    /// Where the damage is and how to undo it.
    public enum Fix: Equatable, Sendable {
        /// Byte `offset` of the covered bytes is to be xored with `mask` (never 0).
        case coveredByte(offset: Int, mask: UInt8)
        /// The covered bytes are intact; byte `index` (0...3, little-endian) of the stored
        /// CRC field is wrong.
        case storedChecksum(index: Int)
    }

    /// The one-byte change of `covered` (or of the stored CRC) that makes the CRC match;
    /// nil when the CRC already matches or no single byte explains the difference.
    public static func find(covered: UnsafeRawBufferPointer, storedCRC: UInt32) -> Fix? {
        let computed = CRC32.checksum(covered)
        let difference = computed ^ storedCRC
        guard difference != 0 else { return nil }
        var found: Fix?
        var explanations = 0
        for index in 0..<4 where difference & ~(UInt32(0xFF) << (8 * UInt32(index))) == 0 {
            found = .storedChecksum(index: index)
            explanations += 1
        }
        var register = difference
        for distance in 0..<covered.count {
            if let mask = Table.byteForEntry[register] {
                found = .coveredByte(offset: covered.count - 1 - distance, mask: mask)
                explanations += 1
            }
            register = Table.stepBackOverZero(register)
        }
        return explanations == 1 ? found : nil
    }

    /// The one-byte change of `bytes[start..<crcOffset]` or of the CRC stored at
    /// `crcOffset` (little-endian) that makes them agree.
    public static func find(in bytes: [UInt8], coveredStart start: Int, crcOffset: Int) -> Fix? {
        guard start >= 0, start <= crcOffset, crcOffset + 4 <= bytes.count else { return nil }
        let stored = UInt32(bytes[crcOffset]) | UInt32(bytes[crcOffset + 1]) << 8
            | UInt32(bytes[crcOffset + 2]) << 16 | UInt32(bytes[crcOffset + 3]) << 24
        return bytes.withUnsafeBytes { find(covered: UnsafeRawBufferPointer(rebasing: $0[start..<crcOffset]), storedCRC: stored) }
    }

    /// Applies `fix` to a structure whose covered bytes are `bytes[start..<start + count]`
    /// and whose stored CRC (little-endian) is at `crcOffset`.
    public static func apply(_ fix: Fix, to bytes: inout [UInt8], coveredStart start: Int, crcOffset: Int) {
        switch fix {
        case let .coveredByte(offset, mask): bytes[start + offset] ^= mask
        case let .storedChecksum(index):
            let crc = CRC32.checksum(bytes[start..<crcOffset])
            bytes[crcOffset + index] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(index)))
        }
    }

    /// The reflected CRC-32 table and its inverse.
    enum Table {
        static let entries: [UInt32] = (0..<256).map { index in
            var value = UInt32(index)
            for _ in 0..<8 { value = value & 1 != 0 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1 }
            return value
        }
        /// The table index whose entry has this top byte: unique for this polynomial, which
        /// is what makes one step of the register invertible.
        static let indexForTopByte: [UInt8] = {
            var inverse = [UInt8](repeating: 0, count: 256)
            for (index, entry) in entries.enumerated() { inverse[Int(entry >> 24)] = UInt8(index) }
            return inverse
        }()
        /// The register a lone byte `e` (1...255) leaves: `entries[e]`.
        static let byteForEntry: [UInt32: UInt8] = {
            var map: [UInt32: UInt8] = [:]
            for byte in 1..<256 { map[entries[byte]] = UInt8(byte) }
            return map
        }()

        /// The register before one zero byte, given the register after it.
        static func stepBackOverZero(_ after: UInt32) -> UInt32 {
            let index = indexForTopByte[Int(after >> 24)]
            return ((after ^ entries[Int(index)]) << 8) | UInt32(index)
        }
    }
}
