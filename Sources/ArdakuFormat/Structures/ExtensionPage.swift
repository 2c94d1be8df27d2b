/// An extension page: more (page, CRC-32) entries of a large file (the seed's `page_ext`).
///
/// | offset | size | field        | meaning |
/// |--------|------|--------------|---------|
/// | 0x0000 | 4    | magic        | 0x50584641, the bytes "AFXP" |
/// | 0x0004 | 4    | checksum     | CRC-32 of bytes 0x0008..<0x10000 |
/// | 0x0008 | 4    | sequence     | position in the owning record's extension_pages list, from 0 |
/// | 0x000C | 4    | entry_count  | entries in this page, 1...8188 |
/// | 0x0010 | 8    | file_id      | the owning file's id |
/// | 0x0018 | 8    | reserved     | zero |
/// | 0x0020 | 8n   | entries      | (u32 page, u32 CRC-32), continuing the record's list; rest zero |
///
/// The page names its file by file id, not by record subpage, so that rewriting the
/// record (copy on write, rename) does not force every extension page to be rewritten.
public struct ExtensionPage: Equatable, Sendable {
    public static let structureName = "extension page"
    /// "AFXP" read as a little-endian u32.
    public static let magic: UInt32 = 0x5058_4641
    public static let headerSize = Offset.entries
    /// Byte offset of the checksum field (the table above).

    /// Offsets of the fields from the start of the structure: the table above, once.
    /// The layout rows, the decoder, the checker's views and dumpfs all use these.
    public enum Offset {
        public static let magic = 0x00
        public static let checksum = 0x04
        public static let sequence = 0x08
        public static let entryCount = 0x0C
        public static let fileID = 0x10
        public static let reserved = 0x18
        public static let entries = 0x20
    }

    public static let layout: [FieldLayout] = [
        FieldLayout("magic", Offset.magic, 4, "0x50584641 (\"AFXP\")"),
        FieldLayout("checksum", Offset.checksum, 4, "CRC-32 of bytes 0x0008..<0x10000"),
        FieldLayout("sequence", Offset.sequence, 4, "position in the owning record's list"),
        FieldLayout("entry_count", Offset.entryCount, 4, "entries in this page"),
        FieldLayout("file_id", Offset.fileID, 8, "owning file's id"),
        FieldLayout("reserved", Offset.reserved, 8, "zero"),
        FieldLayout("entries", Offset.entries, 0, "(u32 page, u32 CRC-32) each"),
    ]

    public var sequence: UInt32
    public var fileID: UInt64
    public var entries: [PageEntry]
    public var reservedField: UInt64 = 0

    public init(sequence: UInt32, fileID: UInt64, entries: [PageEntry]) {
        self.sequence = sequence
        self.fileID = fileID
        self.entries = entries
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer, page: PageIndex? = nil,
                              verifyChecksum: Bool = true) throws(FormatError) -> ExtensionPage {
        var reader = ByteReader(bytes, structure: structureName, origin: page?.firstByte)
        guard bytes.count == Geometry.pageSize else {
            throw reader.error(.truncated(needed: Geometry.pageSize, available: bytes.count), at: 0)
        }
        let magic = try reader.readUInt32()
        guard magic == Self.magic else { throw reader.error(.badMagic(expected: Self.magic, found: magic), at: Offset.magic) }
        let stored = try reader.readUInt32()
        if verifyChecksum {
            let computed = checksum(bytes)
            guard stored == computed else { throw reader.error(.checksumMismatch(stored: stored, computed: computed), at: Offset.checksum) }
        }
        let sequence = try reader.readUInt32()
        let count = Int(try reader.readUInt32())
        guard (1...Limits.entriesPerExtensionPage).contains(count) else {
            throw reader.error(.fieldOutOfRange(field: "entry_count", value: UInt64(count),
                                                allowed: 1...UInt64(Limits.entriesPerExtensionPage)), at: Offset.entryCount)
        }
        let fileID = try reader.readUInt64()
        let reserved = try reader.readUInt64()
        var entries: [PageEntry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count { entries.append(PageEntry(page: PageIndex(try reader.readUInt32()), checksum: try reader.readUInt32())) }
        var result = ExtensionPage(sequence: sequence, fileID: fileID, entries: entries)
        result.reservedField = reserved
        return result
    }

    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[min(8, bytes.count)..<bytes.count]))
    }

    public func encode() -> [UInt8] {
        precondition((1...Limits.entriesPerExtensionPage).contains(entries.count))
        var writer = ByteWriter(capacity: Geometry.pageSize)
        writer.writeUInt32(Self.magic)
        writer.writeUInt32(0)
        writer.writeUInt32(sequence)
        writer.writeUInt32(UInt32(entries.count))
        writer.writeUInt64(fileID)
        writer.writeUInt64(0)
        for entry in entries {
            writer.writeUInt32(entry.page.rawValue)
            writer.writeUInt32(entry.checksum)
        }
        writer.pad(to: Geometry.pageSize)
        var bytes = writer.bytes
        let checksum = bytes.withUnsafeBytes { Self.checksum($0) }
        bytes.withUnsafeMutableBytes { ByteWriter.storeUInt32(checksum, into: $0, at: Offset.checksum) }
        return bytes
    }
}
