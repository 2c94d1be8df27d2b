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
}

extension ZestVolume {
    /// Free segments between the data in use (the space compaction can give back).
    public var freeSegmentCount: UInt64 { allocator.freeSegmentCount }

    /// Moves content and fragments down into free space and cuts the store to its data.
    ///
    /// Every move is a copy to free segments followed by a commit, so a crash leaves each
    /// file at its old or its new place. Commits happen round by round: segments a round
    /// frees are reused by the next.
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
        // Rounds: each moves what fits lower, then commits so the freed space is reusable.
        for _ in 0..<64 {
            var moved = false
            for position in 1..<max(fragments.count, 1) {
                let fragment = fragments[position]
                guard !fragment.isNew,
                      let start = allocator.allocate(header.segmentsPerPair, below: fragment.pairSegment) else { continue }
                uncommittedRuns.insert(start)
                release(SegmentRun(start: fragment.pairSegment, count: header.segmentsPerPair))
                fragment.pairSegment = start
                fragment.isNew = true
                fragment.isDirty = true
                fragments[position - 1].isDirty = true
                report.fragmentsMoved += 1
                moved = true
            }
            var order = records.indices.filter { records[$0].map { $0.run.count > 0 } ?? false }
            order.sort { records[$0]!.run.start < records[$1]!.run.start }
            for id in order {
                let record = records[id]!
                guard let start = allocator.allocate(record.run.count, below: record.run.start) else { continue }
                uncommittedRuns.insert(start)
                let stored = try readStored(record.entry)
                var padded = stored
                padded.append(contentsOf: repeatElement(0, count: Int(record.run.count) * Int(header.segmentSize) - stored.count))
                try storeWrite(padded, at: byteOffset(ofSegment: start))
                needsBarrier = true
                release(record.run)
                records[id]!.run = SegmentRun(start: start, count: record.run.count)
                records[id]!.entry.segmentStart = start
                record.fragment.isDirty = true
                report.filesMoved += 1
                moved = true
            }
            try flush()
            if !moved { break }
        }
        report.fragmentsAfter = fragments.count
        report.bytesAfter = try storeLength()
        return report
    }
}
