import ArdakuFormat

/// Where a header copy lies and what decoding it gave.
public struct ZestHeaderCopy: Sendable {
    /// Byte offset of the copy: 0 (primary) or 2048 (backup).
    public var offset: UInt64
    /// The raw bytes of the copy (fewer than 32 when the store is shorter).
    public var bytes: [UInt8]
    /// The header, or why it could not be decoded.
    public var decoded: Result<ZestHeader, FormatError>

    public var header: ZestHeader? { try? decoded.get() }
}

/// Where the walk found the header it used.
public enum ZestHeaderSource: Sendable, Equatable {
    case primary
    case backup
    /// Both copies were unusable; the segment size was inferred from the table and content.
    case inferred
}

/// One slot of a fragment pair as found on disk.
public struct ZestWalkSlot: Sendable {
    /// Byte offset of the slot.
    public var offset: UInt64
    /// Link, generation and CRCs; nil when the slot lies (partly) past the end of the store.
    public var trailer: ZestSlotTrailer?
}

/// One entry as found on disk, with its raw fields and byte offset.
public struct ZestWalkEntry: Sendable {
    /// Absolute byte offset of the entry's SZ field.
    public var offset: UInt64
    /// Position of the fragment (in chain order) that holds it.
    public var fragmentIndex: Int
    public var entry: ZestEntry
    public var storedCRC: UInt32
    public var computedCRC: UInt32
    public var isChecksumValid: Bool { storedCRC == computedCRC }
    /// Absolute byte offset of the entry CRC field.
    public var crcOffset: UInt64 { offset + UInt64(ZestEntry.crcOffset(nameLength: entry.name.count)) }
}

/// One fragment pair in chain order.
public struct ZestWalkFragment: Sendable {
    /// Position in the chain, 0 for the head.
    public var index: Int
    /// Segment index of the pair's first slot.
    public var pairSegment: UInt32
    /// Byte offset of the pair's first slot.
    public var offset: UInt64
    public var slots: [ZestWalkSlot]
    /// The slot whose CRC is valid with the newer generation; nil when neither is valid.
    public var currentSlot: Int?
    /// The slot the entries and link were read from: the current one, or when there is
    /// none the non-blank one with the higher generation field (salvage: each entry is
    /// then trusted only as far as its own CRC goes).
    public var readSlot: Int?
    /// The link to the next pair as read from `readSlot`.
    public var next: UInt32
    public var entries: [ZestWalkEntry]
    /// Why entry parsing stopped early (an SZ over the limit or running off the area).
    public var entryError: FormatError?
    /// The SZ value of the entry that stopped parsing.
    public var badEntrySize: UInt16?
    /// Offset of the first non-zero byte after the entry terminator, if any.
    public var nonZeroTailOffset: UInt64?
    /// Bytes of the entry area the entries take.
    public var entryBytes: Int
    public var isReadable: Bool { currentSlot != nil }
    /// Byte offset of the slot the entries were read from.
    public var readOffset: UInt64? { readSlot.map { slots[$0].offset } }
}

/// How the fragment chain ended.
public enum ZestChainEnd: Sendable, Equatable {
    /// A link of 0: the normal end.
    case terminated
    /// The link of fragment `from` points back to a pair already walked.
    case loop(from: Int, target: UInt32)
    /// The link of fragment `from` points outside the data area or the store.
    case outOfRange(from: Int, target: UInt32)
    /// The walk stopped after `ZestLimits.maxFragments` (or as many pairs as fit the store).
    case tooLong(fragments: Int)
    /// No header: the chain could not be interpreted.
    case notWalked
}

/// Everything the structural walk saw: header copies, fragments, entries, with byte
/// offsets and raw values. Built without throwing on damage; only store errors throw.
public struct ZestWalk: Sendable {
    public var storeLength: UInt64
    public var headerCopies: [ZestHeaderCopy]
    /// The header used to interpret the rest, if any could be found or inferred.
    public var header: ZestHeader?
    public var headerSource: ZestHeaderSource?
    public var fragments: [ZestWalkFragment]
    public var chainEnd: ZestChainEnd
    /// When set, only the entries of these names (and dictionaries) were kept.
    public var filter: ZestNameFilter?

    /// Every entry of every fragment, in chain order.
    public var entries: [ZestWalkEntry] { fragments.flatMap(\.entries) }

    /// Walks the volume in `store`.
    ///
    /// - Parameter filter: keep only the entries of these names and the dictionaries; the
    ///   others are still parsed as far as their sizes go (so damage that stops parsing is
    ///   still seen) but not kept, and their CRCs are not computed.
    /// - Complexity: reads the header area and every fragment pair once.
    public static func walk(_ store: ByteStore, keeping filter: ZestNameFilter? = nil) throws(StoreError) -> ZestWalk {
        let length = store.length
        let areaCount = Int(min(length, UInt64(ZestLimits.headerAreaSize)))
        let area = try store.read(at: 0, count: areaCount)
        var copies: [ZestHeaderCopy] = []
        for offset in [0, ZestLimits.backupHeaderOffset] {
            let available = max(0, min(ZestHeader.encodedSize, area.count - offset))
            let bytes = available > 0 ? Array(area[offset..<(offset + available)]) : []
            let decoded: Result<ZestHeader, FormatError>
            do throws(FormatError) {
                decoded = .success(try ZestHeader.decode(bytes, origin: UInt64(offset)))
            } catch {
                decoded = .failure(error)
            }
            copies.append(ZestHeaderCopy(offset: UInt64(offset), bytes: bytes, decoded: decoded))
        }
        var walk = ZestWalk(storeLength: length, headerCopies: copies, header: nil, headerSource: nil,
                            fragments: [], chainEnd: .notWalked, filter: filter)
        if let header = copies[0].header {
            walk.header = header
            walk.headerSource = .primary
        } else if let header = copies[1].header {
            walk.header = header
            walk.headerSource = .backup
        }
        if let header = walk.header {
            try walk.walkChain(store, segmentSize: header.segmentSize)
        } else {
            try walk.inferHeader(store)
        }
        return walk
    }

    /// Follows the chain from the head, interpreting links with `segmentSize`.
    mutating func walkChain(_ store: ByteStore, segmentSize: UInt32) throws(StoreError) {
        fragments = []
        let head = UInt32(ZestLimits.zatHeadOffset) / segmentSize
        let pairSegments = UInt32(ZestLimits.fragmentPairSize) / segmentSize
        let firstData = UInt64(head) + UInt64(pairSegments)
        // No chain can be longer than the pairs that fit the store, nor than the limit.
        let bound = min(ZestLimits.maxFragments, Int(storeLength / UInt64(ZestLimits.fragmentPairSize)) + 1)
        var visited = Set<UInt32>()
        var pair = head
        while true {
            let index = fragments.count
            guard index < bound else { chainEnd = .tooLong(fragments: index); return }
            let offset = UInt64(pair) * UInt64(segmentSize)
            visited.insert(pair)
            var fragment = ZestWalkFragment(index: index, pairSegment: pair, offset: offset, slots: [], currentSlot: nil,
                                            readSlot: nil, next: 0, entries: [], entryError: nil, badEntrySize: nil,
                                            nonZeroTailOffset: nil, entryBytes: 0)
            // Both slots in one read: the slots the store holds completely (two, but at its end).
            let slotsInStore = offset <= storeLength
                ? Int(min(2, (storeLength - offset) / UInt64(ZestLimits.fragmentSize))) : 0
            let pairBytes = slotsInStore > 0 ? try store.read(at: offset, count: slotsInStore * ZestLimits.fragmentSize) : []
            func slotRange(_ slot: Int) -> Range<Int> { (slot * ZestLimits.fragmentSize)..<((slot + 1) * ZestLimits.fragmentSize) }
            for slot in 0..<2 {
                let trailer = slot < slotsInStore
                    ? pairBytes.withUnsafeBytes { ZestSlotTrailer(UnsafeRawBufferPointer(rebasing: $0[slotRange(slot)])) } : nil
                fragment.slots.append(ZestWalkSlot(offset: offset + UInt64(slot * ZestLimits.fragmentSize), trailer: trailer))
            }
            let trailers = fragment.slots.map(\.trailer)
            if let first = trailers[0], let second = trailers[1] {
                fragment.currentSlot = ZestSlotTrailer.currentSlot(first, second)
            } else if let first = trailers[0], first.isValid {
                fragment.currentSlot = 0
            }
            fragment.readSlot = fragment.currentSlot ?? Self.salvageSlot(trailers)
            if let readSlot = fragment.readSlot, let trailer = trailers[readSlot] {
                fragment.next = trailer.next
                pairBytes.withUnsafeBytes { raw in
                    Self.parseEntries(UnsafeRawBufferPointer(rebasing: raw[slotRange(readSlot)]),
                                      slotOffset: fragment.slots[readSlot].offset, filter: filter, into: &fragment)
                }
            }
            let next = fragment.next
            let hasSlot = fragment.readSlot != nil
            fragments.append(fragment)
            guard hasSlot else { chainEnd = .terminated; return }
            if next == 0 { chainEnd = .terminated; return }
            let nextOffset = UInt64(next) * UInt64(segmentSize)
            guard UInt64(next) >= firstData, nextOffset <= storeLength,
                  UInt64(ZestLimits.fragmentPairSize) <= storeLength - nextOffset else {
                chainEnd = .outOfRange(from: index, target: next)
                return
            }
            guard !visited.contains(next) else { chainEnd = .loop(from: index, target: next); return }
            pair = next
        }
    }

    /// The slot to salvage entries from when neither CRC is valid: the non-blank one with
    /// the newer generation field.
    static func salvageSlot(_ trailers: [ZestSlotTrailer?]) -> Int? {
        let candidates = trailers.indices.filter { trailers[$0].map { !$0.isBlank } ?? false }
        guard let first = candidates.first else { return nil }
        guard candidates.count == 2, let a = trailers[0], let b = trailers[1] else { return first }
        return ZestFragmentSlot.isNewer(b.generation, than: a.generation) ? 1 : 0
    }

    /// Parses the entry area of one slot into `fragment`.
    ///
    /// The same rules as `ZestEntry.decode`, written against the raw slot: opening a volume
    /// parses every entry, and this loop is most of that work.
    static func parseEntries(_ slot: UnsafeRawBufferPointer, slotOffset: UInt64, filter: ZestNameFilter? = nil,
                             into fragment: inout ZestWalkFragment) {
        let areaEnd = ZestLimits.entryAreaEnd
        var position = ZestLimits.entryAreaStart
        fragment.entries.reserveCapacity(64)
        func field32(_ offset: Int) -> UInt32 { slot.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian }
        while position <= areaEnd - 2 {
            let nameLength = Int(slot.loadUnaligned(fromByteOffset: position, as: UInt16.self).littleEndian)
            if nameLength == 0 { break }
            var failure: FormatError.Kind?
            if nameLength > ZestLimits.maxNameBytes {
                failure = .fieldOutOfRange(field: "entry SZ", value: UInt64(nameLength), allowed: 1...UInt64(ZestLimits.maxNameBytes))
            } else if ZestEntry.encodedSize(nameLength: nameLength) > areaEnd - position {
                failure = .inconsistent("entry of SZ \(nameLength) runs past the end of the entry area")
            }
            if let failure {
                let reader = ByteReader(slot, structure: "ZAT entry", origin: ByteAddress(slotOffset))
                fragment.entryError = reader.error(failure, at: position)
                fragment.badEntrySize = UInt16(nameLength)
                fragment.entryBytes = position + 2 - ZestLimits.entryAreaStart
                return
            }
            let fields = position + ZestEntry.fieldsOffset(nameLength: nameLength)
            let crcOffset = position + ZestEntry.crcOffset(nameLength: nameLength)
            let nameBytes = UnsafeRawBufferPointer(rebasing: slot[(position + 2)..<fields])
            if let filter, !(nameLength == 1 && nameBytes[0] == UInt8(ascii: "/")), !filter.matches(nameBytes) {
                position = crcOffset + 4
                continue
            }
            let name = Array(nameBytes)
            var entry = ZestEntry(name: name, segmentStart: field32(fields), storedLength: field32(fields + 4),
                                  originalLength: field32(fields + 8), contentCRC: field32(fields + 12), codec: .stored,
                                  kind: .file, dictionaryID: slot.loadUnaligned(fromByteOffset: fields + 18, as: UInt16.self).littleEndian)
            entry.codecByte = slot[fields + 16]
            entry.kindByte = slot[fields + 17]
            let computedCRC = CRC32.checksum(UnsafeRawBufferPointer(rebasing: slot[position..<crcOffset]))
            fragment.entries.append(ZestWalkEntry(offset: slotOffset + UInt64(position), fragmentIndex: fragment.index,
                                                  entry: entry, storedCRC: field32(crcOffset), computedCRC: computedCRC))
            position = crcOffset + 4
        }
        // Past the terminator (or the area's end) every byte up to the trailer is zero.
        let tailStart = min(position + 2, areaEnd)
        if tailStart < areaEnd, let index = Zeros.firstNonZero(slot, in: tailStart..<areaEnd) {
            fragment.nonZeroTailOffset = slotOffset + UInt64(index)
        }
        fragment.entryBytes = position - ZestLimits.entryAreaStart
    }
}

/// The names a filtered walk keeps (`ZestWalk.walk(_:keeping:)`): looking up a few files
/// does not need every entry decoded and indexed.
///
/// Matching is by hash, so a few other names may be kept too; the volume looks the kept
/// entries up by their exact names afterwards.
public struct ZestNameFilter: Sendable {
    /// One bit per hash value modulo its size: about 1,024 bits per name, so that one name
    /// in a thousand or so that was not asked for is kept.
    private var bits: [UInt64]
    private let mask: Int

    public init(_ names: [FileName]) {
        var size = 1024
        while size < min(names.count, 1 << 14) * 1024 { size <<= 1 }
        bits = [UInt64](repeating: 0, count: size / 64)
        mask = size - 1
        for name in names {
            let bit = name.bytes.withUnsafeBytes { Self.hash($0) } & mask
            bits[bit >> 6] |= 1 << UInt64(bit & 63)
        }
    }

    func matches(_ name: UnsafeRawBufferPointer) -> Bool {
        let bit = Self.hash(name) & mask
        return bits[bit >> 6] & (1 << UInt64(bit & 63)) != 0
    }

    /// A fast hash of a name, eight bytes at a time (the walk hashes every name in the
    /// table). Not seeded: a volume whose names all collide only makes the walk keep every
    /// entry, which is what an unfiltered open does anyway.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> Int {
        let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
        var state = UInt64(bytes.count) &* multiplier
        var position = 0
        while position + 8 <= bytes.count {
            state = (state ^ bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)) &* multiplier
            state ^= state >> 29
            position += 8
        }
        var tail: UInt64 = 0
        for index in position..<bytes.count { tail |= UInt64(bytes[index]) << (8 * UInt64(index - position)) }
        state = (state ^ tail) &* multiplier
        return Int(truncatingIfNeeded: state ^ (state >> 32))
    }
}
