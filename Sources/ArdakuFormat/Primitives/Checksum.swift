import CArdakuCRC

/// CRC-32 as zlib's `crc32()` computes it: CRC-32/ISO-HDLC, reflected polynomial
/// 0xEDB88320, initial value and final XOR 0xFFFFFFFF (docs/FORMAT.md §2).
///
/// The check value of the nine bytes "123456789" is 0xCBF43926. Uses the PCLMULQDQ fast
/// path when the CPU has it; the result is bit-identical to zlib's (see CRC32Tests).
public enum CRC32 {
    /// CRC-32 of `bytes`, continuing from `crc` (0 to start).
    @inline(__always)
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
        return ardaku_crc32(crc, base, bytes.count)
    }

    public static func checksum(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, continuing: crc) }
    }

    public static func checksum(_ bytes: ArraySlice<UInt8>, continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, continuing: crc) }
    }

    /// zlib's own `crc32_z()`, without the fast path; the reference for tests and benchmarks.
    public static func zlibChecksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
        return ardaku_crc32_reference(crc, base, bytes.count)
    }

    /// True when `checksum` uses carry-less multiplication on this CPU.
    public static var isAccelerated: Bool { ardaku_crc32_is_accelerated() != 0 }

    /// CRC-32 of `count` zero bytes; a hole in a file's page list carries this checksum.
    public static func checksumOfZeros(count: Int) -> UInt32 {
        precondition(count >= 0 && count <= Geometry.pageSize)
        if count == Geometry.pageSize { return checksumOfZeroPage }
        return checksum(UnsafeRawBufferPointer(rebasing: Zeros.page[0..<count]))
    }

    /// Most holes are whole pages; their checksum is computed once.
    private static let checksumOfZeroPage: UInt32 = checksum(Zeros.page)
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
