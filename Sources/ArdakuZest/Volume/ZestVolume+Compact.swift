import ArdakuFormat

/// What `compact` did.
public struct ZestCompactionReport: Equatable, Sendable {
    /// Files whose content moved to lower segments.
    public var filesMoved = 0
    /// Fragment pairs moved to lower segments.
    public var fragmentsMoved = 0
    /// Files re-encoded with the active dictionary.
    public var filesRecompressed = 0
    /// Dictionaries no file used any more, removed.
    public var dictionariesRemoved = 0
    /// Fragments before and after packing the table.
    public var fragmentsBefore = 0
    public var fragmentsAfter = 0
    public var bytesBefore: UInt64 = 0
    public var bytesAfter: UInt64 = 0
    /// Bytes of segments copied (contents and fragment pairs), staging copies included.
    public var bytesCopied: UInt64 = 0
    /// Runs copied past the end first because their final place was not yet free.
    public var runsStaged = 0
    /// Commits the moves took.
    public var rounds = 0
}

extension ZestVolume {
    /// Free segments between the data in use (the space compaction can give back).
    public var freeSegmentCount: UInt64 { allocator.freeSegmentCount }

    /// Moves content and fragments down into free space and cuts the store to its data.
    ///
    /// Every move is a copy to segments free in the committed table followed by a commit,
    /// so a crash leaves each file at its old or its new place. Only what lies past the end
    /// of the compacted volume moves, each into the hole it fits best; a hole nothing from
    /// there fits is filled from just above it. Rounds are commits: segments a round frees
    /// are reused by the next.
    ///
    /// - Parameter recompress: also re-encode files compressed with another dictionary than
    ///   the active one (or with none while one exists), so old dictionaries can go.
    @discardableResult
    public func compact(recompress: Bool = false) throws(ZestError) -> ZestCompactionReport {
        try requireComplete()
        try flush()
        var report = ZestCompactionReport()
        report.bytesBefore = try storeLength()
        report.fragmentsBefore = fragments.count
        if recompress, let active = activeDictionaryID {
            for (_, id) in nameIndex {
                // Files on another dictionary, and files without one that it might now shrink.
                guard let record = records[id], record.entry.dictionaryID != active,
                      record.entry.originalLength > 0 else { continue }
                let content = try decode(record.entry, stored: try readStored(record.entry))
                guard let name = try? FileName(bytes: record.entry.name) else { continue }
                try update(name, content)
                report.filesRecompressed += 1
            }
            try flush()
        }
        let dictionariesBefore = dictionaryRecords.count
        dropUnusedDictionaries()
        report.dictionariesRemoved = dictionariesBefore - dictionaryRecords.count
        try flush()
        if packedFragmentCount < fragments.count { try rebuildTable() }
        // Every run from the first hole on gets its final place: the runs in address order,
        // packed from that hole. Rounds, each one commit (§Z6: a copy goes only to space free
        // in the committed table; the space it leaves is free after the commit): a run moves
        // straight to its final place once that place is free; when no run can, the lowest
        // one is staged past the end of the store and moves on later.
        var pending = finalPlaces()
        let compactedEnd = pending.last.map { $0.place + $0.item.run.count } ?? 0
        var rounds = 0
        while !pending.isEmpty && rounds < Self.maxCompactionRounds {
            rounds += 1
            var moved = false
            for (item, place) in pending where allocator.isFree(SegmentRun(start: place, count: item.run.count)) {
                try move(item, to: place, report: &report)
                moved = true
            }
            // Stuck: every free final place is taken by a run still in the way. The lowest
            // of those runs is staged (it lies below the compacted end; a staged one never does).
            if !moved, let (item, _) = pending.filter({ $0.item.run.start < compactedEnd }).min(by: { $0.item.run.start < $1.item.run.start }) {
                guard let staging = allocator.allocateAtEnd(item.run.count) else { throw ZestError(.volumeFull) }
                try move(item, to: staging, report: &report, isStaging: true)
            }
            try flush()
            pending = pending.compactMap { item, place in
                let run = currentRun(item.kind)
                return run.start == place ? nil : (CompactionItem(kind: item.kind, run: run), place)
            }
        }
        report.rounds = rounds
        report.fragmentsAfter = fragments.count
        report.bytesAfter = try storeLength()
        return report
    }
}

/// Compaction's plan: the final place of every run, and the copies that take it there.
extension ZestVolume {
    /// Every round moves a run to its final place or stages one (which then moves to its
    /// final place in a later round), so rounds end; this bounds them anyway.
    static let maxCompactionRounds = 4096

    struct CompactionItem {
        enum Kind { case fragment(Int), record(Int) }
        var kind: Kind
        var run: SegmentRun
    }

    /// Every run (fragment pairs but the head, and file contents) from the first hole on,
    /// in address order, with the place it has in the compacted volume: packed one after
    /// another from that hole. Empty when there is no hole.
    func finalPlaces() -> [(item: CompactionItem, place: UInt32)] {
        var items: [CompactionItem] = []
        for position in fragments.indices.dropFirst() {
            items.append(CompactionItem(kind: .fragment(position), run: currentRun(.fragment(position))))
        }
        for (id, record) in records.enumerated() {
            guard let record, record.run.count > 0 else { continue }
            items.append(CompactionItem(kind: .record(id), run: record.run))
        }
        guard let hole = allocator.freeRuns.first else { return [] }
        items.sort { $0.run.start < $1.run.start }
        var cursor = hole.start
        var places: [(item: CompactionItem, place: UInt32)] = []
        for item in items where item.run.start > hole.start {
            places.append((item, cursor))
            cursor += item.run.count
        }
        return places
    }

    /// Where the run of `kind` is now.
    func currentRun(_ kind: CompactionItem.Kind) -> SegmentRun {
        switch kind {
        case let .fragment(position): return SegmentRun(start: fragments[position].pairSegment, count: header.segmentsPerPair)
        case let .record(id): return records[id]!.run
        }
    }

    /// Copies `item` to segment `start` (free in the committed table) and points the table
    /// at the copy; the old place is freed by the next commit.
    func move(_ item: CompactionItem, to start: UInt32, report: inout ZestCompactionReport, isStaging: Bool = false) throws(ZestError) {
        if !isStaging { allocator.take(SegmentRun(start: start, count: item.run.count)) }
        uncommittedRuns.insert(start)
        switch item.kind {
        case let .fragment(position):
            let fragment = fragments[position]
            release(SegmentRun(start: fragment.pairSegment, count: header.segmentsPerPair))
            fragment.pairSegment = start
            fragment.isNew = true
            fragment.isDirty = true
            fragments[position - 1].isDirty = true
            report.fragmentsMoved += 1
        case let .record(id):
            let record = records[id]!
            try copyContent(record, to: start)
            release(record.run)
            records[id]!.run = SegmentRun(start: start, count: record.run.count)
            records[id]!.entry.segmentStart = start
            record.fragment.isDirty = true
            report.filesMoved += 1
        }
        report.bytesCopied += UInt64(item.run.count) * UInt64(header.segmentSize)
        if isStaging { report.runsStaged += 1 }
    }

    /// Copies the stored bytes of `record` to segment `start`, a piece at a time, and zeroes
    /// the rest of its last segment.
    func copyContent(_ record: Record, to start: UInt32) throws(ZestError) {
        let stored = Int(record.entry.storedLength)
        let from = byteOffset(ofSegment: record.run.start), to = byteOffset(ofSegment: start)
        var done = 0
        while done < stored {
            let count = min(ZestContentDecoder.pieceBytes, stored - done)
            try storeWrite(try storeRead(at: from + UInt64(done), count: count), at: to + UInt64(done))
            done += count
        }
        let padding = Int(record.run.count) * Int(header.segmentSize) - stored
        if padding > 0 { try storeWrite([UInt8](repeating: 0, count: padding), at: to + UInt64(stored)) }
        needsBarrier = true
    }
}
