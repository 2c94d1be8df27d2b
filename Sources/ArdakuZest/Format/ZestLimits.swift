import ArdakuFormat

/// Every fixed size and bound of the ZEST format (docs/FORMAT.md §Z7), in one place.
///
/// A count, length or offset read from a volume is compared with one of these (or with the
/// store's length) before it sizes a buffer, drives a loop or indexes memory.
public enum ZestLimits {
    /// Bytes of one ZAT fragment slot (seed: 4 bytes of link, 4092 bytes of entries).
    public static let fragmentSize = 4096
    /// A fragment is kept as a pair of slots written alternately, so a torn write of one
    /// slot leaves the other intact (docs/FORMAT.md §Z5).
    public static let fragmentPairSize = 2 * fragmentSize
    /// Bytes at the start of the volume that hold the header and its backup copy.
    public static let headerAreaSize = 4096
    /// Byte offset of the backup copy of the header.
    public static let backupHeaderOffset = 2048
    /// Byte offset of the first fragment pair, the head of the ZAT; fixed so that a reader
    /// finds the table even when both header copies are destroyed.
    public static let zatHeadOffset = headerAreaSize
    /// First byte of the entry area inside a slot (after the next-fragment link).
    public static let entryAreaStart = 4
    /// First byte past the entry area: the slot trailer (generation, CRC) follows.
    public static let entryAreaEnd = fragmentSize - 8
    /// Smallest segment size. Small segments waste less space on small files; the segment
    /// index is 32 bits, so a volume of 16-byte segments still addresses 64 GiB.
    public static let minSegmentSize = 16
    /// Largest segment size: a fragment slot must be a whole number of segments.
    public static let maxSegmentSize = 4096
    /// The segment size a new volume gets unless told otherwise (docs/FORMAT.md §Z9).
    public static let defaultSegmentSize = 4096
    /// Longest name: the same rule as Ardaku file names (docs/FORMAT.md §9).
    public static let maxNameBytes = Limits.maxNameBytes
    /// Fixed bytes of an entry besides its name (SZ, the fields after the name, the CRC).
    public static let entryOverhead = 26
    /// Largest entry: the longest name plus the fixed fields; always fits one entry area.
    public static let maxEntrySize = maxNameBytes + entryOverhead
    /// Most entries one fragment can hold (names of one byte).
    public static let maxEntriesPerFragment = (entryAreaEnd - entryAreaStart) / (1 + entryOverhead)
    /// Most fragments a chain walk follows before it calls the chain endless, whatever
    /// the store length would allow: 2^20 pairs are 8 GiB of table, millions of files.
    public static let maxFragments = 1 << 20
    /// Largest file, original or stored. Files are compressed and verified whole in memory;
    /// content larger than this belongs in the enclosing Ardaku volume.
    public static let maxFileBytes: UInt32 = 1 << 30
    /// A zlib preset dictionary is useful up to the 32 KiB DEFLATE window.
    public static let maxDictionaryBytes = 32 * 1024
    /// Most dictionaries a volume may hold at once (each stays while any file uses it).
    public static let maxDictionaries = 64
    /// DEFLATE cannot expand more than 1032:1 (a 258-byte match costs at least 2 bits), so an
    /// original length above stored × this (+ a little for tiny streams) is a lie.
    public static let maxDeflateExpansion: UInt64 = 1032

    /// True when `size` is a segment size the format allows.
    public static func isValidSegmentSize(_ size: UInt32) -> Bool {
        size >= minSegmentSize && size <= maxSegmentSize && size & (size - 1) == 0
    }

    /// Most original bytes `storedLength` bytes of DEFLATE can produce.
    public static func maxInflatedLength(storedLength: UInt32) -> UInt64 {
        UInt64(storedLength) * maxDeflateExpansion + 64
    }
}
