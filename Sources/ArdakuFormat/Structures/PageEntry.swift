/// One data page of a file: where it is and the CRC-32 of the file's bytes in it.
///
/// A page index of 0 is a hole: the page reads as zeros and no page is allocated (page 0
/// is the system information block and never holds data). A hole's checksum is the CRC-32
/// of as many zero bytes as the file has in that page, so every entry verifies the same way.
public struct PageEntry: Equatable, Hashable, Sendable {
    public var page: PageIndex
    public var checksum: UInt32

    public init(page: PageIndex, checksum: UInt32) {
        self.page = page
        self.checksum = checksum
    }

    public static let encodedSize = 8
    public var isHole: Bool { page.rawValue == 0 }

    public static func hole(bytesInPage: Int) -> PageEntry {
        PageEntry(page: PageIndex(0), checksum: CRC32.checksumOfZeros(count: bytesInPage))
    }

    /// Bytes of a file of `byteLength` that lie in its `ordinal`-th page.
    public static func bytesInPage(ordinal: UInt64, byteLength: UInt64) -> Int {
        let start = ordinal << 16
        guard byteLength > start else { return 0 }
        return Int(min(UInt64(Geometry.pageSize), byteLength - start))
    }

    /// Pages a file of `byteLength` bytes has: ceil(byteLength / 65536).
    public static func pageCount(forLength byteLength: UInt64) -> UInt64 {
        (byteLength >> 16) + (byteLength & 0xFFFF == 0 ? 0 : 1)
    }
}
