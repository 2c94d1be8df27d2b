import ArdakuFormat

/// One slot of a ZAT fragment: a link to the next fragment and a run of entries.
///
/// Each fragment is a pair of 4096-byte slots at consecutive byte offsets; a writer always
/// writes the slot it did not write last, with the generation one higher, so that a write
/// torn by a crash damages only the slot being written. The current slot is the one whose
/// CRC is valid with the newer generation (docs/FORMAT.md §Z4).
///
/// | offset | size | field      | meaning                                                     |
/// |--------|------|------------|-------------------------------------------------------------|
/// | 0x000  | 4    | next       | segment index of the next fragment pair; 0 ends the chain   |
/// | 0x004  | 4084 | entries    | `ZestEntry` after `ZestEntry`; SZ = 0 ends them; then zeros |
/// | 0xFF8  | 4    | generation | 1, 2, 3... (serial-number order, RFC 1982); 0 = never written |
/// | 0xFFC  | 4    | crc        | CRC32 of bytes 0x000..<0xFFC                                |
public struct ZestFragmentSlot: Equatable, Sendable {
    /// Offsets of a slot's fields: the table above, once.
    /// The layout rows are checked against docs/FORMAT.md (LayoutTests of this target).
    public enum Offset {
        public static let next = 0x000
        public static let entries = 0x004
        public static let generation = 0xFF8
        public static let crc = 0xFFC
    }

    public static let layout: [FieldLayout] = [
        FieldLayout("next", Offset.next, 4, "segment of the next fragment pair; 0 = last"),
        FieldLayout("entries", Offset.entries, 4084, "entries; SZ = 0 ends them; the rest zero"),
        FieldLayout("generation", Offset.generation, 4, "1, 2, 3, ...; 0 only in a blank slot"),
        FieldLayout("crc", Offset.crc, 4, "CRC32 of bytes 0x000..<0xFFC"),
    ]

    public static let encodedSize = ZestLimits.fragmentSize
    public static let generationOffset = Offset.generation
    public static let crcOffset = Offset.crc

    public var next: UInt32
    public var generation: UInt32
    public var entries: [ZestEntry]

    public init(next: UInt32, generation: UInt32, entries: [ZestEntry]) {
        self.next = next
        self.generation = generation
        self.entries = entries
    }

    /// Bytes the entries take in the entry area.
    public static func entryBytes(_ entries: [ZestEntry]) -> Int { entries.reduce(0) { $0 + $1.encodedSize } }
    /// Room in one entry area.
    public static let entryAreaCapacity = ZestLimits.entryAreaEnd - ZestLimits.entryAreaStart

    /// The 4096 bytes of the slot. The entries must fit the entry area.
    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: Self.encodedSize)
        writer.writeUInt32(next)
        for entry in entries { entry.encode(into: &writer) }
        precondition(writer.count <= ZestLimits.entryAreaEnd, "fragment entries overflow the entry area")
        writer.pad(to: Self.generationOffset)
        writer.writeUInt32(generation)
        writer.writeUInt32(CRC32.checksum(writer.bytes))
        return writer.bytes
    }

    /// The newer of two generations in serial-number arithmetic: `a` is newer than `b`
    /// when (a − b) mod 2^32 lies in 1..<2^31.
    public static func isNewer(_ a: UInt32, than b: UInt32) -> Bool {
        let difference = a &- b
        return difference != 0 && difference < 1 << 31
    }

    /// The generation that follows `generation` (0 is skipped: it marks a blank slot).
    public static func generation(after generation: UInt32) -> UInt32 {
        generation &+ 1 == 0 ? 1 : generation &+ 1
    }
}

/// What the CRC and generation of one slot say, before its entries are trusted.
public struct ZestSlotTrailer: Equatable, Sendable {
    public var next: UInt32
    public var generation: UInt32
    public var storedCRC: UInt32
    public var computedCRC: UInt32
    /// True when all 4096 bytes are zero: a slot never written (not damage).
    public var isBlank: Bool
    public var isValid: Bool { !isBlank && storedCRC == computedCRC }

    /// Reads the link, generation and CRC of the 4096-byte slot image `bytes`.
    public init(_ bytes: [UInt8]) {
        self = bytes.withUnsafeBytes { ZestSlotTrailer($0) }
    }

    /// Reads the link, generation and CRC of the 4096-byte slot in `bytes`.
    public init(_ bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count == ZestLimits.fragmentSize)
        next = ByteReader.uint32(in: bytes, at: ZestFragmentSlot.Offset.next) ?? 0
        generation = ByteReader.uint32(in: bytes, at: ZestFragmentSlot.generationOffset) ?? 0
        storedCRC = ByteReader.uint32(in: bytes, at: ZestFragmentSlot.crcOffset) ?? 0
        computedCRC = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<ZestFragmentSlot.crcOffset]))
        isBlank = storedCRC == 0 && generation == 0 && Zeros.isAllZero(bytes)
    }

    /// Which slot of a pair is current: the valid one with the newer generation; slot 0
    /// when both are valid with the same generation; nil when neither is valid.
    public static func currentSlot(_ first: ZestSlotTrailer, _ second: ZestSlotTrailer) -> Int? {
        switch (first.isValid, second.isValid) {
        case (true, true): return ZestFragmentSlot.isNewer(second.generation, than: first.generation) ? 1 : 0
        case (true, false): return 0
        case (false, true): return 1
        case (false, false): return nil
        }
    }
}
