import ArdakuFormat

/// The tag table: names given to ids (docs/FORMAT.md §C3.5).
///
/// | offset | size | field | meaning |
/// |---|---|---|---|
/// | 0 | 4 | magic | `CTAG` (0x47415443) |
/// | 4 | 4 | CRC32 | zlib CRC-32 of bytes 8..<end of the last entry |
/// | 8 | 8 | record length | align8(end of the last entry) |
/// | 16 | 4 | tag count N | ≤ 2^20 |
/// | 20 | 4 | reserved | zero |
/// | 24 | 8 | generation | the header generation that wrote it |
/// | 32 | … | entries | N times: name length u16 (1...255), name (UTF-8), id (32 bytes) |
///
/// Entries are sorted by name bytes, no name twice. Name rules are in `TagName`.
public struct TagTableRecord: Equatable, Sendable {
    /// Offsets of a tag table record's fields (docs/FORMAT.md §C3.5), once.
    /// The layout rows are checked against docs/FORMAT.md (LayoutTests of this target).
    public enum Offset {
        public static let magic = 0
        public static let crc = 4
        public static let recordLength = 8
        public static let tagCount = 16
        public static let reserved = 20
        public static let generation = 24
        public static let entries = 32
    }

    public static let layout: [FieldLayout] = [
        FieldLayout("magic", Offset.magic, 4, "CTAG"),
        FieldLayout("CRC32", Offset.crc, 4, "of bytes 8 ... end of the last entry - 1"),
        FieldLayout("record length", Offset.recordLength, 8, "align8(end of the last entry)"),
        FieldLayout("tag count N", Offset.tagCount, 4, "at most 2^20"),
        FieldLayout("reserved", Offset.reserved, 4, "0"),
        FieldLayout("generation", Offset.generation, 8, "the header's generation"),
        FieldLayout("entries", Offset.entries, 0, "name length, name, id; ascending by name"),
    ]

    public static let headerSize = Offset.entries

    public struct Entry: Equatable, Sendable {
        public var name: String
        public var id: ObjectID
        public init(name: String, id: ObjectID) {
            self.name = name
            self.id = id
        }
    }

    public var generation: UInt64
    public var entries: [Entry]

    public init(generation: UInt64, entries: [Entry]) {
        self.generation = generation
        self.entries = entries
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.writeUInt32(RecordPrefix.Kind.tagTable.rawValue)
        w.writeUInt32(0)
        w.writeUInt64(0) // record length, patched below
        w.writeUInt32(UInt32(entries.count))
        w.writeUInt32(0)
        w.writeUInt64(generation)
        for entry in entries {
            let name = Array(entry.name.utf8)
            w.writeUInt16(UInt16(name.count))
            w.writeBytes(name)
            w.writeBytes(entry.id.bytes)
        }
        let end = w.count
        let length = RecordPrefix.aligned(end)
        var patched = ByteWriter(capacity: length)
        patched.writeBytes(w.bytes[0..<8])
        patched.writeUInt64(UInt64(length))
        patched.writeBytes(w.bytes[16...])
        RecordPrefix.seal(&patched, covered: end - 8)
        patched.pad(to: length)
        return patched.bytes
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer, origin: UInt64) throws(FormatError) -> TagTableRecord {
        let prefix = try RecordPrefix.decode(bytes, origin: origin)
        var r = ByteReader(bytes, structure: "CAS tag table record", origin: ByteAddress(origin))
        guard prefix.kind == .tagTable else {
            throw r.error(.badMagic(expected: RecordPrefix.Kind.tagTable.rawValue, found: prefix.kind.rawValue), at: RecordPrefix.Offset.magic)
        }
        guard UInt64(bytes.count) >= prefix.recordLength else {
            throw r.error(.truncated(needed: Int(clamping: prefix.recordLength), available: bytes.count), at: 0)
        }
        try r.seek(to: Offset.tagCount)
        let count = try r.readUInt32()
        _ = try r.readUInt32()
        let generation = try r.readUInt64()
        guard count <= UInt32(CASLimits.maxTags) else {
            throw r.error(.fieldOutOfRange(field: "tag count", value: UInt64(count), allowed: 0...UInt64(CASLimits.maxTags)), at: Offset.tagCount)
        }
        // Walk the entries to find where they end before trusting any of them: the CRC
        // covers up to that end.
        var entries: [Entry] = []
        var raw: [(name: [UInt8], id: [UInt8], at: Int)] = []
        raw.reserveCapacity(Int(count))
        for _ in 0..<count {
            let at = r.position
            let length = try r.readUInt16()
            guard length >= 1, length <= UInt16(CASLimits.maxTagNameBytes) else {
                throw r.error(.fieldOutOfRange(field: "tag name length", value: UInt64(length),
                                               allowed: 1...UInt64(CASLimits.maxTagNameBytes)), at: at)
            }
            let name = try r.readArray(Int(length))
            let id = try r.readArray(ObjectID.byteCount)
            raw.append((name, id, at))
        }
        let end = r.position
        guard prefix.recordLength == UInt64(RecordPrefix.aligned(end)) else {
            throw r.error(.recordLengthMismatch("record length \(prefix.recordLength) does not match entries ending at \(end)"), at: RecordPrefix.Offset.recordLength)
        }
        try RecordPrefix.verify(bytes, covered: end - 8, structure: "CAS tag table record", origin: origin)
        for entry in raw {
            if let problem = TagName.problem(entry.name) {
                throw r.error(.inconsistent("tag name: \(problem)"), at: entry.at)
            }
            // 32 bytes were read for each id.
            entries.append(Entry(name: String(decoding: entry.name, as: UTF8.self), id: ObjectID(bytes: entry.id)!))
        }
        return TagTableRecord(generation: generation, entries: entries)
    }
}

/// The rules for tag names (docs/FORMAT.md §C2.8): 1...255 bytes of UTF-8 without
/// control characters (below 0x20, and 0x7F).
public enum TagName {
    public static func problem(_ bytes: [UInt8]) -> String? {
        if bytes.isEmpty { return "empty" }
        if bytes.count > CASLimits.maxTagNameBytes { return "longer than \(CASLimits.maxTagNameBytes) bytes" }
        if bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) { return "contains a control character" }
        if FileName.firstInvalidUTF8(bytes) != nil { return "is not valid UTF-8" }
        return nil
    }
}
