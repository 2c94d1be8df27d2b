import ArdakuFormat

/// The 16 bytes every record in the data area begins with (docs/FORMAT.md §C3.2).
///
/// | offset | size | field | meaning |
/// |---|---|---|---|
/// | 0 | 4 | magic | the record kind: `COBJ`, `CPAK`, `CIDX`, `CTAG` or `CFRE` |
/// | 4 | 4 | CRC32 | zlib CRC-32 of bytes 8..<(8 + covered), covered being per kind |
/// | 8 | 8 | record length | total bytes including padding; a multiple of 8, at least the kind's header |
///
/// Records tile the data area: the next record starts at this one's offset plus its length.
public struct RecordPrefix: Equatable, Sendable {
    /// Offsets of the prefix every record starts with (docs/FORMAT.md §C3.2), once.
    /// The layout rows are checked against docs/FORMAT.md (LayoutTests of this target).
    public enum Offset {
        public static let magic = 0
        public static let crc = 4
        public static let recordLength = 8
    }

    public static let layout: [FieldLayout] = [
        FieldLayout("magic", Offset.magic, 4, "the record kind"),
        FieldLayout("CRC32", Offset.crc, 4, "of bytes 8 up to the kind's covered end"),
        FieldLayout("record length", Offset.recordLength, 8, "total bytes, a multiple of 8"),
    ]

    public static let encodedSize = 16

    public enum Kind: UInt32, Sendable, CaseIterable, CustomStringConvertible {
        case object = 0x4A42_4F43 // "COBJ"
        case index = 0x5844_4943 // "CIDX"
        case tagTable = 0x4741_5443 // "CTAG"
        case free = 0x4552_4643 // "CFRE"
        case pack = 0x4B41_5043 // "CPAK"

        /// Bytes of the fixed header of this kind, the least a record can be.
        public var headerSize: Int {
            switch self {
            case .object: return ObjectRecord.headerSize
            case .index: return IndexRecord.headerSize
            case .tagTable: return TagTableRecord.headerSize
            case .free: return FreeRecord.headerSize
            case .pack: return PackRecord.headerSize
            }
        }

        public var description: String {
            switch self {
            case .object: return "object"
            case .index: return "index"
            case .tagTable: return "tag table"
            case .free: return "free"
            case .pack: return "pack"
            }
        }
    }

    public var kind: Kind
    public var checksum: UInt32
    public var recordLength: UInt64

    /// Decodes the prefix at the start of `bytes`; `origin` is its absolute offset.
    /// Checks the magic and that the length is aligned and no shorter than the kind's header.
    public static func decode(_ bytes: UnsafeRawBufferPointer, origin: UInt64) throws(FormatError) -> RecordPrefix {
        var r = ByteReader(bytes, structure: "CAS record", origin: ByteAddress(origin))
        let magic = try r.readUInt32()
        guard let kind = Kind(rawValue: magic) else {
            throw r.error(.badMagic(expected: Kind.object.rawValue, found: magic), at: Offset.magic)
        }
        let checksum = try r.readUInt32()
        let length = try r.readUInt64()
        guard length >= UInt64(kind.headerSize), length % UInt64(CASLimits.recordAlignment) == 0,
              length <= CASLimits.maxStoreBytes else {
            throw r.error(.fieldOutOfRange(field: "\(kind) record length", value: length,
                                           allowed: UInt64(kind.headerSize)...CASLimits.maxStoreBytes), at: Offset.recordLength)
        }
        return RecordPrefix(kind: kind, checksum: checksum, recordLength: length)
    }

    /// Checks the CRC32 of `bytes[8..<8+covered]` against the prefix's.
    static func verify(_ bytes: UnsafeRawBufferPointer, covered: Int, structure: String, origin: UInt64) throws(FormatError) {
        guard let stored = ByteReader.uint32(in: bytes, at: Offset.crc), covered >= 0, covered <= bytes.count - 8 else {
            throw FormatError(structure: structure, kind: .truncated(needed: 8 + covered, available: bytes.count),
                              address: ByteAddress(origin))
        }
        let computed = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + covered)]))
        guard stored == computed else {
            throw FormatError(structure: structure, kind: .checksumMismatch(stored: stored, computed: computed),
                              address: ByteAddress(origin + 4))
        }
    }

    /// Fills in the CRC32 of bytes 8..<(8 + covered) of an encoded record.
    static func seal(_ w: inout ByteWriter, covered: Int) {
        w.patchUInt32(CRC32.checksum(w.bytes[Offset.recordLength..<(Offset.recordLength + covered)]), at: Offset.crc)
    }

    /// Rounds `n` up to the record alignment.
    @inline(__always)
    static func aligned(_ n: Int) -> Int { (n + CASLimits.recordAlignment - 1) & ~(CASLimits.recordAlignment - 1) }
}

/// A run of free space (docs/FORMAT.md §C3.7): only the prefix; CRC over its length
/// field (bytes 8..<16). The bytes after the prefix are stale and mean nothing.
public enum FreeRecord {
    public static let headerSize = 16

    public static func encoded(length: UInt64) -> [UInt8] {
        var w = ByteWriter(capacity: headerSize)
        w.writeUInt32(RecordPrefix.Kind.free.rawValue)
        w.writeUInt32(0)
        w.writeUInt64(length)
        RecordPrefix.seal(&w, covered: 8)
        return w.bytes
    }

    /// Checks a free record's prefix (its CRC) and returns its length.
    public static func decode(_ bytes: UnsafeRawBufferPointer, origin: UInt64) throws(FormatError) -> UInt64 {
        let prefix = try RecordPrefix.decode(bytes, origin: origin)
        guard prefix.kind == .free else {
            throw FormatError(structure: "CAS free record", kind: .badMagic(expected: RecordPrefix.Kind.free.rawValue, found: prefix.kind.rawValue), address: ByteAddress(origin))
        }
        try RecordPrefix.verify(bytes, covered: 8, structure: "CAS free record", origin: origin)
        return prefix.recordLength
    }
}
