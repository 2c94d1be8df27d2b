import ArdakuFormat

/// The record of the last completed commit: which table it left (docs/FORMAT.md §Z4.2).
///
/// A writer writes it, in two copies, after the flush that makes a commit's fragment slots
/// durable (§Z6 step 3.6). A slot the seal's table includes was therefore written
/// completely: when its CRC fails, it rotted afterwards (damage), it was not torn by a
/// crash. Both copies lie in the header area, each alone in its 512-byte sector, where
/// readers that do not know the seal never look (the area was zero in version 1).
///
/// | offset | size | field         | meaning                                                  |
/// |--------|------|---------------|----------------------------------------------------------|
/// | 0x00   | 4    | magic         | `5A 43 4D 54` ("ZCMT"), u32 0x544D435A                   |
/// | 0x04   | 2    | length        | 32                                                       |
/// | 0x06   | 2    | reserved      | 0                                                        |
/// | 0x08   | 8    | commitCount   | commits sealed so far, ≥ 1; the higher copy is newer     |
/// | 0x10   | 4    | fragmentCount | fragments of the sealed chain                            |
/// | 0x14   | 4    | tableDigest   | `ZestCommitSeal.digest` of the sealed chain              |
/// | 0x18   | 4    | reserved      | 0                                                        |
/// | 0x1C   | 4    | crc           | CRC32 of bytes 0x00..<0x1C                               |
public struct ZestCommitSeal: Equatable, Sendable {
    /// Offsets of the seal's fields (docs/FORMAT.md §Z4.2), once.
    /// The layout rows are checked against docs/FORMAT.md (LayoutTests of this target).
    public enum Offset {
        public static let magic = 0x00
        public static let length = 0x04
        public static let reservedAt06 = 0x06
        public static let commitCount = 0x08
        public static let fragmentCount = 0x10
        public static let tableDigest = 0x14
        public static let reservedAt18 = 0x18
        public static let crc = 0x1C
    }

    public static let layout: [FieldLayout] = [
        FieldLayout("magic", Offset.magic, 4, "\"ZCMT\", u32 0x544D435A"),
        FieldLayout("length", Offset.length, 2, "32"),
        FieldLayout("reserved", Offset.reservedAt06, 2, "0"),
        FieldLayout("commitCount", Offset.commitCount, 8, "commits sealed"),
        FieldLayout("fragmentCount", Offset.fragmentCount, 4, "fragments of the sealed chain"),
        FieldLayout("tableDigest", Offset.tableDigest, 4, "CRC32 of the chain's marks"),
        FieldLayout("reserved", Offset.reservedAt18, 4, "0"),
        FieldLayout("crc", Offset.crc, 4, "CRC32 of bytes 0x00..<0x1C"),
    ]

    public static let magic: UInt32 = 0x544D_435A
    public static let encodedSize = 32
    /// Bytes the CRC covers.
    public static let checksummedSize = Offset.crc
    /// Where the two copies are: sector 1 and sector 5 of the header area, so that no
    /// torn write of one copy can reach the other or a header copy (sectors 0 and 4).
    public static let copyOffsets = [0x200, 0xA00]

    public var commitCount: UInt64
    public var fragmentCount: UInt32
    public var tableDigest: UInt32

    public init(commitCount: UInt64, fragmentCount: UInt32, tableDigest: UInt32) {
        self.commitCount = commitCount
        self.fragmentCount = fragmentCount
        self.tableDigest = tableDigest
    }

    /// One fragment of a chain as the seal sees it: its place and its current slot.
    public struct SlotMark: Equatable, Sendable {
        public var pairSegment: UInt32
        public var generation: UInt32
        /// The CRC stored in the slot (bytes 0xFFC..<0x1000).
        public var slotCRC: UInt32
        public init(pairSegment: UInt32, generation: UInt32, slotCRC: UInt32) {
            self.pairSegment = pairSegment
            self.generation = generation
            self.slotCRC = slotCRC
        }
    }

    /// CRC32 of the chain's marks in chain order, each as 12 bytes: pairSegment,
    /// generation, slot CRC (u32 little-endian each).
    public static func digest(_ marks: [SlotMark]) -> UInt32 {
        var writer = ByteWriter(capacity: 12 * marks.count)
        for mark in marks {
            writer.writeUInt32(mark.pairSegment)
            writer.writeUInt32(mark.generation)
            writer.writeUInt32(mark.slotCRC)
        }
        return CRC32.checksum(writer.bytes)
    }

    /// The seal of the chain `marks` as commit number `commitCount`.
    public init(commitCount: UInt64, marks: [SlotMark]) {
        self.init(commitCount: commitCount, fragmentCount: UInt32(truncatingIfNeeded: marks.count), tableDigest: Self.digest(marks))
    }

    /// True when this seal describes exactly the chain `marks`.
    public func describes(_ marks: [SlotMark]) -> Bool {
        UInt64(fragmentCount) == UInt64(marks.count) && tableDigest == Self.digest(marks)
    }

    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: Self.encodedSize)
        writer.writeUInt32(Self.magic)
        writer.writeUInt16(UInt16(Self.encodedSize))
        writer.writeUInt16(0)
        writer.writeUInt64(commitCount)
        writer.writeUInt32(fragmentCount)
        writer.writeUInt32(tableDigest)
        writer.writeUInt32(0)
        writer.writeUInt32(CRC32.checksum(writer.bytes))
        return writer.bytes
    }

    /// What one copy of the seal holds.
    public enum Copy: Equatable, Sendable {
        /// All 32 bytes zero: no seal was ever written (a volume from before seals).
        case absent
        case valid(ZestCommitSeal)
        /// Not zero and not a valid seal: damaged or torn.
        case damaged
    }

    /// Decodes the copy in the 32 bytes of `bytes` (fewer when the store is shorter:
    /// `.absent` if they are zero, else `.damaged`).
    public static func decodeCopy(_ bytes: ArraySlice<UInt8>) -> Copy {
        if bytes.allSatisfy({ $0 == 0 }) { return .absent }
        guard bytes.count == encodedSize else { return .damaged }
        return Array(bytes).withUnsafeBytes { raw -> Copy in
            guard ByteReader.uint32(in: raw, at: Offset.magic) == magic, ByteReader.uint16(in: raw, at: Offset.length) == UInt16(encodedSize),
                  let count = ByteReader.uint64(in: raw, at: Offset.commitCount), count >= 1,
                  let fragments = ByteReader.uint32(in: raw, at: Offset.fragmentCount), let digest = ByteReader.uint32(in: raw, at: Offset.tableDigest),
                  ByteReader.uint32(in: raw, at: Offset.crc) == CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<checksummedSize]))
            else { return .damaged }
            return .valid(ZestCommitSeal(commitCount: count, fragmentCount: fragments, tableDigest: digest))
        }
    }

    /// The seal a reader uses: the valid copy with the higher commit count (the first on a tie).
    public static func newest(_ copies: [Copy]) -> ZestCommitSeal? {
        var best: ZestCommitSeal?
        for case let .valid(seal) in copies where best.map({ seal.commitCount > $0.commitCount }) ?? true { best = seal }
        return best
    }
}
