/// Every bound the CAS volume format and library rely on, in one place
/// (docs/FORMAT.md §C8).
///
/// A count or length read from the store is compared with one of these before it sizes a
/// buffer, drives a loop or indexes memory.
public enum CASLimits {
    /// Largest uncompressed payload of one object (the bytes after the type byte).
    public static let maxPayloadBytes = 64 << 20
    /// Largest object as stored (type byte plus stored payload); zlib can grow
    /// incompressible data a little, but such payloads are stored raw, so this equals the
    /// payload bound plus the type byte.
    public static let maxStoredObjectBytes = maxPayloadBytes + 1
    /// Payloads shorter than this are never compressed (docs/FORMAT.md §C2.3).
    public static let minCompressiblePayload = 33
    /// Most objects one volume indexes.
    public static let maxObjects = 1 << 24
    /// Most tags one volume holds.
    public static let maxTags = 1 << 20
    /// Longest tag name in UTF-8 bytes.
    public static let maxTagNameBytes = 255
    /// Longest item name in UTF-8 bytes (a host file name).
    public static let maxItemNameBytes = 255
    /// Most lines of one tree or chunk list; the payload bound also applies.
    public static let maxTreeEntries = 1 << 20
    /// Deepest directory nesting a snapshot stores or restores, and deepest `info` recursion.
    public static let maxTreeDepth = 1024
    /// Chunker: no cut before this many bytes.
    public static let minChunkBytes = 16 << 10
    /// Chunker: the size the cut condition aims for.
    public static let averageChunkBytes = 64 << 10
    /// Chunker: a cut is forced here.
    public static let maxChunkBytes = 256 << 10
    /// Objects whose payload is shorter than this are written into pack records.
    public static let packThreshold = 16 << 10
    /// A writer closes a pack once its member area reaches this many bytes.
    public static let packTargetBytes = 256 << 10
    /// Largest member area of a pack.
    public static let maxPackBytes = 4 << 20
    /// Most members of a pack (the index stores the member number in 16 bits).
    public static let maxPackMembers = 65_535
    /// Records start at multiples of this many bytes.
    public static let recordAlignment = 8
    /// Largest store the format addresses (offsets are u64 but kept below Int.max).
    public static let maxStoreBytes = UInt64(Int64.max)
}
