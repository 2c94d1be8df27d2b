/// Every bound the format and the tools rely on, in one place (docs/FORMAT.md §9).
///
/// A count or length read from disk is compared with one of these before it is used to
/// size a buffer, drive a loop or index memory.
public enum Limits {
    /// Most pages a volume may have: 2^30 - 2^19 (just under 64 TiB). One bitfield page
    /// covers 2^19 pages and at most 2047 of them exist, so this is 2047 * 2^19.
    public static let maxPageCount: UInt32 = (1 << 30) - (1 << 19)
    /// Fewest pages a volume may have: page 0, one bitfield page, one trie page, the backup.
    public static let minPageCount: UInt32 = 4
    /// Pages whose used/free bits one bitfield page holds (64 KiB * 8 bits).
    public static let pagesPerBitfieldPage: UInt32 = 1 << 19
    /// Most bitfield pages (pages 1...2047).
    public static let maxBitfieldPages = 2047
    /// Longest volume label in UTF-8 bytes.
    public static let maxLabelBytes = 1020
    /// Longest file name (absolute path) in UTF-8 bytes.
    public static let maxNameBytes = 1020
    /// Most trie pages: the entries that fit in page 0 between 0x0800 and the checksum.
    public static let maxTriePages = (0xFFFC - 0x0800) / 4
    /// Most node slots in one trie page.
    public static let maxSlotsPerTriePage = 4096
    /// Most children of one trie node: one per possible next byte.
    public static let maxChildrenPerNode = 256
    /// Deepest trie walk: the root plus one node per name byte.
    public static let maxTrieDepth = maxNameBytes + 1
    /// Most tags on one file.
    public static let maxTagsPerFile = 256
    /// Most extension pages one metadata record lists.
    public static let maxExtensionPagesPerRecord = 2048
    /// (page, CRC32) entries in one extension page.
    public static let entriesPerExtensionPage = (Geometry.pageSize - 32) / 8
    /// Every extension page full, nothing inline: a bound every file may reach whatever its
    /// name and tags (`FileRecord.maxDataPages` adds what fits inline for one record).
    public static var maxFilePages: UInt64 { UInt64(maxExtensionPagesPerRecord) * UInt64(entriesPerExtensionPage) }
}
