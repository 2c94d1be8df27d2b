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
        let difference = CRC32.checksum(covered) ^ storedCRC
        guard difference != 0 else { return nil }
        var found: [Fix] = []
        for index in 0..<4 where difference & ~(UInt32(0xFF) << (8 * UInt32(index))) == 0 {
            found.append(.storedChecksum(index: index))
        }
        found += CRC32.singleByteRepairs(covered, stored: storedCRC, limit: 2).map { .coveredByte(offset: $0.offset, mask: $0.pattern) }
        return found.count == 1 ? found[0] : nil
    }

    /// The one-byte change of `bytes[covered]` or of the CRC stored at `crcOffset`
    /// (little-endian; after the covered bytes, as in ZEST, or before them, as in a CAS
    /// record) that makes them agree.
    public static func find(in bytes: [UInt8], covered: Range<Int>, crcOffset: Int) -> Fix? {
        guard covered.lowerBound >= 0, covered.upperBound <= bytes.count else { return nil }
        return bytes.withUnsafeBytes { raw in
            guard let stored = ByteReader.uint32(in: raw, at: crcOffset) else { return nil }
            return find(covered: UnsafeRawBufferPointer(rebasing: raw[covered]), storedCRC: stored)
        }
    }

    /// The same, for a structure whose covered bytes run from `start` up to its CRC field.
    public static func find(in bytes: [UInt8], coveredStart start: Int, crcOffset: Int) -> Fix? {
        guard start >= 0, start <= crcOffset else { return nil }
        return find(in: bytes, covered: start..<crcOffset, crcOffset: crcOffset)
    }

    /// Applies `fix` to a structure whose CRC covers `bytes[covered]` and is stored
    /// (little-endian) at `crcOffset`.
    public static func apply(_ fix: Fix, to bytes: inout [UInt8], covered: Range<Int>, crcOffset: Int) {
        switch fix {
        case let .coveredByte(offset, mask): bytes[covered.lowerBound + offset] ^= mask
        case let .storedChecksum(index):
            var field = [UInt8](repeating: 0, count: 4)
            field.withUnsafeMutableBytes { ByteWriter.storeUInt32(CRC32.checksum(bytes[covered]), into: $0, at: 0) }
            bytes[crcOffset + index] = field[index]
        }
    }

    /// The same, for a structure whose covered bytes run from `start` up to its CRC field.
    public static func apply(_ fix: Fix, to bytes: inout [UInt8], coveredStart start: Int, crcOffset: Int) {
        apply(fix, to: &bytes, covered: start..<crcOffset, crcOffset: crcOffset)
    }

    /// The offset in the structure of the byte `fix` changes.
    public static func changedOffset(_ fix: Fix, covered: Range<Int>, crcOffset: Int) -> Int {
        switch fix {
        case let .coveredByte(offset, _): covered.lowerBound + offset
        case let .storedChecksum(index): crcOffset + index
        }
    }
}

/// One byte whose change makes a CRC-32 match: the byte at `offset` (from the start of the
/// checked bytes) XOR `pattern`.
public struct SingleByteRepair: Equatable, Sendable {
    public let offset: Int
    public let pattern: UInt8
    public init(offset: Int, pattern: UInt8) {
        self.offset = offset
        self.pattern = pattern
    }
}

extension CRC32 {
    /// Every way to change exactly one byte of `bytes` so that their CRC-32 becomes `stored`,
    /// at most `limit` of them (empty when the CRC-32 already matches).
    ///
    /// Why this is proof enough for fsck: the CRC-32 is affine, so a change of one byte at
    /// position `i` by pattern `v` changes the CRC by the register of `v` followed by the
    /// bytes after it as zeros, whatever the rest of the bytes are. The difference between
    /// the computed and stored CRC (the syndrome) is walked back one byte at a time (the
    /// zero-byte step is invertible: the table's 256 high bytes are distinct); at each
    /// position it is either some byte's register or not. One pass, no trial CRCs. Damage of
    /// more bytes also yields a syndrome, and by chance it matches one position in about
    /// 2^24 / n of cases for n bytes (2^-10 for a record of 16 KiB): the caller therefore
    /// accepts a repair only when it is the only one and the result decodes and agrees with
    /// every structure that refers to it.
    public static func singleByteRepairs(_ bytes: UnsafeRawBufferPointer, stored: UInt32, limit: Int = 4) -> [SingleByteRepair] {
        let syndrome = checksum(bytes) ^ stored
        guard syndrome != 0, !bytes.isEmpty else { return [] }
        let table = SyndromeTable.shared
        var found: [SingleByteRepair] = []
        var register = syndrome
        var position = bytes.count - 1
        while position >= 0 {
            let byte = table.byteByHighByte[Int(register >> 24)]
            if table.registers[Int(byte)] == register, byte != 0 {
                found.append(SingleByteRepair(offset: position, pattern: byte))
                if found.count >= limit { break }
            }
            // Undo one zero byte: the high byte of the register names the table entry used.
            register = ((register ^ table.registers[Int(byte)]) << 8) | UInt32(byte)
            position -= 1
        }
        return found
    }

    /// The register of each byte value processed from zero, and which byte gives each high byte.
    private struct SyndromeTable: Sendable {
        let registers: [UInt32]
        let byteByHighByte: [UInt8]

        static let shared: SyndromeTable = {
            var registers = [UInt32](repeating: 0, count: 256)
            var byHigh = [UInt8](repeating: 0, count: 256)
            for byte in 0..<256 {
                var register = UInt32(byte)
                for _ in 0..<8 { register = register & 1 != 0 ? (register >> 1) ^ 0xEDB8_8320 : register >> 1 }
                registers[byte] = register
                byHigh[Int(register >> 24)] = UInt8(byte)
            }
            return SyndromeTable(registers: registers, byteByHighByte: byHigh)
        }()
    }
}
