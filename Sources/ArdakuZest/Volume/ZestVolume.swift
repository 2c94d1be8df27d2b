import ArdakuFormat
import ArdakuCodec

/// A ZEST volume: many small files, each compressed alone, in one `ByteStore`.
///
/// The store can be anything that implements `ByteStore`: memory, a host file, or a file
/// inside an Ardaku volume. The volume keeps the whole table (ZAT) in memory; reading a
/// file is one read of its segments, an inflate and a CRC32 check.
///
/// Changes are atomic per file and become durable together at `flush()`: until then a
/// crash leaves the volume as it was at the last flush, and a crash during `flush()` leaves
/// each file changed since either as it was or as it is now (docs/FORMAT.md §Z6).
/// Content is always written to free segments (copy-on-write), never over the segments of
/// the version on disk; the ZAT entry is rewritten in its own fragment.
///
/// Not thread-safe: one owner at a time.
public final class ZestVolume {
    /// How a new volume is laid out and how files are compressed.
    public struct Options: Sendable {
        /// Bytes per segment: a power of two, 16...4096. Small files waste on average half
        /// a segment each, so volumes of many small files want small segments.
        public var segmentSize: UInt32
        /// zlib level, 1 (fast) ... 9 (small).
        public var compressionLevel: Int32

        public init(segmentSize: UInt32 = UInt32(ZestLimits.defaultSegmentSize), compressionLevel: Int32 = 6) {
            self.segmentSize = segmentSize
            self.compressionLevel = compressionLevel
        }
    }

    public let store: ByteStore
    public let header: ZestHeader
    /// zlib level for content written from now on.
    public var compressionLevel: Int32 {
        didSet { deflater = nil }
    }
    public var segmentSize: UInt32 { header.segmentSize }

    // MARK: In-memory table

    /// One ZAT entry and the fragment holding it.
    struct Record {
        var entry: ZestEntry
        var fragment: FragmentState
        var run: SegmentRun
    }

    /// One fragment pair of the chain.
    final class FragmentState {
        var pairSegment: UInt32
        /// Generation of the slot holding the committed image (0 before the first write).
        var generation: UInt32
        /// The slot holding the committed image.
        var currentSlot: Int
        /// The entries, in on-disk order, as record ids.
        var recordIDs: [Int]
        var entryBytes: Int
        /// The image in memory differs from the committed one.
        var isDirty = false
        /// The pair was never written: the next commit writes both of its slots.
        var isNew = false
        /// The CRC stored in the current slot, for the commit seal (§Z4.2).
        var slotCRC: UInt32 = 0

        init(pairSegment: UInt32, generation: UInt32, currentSlot: Int, recordIDs: [Int], entryBytes: Int) {
            self.pairSegment = pairSegment
            self.generation = generation
            self.currentSlot = currentSlot
            self.recordIDs = recordIDs
            self.entryBytes = entryBytes
        }

        var room: Int { ZestFragmentSlot.entryAreaCapacity - entryBytes }
    }

    var records: [Record?] = []
    var freeRecordIDs: [Int] = []
    /// File name bytes → record id (dictionaries are not in here).
    var nameIndex: [NameKey: Int] = [:]
    /// Dictionary id → record id.
    var dictionaryRecords: [UInt16: Int] = [:]
    /// Dictionary bytes already read and verified.
    var dictionaryCache: [UInt16: [UInt8]] = [:]
    /// The chain, head first.
    var fragments: [FragmentState] = []
    var allocator: SegmentAllocator
    /// Runs the committed table still references: free only after the next commit.
    var pendingFree: [SegmentRun] = []
    /// Starts of runs allocated since the last commit (free at once when dropped again).
    var uncommittedRuns: Set<UInt32> = []
    /// Names removed since the last commit, with the fragment they were removed from: a
    /// name may come back before the next commit only in that fragment (§Z6).
    var pendingRemovals: [NameKey: FragmentState] = [:]
    /// Content or new fragment pairs were written since the last commit.
    var needsBarrier = false
    /// Commits sealed so far (the commit seal's count; 0 for a volume without a seal).
    var commitCount: UInt64 = 0
    /// Where the last entry went: bulk inserts fill one fragment after another.
    var lastPlacement: FragmentState?
    /// Directory prefix → files below it; built on the first change that needs it.
    var directoryCounts: [NameKey: Int]?
    var deflater: DeflateStream?
    /// Opened with `open(_:only:)`: only some entries are known, so nothing may change.
    public private(set) var isPartial = false
    /// Writes that continue one another, gathered into one store write (see `storeWrite`).
    var pendingWrite: [UInt8] = []
    var pendingWriteOffset: UInt64 = 0
    var contentDecoder = ZestContentDecoder()

    init(store: ByteStore, header: ZestHeader, compressionLevel: Int32, allocator: SegmentAllocator) {
        self.store = store
        self.header = header
        self.compressionLevel = compressionLevel
        self.allocator = allocator
    }

    // MARK: Create and open

    /// Makes a new, empty volume in `store`, replacing whatever it held.
    public static func create(in store: ByteStore, options: Options = Options()) throws(ZestError) -> ZestVolume {
        guard ZestLimits.isValidSegmentSize(options.segmentSize) else {
            throw ZestError(.invalidOptions("segment size \(options.segmentSize) is not a power of two in 16...4096"))
        }
        guard (1...9).contains(options.compressionLevel) else {
            throw ZestError(.invalidOptions("compression level \(options.compressionLevel) is not in 1...9"))
        }
        let header = ZestHeader(segmentSize: options.segmentSize)
        let head = ZestFragmentSlot(next: 0, generation: 1, entries: [])
        let headBytes = head.encoded()
        let headCRC = ZestSlotTrailer(headBytes).storedCRC
        let seal = ZestCommitSeal(commitCount: 1, marks: [.init(pairSegment: header.zatHead, generation: 1, slotCRC: headCRC)])
        do throws(StoreError) {
            try store.setLength(0)
            try store.write(at: 0, header.encodedArea(seal: seal) + headBytes + [UInt8](repeating: 0, count: ZestLimits.fragmentSize))
            try store.flush()
        } catch {
            throw ZestError(store: error)
        }
        let volume = ZestVolume(store: store, header: header, compressionLevel: options.compressionLevel,
                                allocator: SegmentAllocator(firstDataSegment: header.firstDataSegment, used: []))
        let headState = FragmentState(pairSegment: header.zatHead, generation: 1, currentSlot: 0, recordIDs: [], entryBytes: 0)
        headState.slotCRC = headCRC
        volume.fragments = [headState]
        volume.commitCount = 1
        return volume
    }

    /// Opens only the files `names` of the volume in `store`, for reading them: the table
    /// is walked and checked as `open` does, but only those entries (and the dictionaries)
    /// are decoded and kept. The result is read-only (`isPartial`): `fileCount`, `list` and
    /// `read(prefix:)` see only the files asked for. Reading 1,000 names of a 20,000-file
    /// volume this way costs a fraction of a full open.
    public static func open(_ store: ByteStore, only names: [FileName], compressionLevel: Int32 = 6) throws(ZestError) -> ZestVolume {
        let walk: ZestWalk
        do throws(StoreError) { walk = try ZestWalk.walk(store, keeping: ZestNameFilter(names)) } catch { throw ZestError(store: error) }
        let volume = try open(walk: walk, store: store, compressionLevel: compressionLevel)
        volume.isPartial = true
        return volume
    }

    /// Opens the volume in `store`.
    ///
    /// Reads the header and every fragment once and rejects a table that is damaged or
    /// contradicts itself: use `ZestChecker` on such a volume. Content is not read; a
    /// file whose content is damaged throws when it is read.
    public static func open(_ store: ByteStore, compressionLevel: Int32 = 6) throws(ZestError) -> ZestVolume {
        let walk: ZestWalk
        do throws(StoreError) { walk = try ZestWalk.walk(store) } catch { throw ZestError(store: error) }
        return try open(walk: walk, store: store, compressionLevel: compressionLevel)
    }

    static func open(walk: ZestWalk, store: ByteStore, compressionLevel: Int32) throws(ZestError) -> ZestVolume {
        guard let header = walk.header, walk.headerSource != .inferred else {
            if case let .failure(error) = walk.headerCopies[0].decoded { throw ZestError(format: error) }
            throw ZestError(.corrupt("no usable header"), offset: 0)
        }
        switch walk.chainEnd {
        case .terminated: break
        case let .loop(from, target):
            throw ZestError(.corrupt("fragment chain loops back to segment \(target)"), offset: walk.fragments[from].readOffset)
        case let .outOfRange(from, target):
            throw ZestError(.corrupt("fragment link \(target) lies outside the volume"), offset: walk.fragments[from].readOffset)
        case let .tooLong(count):
            throw ZestError(.corrupt("fragment chain longer than \(count) fragments"))
        case .notWalked:
            throw ZestError(.corrupt("fragment chain not readable"))
        }
        let segmentSize = UInt64(header.segmentSize)
        let volume = ZestVolume(store: store, header: header, compressionLevel: compressionLevel,
                                allocator: SegmentAllocator(firstDataSegment: header.firstDataSegment, used: []))
        var used: [SegmentRun] = []
        let entryCount = walk.fragments.reduce(0) { $0 + $1.entries.count }
        used.reserveCapacity(walk.fragments.count + entryCount)
        volume.records.reserveCapacity(entryCount)
        volume.nameIndex.reserveCapacity(entryCount)
        for fragment in walk.fragments {
            guard let current = fragment.currentSlot, let trailer = fragment.slots[current].trailer else {
                // The slot that failed: a committed slot proven damaged (§Z4.2), else the first.
                let slot = fragment.damagedCommittedSlot.map { fragment.slots[$0] } ?? fragment.slots[0]
                let stored = slot.trailer?.storedCRC ?? 0, computed = slot.trailer?.computedCRC ?? 0
                throw ZestError(format: FormatError(structure: "ZAT fragment", kind: .checksumMismatch(stored: stored, computed: computed),
                                            address: ByteAddress(slot.offset + UInt64(ZestFragmentSlot.crcOffset))))
            }
            if let error = fragment.entryError { throw ZestError(format: error) }
            let state = FragmentState(pairSegment: fragment.pairSegment, generation: trailer.generation, currentSlot: current,
                                      recordIDs: [], entryBytes: fragment.entryBytes)
            state.slotCRC = trailer.storedCRC
            state.recordIDs.reserveCapacity(fragment.entries.count)
            if fragment.index > 0 { used.append(SegmentRun(start: fragment.pairSegment, count: header.segmentsPerPair)) }
            for found in fragment.entries {
                let entry = found.entry
                guard found.isChecksumValid else {
                    throw ZestError(format: FormatError(structure: "ZAT entry", kind: .checksumMismatch(stored: found.storedCRC, computed: found.computedCRC),
                                                address: ByteAddress(found.crcOffset)))
                }
                let run = SegmentRun(start: entry.segmentStart, count: entry.segmentCount(segmentSize: header.segmentSize))
                if run.count > 0 {
                    let contentStart = UInt64(entry.segmentStart) * segmentSize
                    guard entry.segmentStart >= header.firstDataSegment, contentStart <= walk.storeLength,
                          UInt64(entry.storedLength) <= walk.storeLength - contentStart else {
                        throw ZestError(.corrupt("content of entry lies outside the data area (\(run))"), offset: found.offset)
                    }
                }
                let id = volume.records.count
                switch entry.kind {
                case .file:
                    do throws(NameError) { try Self.validateName(entry.name) } catch {
                        throw ZestError(format: FormatError(structure: "ZAT entry", kind: .invalidName(error), address: ByteAddress(found.offset + 2)))
                    }
                    guard volume.nameIndex.updateValue(id, forKey: NameKey(entry.name)) == nil else {
                        throw ZestError(.corrupt("duplicate name \(String(decoding: entry.name, as: UTF8.self))"), offset: found.offset)
                    }
                case .dictionary:
                    guard entry.name == ZestEntry.dictionaryName, entry.dictionaryID != 0,
                          entry.originalLength > 0, entry.originalLength <= ZestLimits.maxDictionaryBytes else {
                        throw ZestError(.corrupt("malformed dictionary entry"), offset: found.offset)
                    }
                    guard volume.dictionaryRecords.updateValue(id, forKey: entry.dictionaryID) == nil,
                          volume.dictionaryRecords.count <= ZestLimits.maxDictionaries else {
                        throw ZestError(.corrupt("duplicate dictionary \(entry.dictionaryID) or too many dictionaries"), offset: found.offset)
                    }
                case nil:
                    throw ZestError(.corrupt("unknown entry kind \(entry.kindByte)"), offset: found.offset + UInt64(19 + entry.name.count))
                }
                volume.records.append(Record(entry: entry, fragment: state, run: run))
                state.recordIDs.append(id)
                if run.count > 0 { used.append(run) }
            }
            volume.fragments.append(state)
        }
        // Runs must not overlap one another (nor fragment pairs): the allocator relies on it.
        used.sort()
        for index in used.indices.dropFirst() where used[index - 1].end > UInt64(used[index].start) {
            throw ZestError(.corrupt("\(used[index - 1]) and \(used[index]) overlap"), offset: UInt64(used[index].start) * segmentSize)
        }
        volume.allocator = SegmentAllocator(firstDataSegment: header.firstDataSegment, sortedUsed: used)
        volume.commitCount = walk.seal?.commitCount ?? 0
        return volume
    }

    /// `FileName.validate`, with a fast path for the common case: printable ASCII, no
    /// component that starts with "." and no empty component, which the full rules accept.
    static func validateName(_ name: [UInt8]) throws(NameError) {
        let plain: Bool = name.withUnsafeBufferPointer { bytes in
            guard bytes.count >= 2, bytes.count <= ZestLimits.maxNameBytes, bytes[0] == UInt8(ascii: "/"),
                  bytes[bytes.count - 1] != UInt8(ascii: "/") else { return false }
            var previousSlash = false
            for byte in bytes {
                guard byte >= 0x20 && byte < 0x7F else { return false }
                if previousSlash && (byte == UInt8(ascii: "/") || byte == UInt8(ascii: ".")) { return false }
                previousSlash = byte == UInt8(ascii: "/")
            }
            return true
        }
        if !plain { try FileName.validate(name) }
    }

    // MARK: Small helpers

    func byteOffset(ofSegment segment: UInt32) -> UInt64 { UInt64(segment) * UInt64(header.segmentSize) }

    /// Most bytes gathered before they go to the store.
    static let writeGatherLimit = 1 << 20

    /// Writes `bytes` at `offset`. A write that continues the previous one is gathered with
    /// it and reaches the store later, in one call, before any read, flush or length
    /// change: a bulk import writes thousands of small runs one after another, and in a
    /// nested volume each store write rewrites whole 64 KiB Ardaku pages. Nothing is
    /// durable before a flush either way, so gathering changes no crash outcome.
    func storeWrite(_ bytes: [UInt8], at offset: UInt64) throws(ZestError) {
        if !pendingWrite.isEmpty, offset == pendingWriteOffset + UInt64(pendingWrite.count),
           pendingWrite.count + bytes.count <= Self.writeGatherLimit {
            pendingWrite.append(contentsOf: bytes)
            return
        }
        try writePending()
        if bytes.count >= Self.writeGatherLimit {
            do throws(StoreError) { try store.write(at: offset, bytes) } catch { throw ZestError(store: error) }
            return
        }
        pendingWriteOffset = offset
        pendingWrite.reserveCapacity(Self.writeGatherLimit)
        pendingWrite.append(contentsOf: bytes)
    }

    /// Sends the gathered writes to the store.
    func writePending() throws(ZestError) {
        guard !pendingWrite.isEmpty else { return }
        do throws(StoreError) { try store.write(at: pendingWriteOffset, pendingWrite) } catch {
            pendingWrite.removeAll(keepingCapacity: true)
            throw ZestError(store: error)
        }
        pendingWrite.removeAll(keepingCapacity: true)
    }

    func storeRead(at offset: UInt64, count: Int) throws(ZestError) -> [UInt8] {
        try writePending()
        do throws(StoreError) { return try store.read(at: offset, count: count) } catch { throw ZestError(store: error) }
    }

    func storeFlush() throws(ZestError) {
        try writePending()
        do throws(StoreError) { try store.flush() } catch { throw ZestError(store: error) }
    }

    /// The store's length, gathered writes included.
    func storeLength() throws(ZestError) -> UInt64 {
        try writePending()
        return store.length
    }

    func newRecordID() -> Int {
        if let id = freeRecordIDs.popLast() { return id }
        records.append(nil)
        return records.count - 1
    }

    /// Segments of `count` stored bytes.
    func segmentCount(forBytes count: Int) -> UInt32 {
        let size = Int(header.segmentSize)
        return UInt32(count / size + (count % size == 0 ? 0 : 1))
    }

    /// Throws when the volume must not change: it was opened partially.
    func requireComplete() throws(ZestError) {
        if isPartial { throw ZestError(.readOnly) }
    }

    /// Takes `count` free segments.
    func allocate(_ count: UInt32) throws(ZestError) -> SegmentRun {
        guard let start = allocator.allocate(count) else { throw ZestError(.volumeFull) }
        uncommittedRuns.insert(start)
        return SegmentRun(start: start, count: count)
    }

    /// Gives a run back: at once when only this batch knew it, else after the next commit.
    func release(_ run: SegmentRun) {
        guard run.count > 0 else { return }
        if uncommittedRuns.remove(run.start) != nil {
            allocator.release(run)
        } else {
            pendingFree.append(run)
        }
    }
}
