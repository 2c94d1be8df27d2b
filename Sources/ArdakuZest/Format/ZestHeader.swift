import ArdakuFormat

/// The ZEST volume header: what a reader needs before it can find anything else.
///
/// Two identical copies live in the first 4096 bytes of the volume, at byte 0 (primary)
/// and byte 2048 (backup); the rest of that area is zero. The header is written once, when
/// the volume is made, and never changes afterwards, so no write can tear it.
///
/// | offset | size | field                | meaning                                            |
/// |--------|------|----------------------|----------------------------------------------------|
/// | 0x00   | 4    | magic                | `5A 45 53 54` ("ZEST"), u32 0x5453455A             |
/// | 0x04   | 2    | version              | 1                                                  |
/// | 0x06   | 2    | headerLength         | 32, the bytes of this table                        |
/// | 0x08   | 4    | segmentSize          | bytes per segment, a power of two, 16...4096       |
/// | 0x0C   | 4    | fragmentSize         | 4096, bytes of one ZAT fragment slot               |
/// | 0x10   | 4    | zatHead              | segment index of the first fragment pair: 4096 / segmentSize |
/// | 0x14   | 4    | incompatibleFeatures | 0; a reader refuses a volume with any bit it does not know |
/// | 0x18   | 4    | reserved             | 0                                                  |
/// | 0x1C   | 4    | crc                  | CRC32 of bytes 0x00..<0x1C                         |
public struct ZestHeader: Equatable, Sendable {
    /// Offsets of the header's fields: the table above, once.
    /// The layout rows are checked against docs/FORMAT.md (LayoutTests of this target).
    public enum Offset {
        public static let magic = 0x00
        public static let version = 0x04
        public static let headerLength = 0x06
        public static let segmentSize = 0x08
        public static let fragmentSize = 0x0C
        public static let zatHead = 0x10
        public static let incompatibleFeatures = 0x14
        public static let reserved = 0x18
        public static let crc = 0x1C
    }

    public static let layout: [FieldLayout] = [
        FieldLayout("magic", Offset.magic, 4, "\"ZEST\", u32 0x5453455A"),
        FieldLayout("version", Offset.version, 2, "1"),
        FieldLayout("headerLength", Offset.headerLength, 2, "32"),
        FieldLayout("segmentSize", Offset.segmentSize, 4, "power of two, 16...4096"),
        FieldLayout("fragmentSize", Offset.fragmentSize, 4, "4096"),
        FieldLayout("zatHead", Offset.zatHead, 4, "segment of the head fragment pair"),
        FieldLayout("incompatibleFeatures", Offset.incompatibleFeatures, 4, "0; unknown bits refused"),
        FieldLayout("reserved", Offset.reserved, 4, "0"),
        FieldLayout("crc", Offset.crc, 4, "CRC32 of bytes 0x00..<0x1C"),
    ]

    public static let magic: UInt32 = 0x5453_455A
    public static let currentVersion: UInt16 = 1
    public static let encodedSize = 32
    /// Bytes the CRC covers: everything before the CRC field.
    public static let checksummedSize = Offset.crc
    /// Feature bits this library understands (none yet).
    public static let knownIncompatibleFeatures: UInt32 = 0

    public var version: UInt16
    public var segmentSize: UInt32
    public var fragmentSize: UInt32
    public var zatHead: UInt32
    public var incompatibleFeatures: UInt32

    /// The header of a new volume with `segmentSize`-byte segments.
    public init(segmentSize: UInt32) {
        precondition(ZestLimits.isValidSegmentSize(segmentSize), "invalid segment size \(segmentSize)")
        version = Self.currentVersion
        self.segmentSize = segmentSize
        fragmentSize = UInt32(ZestLimits.fragmentSize)
        zatHead = UInt32(ZestLimits.zatHeadOffset) / segmentSize
        incompatibleFeatures = 0
    }

    /// Segments per fragment slot.
    public var segmentsPerFragment: UInt32 { UInt32(ZestLimits.fragmentSize) / segmentSize }
    /// Segments per fragment pair.
    public var segmentsPerPair: UInt32 { 2 * segmentsPerFragment }
    /// The first segment that may hold content or a fragment pair other than the head.
    public var firstDataSegment: UInt32 { zatHead + segmentsPerPair }

    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: Self.encodedSize)
        writer.writeUInt32(Self.magic)
        writer.writeUInt16(version)
        writer.writeUInt16(UInt16(Self.encodedSize))
        writer.writeUInt32(segmentSize)
        writer.writeUInt32(fragmentSize)
        writer.writeUInt32(zatHead)
        writer.writeUInt32(incompatibleFeatures)
        writer.writeUInt32(0)
        writer.writeUInt32(CRC32.checksum(writer.bytes))
        return writer.bytes
    }

    /// The 4096-byte header area: the header at 0 and its copy at 2048, and both copies of
    /// `seal` when given (§Z4.2); zero elsewhere.
    public func encodedArea(seal: ZestCommitSeal? = nil) -> [UInt8] {
        var area = [UInt8](repeating: 0, count: ZestLimits.headerAreaSize)
        let bytes = encoded()
        area.replaceSubrange(0..<Self.encodedSize, with: bytes)
        area.replaceSubrange(ZestLimits.backupHeaderOffset..<(ZestLimits.backupHeaderOffset + Self.encodedSize), with: bytes)
        if let seal {
            let sealBytes = seal.encoded()
            for offset in ZestCommitSeal.copyOffsets { area.replaceSubrange(offset..<(offset + ZestCommitSeal.encodedSize), with: sealBytes) }
        }
        return area
    }

    /// Decodes and validates one header copy.
    ///
    /// - Throws: `FormatError` for truncation, a bad magic, a CRC mismatch, an unknown
    ///   version or feature bit, or a field outside what the format allows.
    public init(decoding reader: inout ByteReader) throws(FormatError) {
        let start = reader.position
        let magic = try reader.readUInt32()
        guard magic == Self.magic else { throw reader.error(.badMagic(expected: Self.magic, found: magic), at: start) }
        try reader.seek(to: start)
        let covered = try reader.readBytes(Self.checksummedSize)
        let storedCRC = try reader.readUInt32()
        let computedCRC = CRC32.checksum(covered)
        guard storedCRC == computedCRC else {
            throw reader.error(.checksumMismatch(stored: storedCRC, computed: computedCRC), at: start + Self.checksummedSize)
        }
        try reader.seek(to: start + 4)
        version = try reader.readUInt16()
        guard version == Self.currentVersion else {
            throw reader.error(.unsupportedVersion(found: UInt32(version), supported: UInt32(Self.currentVersion)), at: start + 4)
        }
        let headerLength = try reader.readUInt16()
        guard headerLength == Self.encodedSize else {
            throw reader.error(.fieldOutOfRange(field: "headerLength", value: UInt64(headerLength), allowed: 32...32), at: start + 6)
        }
        segmentSize = try reader.readUInt32()
        guard ZestLimits.isValidSegmentSize(segmentSize) else {
            throw reader.error(.fieldOutOfRange(field: "segmentSize", value: UInt64(segmentSize),
                                                allowed: UInt64(ZestLimits.minSegmentSize)...UInt64(ZestLimits.maxSegmentSize)), at: start + 8)
        }
        fragmentSize = try reader.readUInt32()
        guard fragmentSize == ZestLimits.fragmentSize else {
            throw reader.error(.fieldOutOfRange(field: "fragmentSize", value: UInt64(fragmentSize), allowed: 4096...4096), at: start + 12)
        }
        zatHead = try reader.readUInt32()
        let expectedHead = UInt32(ZestLimits.zatHeadOffset) / segmentSize
        guard zatHead == expectedHead else {
            throw reader.error(.fieldOutOfRange(field: "zatHead", value: UInt64(zatHead),
                                                allowed: UInt64(expectedHead)...UInt64(expectedHead)), at: start + 16)
        }
        incompatibleFeatures = try reader.readUInt32()
        guard incompatibleFeatures & ~Self.knownIncompatibleFeatures == 0 else {
            throw reader.error(.unknownFeatures(incompatibleFeatures), at: start + 20)
        }
        _ = try reader.readUInt32()  // reserved: written as 0, ignored on read for forward compatibility
        try reader.skip(4)
    }

    /// Decodes the header copy at `offset` of `bytes`.
    public static func decode(_ bytes: [UInt8], at offset: Int = 0, origin: UInt64 = 0) throws(FormatError) -> ZestHeader {
        try ByteReader.decode(bytes, structure: "ZEST header", origin: ByteAddress(origin)) { (reader: inout ByteReader) throws(FormatError) in
            try reader.seek(to: offset)
            return try ZestHeader(decoding: &reader)
        }
    }
}
