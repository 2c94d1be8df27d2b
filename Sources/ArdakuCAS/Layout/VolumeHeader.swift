import ArdakuFormat

/// The header of a CAS volume, kept in two slots of 4096 bytes at offsets 0 and 4096
/// (docs/FORMAT.md §C3.1).
///
/// A commit writes the slot `generation % 2`, so the previous generation survives in the
/// other slot if the write is torn. Opening takes the valid slot with the highest generation.
///
/// | offset | size | field | meaning |
/// |---|---|---|---|
/// | 0 | 4 | magic | `ACAS` (0x53414341 little-endian) |
/// | 4 | 2 | version | 1 |
/// | 6 | 2 | header length | 128: bytes of the slot that are defined |
/// | 8 | 8 | generation | commit counter, ≥ 1 |
/// | 16 | 8 | data start | 8192: first record |
/// | 24 | 8 | data end | every committed record lies in [data start, data end) |
/// | 32 | 8 | index offset | the index record (§C3.4) |
/// | 40 | 8 | index length | its record length |
/// | 48 | 4 | object count | entries of the index |
/// | 52 | 4 | tag count | entries of the tag table |
/// | 56 | 8 | tag table offset | the tag table record (§C3.5) |
/// | 64 | 8 | tag table length | its record length |
/// | 72 | 8 | object bytes | sum of the record lengths of indexed objects |
/// | 80 | 4 | incompatible features | 0; a reader refuses any bit it does not know |
/// | 84 | 40 | reserved | zero |
/// | 124 | 4 | CRC32 | zlib CRC-32 of bytes 0..<124 |
///
/// Bytes 128..<4096 of a slot are zero and not covered by the CRC.
public struct VolumeHeader: Equatable, Sendable {
    /// Offsets of a header slot's fields (docs/FORMAT.md §C3.1), once.
    /// The layout rows are checked against docs/FORMAT.md (LayoutTests of this target).
    public enum Offset {
        public static let magic = 0
        public static let version = 4
        public static let headerLength = 6
        public static let generation = 8
        public static let dataStart = 16
        public static let dataEnd = 24
        public static let indexOffset = 32
        public static let indexLength = 40
        public static let objectCount = 48
        public static let tagCount = 52
        public static let tagTableOffset = 56
        public static let tagTableLength = 64
        public static let objectBytes = 72
        public static let incompatibleFeatures = 80
        public static let reserved = 84
        public static let crc = 124
        public static let unused = 128
    }

    public static let layout: [FieldLayout] = [
        FieldLayout("magic", Offset.magic, 4, "\"ACAS\""),
        FieldLayout("version", Offset.version, 2, "1"),
        FieldLayout("header length", Offset.headerLength, 2, "128"),
        FieldLayout("generation", Offset.generation, 8, "commit counter"),
        FieldLayout("data start", Offset.dataStart, 8, "8192"),
        FieldLayout("data end", Offset.dataEnd, 8, "end of the committed records"),
        FieldLayout("index offset", Offset.indexOffset, 8, "of the index record"),
        FieldLayout("index length", Offset.indexLength, 8, "its record length"),
        FieldLayout("object count", Offset.objectCount, 4, "entries in the index"),
        FieldLayout("tag count", Offset.tagCount, 4, "entries in the tag table"),
        FieldLayout("tag table offset", Offset.tagTableOffset, 8, "of the tag table record"),
        FieldLayout("tag table length", Offset.tagTableLength, 8, "its record length"),
        FieldLayout("object bytes", Offset.objectBytes, 8, "record bytes of indexed objects"),
        FieldLayout("incompatible features", Offset.incompatibleFeatures, 4, "0; unknown bits refused"),
        FieldLayout("reserved", Offset.reserved, 40, "0"),
        FieldLayout("CRC32", Offset.crc, 4, "of bytes 0...123"),
        FieldLayout("unused", Offset.unused, 3968, "0, not covered"),
    ]

    public static let magic: UInt32 = 0x5341_4341 // "ACAS"
    public static let version: UInt16 = 1
    public static let encodedSize = 128
    public static let checksumOffset = Offset.crc
    public static let slotSize = 4096
    public static let slotOffsets: [UInt64] = [0, 4096]
    public static let dataStart: UInt64 = 8192

    public var generation: UInt64
    public var dataStart: UInt64 = VolumeHeader.dataStart
    public var dataEnd: UInt64
    public var indexOffset: UInt64
    public var indexLength: UInt64
    public var objectCount: UInt32
    public var tagCount: UInt32
    public var tagTableOffset: UInt64
    public var tagTableLength: UInt64
    public var objectBytes: UInt64
    public var incompatibleFeatures: UInt32 = 0

    public init(generation: UInt64, dataEnd: UInt64, indexOffset: UInt64, indexLength: UInt64, objectCount: UInt32,
                tagCount: UInt32, tagTableOffset: UInt64, tagTableLength: UInt64, objectBytes: UInt64) {
        self.generation = generation
        self.dataEnd = dataEnd
        self.indexOffset = indexOffset
        self.indexLength = indexLength
        self.objectCount = objectCount
        self.tagCount = tagCount
        self.tagTableOffset = tagTableOffset
        self.tagTableLength = tagTableLength
        self.objectBytes = objectBytes
    }

    /// The slot a header of this generation is written to.
    public var slot: Int { Int(generation % 2) }

    /// The 128 defined bytes, CRC filled in.
    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: Self.encodedSize)
        w.writeUInt32(Self.magic)
        w.writeUInt16(Self.version)
        w.writeUInt16(UInt16(Self.encodedSize))
        w.writeUInt64(generation)
        w.writeUInt64(dataStart)
        w.writeUInt64(dataEnd)
        w.writeUInt64(indexOffset)
        w.writeUInt64(indexLength)
        w.writeUInt32(objectCount)
        w.writeUInt32(tagCount)
        w.writeUInt64(tagTableOffset)
        w.writeUInt64(tagTableLength)
        w.writeUInt64(objectBytes)
        w.writeUInt32(incompatibleFeatures)
        w.pad(to: Self.checksumOffset)
        w.writeUInt32(0)
        w.patchUInt32(CRC32.checksum(w.bytes[0..<Self.checksumOffset]), at: Self.checksumOffset)
        return w.bytes
    }

    /// Decodes the 128 bytes of a slot that starts at `origin`.
    ///
    /// Rejects a wrong magic, a CRC mismatch, another version, unknown features and
    /// fields that cannot describe a volume (records before the data start, an index or
    /// tag table past the data end).
    public static func decode(_ bytes: UnsafeRawBufferPointer, origin: UInt64) throws(FormatError) -> VolumeHeader {
        var r = ByteReader(bytes, structure: "CAS header", origin: ByteAddress(origin))
        let magic = try r.readUInt32()
        guard magic == Self.magic else { throw r.error(.badMagic(expected: Self.magic, found: magic), at: Offset.magic) }
        // The CRC first (§C3.1.1): a slot whose CRC fails is damaged whatever its version
        // field says. Every later version keeps the magic, the version at 4 and a CRC-32 of
        // bytes 0..<124 at 124, so a slot of a later version is told by its valid CRC.
        let stored = ByteReader.uint32(in: bytes, at: Self.checksumOffset)
        let computed = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<min(bytes.count, Self.checksumOffset)]))
        guard let stored else { throw r.error(.truncated(needed: Self.encodedSize, available: bytes.count), at: 0) }
        guard stored == computed else { throw r.error(.checksumMismatch(stored: stored, computed: computed), at: Self.checksumOffset) }
        let version = try r.readUInt16()
        guard version == Self.version else {
            throw r.error(.unsupportedVersion(found: UInt32(version), supported: UInt32(Self.version)), at: Offset.version)
        }
        let length = try r.readUInt16()
        guard length == UInt16(Self.encodedSize) else {
            throw r.error(.fieldOutOfRange(field: "header length", value: UInt64(length), allowed: 128...128), at: Offset.headerLength)
        }
        let generation = try r.readUInt64()
        let dataStart = try r.readUInt64()
        let dataEnd = try r.readUInt64()
        let indexOffset = try r.readUInt64()
        let indexLength = try r.readUInt64()
        let objectCount = try r.readUInt32()
        let tagCount = try r.readUInt32()
        let tagTableOffset = try r.readUInt64()
        let tagTableLength = try r.readUInt64()
        let objectBytes = try r.readUInt64()
        let features = try r.readUInt32()
        guard features == 0 else { throw r.error(.unknownFeatures(features), at: Offset.incompatibleFeatures) }
        guard dataStart == Self.dataStart else {
            throw r.error(.fieldOutOfRange(field: "data start", value: dataStart, allowed: Self.dataStart...Self.dataStart), at: Offset.dataStart)
        }
        guard dataEnd >= dataStart, dataEnd <= CASLimits.maxStoreBytes else {
            throw r.error(.fieldOutOfRange(field: "data end", value: dataEnd, allowed: dataStart...CASLimits.maxStoreBytes), at: Offset.dataEnd)
        }
        guard objectCount <= UInt32(CASLimits.maxObjects) else {
            throw r.error(.fieldOutOfRange(field: "object count", value: UInt64(objectCount), allowed: 0...UInt64(CASLimits.maxObjects)), at: Offset.objectCount)
        }
        guard tagCount <= UInt32(CASLimits.maxTags) else {
            throw r.error(.fieldOutOfRange(field: "tag count", value: UInt64(tagCount), allowed: 0...UInt64(CASLimits.maxTags)), at: Offset.tagCount)
        }
        for (field, offset, recordLength, at) in [("index", indexOffset, indexLength, 32), ("tag table", tagTableOffset, tagTableLength, 56)] {
            guard offset >= dataStart, offset % UInt64(CASLimits.recordAlignment) == 0, recordLength >= 32,
                  offset <= dataEnd, recordLength <= dataEnd - offset else {
                throw r.error(.inconsistent("\(field) record \(offset)+\(recordLength) is not inside the data area \(dataStart)..<\(dataEnd)"), at: at)
            }
        }
        var header = VolumeHeader(generation: generation, dataEnd: dataEnd, indexOffset: indexOffset, indexLength: indexLength,
                                  objectCount: objectCount, tagCount: tagCount, tagTableOffset: tagTableOffset,
                                  tagTableLength: tagTableLength, objectBytes: objectBytes)
        header.dataStart = dataStart
        return header
    }
}
