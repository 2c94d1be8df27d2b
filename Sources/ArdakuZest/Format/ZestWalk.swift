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
    /// After a correction, those of the corrected bytes.
    public var trailer: ZestSlotTrailer?
    /// The one-byte change that made the slot's CRC match again (§Z4.1), if one did.
    public var correction: SingleByteCorrection.Fix?

    /// Absolute byte offset of the byte the correction changed.
    public var correctedOffset: UInt64? {
        correction.map { fix in
            offset + UInt64(SingleByteCorrection.changedOffset(fix, covered: 0..<ZestFragmentSlot.crcOffset, crcOffset: ZestFragmentSlot.crcOffset))
        }
    }
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
    /// Absolute offset of the one byte a correction changed (§Z4.1 applied to the entry
    /// and its entry CRC); the fields above are then the corrected ones, and the CRC the
    /// entry stored on disk is in `damagedCRC`.
    public var correctedOffset: UInt64?
    /// For a corrected entry: the CRC stored on disk and the CRC of the bytes as found.
    public var damagedCRC: (stored: UInt32, computed: UInt32)?
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
    /// The slot whose CRC fails but which the committed table includes (§Z4.2: the commit
    /// seal names it, or the volume is nested): damage, not a torn write. The entries are
    /// then salvaged from it and `currentSlot` is nil.
    public var damagedCommittedSlot: Int?
    /// Names (with intact entry CRCs) in the other, older slot, when the entries were
    /// salvaged from a damaged committed slot: what a rollback would have kept.
    public var olderSlotNames: [[UInt8]] = []
    public var isReadable: Bool { currentSlot != nil }
    /// The non-current slot is not blank, its CRC fails even after correction, and its
    /// generation field claims it is newer than the current slot.
    public var hasNewerInvalidSlot: Bool {
        guard let current = currentSlot, let mine = slots[current].trailer,
              let other = slots[1 - current].trailer, !other.isBlank, !other.isValid else { return false }
        return ZestFragmentSlot.isNewer(other.generation, than: mine.generation)
    }
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
    /// What the two copies of the commit seal hold (§Z4.2).
    public var sealCopies: [ZestCommitSeal.Copy] = []
    /// The seal the walk judged by: the newest valid copy.
    public var seal: ZestCommitSeal? { ZestCommitSeal.newest(sealCopies) }
    /// True when the table the walk read is the one the seal describes.
    public var sealDescribesTable = false

    /// Each fragment's read slot as the seal sees it, in chain order.
    public var marks: [ZestCommitSeal.SlotMark] {
        fragments.compactMap { fragment in
            guard let slot = fragment.readSlot, let trailer = fragment.slots[slot].trailer else { return nil }
            return ZestCommitSeal.SlotMark(pairSegment: fragment.pairSegment, generation: trailer.generation,
                                           slotCRC: trailer.storedCRC)
        }
    }

    /// Every entry of every fragment, in chain order.
    public var entries: [ZestWalkEntry] { fragments.flatMap(\.entries) }

    /// Walks the volume in `store`.
    ///
    /// - Parameter filter: keep only the entries of these names and the dictionaries; the
    ///   others are still parsed as far as their sizes go (so damage that stops parsing is
    ///   still seen) but not kept, and their CRCs are not computed.
    /// - Complexity: reads the header area and every fragment pair once.
    /// - Parameter isNested: the volume lives in an Ardaku file, whose writes are
    ///   copy-on-write transactions: no slot can be torn there, so a slot that claims to be
    ///   newer than the current one and fails its CRC is damage (§Z4.2).
    public static func walk(_ store: ByteStore, keeping filter: ZestNameFilter? = nil,
                            isNested: Bool = false) throws(StoreError) -> ZestWalk {
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
        walk.sealCopies = ZestCommitSeal.copyOffsets.map { offset in
            ZestCommitSeal.decodeCopy(area[min(offset, area.count)..<min(offset + ZestCommitSeal.encodedSize, area.count)])
        }
        if let header = copies[0].header {
            walk.header = header
            walk.headerSource = .primary
        } else if let header = copies[1].header {
            walk.header = header
            walk.headerSource = .backup
        }
        if let header = walk.header {
            try walk.walkChain(store, segmentSize: header.segmentSize)
            try walk.judgeNewerInvalidSlots(store, segmentSize: header.segmentSize, isNested: isNested)
        } else {
            try walk.inferHeader(store)
        }
        return walk
    }

    /// A slot that fails its CRC but claims a newer generation than its pair's current slot
    /// was either torn by a crash (the commit never completed: the older slot is right) or
    /// written completely and damaged later (the commit completed: the older slot is a
    /// rollback). The walk along the newest claimed slots decides (§Z4.2): when the seal
    /// describes exactly that chain, or the volume is nested (no torn writes), it is the
    /// committed table, and its entries are salvaged from the damaged slots.
    mutating func judgeNewerInvalidSlots(_ store: ByteStore, segmentSize: UInt32, isNested: Bool) throws(StoreError) {
        sealDescribesTable = seal?.describes(marks) ?? false
        guard fragments.contains(where: \.hasNewerInvalidSlot) else { return }
        var claimed = self
        try claimed.walkChain(store, segmentSize: segmentSize, preferringNewestClaim: true)
        let sealProves = claimed.seal?.describes(claimed.marks) ?? false
        guard sealProves || isNested else { return }
        claimed.sealDescribesTable = sealProves
        self = claimed
    }

    /// Follows the chain from the head, interpreting links with `segmentSize`.
    ///
    /// - Parameter preferringNewestClaim: read each pair's slot with the newer generation
    ///   field even when its CRC fails (`judgeNewerInvalidSlots`).
    mutating func walkChain(_ store: ByteStore, segmentSize: UInt32, preferringNewestClaim: Bool = false) throws(StoreError) {
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
            var pairBytes = slotsInStore > 0 ? try store.read(at: offset, count: slotsInStore * ZestLimits.fragmentSize) : []
            func slotRange(_ slot: Int) -> Range<Int> { (slot * ZestLimits.fragmentSize)..<((slot + 1) * ZestLimits.fragmentSize) }
            for slot in 0..<2 {
                var trailer = slot < slotsInStore
                    ? pairBytes.withUnsafeBytes { ZestSlotTrailer(UnsafeRawBufferPointer(rebasing: $0[slotRange(slot)])) } : nil
                var correction: SingleByteCorrection.Fix?
                // A slot damaged in one byte is proven again by its CRC (§Z4.1).
                if let found = trailer, !found.isBlank, !found.isValid {
                    let start = slot * ZestLimits.fragmentSize
                    if let fix = SingleByteCorrection.find(in: pairBytes, coveredStart: start, crcOffset: start + ZestFragmentSlot.crcOffset) {
                        var corrected = pairBytes
                        SingleByteCorrection.apply(fix, to: &corrected, coveredStart: start, crcOffset: start + ZestFragmentSlot.crcOffset)
                        // A torn slot is explained by a one-byte change about once in 2^32 / (255 × 4092)
                        // tears; it would then still show a broken entry or tail, a damaged slot does not.
                        var probe = fragment
                        probe.entries = []
                        corrected.withUnsafeBytes { raw in
                            Self.parseEntries(UnsafeRawBufferPointer(rebasing: raw[slotRange(slot)]),
                                              slotOffset: offset + UInt64(start), into: &probe)
                        }
                        if probe.entryError == nil, probe.nonZeroTailOffset == nil, probe.entries.allSatisfy({ $0.isChecksumValid && $0.correctedOffset == nil }) {
                            pairBytes = corrected
                            correction = fix
                            trailer = pairBytes.withUnsafeBytes { ZestSlotTrailer(UnsafeRawBufferPointer(rebasing: $0[slotRange(slot)])) }
                        }
                    }
                }
                fragment.slots.append(ZestWalkSlot(offset: offset + UInt64(slot * ZestLimits.fragmentSize), trailer: trailer,
                                                   correction: correction))
            }
            let trailers = fragment.slots.map(\.trailer)
            if let first = trailers[0], let second = trailers[1] {
                fragment.currentSlot = ZestSlotTrailer.currentSlot(first, second)
            } else if let first = trailers[0], first.isValid {
                fragment.currentSlot = 0
            }
            fragment.readSlot = fragment.currentSlot ?? Self.salvageSlot(trailers)
            if preferringNewestClaim, fragment.hasNewerInvalidSlot, let current = fragment.currentSlot {
                fragment.damagedCommittedSlot = 1 - current
                fragment.readSlot = 1 - current
                fragment.currentSlot = nil
                var older = ZestWalkFragment(index: index, pairSegment: pair, offset: offset, slots: fragment.slots, currentSlot: current,
                                             readSlot: current, next: 0, entries: [], entryError: nil, badEntrySize: nil,
                                             nonZeroTailOffset: nil, entryBytes: 0)
                pairBytes.withUnsafeBytes { raw in
                    Self.parseEntries(UnsafeRawBufferPointer(rebasing: raw[slotRange(current)]),
                                      slotOffset: fragment.slots[current].offset, into: &older)
                }
                fragment.olderSlotNames = older.entries.filter(\.isChecksumValid).map(\.entry.name)
            }
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

    /// The entry in `bytes` (SZ through entry CRC, its SZ already checked by
    /// `ZestEntry.sizeProblem`), whose CRC over all but its last four bytes is `computedCRC`.
    static func entry(_ bytes: UnsafeRawBufferPointer, offset: UInt64, fragmentIndex: Int, computedCRC: UInt32) -> ZestWalkEntry? {
        guard let decoded = try? ZestEntry.decode(entryBytes: bytes, computedCRC: computedCRC) else { return nil }
        return ZestWalkEntry(offset: offset, fragmentIndex: fragmentIndex, entry: decoded.entry,
                             storedCRC: decoded.storedCRC, computedCRC: decoded.computedCRC)
    }

    /// The entry in `bytes` corrected in one byte (§Z4.1 over the entry: the bytes before
    /// its CRC, or the CRC itself), when exactly one such change explains its CRC and it
    /// leaves SZ alone (SZ placed the entry; a different SZ would be a different parse).
    static func correctedEntry(_ bytes: UnsafeRawBufferPointer, offset: UInt64, fragmentIndex: Int) -> ZestWalkEntry? {
        var copy = Array(bytes)
        let crcAt = copy.count - 4
        let covered = 0..<crcAt
        guard let fix = SingleByteCorrection.find(in: copy, covered: covered, crcOffset: crcAt) else { return nil }
        let changed = SingleByteCorrection.changedOffset(fix, covered: covered, crcOffset: crcAt)
        guard changed >= ZestEntry.Field.name else { return nil }
        let damagedCRC = (stored: ByteReader.uint32(in: bytes, at: crcAt) ?? 0, computed: CRC32.checksum(copy[covered]))
        SingleByteCorrection.apply(fix, to: &copy, covered: covered, crcOffset: crcAt)
        return copy.withUnsafeBytes { raw in
            guard var found = entry(raw, offset: offset, fragmentIndex: fragmentIndex,
                                    computedCRC: CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<crcAt]))) else { return nil }
            found.correctedOffset = offset + UInt64(changed)
            found.damagedCRC = damagedCRC
            return found
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
    /// `ZestEntry.sizeProblem` places each entry and `ZestEntry.decode(entryBytes:)` decodes
    /// it (one decoder for the tools and the checker). A name the filter leaves out is
    /// skipped undecoded: opening a volume to read a few files parses every entry, and this
    /// loop is most of that work.
    static func parseEntries(_ slot: UnsafeRawBufferPointer, slotOffset: UInt64, filter: ZestNameFilter? = nil,
                             into fragment: inout ZestWalkFragment) {
        let areaEnd = ZestLimits.entryAreaEnd
        var position = ZestLimits.entryAreaStart
        fragment.entries.reserveCapacity(64)
        while position <= areaEnd - 2 {
            let nameLength = Int(ByteReader.uint16(in: slot, at: position + ZestEntry.Field.nameLength) ?? 0)
            if nameLength == 0 { break }
            if let failure = ZestEntry.sizeProblem(nameLength: nameLength, available: areaEnd - position) {
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
            let computedCRC = CRC32.checksum(UnsafeRawBufferPointer(rebasing: slot[position..<crcOffset]))
            if computedCRC != ByteReader.uint32(in: slot, at: crcOffset),
               let corrected = Self.correctedEntry(UnsafeRawBufferPointer(rebasing: slot[position..<(crcOffset + 4)]),
                                                   offset: slotOffset + UInt64(position), fragmentIndex: fragment.index) {
                fragment.entries.append(corrected)
                position = crcOffset + 4
                continue
            }
            if let entry = Self.entry(UnsafeRawBufferPointer(rebasing: slot[position..<(crcOffset + 4)]),
                                      offset: slotOffset + UInt64(position), fragmentIndex: fragment.index,
                                      computedCRC: computedCRC) {
                fragment.entries.append(entry)
            }
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
