/// The system information block: page 0 of every volume, and its backup in the last page.
///
/// Layout (docs/FORMAT.md §4), all integers little-endian:
///
/// | offset | size  | field                  | meaning |
/// |--------|-------|------------------------|---------|
/// | 0x0000 | 2     | label_length           | bytes of label, 0...1020 |
/// | 0x0002 | 1020  | label                  | UTF-8 volume label, zero padded |
/// | 0x03FE | 2     | reserved               | zero |
/// | 0x0400 | 4     | magic                  | 0x4B445241, the bytes "ARDK" |
/// | 0x0404 | 4     | version                | format version, 1 |
/// | 0x0408 | 2     | bitfield_page_count    | k = ceil(total_page_count / 2^19) |
/// | 0x040A | 2     | copy                   | 0 in page 0, 1 in the backup |
/// | 0x040C | 4     | next_empty_page_index  | allocation hint |
/// | 0x0410 | 4     | trie_page_count        | entries used in the trie page list, 1...15871 |
/// | 0x0414 | 4     | total_page_count       | pages in the volume, 4...2^30-2^19 |
/// | 0x0418 | 16    | uuid                   | volume UUID |
/// | 0x0428 | 8     | creation_time          | seconds since 1970-01-01T00:00:00Z |
/// | 0x0430 | 8     | generation             | number of the last commit |
/// | 0x0438 | 4     | used_page_count        | pages marked used in the bitfield |
/// | 0x043C | 4     | file_count             | files in the trie |
/// | 0x0440 | 4     | trie_root              | node reference of the trie's root |
/// | 0x0444 | 4     | incompat_features      | IncompatFeatures; a reader refuses unknown bits |
/// | 0x0448 | 4     | record_page_hint       | allocation hint for metadata records |
/// | 0x044C | 4     | reserved               | zero |
/// | 0x0450 | 8     | next_file_id           | the file id the next new file gets |
/// | 0x0458 | 936   | reserved               | zero |
/// | 0x0800 | 63484 | trie_pages             | u32 page index per trie page, by ordinal; unused entries zero |
/// | 0xFFFC | 4     | checksum               | CRC-32 of bytes 0x0000..<0xFFFC |
public struct SystemInformationBlock: Equatable, Sendable {
    public static let structureName = "system information block"
    /// "ARDK" read as a little-endian u32.
    public static let magic: UInt32 = 0x4B44_5241
    public static let version: UInt32 = 1

    /// Offsets of the fields from the start of the structure: the table above, once.
    /// The layout rows, the decoder, the checker's views and dumpfs all use these.
    public enum Offset {
        public static let labelLength = 0x0000
        public static let label = 0x0002
        public static let reservedAt03FE = 0x03FE
        public static let magic = 0x0400
        public static let version = 0x0404
        public static let bitfieldPageCount = 0x0408
        public static let copy = 0x040A
        public static let nextEmptyPageIndex = 0x040C
        public static let triePageCount = 0x0410
        public static let totalPageCount = 0x0414
        public static let uuid = 0x0418
        public static let creationTime = 0x0428
        public static let generation = 0x0430
        public static let usedPageCount = 0x0438
        public static let fileCount = 0x043C
        public static let trieRoot = 0x0440
        public static let incompatFeatures = 0x0444
        public static let recordPageHint = 0x0448
        public static let reservedAt044C = 0x044C
        public static let nextFileID = 0x0450
        public static let reservedAt0458 = 0x0458
        public static let triePages = 0x0800
        public static let checksum = 0xFFFC
    }

    public static let layout: [FieldLayout] = [
        FieldLayout("label_length", Offset.labelLength, 2, "bytes of label, 0...1020"),
        FieldLayout("label", Offset.label, 1020, "UTF-8 volume label, zero padded"),
        FieldLayout("reserved", Offset.reservedAt03FE, 2, "zero"),
        FieldLayout("magic", Offset.magic, 4, "0x4B445241 (\"ARDK\")"),
        FieldLayout("version", Offset.version, 4, "format version"),
        FieldLayout("bitfield_page_count", Offset.bitfieldPageCount, 2, "pages of used-page bitfield"),
        FieldLayout("copy", Offset.copy, 2, "0 primary (page 0), 1 backup (last page)"),
        FieldLayout("next_empty_page_index", Offset.nextEmptyPageIndex, 4, "allocation hint"),
        FieldLayout("trie_page_count", Offset.triePageCount, 4, "trie pages listed at 0x0800"),
        FieldLayout("total_page_count", Offset.totalPageCount, 4, "pages in the volume"),
        FieldLayout("uuid", Offset.uuid, 16, "volume UUID"),
        FieldLayout("creation_time", Offset.creationTime, 8, "seconds since the Unix epoch"),
        FieldLayout("generation", Offset.generation, 8, "last commit number"),
        FieldLayout("used_page_count", Offset.usedPageCount, 4, "pages marked used"),
        FieldLayout("file_count", Offset.fileCount, 4, "files in the trie"),
        FieldLayout("trie_root", Offset.trieRoot, 4, "node reference of the trie root"),
        FieldLayout("incompat_features", Offset.incompatFeatures, 4, "bit 0: records may carry damage flags; other bits zero"),
        FieldLayout("record_page_hint", Offset.recordPageHint, 4, "allocation hint for records"),
        FieldLayout("reserved", Offset.reservedAt044C, 4, "zero"),
        FieldLayout("next_file_id", Offset.nextFileID, 8, "id of the next new file"),
        FieldLayout("reserved", Offset.reservedAt0458, Offset.triePages - Offset.reservedAt0458, "zero"),
        FieldLayout("trie_pages", Offset.triePages, Offset.checksum - Offset.triePages, "u32 page index per trie page ordinal"),
        FieldLayout("checksum", Offset.checksum, 4, "CRC-32 of bytes 0x0000..<0xFFFC"),
    ]

    public enum Copy: UInt16, Sendable {
        case primary = 0
        case backup = 1
    }

    public var label: [UInt8]
    public var bitfieldPageCount: UInt16
    public var copy: Copy
    public var nextEmptyPageHint: UInt32
    public var totalPageCount: UInt32
    public var uuid: VolumeUUID
    public var creationTime: UInt64
    public var generation: UInt64
    public var usedPageCount: UInt32
    public var fileCount: UInt32
    public var trieRoot: NodeReference
    public var recordPageHint: UInt32
    /// Features a reader must know to read the volume (docs/FORMAT.md §4.1).
    public var incompatFeatures: IncompatFeatures = []
    public var nextFileID: UInt64
    /// Trie pages by ordinal: `triePages[n]` holds the nodes whose references name ordinal n.
    public var triePages: [PageIndex]

    public init(label: [UInt8], totalPageCount: UInt32, uuid: VolumeUUID, creationTime: UInt64,
                triePages: [PageIndex], trieRoot: NodeReference) {
        self.label = label
        self.totalPageCount = totalPageCount
        self.bitfieldPageCount = UInt16(VolumeLayout.bitfieldPageCount(forTotal: totalPageCount))
        self.copy = .primary
        self.nextEmptyPageHint = 0
        self.uuid = uuid
        self.creationTime = creationTime
        self.generation = 1
        self.usedPageCount = 0
        self.fileCount = 0
        self.trieRoot = trieRoot
        self.recordPageHint = 0
        self.nextFileID = 1
        self.triePages = triePages
    }

    /// The label as text (invalid UTF-8 is shown with replacement characters).
    public var labelString: String { String(decoding: label, as: UTF8.self) }

    // MARK: Decoding

    /// Decodes a system information block from the 64 KiB of `bytes`.
    ///
    /// - Parameters:
    ///   - page: where the bytes came from (page 0 or the last page), for error locations.
    ///   - verifyChecksum: false lets `dumpfs` show the fields of a block whose CRC is wrong.
    /// - Throws: `FormatError` on truncation, a wrong magic, checksum or version, unknown
    ///   feature bits, or a count outside its limit.
    public static func decode(_ bytes: UnsafeRawBufferPointer, page: PageIndex = PageIndex(0),
                              verifyChecksum: Bool = true) throws(FormatError) -> SystemInformationBlock {
        var reader = ByteReader(bytes, structure: structureName, origin: page.firstByte)
        guard bytes.count >= Geometry.pageSize else {
            throw reader.error(.truncated(needed: Geometry.pageSize, available: bytes.count), at: 0)
        }
        try reader.seek(to: Offset.magic)
        let magic = try reader.readUInt32()
        guard magic == Self.magic else { throw reader.error(.badMagic(expected: Self.magic, found: magic), at: Offset.magic) }
        if verifyChecksum {
            let stored = storedChecksum(bytes), computed = computedChecksum(bytes)
            guard stored == computed else {
                throw reader.error(.checksumMismatch(stored: stored, computed: computed), at: Offset.checksum)
            }
        }
        let version = try reader.readUInt32()
        guard version == Self.version else {
            throw reader.error(.unsupportedVersion(found: version, supported: Self.version), at: Offset.version)
        }

        try reader.seek(to: Offset.labelLength)
        let labelLength = Int(try reader.readUInt16())
        guard labelLength <= Limits.maxLabelBytes else {
            throw reader.error(.fieldOutOfRange(field: "label_length", value: UInt64(labelLength),
                                                allowed: 0...UInt64(Limits.maxLabelBytes)), at: Offset.labelLength)
        }
        let label = try reader.readArray(labelLength)

        try reader.seek(to: Offset.bitfieldPageCount)
        let bitfieldPageCount = try reader.readUInt16()
        let copyRaw = try reader.readUInt16()
        guard let copy = Copy(rawValue: copyRaw) else {
            throw reader.error(.fieldOutOfRange(field: "copy", value: UInt64(copyRaw), allowed: 0...1), at: Offset.copy)
        }
        let nextEmpty = try reader.readUInt32()
        let triePageCount = try reader.readUInt32()
        let totalPageCount = try reader.readUInt32()
        guard (Limits.minPageCount...Limits.maxPageCount).contains(totalPageCount) else {
            throw reader.error(.fieldOutOfRange(field: "total_page_count", value: UInt64(totalPageCount),
                                                allowed: UInt64(Limits.minPageCount)...UInt64(Limits.maxPageCount)), at: Offset.totalPageCount)
        }
        let expectedBitfieldPages = VolumeLayout.bitfieldPageCount(forTotal: totalPageCount)
        guard Int(bitfieldPageCount) == expectedBitfieldPages else {
            throw reader.error(.inconsistent("bitfield_page_count is \(bitfieldPageCount) but \(totalPageCount) pages need \(expectedBitfieldPages)"), at: Offset.bitfieldPageCount)
        }
        guard triePageCount >= 1, triePageCount <= UInt32(Limits.maxTriePages) else {
            throw reader.error(.fieldOutOfRange(field: "trie_page_count", value: UInt64(triePageCount),
                                                allowed: 1...UInt64(Limits.maxTriePages)), at: Offset.triePageCount)
        }
        let uuid = VolumeUUID(bytes: try reader.readArray(16))
        let creationTime = try reader.readUInt64()
        let generation = try reader.readUInt64()
        let usedPageCount = try reader.readUInt32()
        let fileCount = try reader.readUInt32()
        let trieRoot = NodeReference(rawValue: try reader.readUInt32())
        let incompat = try reader.readUInt32()
        let unknownFeatures = incompat & ~IncompatFeatures.known.rawValue
        guard unknownFeatures == 0 else { throw reader.error(.unknownFeatures(unknownFeatures), at: Offset.incompatFeatures) }
        let recordPageHint = try reader.readUInt32()
        try reader.skip(4)
        let nextFileID = try reader.readUInt64()

        try reader.seek(to: Offset.triePages)
        var triePages: [PageIndex] = []
        triePages.reserveCapacity(Int(triePageCount))
        for _ in 0..<triePageCount { triePages.append(PageIndex(try reader.readUInt32())) }

        var block = SystemInformationBlock(label: label, totalPageCount: totalPageCount, uuid: uuid,
                                           creationTime: creationTime, triePages: triePages, trieRoot: trieRoot)
        block.copy = copy
        block.nextEmptyPageHint = nextEmpty
        block.generation = generation
        block.usedPageCount = usedPageCount
        block.fileCount = fileCount
        block.recordPageHint = recordPageHint
        block.nextFileID = nextFileID
        block.incompatFeatures = IncompatFeatures(rawValue: incompat)
        return block
    }

    /// The checksum stored at 0xFFFC (0 when `bytes` is too short to hold one).
    public static func storedChecksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        ByteReader.uint32(in: bytes, at: Offset.checksum) ?? 0
    }

    /// The CRC-32 of bytes 0x0000..<0xFFFC.
    public static func computedChecksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<min(bytes.count, Offset.checksum)]))
    }

    // MARK: Encoding

    /// The 65,536 bytes of the block, checksum included.
    public func encode() -> [UInt8] {
        precondition(label.count <= Limits.maxLabelBytes && triePages.count <= Limits.maxTriePages)
        var writer = ByteWriter(capacity: Geometry.pageSize)
        writer.writeUInt16(UInt16(label.count))
        writer.writeBytes(label)
        writer.pad(to: Offset.magic)
        writer.writeUInt32(Self.magic)
        writer.writeUInt32(Self.version)
        writer.writeUInt16(bitfieldPageCount)
        writer.writeUInt16(copy.rawValue)
        writer.writeUInt32(nextEmptyPageHint)
        writer.writeUInt32(UInt32(triePages.count))
        writer.writeUInt32(totalPageCount)
        writer.writeBytes(uuid.bytes)
        writer.writeUInt64(creationTime)
        writer.writeUInt64(generation)
        writer.writeUInt32(usedPageCount)
        writer.writeUInt32(fileCount)
        writer.writeUInt32(trieRoot.rawValue)
        writer.writeUInt32(incompatFeatures.rawValue)
        writer.writeUInt32(recordPageHint)
        writer.writeUInt32(0)
        writer.writeUInt64(nextFileID)
        writer.pad(to: Offset.triePages)
        for page in triePages { writer.writeUInt32(page.rawValue) }
        writer.pad(to: Offset.checksum)
        writer.writeUInt32(0)
        var bytes = writer.bytes
        let checksum = bytes.withUnsafeBytes { Self.computedChecksum($0) }
        bytes.withUnsafeMutableBytes { ByteWriter.storeUInt32(checksum, into: $0, at: Offset.checksum) }
        return bytes
    }

    /// The same block as the backup copy (or the primary) says it is.
    public func asCopy(_ copy: Copy) -> SystemInformationBlock {
        var block = self
        block.copy = copy
        return block
    }
}

/// The system block's incompat_features (docs/FORMAT.md §4.1): each bit names something a
/// reader must understand to read the volume correctly, so a reader that does not know a
/// set bit refuses the volume rather than misread it.
public struct IncompatFeatures: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Records may carry `RecordFlags` (damage recorded by fsck). Set by the first repair
    /// that records damage; a reader that ignored the flags would show damaged or unproven
    /// data as valid.
    public static let recordedDamage = IncompatFeatures(rawValue: 1 << 0)

    /// Records may carry an attribute area (docs/FORMAT.md §7.2): kind, mode, owner, times
    /// with nanoseconds, symbolic-link target, extended attributes. Set by the first commit
    /// that writes one; a reader that ignored the area would show a symbolic link, a device
    /// or a directory as an empty regular file, and every file with the wrong owner and mode.
    public static let fileAttributes = IncompatFeatures(rawValue: 1 << 1)

    /// A file may have several names (docs/FORMAT.md §7.3): records sharing a file id, its
    /// pages listed by each. Set by the first commit that writes a record with a link count
    /// above 1; a reader that ignored it would take the shared pages and file id for damage.
    public static let hardLinks = IncompatFeatures(rawValue: 1 << 2)

    /// Every bit this version of the toolchain reads.
    public static let known: IncompatFeatures = [.recordedDamage, .fileAttributes, .hardLinks]
}
