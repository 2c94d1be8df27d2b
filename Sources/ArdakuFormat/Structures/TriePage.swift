/// A page of the File Infix Tree: a slotted page of trie nodes.
///
/// Layout (docs/FORMAT.md §6):
///
/// | offset | size | field        | meaning |
/// |--------|------|--------------|---------|
/// | 0x0000 | 4    | magic        | 0x54494641, the bytes "AFIT" |
/// | 0x0004 | 4    | checksum     | CRC-32 of bytes 0x0008..<0x10000 |
/// | 0x0008 | 2    | ordinal      | this page's position in page 0's trie page list |
/// | 0x000A | 2    | slot_count   | S, 0...4096 |
/// | 0x000C | 4    | reserved     | zero |
/// | 0x0010 | 8    | generation   | commit that wrote this page |
/// | 0x0018 | 2S   | slots        | byte offset of each slot's node in this page; 0 = free slot |
/// | ...    |      | nodes        | `TrieNode`s at their slots' offsets; all other bytes zero |
///
/// A node reference (ordinal, slot) names slot `slot` of the page at `ordinal`.
public struct TriePage: Equatable, Sendable {
    public static let structureName = "trie page"
    /// "AFIT" read as a little-endian u32.
    public static let magic: UInt32 = 0x5449_4641
    public static let headerSize = Offset.slots
    public static let checksumRange = 0x0008..<Geometry.pageSize

    /// Offsets of the fields from the start of the structure: the table above, once.
    /// The layout rows, the decoder, the checker's views and dumpfs all use these.
    public enum Offset {
        public static let magic = 0x00
        public static let checksum = 0x04
        public static let ordinal = 0x08
        public static let slotCount = 0x0A
        public static let reserved = 0x0C
        public static let generation = 0x10
        public static let slots = 0x18
    }

    public static let layout: [FieldLayout] = [
        FieldLayout("magic", Offset.magic, 4, "0x54494641 (\"AFIT\")"),
        FieldLayout("checksum", Offset.checksum, 4, "CRC-32 of bytes 0x0008..<0x10000"),
        FieldLayout("ordinal", Offset.ordinal, 2, "position in page 0's trie page list"),
        FieldLayout("slot_count", Offset.slotCount, 2, "node slots"),
        FieldLayout("reserved", Offset.reserved, 4, "zero"),
        FieldLayout("generation", Offset.generation, 8, "commit that wrote this page"),
        FieldLayout("slots", Offset.slots, 0, "u16 node offset per slot; 0 = free"),
    ]

    public var ordinal: UInt16
    public var generation: UInt64
    /// Nodes by slot; nil is a free slot.
    public var slots: [TrieNode?]
    /// Offsets of the slots as found on disk (for the checker and dumpfs); empty for new pages.
    public var slotOffsets: [UInt16] = []
    /// The reserved field as found on disk.
    public var reservedField: UInt32 = 0

    public init(ordinal: UInt16, generation: UInt64, slots: [TrieNode?] = []) {
        self.ordinal = ordinal
        self.generation = generation
        self.slots = slots
    }

    /// Bytes the page needs when encoded.
    public var encodedSize: Int {
        Self.headerSize + 2 * slots.count + slots.reduce(0) { $0 + ($1?.encodedSize ?? 0) }
    }

    /// Free bytes left for nodes and slot entries.
    public var freeBytes: Int { Geometry.pageSize - encodedSize }

    // MARK: Decoding

    /// Decodes the page. A node that cannot be decoded makes the whole page fail: its
    /// references cannot be trusted, and the checker then treats the page as lost.
    public static func decode(_ bytes: UnsafeRawBufferPointer, page: PageIndex? = nil,
                              verifyChecksum: Bool = true) throws(FormatError) -> TriePage {
        let header = try decodeHeader(bytes, page: page, verifyChecksum: verifyChecksum)
        var result = TriePage(ordinal: header.ordinal, generation: header.generation)
        result.reservedField = header.reserved
        result.slotOffsets = header.slotOffsets
        result.slots.reserveCapacity(header.slotOffsets.count)
        let firstNodeOffset = headerSize + 2 * header.slotOffsets.count
        for (slot, offset) in header.slotOffsets.enumerated() {
            guard offset != 0 else { result.slots.append(nil); continue }
            guard Int(offset) >= firstNodeOffset, Int(offset) <= Geometry.pageSize - TrieNode.headerSize else {
                throw FormatError(structure: structureName,
                                  kind: .fieldOutOfRange(field: "slot \(slot) offset", value: UInt64(offset),
                                                         allowed: UInt64(firstNodeOffset)...UInt64(Geometry.pageSize - TrieNode.headerSize)),
                                  address: page.flatMap { $0.firstByte.advanced(by: UInt64(headerSize + 2 * slot)) })
            }
            result.slots.append(try TrieNode.decode(bytes, at: Int(offset), origin: page?.firstByte))
        }
        return result
    }

    public struct Header: Equatable, Sendable {
        public var ordinal: UInt16
        public var generation: UInt64
        public var reserved: UInt32
        public var slotOffsets: [UInt16]
        public var storedChecksum: UInt32
        public var computedChecksum: UInt32
    }

    /// The header and slot table alone, for the checker's and dumpfs's walks.
    public static func decodeHeader(_ bytes: UnsafeRawBufferPointer, page: PageIndex?,
                                    verifyChecksum: Bool = true) throws(FormatError) -> Header {
        var reader = ByteReader(bytes, structure: structureName, origin: page?.firstByte)
        guard bytes.count == Geometry.pageSize else {
            throw reader.error(.truncated(needed: Geometry.pageSize, available: bytes.count), at: 0)
        }
        let magic = try reader.readUInt32()
        guard magic == Self.magic else { throw reader.error(.badMagic(expected: Self.magic, found: magic), at: Offset.magic) }
        let stored = try reader.readUInt32()
        let computed = checksum(bytes)
        if verifyChecksum && stored != computed {
            throw reader.error(.checksumMismatch(stored: stored, computed: computed), at: Offset.checksum)
        }
        let ordinal = try reader.readUInt16()
        let slotCount = Int(try reader.readUInt16())
        guard slotCount <= Limits.maxSlotsPerTriePage else {
            throw reader.error(.fieldOutOfRange(field: "slot_count", value: UInt64(slotCount),
                                                allowed: 0...UInt64(Limits.maxSlotsPerTriePage)), at: Offset.slotCount)
        }
        let reserved = try reader.readUInt32()
        let generation = try reader.readUInt64()
        var offsets: [UInt16] = []
        offsets.reserveCapacity(slotCount)
        for _ in 0..<slotCount { offsets.append(try reader.readUInt16()) }
        return Header(ordinal: ordinal, generation: generation, reserved: reserved, slotOffsets: offsets,
                      storedChecksum: stored, computedChecksum: computed)
    }

    /// CRC-32 of bytes 0x0008..<0x10000.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[min(8, bytes.count)..<bytes.count]))
    }

    // MARK: Encoding

    /// The 65,536 bytes of the page; nodes are packed in slot order after the slot table.
    public func encode() -> [UInt8] {
        precondition(slots.count <= Limits.maxSlotsPerTriePage && encodedSize <= Geometry.pageSize, "trie page overfull")
        var writer = ByteWriter(capacity: Geometry.pageSize)
        writer.writeUInt32(Self.magic)
        writer.writeUInt32(0)
        writer.writeUInt16(ordinal)
        writer.writeUInt16(UInt16(slots.count))
        writer.writeUInt32(0)
        writer.writeUInt64(generation)
        var offset = Self.headerSize + 2 * slots.count
        for node in slots {
            guard let node else { writer.writeUInt16(0); continue }
            writer.writeUInt16(UInt16(offset))
            offset += node.encodedSize
        }
        for node in slots { node?.encode(into: &writer) }
        writer.pad(to: Geometry.pageSize)
        var bytes = writer.bytes
        let checksum = bytes.withUnsafeBytes { Self.checksum($0) }
        bytes.withUnsafeMutableBytes { ByteWriter.storeUInt32(checksum, into: $0, at: Offset.checksum) }
        return bytes
    }
}
