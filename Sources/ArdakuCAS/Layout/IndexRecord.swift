import ArdakuFormat

/// The index: every object's id and where its record is (docs/FORMAT.md §C3.4).
///
/// | offset | size | field | meaning |
/// |---|---|---|---|
/// | 0 | 4 | magic | `CIDX` (0x58444943) |
/// | 4 | 4 | CRC32 | zlib CRC-32 of bytes 8..<(32 + 48 N) |
/// | 8 | 8 | record length | align8(32 + 48 N) |
/// | 16 | 4 | entry count N | ≤ 2^24 |
/// | 20 | 4 | entry size | 48 |
/// | 24 | 8 | generation | the header generation that wrote it |
/// | 32 | 48 N | entries | sorted by id, ascending, no id twice |
///
/// Entry:
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 32 | id |
/// | 32 | 8 | record offset |
/// | 40 | 4 | record length |
/// | 44 | 1 | type byte, compressed bit clear |
/// | 45 | 1 | storage: 0 an object record, 1 a member of the pack record at the offset |
/// | 46 | 2 | member number inside the pack (0 for an object record) |
///
/// The decoder does not insist on order or uniqueness: those are the checker's findings.
public struct IndexRecord: Equatable, Sendable {
    /// Offsets of an index record's fields (docs/FORMAT.md §C3.4), once.
    /// The layout rows are checked against docs/FORMAT.md (LayoutTests of this target).
    public enum Offset {
        public static let magic = 0
        public static let crc = 4
        public static let recordLength = 8
        public static let entryCount = 16
        public static let entrySize = 20
        public static let generation = 24
        public static let entries = 32
    }

    public static let layout: [FieldLayout] = [
        FieldLayout("magic", Offset.magic, 4, "CIDX"),
        FieldLayout("CRC32", Offset.crc, 4, "of bytes 8 ... 32 + 48N - 1"),
        FieldLayout("record length", Offset.recordLength, 8, "align8(32 + 48N)"),
        FieldLayout("entry count N", Offset.entryCount, 4, "at most 2^24"),
        FieldLayout("entry size", Offset.entrySize, 4, "48"),
        FieldLayout("generation", Offset.generation, 8, "the header's generation"),
        FieldLayout("entries", Offset.entries, 0, "ascending by id"),
    ]

    public static let headerSize = Offset.entries
    public static let entrySize = 48

    public struct Entry: Equatable, Sendable {
        public var id: ObjectID
        public var offset: UInt64
        public var recordLength: UInt32
        public var typeByte: UInt8
        /// The member number when the object lives in a pack record.
        public var member: UInt16?
        public init(id: ObjectID, offset: UInt64, recordLength: UInt32, typeByte: UInt8, member: UInt16? = nil) {
            self.id = id
            self.offset = offset
            self.recordLength = recordLength
            self.typeByte = typeByte
            self.member = member
        }
    }

    public var generation: UInt64
    public var entries: [Entry]

    public init(generation: UInt64, entries: [Entry]) {
        self.generation = generation
        self.entries = entries
    }

    public static func recordLength(entryCount: Int) -> Int { RecordPrefix.aligned(headerSize + entrySize * entryCount) }

    public func encoded(recordLength: UInt64? = nil) -> [UInt8] {
        let length = recordLength ?? UInt64(IndexRecord.recordLength(entryCount: entries.count))
        var w = ByteWriter(capacity: Int(length))
        w.writeUInt32(RecordPrefix.Kind.index.rawValue)
        w.writeUInt32(0)
        w.writeUInt64(length)
        w.writeUInt32(UInt32(entries.count))
        w.writeUInt32(UInt32(IndexRecord.entrySize))
        w.writeUInt64(generation)
        for entry in entries {
            w.writeBytes(entry.id.bytes)
            w.writeUInt64(entry.offset)
            w.writeUInt32(entry.recordLength)
            w.writeUInt8(entry.typeByte & ~ObjectType.compressedFlag)
            w.writeUInt8(entry.member == nil ? 0 : 1)
            w.writeUInt16(entry.member ?? 0)
        }
        RecordPrefix.seal(&w, covered: w.count - 8)
        w.pad(to: Int(length))
        return w.bytes
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer, origin: UInt64) throws(FormatError) -> IndexRecord {
        let prefix = try RecordPrefix.decode(bytes, origin: origin)
        var r = ByteReader(bytes, structure: "CAS index record", origin: ByteAddress(origin))
        guard prefix.kind == .index else {
            throw r.error(.badMagic(expected: RecordPrefix.Kind.index.rawValue, found: prefix.kind.rawValue), at: RecordPrefix.Offset.magic)
        }
        try r.seek(to: Offset.entryCount)
        let count = try r.readUInt32()
        let entrySize = try r.readUInt32()
        let generation = try r.readUInt64()
        guard count <= UInt32(CASLimits.maxObjects) else {
            throw r.error(.fieldOutOfRange(field: "entry count", value: UInt64(count), allowed: 0...UInt64(CASLimits.maxObjects)), at: Offset.entryCount)
        }
        guard entrySize == 48 else {
            throw r.error(.fieldOutOfRange(field: "entry size", value: UInt64(entrySize), allowed: 48...48), at: Offset.entrySize)
        }
        let minimum = UInt64(recordLength(entryCount: Int(count)))
        guard prefix.recordLength == minimum else {
            throw r.error(.recordLengthMismatch("record length \(prefix.recordLength) does not fit \(count) entries"), at: RecordPrefix.Offset.recordLength)
        }
        let covered = headerSize - 8 + Int(count) * IndexRecord.entrySize
        try RecordPrefix.verify(bytes, covered: covered, structure: "CAS index record", origin: origin)
        var entries: [Entry] = []
        entries.reserveCapacity(Int(count))
        for _ in 0..<count {
            let idBytes = try r.readBytes(ObjectID.byteCount)
            let offset = try r.readUInt64()
            let length = try r.readUInt32()
            let type = try r.readUInt8()
            let storage = try r.readUInt8()
            let member = try r.readUInt16()
            guard storage <= 1, storage == 1 || member == 0 else {
                throw r.error(.fieldOutOfRange(field: "storage", value: UInt64(storage), allowed: 0...1), at: r.position - 3)
            }
            // 32 bytes were just read.
            entries.append(Entry(id: ObjectID(bytes: idBytes)!, offset: offset, recordLength: length, typeByte: type,
                                 member: storage == 1 ? member : nil))
        }
        return IndexRecord(generation: generation, entries: entries)
    }
}
