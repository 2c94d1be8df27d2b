import ArdakuFormat

/// One stored object in the data area (docs/FORMAT.md §C3.3).
///
/// | offset | size | field | meaning |
/// |---|---|---|---|
/// | 0 | 4 | magic | `COBJ` (0x4A424F43) |
/// | 4 | 4 | CRC32 | zlib CRC-32 of bytes 8..<(56 + L) |
/// | 8 | 8 | record length | align8(56 + L) |
/// | 16 | 4 | object length L | type byte plus stored payload, 1...2^26 + 1 |
/// | 20 | 4 | raw length | uncompressed payload bytes; L - 1 when not compressed |
/// | 24 | 32 | id | SHA-256 of the type byte (compressed bit clear) and the raw payload |
/// | 56 | L | object | type byte (bit 0x08 set when compressed), then the stored payload |
/// | 56 + L | … | padding | zero, not covered |
///
/// The CRC guards the framing against torn or damaged bytes; the id guards the content
/// (the checker re-hashes it). The decoder checks the CRC and the lengths, not the hash.
public struct ObjectRecord: Equatable, Sendable {
    /// Offsets of an object record's fields (docs/FORMAT.md §C3.3), once.
    /// The layout rows are checked against docs/FORMAT.md (LayoutTests of this target).
    public enum Offset {
        public static let magic = 0
        public static let crc = 4
        public static let recordLength = 8
        public static let objectLength = 16
        public static let rawLength = 20
        public static let id = 24
        public static let object = 56
    }

    public static let layout: [FieldLayout] = [
        FieldLayout("magic", Offset.magic, 4, "COBJ"),
        FieldLayout("CRC32", Offset.crc, 4, "of bytes 8 ... 56 + L - 1"),
        FieldLayout("record length", Offset.recordLength, 8, "align8(56 + L)"),
        FieldLayout("object length L", Offset.objectLength, 4, "type byte + stored payload"),
        FieldLayout("raw length", Offset.rawLength, 4, "uncompressed payload length"),
        FieldLayout("id", Offset.id, 32, "the object's id"),
        FieldLayout("object", Offset.object, 0, "type byte, then the stored payload"),
    ]

    public static let headerSize = Offset.object

    public var id: ObjectID
    /// The object as stored: type byte (with the compressed bit when compressed) and payload.
    public var object: [UInt8]
    public var rawLength: Int
    public var recordLength: UInt64

    public init(id: ObjectID, object: [UInt8], rawLength: Int, recordLength: UInt64? = nil) {
        self.id = id
        self.object = object
        self.rawLength = rawLength
        self.recordLength = recordLength ?? UInt64(ObjectRecord.minimumLength(objectLength: object.count))
    }

    /// The smallest record that holds an object of `objectLength` stored bytes.
    public static func minimumLength(objectLength: Int) -> Int { RecordPrefix.aligned(headerSize + objectLength) }

    public var typeByte: UInt8 { object.first ?? 0 }
    public var isCompressed: Bool { typeByte & ObjectType.compressedFlag != 0 }

    public func encoded() -> [UInt8] {
        ObjectRecord.encode(id: id, rawLength: rawLength, recordLength: recordLength) { $0.writeBytes(object) }
    }

    /// Encodes a record whose object bytes `body` writes (type byte, then stored payload).
    static func encode(id: ObjectID, rawLength: Int, recordLength: UInt64, body: (inout ByteWriter) -> Void) -> [UInt8] {
        var w = ByteWriter(capacity: Int(recordLength))
        w.writeUInt32(RecordPrefix.Kind.object.rawValue)
        w.writeUInt32(0)
        w.writeUInt64(recordLength)
        w.writeUInt32(0) // object length, patched below
        w.writeUInt32(UInt32(rawLength))
        w.writeBytes(id.bytes)
        body(&w)
        let objectLength = w.count - headerSize
        w.patchUInt32(UInt32(objectLength), at: Offset.objectLength)
        RecordPrefix.seal(&w, covered: w.count - 8)
        w.pad(to: Int(recordLength))
        return w.bytes
    }

    /// Decodes a whole record (`bytes` holds at least its record length) at absolute `origin`.
    public static func decode(_ bytes: UnsafeRawBufferPointer, origin: UInt64) throws(FormatError) -> ObjectRecord {
        try decode(bytes, origin: origin, checkingCRC: true)
    }

    /// `decode`, optionally without the CRC check: the checker uses that to tell a damaged
    /// CRC field or length from damaged content (the id decides).
    static func decode(_ bytes: UnsafeRawBufferPointer, origin: UInt64, checkingCRC: Bool) throws(FormatError) -> ObjectRecord {
        let prefix = try RecordPrefix.decode(bytes, origin: origin)
        var r = ByteReader(bytes, structure: "CAS object record", origin: ByteAddress(origin))
        guard prefix.kind == .object else {
            throw r.error(.badMagic(expected: RecordPrefix.Kind.object.rawValue, found: prefix.kind.rawValue), at: RecordPrefix.Offset.magic)
        }
        try r.seek(to: Offset.objectLength)
        let objectLength = try r.readUInt32()
        let rawLength = try r.readUInt32()
        guard objectLength >= 1, objectLength <= UInt32(CASLimits.maxStoredObjectBytes) else {
            throw r.error(.fieldOutOfRange(field: "object length", value: UInt64(objectLength),
                                           allowed: 1...UInt64(CASLimits.maxStoredObjectBytes)), at: Offset.objectLength)
        }
        guard rawLength <= UInt32(CASLimits.maxPayloadBytes) else {
            throw r.error(.fieldOutOfRange(field: "raw length", value: UInt64(rawLength),
                                           allowed: 0...UInt64(CASLimits.maxPayloadBytes)), at: Offset.rawLength)
        }
        let minimum = UInt64(minimumLength(objectLength: Int(objectLength)))
        guard prefix.recordLength == minimum else {
            throw r.error(.recordLengthMismatch("record length \(prefix.recordLength) does not fit an object of \(objectLength) bytes"), at: RecordPrefix.Offset.recordLength)
        }
        guard UInt64(bytes.count) >= minimum else {
            throw r.error(.truncated(needed: Int(minimum), available: bytes.count), at: 0)
        }
        if checkingCRC {
            try RecordPrefix.verify(bytes, covered: headerSize - 8 + Int(objectLength), structure: "CAS object record", origin: origin)
        }
        let idBytes = try r.readBytes(ObjectID.byteCount)
        // 32 bytes were just read.
        let id = ObjectID(bytes: idBytes)!
        let object = try r.readArray(Int(objectLength))
        let compressed = object[0] & ObjectType.compressedFlag != 0
        guard compressed || Int(rawLength) == Int(objectLength) - 1 else {
            throw r.error(.inconsistent("uncompressed object of \(objectLength - 1) payload bytes declares raw length \(rawLength)"), at: Offset.rawLength)
        }
        return ObjectRecord(id: id, object: object, rawLength: Int(rawLength), recordLength: prefix.recordLength)
    }
}
