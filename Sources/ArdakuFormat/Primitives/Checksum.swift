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

