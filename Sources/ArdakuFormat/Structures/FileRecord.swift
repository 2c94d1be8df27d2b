/// A file-metadata record: one 16 KiB subpage per file (docs/FORMAT.md §7).
///
/// | offset | size | field                 | meaning |
/// |--------|------|-----------------------|---------|
/// | 0x0000 | 4    | magic                 | 0x524D4641 "AFMR" live record; 0x544D4641 "AFMT" tombstone |
/// | 0x0004 | 4    | checksum              | CRC-32 of bytes 0x0008..<used_length |
/// | 0x0008 | 4    | used_length           | bytes of the record in use, 0x80...0x4000 |
/// | 0x000C | 4    | flags                 | RecordFlags: damage recorded by fsck; zero otherwise |
/// | 0x0010 | 16   | volume_uuid           | the volume's UUID (tells our records from look-alikes) |
/// | 0x0020 | 8    | generation            | commit that wrote this record |
/// | 0x0028 | 8    | file_id               | the file's id; kept across overwrite and rename |
/// | 0x0030 | 8    | byte_length           | the file's length in bytes |
/// | 0x0038 | 8    | modification_time     | seconds since the Unix epoch |
/// | 0x0040 | 4    | data_page_count       | P = ceil(byte_length / 65536) |
/// | 0x0044 | 4    | extension_page_count  | E, 0...2048 |
/// | 0x0048 | 4    | inline_entry_count    | I, entries stored in this record |
/// | 0x004C | 2    | name_length           | N, 1...1020 |
/// | 0x004E | 2    | tag_count             | T, 0...256 |
/// | 0x0050 | 32   | type                  | file type (zero: plain data) |
/// | 0x0070 | 8    | replaced_file_id      | the file a rename over it replaced in this record's commit; 0: none |
/// | 0x0078 | 2    | attribute_length      | A: bytes of the attribute area at the end (0: none); zero unless page 0 has incompat bit 1 |
/// | 0x007A | 6    | reserved              | zero |
/// | 0x0080 | N    | name                  | the full file name, a copy of the trie's key |
/// | ...    | pad  | padding               | zeros up to a multiple of 4 |
/// | ...    | 4T   | tags                  | u32 tag values (application-defined) |
/// | ...    | 4E   | extension_pages       | u32 page index of each extension page, in order |
/// | ...    | 8I   | inline_entries        | (u32 page, u32 CRC-32) for data pages 0..<I |
/// | ...    | A    | attributes            | `RecordAttributes`: kind, mode, owner, times, link count, target, xattrs |
///
/// used_length is exactly the end of the attribute area (of the inline entries when A = 0). Data pages I..<P are listed, in
/// order, by the extension pages. Bytes from used_length to the end of the subpage carry
/// no meaning.
public struct FileRecord: Equatable, Sendable {
    public static let structureName = "metadata record"
    /// "AFMR" read as a little-endian u32.
    public static let magic: UInt32 = 0x524D_4641
    /// "AFMT": the record of a deleted file.
    public static let tombstoneMagic: UInt32 = 0x544D_4641
    public static let headerSize = Offset.name

    /// Byte offset of each header field (the table above; `layout` lists the same).
    public enum Offset {
        public static let magic = 0x00
        public static let checksum = 0x04
        public static let usedLength = 0x08
        public static let flags = 0x0C
        public static let volumeUUID = 0x10
        public static let generation = 0x20
        public static let fileID = 0x28
        public static let byteLength = 0x30
        public static let modificationTime = 0x38
        public static let dataPageCount = 0x40
        public static let extensionPageCount = 0x44
        public static let inlineEntryCount = 0x48
        public static let nameLength = 0x4C
        public static let tagCount = 0x4E
        public static let type = 0x50
        public static let replacedFileID = 0x70
        public static let attributeLength = 0x78
        public static let reserved = 0x7A
        public static let name = 0x80
    }

    public static let layout: [FieldLayout] = [
        FieldLayout("magic", Offset.magic, 4, "\"AFMR\" live, \"AFMT\" tombstone"),
        FieldLayout("checksum", Offset.checksum, 4, "CRC-32 of bytes 0x0008..<used_length"),
        FieldLayout("used_length", Offset.usedLength, 4, "bytes in use"),
        FieldLayout("flags", Offset.flags, 4, "bit 0 damaged data, bit 1 unproven attributes"),
        FieldLayout("volume_uuid", Offset.volumeUUID, 16, "volume UUID"),
        FieldLayout("generation", Offset.generation, 8, "commit that wrote this record"),
        FieldLayout("file_id", Offset.fileID, 8, "file id"),
        FieldLayout("byte_length", Offset.byteLength, 8, "file length in bytes"),
        FieldLayout("modification_time", Offset.modificationTime, 8, "seconds since the Unix epoch"),
        FieldLayout("data_page_count", Offset.dataPageCount, 4, "pages of data"),
        FieldLayout("extension_page_count", Offset.extensionPageCount, 4, "extension pages"),
        FieldLayout("inline_entry_count", Offset.inlineEntryCount, 4, "entries in this record"),
        FieldLayout("name_length", Offset.nameLength, 2, "bytes of name"),
        FieldLayout("tag_count", Offset.tagCount, 2, "tags"),
        FieldLayout("type", Offset.type, 32, "file type"),
        FieldLayout("replaced_file_id", Offset.replacedFileID, 8, "file a rename replaced, 0: none"),
        FieldLayout("attribute_length", Offset.attributeLength, 2, "bytes of the attribute area, 0: none"),
        FieldLayout("reserved", Offset.reserved, 6, "zero"),
        FieldLayout("name", Offset.name, 0, "full name, padded to 4 bytes; then tags, extension pages, entries"),
    ]

    public var isTombstone: Bool
    public var volumeUUID: VolumeUUID
    public var generation: UInt64
    public var fileID: UInt64
    public var byteLength: UInt64
    public var modificationTime: UInt64
    /// P: the number of data pages, inline and in extension pages.
    public var dataPageCount: UInt32
    public var name: [UInt8]
    public var type: FileType
    public var tags: [UInt32]
    public var extensionPages: [PageIndex]
    /// Entries for data pages 0..<inlineEntries.count.
    public var inlineEntries: [PageEntry]
    /// The file id of the file that a rename of this file over it replaced, in the commit
    /// that wrote this record; 0 for none. It tells fsck that the replaced file's record,
    /// live until the commit's tombstone is durable, is dead (docs/FORMAT.md §12.4).
    public var replacedFileID: UInt64 = 0
    /// Damage fsck recorded in this file (zero unless page 0 has `IncompatFeatures.recordedDamage`).
    public var flags: RecordFlags = []
    /// Flag bits this version does not know and reserved bytes, as found on disk; writers
    /// write zeros.
    public var unknownBits: UInt32 = 0
    /// The attribute area (docs/FORMAT.md §7.2); nil for a record without one, which is a
    /// regular file with the defaults of `RecordAttributes.defaults`.
    public var attributes: RecordAttributes?

    public init(volumeUUID: VolumeUUID, generation: UInt64, fileID: UInt64, name: [UInt8], type: FileType = .data,
                byteLength: UInt64 = 0, modificationTime: UInt64 = 0, dataPageCount: UInt32 = 0,
                tags: [UInt32] = [], extensionPages: [PageIndex] = [], inlineEntries: [PageEntry] = [],
                isTombstone: Bool = false) {
        self.isTombstone = isTombstone
        self.volumeUUID = volumeUUID
        self.generation = generation
        self.fileID = fileID
        self.byteLength = byteLength
        self.modificationTime = modificationTime
        self.dataPageCount = dataPageCount
        self.name = name
        self.type = type
        self.tags = tags
        self.extensionPages = extensionPages
        self.inlineEntries = inlineEntries
    }

    static func align4(_ n: Int) -> Int { (n + 3) & ~3 }

    /// Offset of the tags: just after the padded name.
    public var tagsOffset: Int { Self.headerSize + Self.align4(name.count) }
    public var extensionPagesOffset: Int { tagsOffset + 4 * tags.count }
    public var inlineEntriesOffset: Int { extensionPagesOffset + 4 * extensionPages.count }
    public var attributesOffset: Int { inlineEntriesOffset + PageEntry.encodedSize * inlineEntries.count }
    public var attributeLength: Int { attributes?.encodedSize ?? 0 }
    public var usedLength: Int { attributesOffset + attributeLength }

    /// Inline entries that fit beside a name of `nameLength` bytes, `tagCount` tags,
    /// `extensionPageCount` extension pages and an attribute area of `attributeLength` bytes.
    /// Negative when even those do not fit.
    public static func inlineCapacity(nameLength: Int, tagCount: Int, extensionPageCount: Int, attributeLength: Int = 0) -> Int {
        let room = Geometry.subpageSize - headerSize - align4(nameLength) - 4 * tagCount - 4 * extensionPageCount - attributeLength
        // Rounded down, below zero too: -4 bytes of room is no entry, not zero entries.
        return room >= 0 ? room / PageEntry.encodedSize : -1
    }

    /// Most data pages a file of this name length, tag count and attribute area can have:
    /// as many extension pages as fit (2048 at most), each full, plus the entries that fit
    /// inline beside them (docs/FORMAT.md §10; 16,770,031 for a two-byte name without tags
    /// or attributes).
    public static func maxDataPages(nameLength: Int, tagCount: Int, attributeLength: Int = 0) -> UInt64 {
        let room = Geometry.subpageSize - headerSize - align4(nameLength) - 4 * tagCount - attributeLength
        let extensionPages = max(0, min(Limits.maxExtensionPagesPerRecord, room / 4))
        let inline = max(0, inlineCapacity(nameLength: nameLength, tagCount: tagCount, extensionPageCount: extensionPages,
                                           attributeLength: attributeLength))
        return UInt64(extensionPages) * UInt64(Limits.entriesPerExtensionPage) + UInt64(inline)
    }

    /// How a file's `pageCount` data-page entries are laid out (docs/FORMAT.md §7-§8): inline
    /// first, then as few extension pages as the rest needs; nil when they cannot fit a record
    /// of this name length and tag count. The one rule the volume library writes by and the
    /// repairer rebuilds by.
    public static func entryLayout(pageCount: Int, nameLength: Int, tagCount: Int,
                                   attributeLength: Int = 0) -> (inline: Int, extensionPages: Int)? {
        if pageCount <= inlineCapacity(nameLength: nameLength, tagCount: tagCount, extensionPageCount: 0, attributeLength: attributeLength) {
            return (pageCount, 0)
        }
        for extensionCount in 1...Limits.maxExtensionPagesPerRecord {
            let inline = inlineCapacity(nameLength: nameLength, tagCount: tagCount, extensionPageCount: extensionCount,
                                        attributeLength: attributeLength)
            guard inline >= 0 else { return nil }
            if inline + extensionCount * Limits.entriesPerExtensionPage >= pageCount {
                let rest = pageCount - inline
                return (inline, (rest + Limits.entriesPerExtensionPage - 1) / Limits.entriesPerExtensionPage)
            }
        }
        return nil
    }

    // MARK: Decoding

    /// What `decode` does with an attribute area that cannot be decoded.
    public enum UndecodableAttributes: Sendable {
        /// The record is rejected (readers).
        case reject
        /// The record is decoded without it (fsck's repair, which drops such an area).
        case drop
    }

    /// Decodes the record in the 16 KiB of `bytes` (one subpage).
    public static func decode(_ bytes: UnsafeRawBufferPointer, subpage: SubpageIndex? = nil,
                              verifyChecksum: Bool = true, undecodableAttributes: UndecodableAttributes = .reject) throws(FormatError) -> FileRecord {
        var reader = ByteReader(bytes, structure: structureName, origin: subpage?.firstByte)
        guard bytes.count >= Geometry.subpageSize else {
            throw reader.error(.truncated(needed: Geometry.subpageSize, available: bytes.count), at: 0)
        }
        let magic = try reader.readUInt32()
        guard magic == Self.magic || magic == Self.tombstoneMagic else {
            throw reader.error(.badMagic(expected: Self.magic, found: magic), at: Offset.magic)
        }
        let stored = try reader.readUInt32()
        let usedLength = Int(try reader.readUInt32())
        guard usedLength >= headerSize, usedLength <= Geometry.subpageSize else {
            throw reader.error(.fieldOutOfRange(field: "used_length", value: UInt64(usedLength),
                                                allowed: UInt64(headerSize)...UInt64(Geometry.subpageSize)), at: Offset.usedLength)
        }
        if verifyChecksum {
            let computed = checksum(bytes, usedLength: usedLength)
            guard stored == computed else { throw reader.error(.checksumMismatch(stored: stored, computed: computed), at: Offset.checksum) }
        }
        let flags = try reader.readUInt32()
        let uuid = VolumeUUID(bytes: try reader.readArray(16))
        let generation = try reader.readUInt64()
        let fileID = try reader.readUInt64()
        let byteLength = try reader.readUInt64()
        let modificationTime = try reader.readUInt64()
        let dataPageCount = try reader.readUInt32()
        let extensionCount = Int(try reader.readUInt32())
        let inlineCount = Int(try reader.readUInt32())
        let nameLength = Int(try reader.readUInt16())
        let tagCount = Int(try reader.readUInt16())
        let type = FileType(bytes: try reader.readArray(FileType.byteCount))
        let replacedFileID = try reader.readUInt64()
        let attributeLength = Int(try reader.readUInt16())
        let reserved = try reader.readBytes(6)

        guard (1...Limits.maxNameBytes).contains(nameLength) else {
            throw reader.error(.fieldOutOfRange(field: "name_length", value: UInt64(nameLength),
                                                allowed: 1...UInt64(Limits.maxNameBytes)), at: Offset.nameLength)
        }
        guard tagCount <= Limits.maxTagsPerFile else {
            throw reader.error(.fieldOutOfRange(field: "tag_count", value: UInt64(tagCount),
                                                allowed: 0...UInt64(Limits.maxTagsPerFile)), at: Offset.tagCount)
        }
        guard extensionCount <= Limits.maxExtensionPagesPerRecord else {
            throw reader.error(.fieldOutOfRange(field: "extension_page_count", value: UInt64(extensionCount),
                                                allowed: 0...UInt64(Limits.maxExtensionPagesPerRecord)), at: Offset.extensionPageCount)
        }
        guard attributeLength == 0 || RecordAttributes.encodedSizes.contains(attributeLength), attributeLength % 4 == 0 else {
            throw reader.error(.fieldOutOfRange(field: "attribute_length", value: UInt64(attributeLength),
                                                allowed: UInt64(RecordAttributes.encodedSizes.lowerBound)...UInt64(RecordAttributes.encodedSizes.upperBound)),
                               at: Offset.attributeLength)
        }
        // Every count is now bounded, so this sum cannot overflow.
        let expectedEnd = headerSize + align4(nameLength) + 4 * tagCount + 4 * extensionCount + PageEntry.encodedSize * inlineCount
            + attributeLength
        guard inlineCount <= Geometry.subpageSize, expectedEnd == usedLength else {
            throw reader.error(.inconsistent("used_length is \(usedLength) but the counts put the end at \(expectedEnd)"), at: Offset.usedLength)
        }
        guard UInt64(inlineCount) <= UInt64(dataPageCount), extensionCount > 0 || inlineCount == Int(dataPageCount) else {
            throw reader.error(.inconsistent("inline_entry_count \(inlineCount) and extension_page_count \(extensionCount) cannot list data_page_count \(dataPageCount) pages"), at: Offset.dataPageCount)
        }

        let name = try reader.readArray(nameLength)
        try reader.skip(align4(nameLength) - nameLength)
        var tags: [UInt32] = []
        tags.reserveCapacity(tagCount)
        for _ in 0..<tagCount { tags.append(try reader.readUInt32()) }
        var extensionPages: [PageIndex] = []
        extensionPages.reserveCapacity(extensionCount)
        for _ in 0..<extensionCount { extensionPages.append(PageIndex(try reader.readUInt32())) }
        var entries: [PageEntry] = []
        entries.reserveCapacity(inlineCount)
        for _ in 0..<inlineCount {
            entries.append(PageEntry(page: PageIndex(try reader.readUInt32()), checksum: try reader.readUInt32()))
        }
        var attributes: RecordAttributes?
        if attributeLength > 0 {
            do throws(FormatError) { attributes = try RecordAttributes.decode(&reader, length: attributeLength) } catch {
                guard undecodableAttributes == .drop else { throw error }
            }
        }
        var record = FileRecord(volumeUUID: uuid, generation: generation, fileID: fileID, name: name, type: type,
                                byteLength: byteLength, modificationTime: modificationTime, dataPageCount: dataPageCount,
                                tags: tags, extensionPages: extensionPages, inlineEntries: entries,
                                isTombstone: magic == Self.tombstoneMagic)
        record.replacedFileID = replacedFileID
        record.attributes = attributes
        record.flags = RecordFlags(rawValue: flags & RecordFlags.known.rawValue)
        record.unknownBits = (flags & ~RecordFlags.known.rawValue) | (reserved.contains { $0 != 0 } ? 1 << 31 : 0)
        return record
    }

    /// The checksum field at offset 4 (0 when the bytes are too short).
    public static func storedChecksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 { ByteReader.uint32(in: bytes, at: Offset.checksum) ?? 0 }

    /// CRC-32 of bytes 0x0008..<usedLength.
    public static func checksum(_ bytes: UnsafeRawBufferPointer, usedLength: Int) -> UInt32 {
        let end = max(8, min(usedLength, bytes.count))
        return CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[8..<end]))
    }

    // MARK: Encoding

    /// The record's `usedLength` bytes, checksum included.
    public func encode() -> [UInt8] {
        precondition(usedLength <= Geometry.subpageSize, "record overflows its subpage")
        precondition(!name.isEmpty && name.count <= Limits.maxNameBytes && tags.count <= Limits.maxTagsPerFile)
        var writer = ByteWriter(capacity: usedLength)
        writer.writeUInt32(isTombstone ? Self.tombstoneMagic : Self.magic)
        writer.writeUInt32(0)
        writer.writeUInt32(UInt32(usedLength))
        writer.writeUInt32(flags.rawValue)
        writer.writeBytes(volumeUUID.bytes)
        writer.writeUInt64(generation)
        writer.writeUInt64(fileID)
        writer.writeUInt64(byteLength)
        writer.writeUInt64(modificationTime)
        writer.writeUInt32(dataPageCount)
        writer.writeUInt32(UInt32(extensionPages.count))
        writer.writeUInt32(UInt32(inlineEntries.count))
        writer.writeUInt16(UInt16(name.count))
        writer.writeUInt16(UInt16(tags.count))
        writer.writeBytes(type.bytes)
        writer.writeUInt64(replacedFileID)
        writer.writeUInt16(UInt16(attributeLength))
        writer.pad(to: Self.headerSize)
        writer.writeBytes(name)
        writer.pad(to: tagsOffset)
        for tag in tags { writer.writeUInt32(tag) }
        for page in extensionPages { writer.writeUInt32(page.rawValue) }
        for entry in inlineEntries {
            writer.writeUInt32(entry.page.rawValue)
            writer.writeUInt32(entry.checksum)
        }
        attributes?.encode(into: &writer)
        var bytes = writer.bytes
        let checksum = bytes.withUnsafeBytes { Self.checksum($0, usedLength: usedLength) }
        bytes.withUnsafeMutableBytes { ByteWriter.storeUInt32(checksum, into: $0, at: Offset.checksum) }
        return bytes
    }
}

/// A record's flags (docs/FORMAT.md §7.1): what fsck could not prove about the file. Only
/// fsck sets them; rewriting the file's content clears them, and only a volume whose page 0
/// has `IncompatFeatures.recordedDamage` may carry them.
public struct RecordFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Some data page (or hole) does not match the CRC-32 its entry records. The entries keep
    /// the CRC-32s the writer recorded, so a reader finds the damaged pages by verifying.
    public static let damagedData = RecordFlags(rawValue: 1 << 0)
    /// The record failed its checksum and was rebuilt from what other structures prove (its
    /// name, page list and length); modification_time, type and tags could not be proven.
    public static let unprovenAttributes = RecordFlags(rawValue: 1 << 1)

    public static let known: RecordFlags = [.damagedData, .unprovenAttributes]

    /// "damaged data, unproven attributes"; empty for none.
    public var description: String {
        var words: [String] = []
        if contains(.damagedData) { words.append("damaged data") }
        if contains(.unprovenAttributes) { words.append("unproven attributes") }
        return words.joined(separator: ", ")
    }
}
