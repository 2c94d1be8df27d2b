/// Where the fixed structures of a volume of a given size lie (docs/FORMAT.md §3).
///
/// Page 0 holds the system information block, pages 1...k the used-page bitfield, and the
/// last page the backup of page 0. Everything else (trie pages, metadata records,
/// extension pages, data pages) is allocated from the pages in between.
public struct VolumeLayout: Equatable, Sendable {
    public let totalPageCount: UInt32

    /// Nil when `totalPageCount` is outside `Limits.minPageCount...Limits.maxPageCount`.
    public init?(totalPageCount: UInt32) {
        guard totalPageCount >= Limits.minPageCount, totalPageCount <= Limits.maxPageCount else { return nil }
        self.totalPageCount = totalPageCount
    }

    /// Pages of bitfield needed: one per 2^19 pages, rounded up.
    public static func bitfieldPageCount(forTotal total: UInt32) -> Int {
        Int((UInt64(total) + UInt64(Limits.pagesPerBitfieldPage) - 1) / UInt64(Limits.pagesPerBitfieldPage))
    }

    public var bitfieldPageCount: Int { Self.bitfieldPageCount(forTotal: totalPageCount) }
    public var systemPage: PageIndex { PageIndex(0) }
    public var bitfieldPages: Range<UInt32> { 1..<(1 + UInt32(bitfieldPageCount)) }
    public var backupPage: PageIndex { PageIndex(totalPageCount - 1) }
    /// Pages the allocator may hand out: after the bitfield, before the backup.
    public var allocatablePages: Range<UInt32> { bitfieldPages.upperBound..<(totalPageCount - 1) }
    /// Pages every volume uses whatever it holds: page 0, the bitfield, the backup.
    public var fixedPageCount: UInt32 { UInt32(bitfieldPageCount) + 2 }
    public var sizeInBytes: UInt64 { UInt64(totalPageCount) << 16 }

    /// The page for `byteCount` bytes of device: whole pages only, the rest is unused.
    public static func pageCount(forBytes byteCount: UInt64) -> UInt64 { byteCount >> 16 }
}
