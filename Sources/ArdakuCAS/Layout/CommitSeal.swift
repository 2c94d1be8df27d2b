import ArdakuFormat

/// The record that a commit completed (docs/FORMAT.md §C3.1.2): generation, data end and
/// the CRC of that generation's header, written after the flush that makes the header
/// durable (§C5 step 6), in the unused part of both header slots.
///
/// A header slot that fails its CRC while the seal names a newer generation than the
/// other slot was written completely and rotted afterwards: damage to report and salvage
/// from the records of that generation, never a torn write to roll back quietly.
///
/// | offset | size | field       | meaning                                                  |
/// |---|---|---|---|
/// | 0  | 4 | magic       | `CSEL` (bytes 43 53 45 4C; 0x4C455343)                     |
/// | 4  | 2 | length      | 32                                                         |
/// | 6  | 2 | reserved    | 0                                                          |
/// | 8  | 8 | generation  | the completed commit's generation, ≥ 1                     |
/// | 16 | 8 | data end    | its header's data end                                      |
/// | 24 | 4 | header CRC  | the CRC32 stored in its header (bytes 124..<128)           |
/// | 28 | 4 | CRC32       | of bytes 0..<28                                            |
///
/// The copies are at byte 2048 of each slot (store offsets 2048 and 6144): bytes a version-1
/// reader never reads (§C3.1: "unused, not covered"), and never in a write with a header.
public struct CommitSeal: Equatable, Sendable {
    /// Offsets of the seal's fields (docs/FORMAT.md §C3.1.2), once.
    /// The layout rows are checked against docs/FORMAT.md (LayoutTests of this target).
    public enum Offset {
        public static let magic = 0
        public static let length = 4
        public static let reserved = 6
        public static let generation = 8
        public static let dataEnd = 16
        public static let headerCRC = 24
        public static let crc = 28
    }

    public static let layout: [FieldLayout] = [
        FieldLayout("magic", Offset.magic, 4, "\"CSEL\""),
        FieldLayout("length", Offset.length, 2, "32"),
        FieldLayout("reserved", Offset.reserved, 2, "0"),
        FieldLayout("generation", Offset.generation, 8, "the completed commit's generation"),
        FieldLayout("data end", Offset.dataEnd, 8, "that header's data end"),
        FieldLayout("header CRC", Offset.headerCRC, 4, "the CRC stored in that header"),
        FieldLayout("CRC32", Offset.crc, 4, "of bytes 0..<28"),
    ]

    public static let magic: UInt32 = 0x4C45_5343
    public static let encodedSize = 32
    public static let checksumOffset = Offset.crc
    public static let copyOffsets: [UInt64] = [2048, 4096 + 2048]

    public var generation: UInt64
    public var dataEnd: UInt64
    public var headerCRC: UInt32

    public init(generation: UInt64, dataEnd: UInt64, headerCRC: UInt32) {
        self.generation = generation
        self.dataEnd = dataEnd
        self.headerCRC = headerCRC
    }

    /// The seal of `header`.
    public init(sealing header: VolumeHeader) {
        let bytes = header.encoded()
        let crc = UInt32(bytes[124]) | UInt32(bytes[125]) << 8 | UInt32(bytes[126]) << 16 | UInt32(bytes[127]) << 24
        self.init(generation: header.generation, dataEnd: header.dataEnd, headerCRC: crc)
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: Self.encodedSize)
        w.writeUInt32(Self.magic)
        w.writeUInt16(UInt16(Self.encodedSize))
        w.writeUInt16(0)
        w.writeUInt64(generation)
        w.writeUInt64(dataEnd)
        w.writeUInt32(headerCRC)
        w.writeUInt32(CRC32.checksum(w.bytes))
        return w.bytes
    }

    /// What one copy holds.
    public enum Copy: Equatable, Sendable {
        /// All zero: never written (a volume from before seals, or a new slot).
        case absent
        case valid(CommitSeal)
        /// Neither zero nor a valid seal: damaged or torn.
        case damaged
    }

    /// Decodes a copy from its 32 bytes (fewer when the store is shorter).
    public static func decodeCopy(_ bytes: [UInt8]) -> Copy {
        if bytes.allSatisfy({ $0 == 0 }) { return .absent }
        guard bytes.count == encodedSize else { return .damaged }
        return bytes.withUnsafeBytes { raw -> Copy in
            guard ByteReader.uint32(in: raw, at: Offset.magic) == magic, ByteReader.uint16(in: raw, at: Offset.length) == UInt16(encodedSize),
                  let generation = ByteReader.uint64(in: raw, at: Offset.generation), generation >= 1,
                  let dataEnd = ByteReader.uint64(in: raw, at: Offset.dataEnd), let headerCRC = ByteReader.uint32(in: raw, at: Offset.headerCRC),
                  ByteReader.uint32(in: raw, at: checksumOffset) == CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<checksumOffset]))
            else { return .damaged }
            return .valid(CommitSeal(generation: generation, dataEnd: dataEnd, headerCRC: headerCRC))
        }
    }

    /// The valid copy with the highest generation.
    public static func newest(_ copies: [Copy]) -> CommitSeal? {
        var best: CommitSeal?
        for case let .valid(seal) in copies where best.map({ seal.generation > $0.generation }) ?? true { best = seal }
        return best
    }
}

/// One header slot as read, before and after an attempt to correct it (§C3.1.1).
public struct HeaderSlotReading: Sendable {
    public var slot: UInt64
    /// The header, decoded (after the correction, when one was made).
    public var header: VolumeHeader?
    /// Why the slot does not decode, when it does not.
    public var error: CASError?
    /// The store offset of the byte a one-byte correction changed.
    public var correctedOffset: UInt64?
    /// The generation field as stored, unverified when the slot is damaged.
    public var claimedGeneration: UInt64?
    /// All 128 bytes zero: never written.
    public var isBlank = false

    /// True when the slot's version or feature bits are unknown (and its CRC is valid).
    public var isUnsupported: Bool {
        guard case let .format(format)? = error?.kind else { return false }
        switch format.kind {
        case .unsupportedVersion, .unknownFeatures: return true
        default: return false
        }
    }
}
