import ArdakuFormat

/// Small objects stored together, so that they compress as one stream
/// (docs/FORMAT.md §C3.6).
///
/// | offset | size | field | meaning |
/// |---|---|---|---|
/// | 0 | 4 | magic | `CPAK` (0x4B415043) |
/// | 4 | 4 | CRC32 | zlib CRC-32 of bytes 8..<(32 + S) |
/// | 8 | 8 | record length | align8(32 + S) |
/// | 16 | 4 | member count M | 1...65535 |
/// | 20 | 4 | raw length R | bytes of the member area, ≤ 4 MiB |
/// | 24 | 4 | stored length S | bytes of the body |
/// | 28 | 1 | flags | 0x01: the body is the member area zlib-compressed (§C2.3 rule) |
/// | 29 | 3 | reserved | zero |
/// | 32 | S | body | the member area, or its zlib stream |
///
/// Member area: M times { object length L (u32), L object bytes: the type byte with the
/// compressed bit clear, then the raw payload }. Member ids are not stored: they are the
/// hashes of the members, recomputed on every read.
public struct PackRecord: Equatable, Sendable {
    /// Offsets of a pack record's fields (docs/FORMAT.md §C3.6), once.
    /// The layout rows are checked against docs/FORMAT.md (LayoutTests of this target).
    public enum Offset {
        public static let magic = 0
        public static let crc = 4
        public static let recordLength = 8
        public static let memberCount = 16
        public static let rawLength = 20
        public static let storedLength = 24
        public static let flags = 28
        public static let reserved = 29
        public static let body = 32
    }

    public static let layout: [FieldLayout] = [
        FieldLayout("magic", Offset.magic, 4, "CPAK"),
        FieldLayout("CRC32", Offset.crc, 4, "of bytes 8 ... 32 + S - 1"),
        FieldLayout("record length", Offset.recordLength, 8, "align8(32 + S)"),
        FieldLayout("member count M", Offset.memberCount, 4, "1 ... 65535"),
        FieldLayout("raw length R", Offset.rawLength, 4, "bytes of the member area"),
        FieldLayout("stored length S", Offset.storedLength, 4, "bytes of the body"),
        FieldLayout("flags", Offset.flags, 1, "0x01: the body is a zlib stream"),
        FieldLayout("reserved", Offset.reserved, 3, "0"),
        FieldLayout("body", Offset.body, 0, "the member area, or its zlib stream"),
    ]

    public static let headerSize = Offset.body
    public static let compressedFlag: UInt8 = 0x01

    /// One member: type byte (compressed bit clear) and raw payload.
    public struct Member: Equatable, Sendable {
        public var typeByte: UInt8
        public var payload: [UInt8]
        public var id: ObjectID { ObjectID.hashing(typeByte: typeByte, payload: payload) }
    }

    public var members: [Member]
    /// Whether the body was stored compressed.
    public var isCompressed: Bool
    public var recordLength: UInt64

    /// Frames a member area (already laid out) as a record, compressed by the §C2.3 rule.
    static func encode(memberArea: [UInt8], count: Int, level: Int32) -> [UInt8] {
        let compressed = memberArea.count >= CASLimits.minCompressiblePayload
            ? memberArea.withUnsafeBytes { Zlib.compress($0, level: level) } : nil
        let body = compressed ?? memberArea
        let length = RecordPrefix.aligned(headerSize + body.count)
        var w = ByteWriter(capacity: length)
        w.writeUInt32(RecordPrefix.Kind.pack.rawValue)
        w.writeUInt32(0)
        w.writeUInt64(UInt64(length))
        w.writeUInt32(UInt32(count))
        w.writeUInt32(UInt32(memberArea.count))
        w.writeUInt32(UInt32(body.count))
        w.writeUInt8(compressed == nil ? 0 : compressedFlag)
        w.writeZeros(3)
        w.writeBytes(body)
        RecordPrefix.seal(&w, covered: w.count - 8)
        w.pad(to: length)
        return w.bytes
    }

    /// Appends one member to a member area.
    static func appendMember(_ w: inout ByteWriter, typeByte: UInt8, payload: UnsafeRawBufferPointer) {
        w.writeUInt32(UInt32(1 + payload.count))
        w.writeUInt8(typeByte & ~ObjectType.compressedFlag)
        w.writeBytes(payload)
    }

    public func encoded(level: Int32 = 6) -> [UInt8] {
        var w = ByteWriter()
        for member in members { member.payload.withUnsafeBytes { PackRecord.appendMember(&w, typeByte: member.typeByte, payload: $0) } }
        return PackRecord.encode(memberArea: w.bytes, count: members.count, level: level)
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer, origin: UInt64) throws(FormatError) -> PackRecord {
        try decode(bytes, origin: origin, checkingCRC: true)
    }

    /// Decodes a whole record; inflates the body (bounded by its raw length) and splits
    /// the members. The checker may skip the CRC to tell damaged framing from damaged content.
    static func decode(_ bytes: UnsafeRawBufferPointer, origin: UInt64, checkingCRC: Bool) throws(FormatError) -> PackRecord {
        let prefix = try RecordPrefix.decode(bytes, origin: origin)
        var r = ByteReader(bytes, structure: "CAS pack record", origin: ByteAddress(origin))
        guard prefix.kind == .pack else {
            throw r.error(.badMagic(expected: RecordPrefix.Kind.pack.rawValue, found: prefix.kind.rawValue), at: RecordPrefix.Offset.magic)
        }
        try r.seek(to: Offset.memberCount)
        let count = try r.readUInt32()
        let rawLength = try r.readUInt32()
        let storedLength = try r.readUInt32()
        let flags = try r.readUInt8()
        guard count >= 1, count <= UInt32(CASLimits.maxPackMembers) else {
            throw r.error(.fieldOutOfRange(field: "member count", value: UInt64(count), allowed: 1...UInt64(CASLimits.maxPackMembers)), at: Offset.memberCount)
        }
        guard rawLength <= UInt32(CASLimits.maxPackBytes) else {
            throw r.error(.fieldOutOfRange(field: "raw length", value: UInt64(rawLength), allowed: 0...UInt64(CASLimits.maxPackBytes)), at: Offset.rawLength)
        }
        guard flags & ~compressedFlag == 0 else { throw r.error(.unknownFeatures(UInt32(flags)), at: Offset.flags) }
        let compressed = flags & compressedFlag != 0
        guard storedLength <= UInt32(CASLimits.maxPackBytes), compressed || storedLength == rawLength else {
            throw r.error(.inconsistent("stored length \(storedLength) does not fit raw length \(rawLength)"), at: Offset.storedLength)
        }
        let minimum = UInt64(RecordPrefix.aligned(headerSize + Int(storedLength)))
        guard prefix.recordLength == minimum else {
            throw r.error(.recordLengthMismatch("record length \(prefix.recordLength) does not fit a body of \(storedLength) bytes"), at: RecordPrefix.Offset.recordLength)
        }
        guard UInt64(bytes.count) >= minimum else { throw r.error(.truncated(needed: Int(minimum), available: bytes.count), at: 0) }
        if checkingCRC {
            try RecordPrefix.verify(bytes, covered: headerSize - 8 + Int(storedLength), structure: "CAS pack record", origin: origin)
        }
        try r.seek(to: headerSize)
        let body = try r.readBytes(Int(storedLength))
        let area: [UInt8]
        if compressed {
            switch Zlib.uncompress(body, rawLength: Int(rawLength)) {
            case let .success(bytes): area = bytes
            case let .failure(failure): throw r.error(.undecodableBody("body cannot be inflated: \(failure)"), at: headerSize)
            }
        } else {
            area = Array(body)
        }
        let members = try decodeBytes(area) { raw throws(FormatError) -> [Member] in
            var m = ByteReader(raw, structure: "CAS pack member area", origin: compressed ? nil : ByteAddress(origin + UInt64(headerSize)))
            var members: [Member] = []
            members.reserveCapacity(Int(count))
            for _ in 0..<count {
                let length = try m.readUInt32()
                guard length >= 1, length <= UInt32(m.remaining) else {
                    throw m.error(.fieldOutOfRange(field: "member length", value: UInt64(length), allowed: 1...UInt64(max(m.remaining, 1))))
                }
                let typeByte = try m.readUInt8()
                members.append(Member(typeByte: typeByte, payload: try m.readArray(Int(length) - 1)))
            }
            guard m.remaining == 0 else { throw m.error(.inconsistent("\(m.remaining) bytes follow the last member")) }
            return members
        }
        return PackRecord(members: members, isCompressed: compressed, recordLength: prefix.recordLength)
    }
}
