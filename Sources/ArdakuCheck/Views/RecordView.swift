import ArdakuFormat

/// A file-metadata record read in place from its subpage (docs/FORMAT.md §7).
///
/// `read` validates what decoding needs (magic, used_length, every count against its
/// limit, and that used_length is exactly where the counts put the end), exactly as
/// `FileRecord.decode` does, but without copying the name, tags or entries; the checker
/// reads them where they lie. The checksum is judged separately (`checksumMatches`), so
/// that a record whose CRC fails can still be examined and, when everything else holds,
/// kept.
struct RecordView {
    let bytes: UnsafeRawBufferPointer
    let magic: UInt32
    let storedChecksum: UInt32
    let usedLength: Int
    let flags: UInt32
    let generation: UInt64
    let fileID: UInt64
    let byteLength: UInt64
    let modificationTime: UInt64
    let dataPageCount: UInt32
    let extensionCount: Int
    let inlineCount: Int
    let nameLength: Int
    let tagCount: Int
    /// The file a rename over it replaced in this record's commit (0: none).
    let replacedFileID: UInt64
    /// A: bytes of the attribute area at the record's end (docs/FORMAT.md §7.2); 0 for none.
    let attributeLength: Int
    let reservedNonZero: Bool

    static let uuidOffset = FileRecord.Offset.volumeUUID
    static let generationOffset = FileRecord.Offset.generation
    static let fileIDOffset = FileRecord.Offset.fileID

    var isTombstone: Bool { magic == FileRecord.tombstoneMagic }
    var nameOffset: Int { FileRecord.headerSize }
    var tagsOffset: Int { FileRecord.headerSize + (nameLength + 3) & ~3 }
    var extensionListOffset: Int { tagsOffset + 4 * tagCount }
    var inlineOffset: Int { extensionListOffset + 4 * extensionCount }
    var attributesOffset: Int { inlineOffset + 8 * inlineCount }

    /// Reads the record in `bytes` (one 16 KiB subpage); the error says what is wrong.
    static func read(_ bytes: UnsafeRawBufferPointer) -> Result<RecordView, RecordProblem> {
        guard bytes.count >= Geometry.subpageSize,
              let magic = ByteReader.uint32(in: bytes, at: FileRecord.Offset.magic),
              let stored = ByteReader.uint32(in: bytes, at: FileRecord.Offset.checksum),
              let used = ByteReader.uint32(in: bytes, at: FileRecord.Offset.usedLength),
              let flags = ByteReader.uint32(in: bytes, at: FileRecord.Offset.flags),
              let generation = ByteReader.uint64(in: bytes, at: FileRecord.Offset.generation),
              let fileID = ByteReader.uint64(in: bytes, at: FileRecord.Offset.fileID),
              let byteLength = ByteReader.uint64(in: bytes, at: FileRecord.Offset.byteLength),
              let mtime = ByteReader.uint64(in: bytes, at: FileRecord.Offset.modificationTime),
              let pages = ByteReader.uint32(in: bytes, at: FileRecord.Offset.dataPageCount),
              let extensions = ByteReader.uint32(in: bytes, at: FileRecord.Offset.extensionPageCount),
              let inline = ByteReader.uint32(in: bytes, at: FileRecord.Offset.inlineEntryCount),
              let nameLength = ByteReader.uint16(in: bytes, at: FileRecord.Offset.nameLength),
              let tagCount = ByteReader.uint16(in: bytes, at: FileRecord.Offset.tagCount),
              let replacedFileID = ByteReader.uint64(in: bytes, at: FileRecord.Offset.replacedFileID),
              let attributeLength = ByteReader.uint16(in: bytes, at: FileRecord.Offset.attributeLength) else {
            return .failure(.truncated)
        }
        guard magic == FileRecord.magic || magic == FileRecord.tombstoneMagic else { return .failure(.badMagic(magic)) }
        let usedLength = Int(used)
        guard usedLength >= FileRecord.headerSize, usedLength <= Geometry.subpageSize else {
            return .failure(.fieldOutOfRange("used_length", UInt64(used)))
        }
        guard (1...Limits.maxNameBytes).contains(Int(nameLength)) else {
            return .failure(.fieldOutOfRange("name_length", UInt64(nameLength)))
        }
        guard Int(tagCount) <= Limits.maxTagsPerFile else { return .failure(.fieldOutOfRange("tag_count", UInt64(tagCount))) }
        guard extensions <= UInt32(Limits.maxExtensionPagesPerRecord) else {
            return .failure(.fieldOutOfRange("extension_page_count", UInt64(extensions)))
        }
        guard inline <= UInt32(Geometry.subpageSize) else { return .failure(.fieldOutOfRange("inline_entry_count", UInt64(inline))) }
        guard attributeLength == 0 || (RecordAttributes.encodedSizes.contains(Int(attributeLength)) && attributeLength % 4 == 0) else {
            return .failure(.fieldOutOfRange("attribute_length", UInt64(attributeLength)))
        }
        // Every count is bounded now, so the sum cannot overflow.
        let end = FileRecord.headerSize + (Int(nameLength) + 3) & ~3 + 4 * Int(tagCount) + 4 * Int(extensions) + 8 * Int(inline)
            + Int(attributeLength)
        guard end == usedLength else { return .failure(.lengthMismatch(usedLength: usedLength, countsEnd: end)) }
        guard inline <= pages, extensions > 0 || inline == pages else {
            return .failure(.entriesCannotList(inline: Int(inline), extensions: Int(extensions), pages: pages))
        }
        return .success(RecordView(bytes: bytes, magic: magic, storedChecksum: stored, usedLength: usedLength, flags: flags,
                                   generation: generation, fileID: fileID, byteLength: byteLength,
                                   modificationTime: mtime, dataPageCount: pages, extensionCount: Int(extensions),
                                   inlineCount: Int(inline), nameLength: Int(nameLength), tagCount: Int(tagCount),
                                   replacedFileID: replacedFileID, attributeLength: Int(attributeLength),
                                   reservedNonZero: !Zeros.isAllZero(UnsafeRawBufferPointer(
                                       rebasing: bytes[FileRecord.Offset.reserved..<FileRecord.Offset.name]))))
    }

    /// The CRC-32 of bytes 0x0008..<used_length.
    var computedChecksum: UInt32 { FileRecord.checksum(bytes, usedLength: usedLength) }
    var checksumMatches: Bool { computedChecksum == storedChecksum }

    /// The attribute area, decoded (nil when the record has none), or why it cannot be.
    func attributes() -> Result<RecordAttributes?, FormatError> {
        guard attributeLength > 0 else { return .success(nil) }
        let area = UnsafeRawBufferPointer(rebasing: bytes[attributesOffset..<(attributesOffset + attributeLength)])
        do { return .success(try RecordAttributes.decode(area)) } catch { return .failure(error) }
    }

    /// link_count of the attribute area, read in place (nil without one).
    var linkCount: UInt32? {
        guard attributeLength > 0 else { return nil }
        return ByteReader.uint32(in: bytes, at: attributesOffset + RecordAttributes.Offset.linkCount)
    }

    /// A CRC-32 over every byte the records of one link group must share (FORMAT §7.3): the
    /// flags, file_id through inline_entry_count, tag_count and type, attribute_length and
    /// the reserved bytes, and everything from the tags to used_length. Equal digests of two
    /// records with one file id say they hold the same file.
    var linkDigest: UInt32 {
        let O = FileRecord.Offset.self
        var crc: UInt32 = 0
        for range in [O.flags..<(O.flags + 4), O.fileID..<O.nameLength, O.tagCount..<O.replacedFileID,
                      O.attributeLength..<O.name, tagsOffset..<usedLength] {
            crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[range]), continuing: crc)
        }
        return crc
    }

    /// The name, in place.
    var name: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[nameOffset..<(nameOffset + nameLength)]) }
    var nameBytes: [UInt8] { Array(name) }

    func uuidMatches(_ uuid: VolumeUUID) -> Bool {
        for index in 0..<16 where bytes[Self.uuidOffset + index] != uuid.bytes[index] { return false }
        return true
    }

    /// Page index of extension page `sequence`.
    func extensionPage(_ sequence: Int) -> UInt32 {
        ByteReader.uint32(in: bytes, at: extensionListOffset + 4 * sequence) ?? 0
    }

    /// Inline entry `index`.
    func inlineEntry(_ index: Int) -> PageEntry {
        let at = inlineOffset + 8 * index
        return PageEntry(page: PageIndex(ByteReader.uint32(in: bytes, at: at) ?? 0), checksum: ByteReader.uint32(in: bytes, at: at + 4) ?? 0)
    }

    /// True when the name equals `other`'s first `count` bytes.
    func nameEquals(_ other: UnsafeBufferPointer<UInt8>, count: Int) -> Bool {
        guard count == nameLength else { return false }
        for index in 0..<count where bytes[nameOffset + index] != other[index] { return false }
        return true
    }
}

/// Why a subpage does not hold a decodable record.
enum RecordProblem: Error, CustomStringConvertible {
    case truncated
    case badMagic(UInt32)
    case fieldOutOfRange(String, UInt64)
    case lengthMismatch(usedLength: Int, countsEnd: Int)
    case entriesCannotList(inline: Int, extensions: Int, pages: UInt32)

    var description: String {
        switch self {
        case .truncated: return "truncated"
        case let .badMagic(magic): return "magic \(Hex.format(magic, width: 8))"
        case let .fieldOutOfRange(field, value): return "\(field) is \(value)"
        case let .lengthMismatch(used, end): return "used_length is \(used) but the counts put the end at \(end)"
        case let .entriesCannotList(inline, extensions, pages):
            return "inline_entry_count \(inline) and extension_page_count \(extensions) cannot list \(pages) data pages"
        }
    }
}
