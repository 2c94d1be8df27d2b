import ArdakuFormat

extension Checker {
    /// A record found where no name leads, waiting to be classified.
    struct Candidate {
        var subpage: Int
        var fileID: UInt64
        var generation: UInt64
    }

    /// Candidates are classified in batches of this many, so that memory stays bounded
    /// whatever the number of lost records.
    static let candidateBatch = 1 << 16

    /// Pass 4: cross-checks (docs/FORMAT.md §12.4).
    ///
    /// Looks for records no name leads to, in the places a crash or damage can leave them:
    /// every subpage of a page the bitfield marks used that nothing claims, the unclaimed
    /// subpages of record pages, and the records a name led to under another name. Each
    /// live record of this volume found there (its checksum must hold) is classified:
    /// written by a commit that never happened (generation past page 0's), superseded by a
    /// newer record of the same file that is reached, replaced (a reached record at least as
    /// new names its file id as the file a rename over it replaced), or an orphan, which is kept: restored
    /// under its own name when pass 2 found the trie damaged, else reattached under
    /// /lost+found. Then reports pages claimed by more than one file and files that share
    /// an id.
    func checkCrossReferences() -> Bool {
        let candidates = Bitmap(count: subpageCount)
        let claimed = reachablePages()
        forEachUsedButUnclaimed(claimed) { page in
            for slot in 0..<Geometry.subpagesPerPage { candidates.insert(page * 4 + slot) }
        }
        recordPages.forEach { page in
            for slot in 0..<Geometry.subpagesPerPage where !reached.contains(page * 4 + slot) { candidates.insert(page * 4 + slot) }
            return true
        }
        mismatchTargets.forEach { subpage in
            let page = subpage >> 2
            // A record one name leads to under another name may also be reached by its own.
            if !reached.contains(subpage) && !metadataPages.contains(page) && !extensionPages.contains(page) && !dataPages.contains(page) { candidates.insert(subpage) }
            return true
        }

        var batch: [Candidate] = []
        var examined: UInt64 = 0
        var candidateCount = UInt64(candidates.cardinality)
        let foundOrphans = Bitmap(count: subpageCount)
        let examinedSubpages = candidates.copy()
        var pending = candidates
        while !pending.isEmpty {
            let orphansBefore = foundOrphans.copy()
            var hints: [Range<UInt64>] = []
            pending.forEach { subpage in
                hints.append(Checker.recordRange(subpage))
                if hints.count == Checker.dataBatch { store.willRead(hints); hints.removeAll(keepingCapacity: true) }
                return true
            }
            store.willRead(hints)
            pending.forEach { subpage in
                examined += 1
                if examined & 0x3FF == 0 { progress(examined, of: candidateCount) }
                guard let bytes = subpageBytes(subpage), ByteReader.uint32(in: bytes, at: FileRecord.Offset.magic) == FileRecord.magic,
                      case .success(let record) = RecordView.read(bytes), record.checksumMatches,
                      record.uuidMatches(system.uuid) else { return true }
                if record.generation > system.generation {
                    garbage.insert(subpage)
                    emit(ArdakuFindings.uncommittedRecord, recordContext(record, subpage, expected: String(system.generation),
                                                                         actual: String(record.generation)))
                    return true
                }
                batch.append(Candidate(subpage: subpage, fileID: record.fileID, generation: record.generation))
                if batch.count == Checker.candidateBatch {
                    classifyCandidates(batch, into: foundOrphans)
                    batch.removeAll(keepingCapacity: true)
                }
                return true
            }
            if !batch.isEmpty { classifyCandidates(batch, into: foundOrphans) }
            batch.removeAll(keepingCapacity: true)

            // An orphan makes its page a record page: once the repair reattaches it, a check
            // reads that page's other subpages for lost records, so this one does too (a
            // record page no name reached, marked free, was not among the candidates).
            let more = Bitmap(count: subpageCount)
            foundOrphans.forEach { subpage in
                guard !orphansBefore.contains(subpage) else { return true }
                let page = subpage >> 2
                recordPages.insert(page)
                for slot in 0..<Geometry.subpagesPerPage where !reached.contains(page * 4 + slot) {
                    if examinedSubpages.testAndInsert(page * 4 + slot) {
                        more.insert(page * 4 + slot)
                        candidateCount += 1
                    }
                }
                return true
            }
            pending = more
        }

        // The orphans kept are checked like reached records: extension pages first.
        claimExtensionPages(of: foundOrphans)
        foundOrphans.forEach { subpage in
            checkRecord(subpage)
            keep.insert(subpage)
            orphans.insert(subpage)
            return true
        }
        checkLinkCounts()
        reportSharedPages()
        reportSharedFileIDs()
        currentStatistics.items = examined
        return true
    }

    /// Calls `body` with each allocatable page the bitfield marks used that `claimed` does
    /// not hold, ascending.
    func forEachUsedButUnclaimed(_ claimed: Bitmap, _ body: (Int) -> Void) {
        let range = allocatable
        guard !range.isEmpty else { return }
        for word in (range.lowerBound / 64)...((range.upperBound - 1) / 64) {
            var bits = bitfieldWord(word) & ~claimed.word(word)
            while bits != 0 {
                let page = word * 64 + bits.trailingZeroBitCount
                bits &= bits - 1
                if range.contains(page) { body(page) }
            }
        }
    }

    private func recordContext(_ record: RecordView, _ subpage: Int, expected: String? = nil, actual: String? = nil,
                               detail: String? = nil) -> FindingContext {
        FindingContext(name: Checker.display(record.name), page: UInt32(subpage >> 2), subpage: UInt32(subpage),
                       offset: UInt64(subpage) << 14, expected: expected, actual: actual, detail: detail)
    }

    /// Superseded or orphan, for one batch of candidates.
    private func classifyCandidates(_ batch: [Candidate], into foundOrphans: Bitmap) {
        // The newest generation among reached records of each candidate's file id, and
        // among reached records that name it as the file a rename replaced (FORMAT §12.4).
        var newestReached: [UInt64: UInt64] = [:]
        var newestReplacing: [UInt64: UInt64] = [:]
        let wanted = Set(batch.map(\.fileID))
        reached.forEach { subpage in
            guard let bytes = subpageBytes(subpage),
                  let generation = ByteReader.uint64(in: bytes, at: RecordView.generationOffset) else { return true }
            if let id = ByteReader.uint64(in: bytes, at: RecordView.fileIDOffset), wanted.contains(id) {
                newestReached[id] = max(newestReached[id] ?? 0, generation)
            }
            if let replaced = ByteReader.uint64(in: bytes, at: FileRecord.Offset.replacedFileID), replaced != 0, wanted.contains(replaced) {
                newestReplacing[replaced] = max(newestReplacing[replaced] ?? 0, generation)
            }
            return true
        }
        // Among lost records of the same file, the newest wins; the rest are superseded by it.
        var newestLost: [UInt64: (generation: UInt64, subpage: Int)] = [:]
        for candidate in batch {
            if let best = newestLost[candidate.fileID], best.generation >= candidate.generation { continue }
            newestLost[candidate.fileID] = (candidate.generation, candidate.subpage)
        }
        for candidate in batch {
            guard let record = recordView(candidate.subpage) else { continue }
            let superseded: Bool
            if let reachedGeneration = newestReached[candidate.fileID], reachedGeneration >= candidate.generation {
                superseded = true
            } else {
                superseded = newestLost[candidate.fileID]?.subpage != candidate.subpage
            }
            if superseded {
                garbage.insert(candidate.subpage)
                emit(ArdakuFindings.supersededRecord, recordContext(record, candidate.subpage, actual: String(candidate.generation)))
                continue
            }
            if let replacing = newestReplacing[candidate.fileID], replacing >= candidate.generation {
                garbage.insert(candidate.subpage)
                emit(ArdakuFindings.replacedRecord, recordContext(record, candidate.subpage, expected: String(replacing),
                                                                  actual: String(candidate.generation)))
                continue
            }
            foundOrphans.insert(candidate.subpage)
            let kind = trieDamaged ? ArdakuFindings.lostFromDamagedTrie : ArdakuFindings.orphanRecord
            if let index = emit(kind, recordContext(record, candidate.subpage, detail: String(candidate.fileID))) {
                noteFindings[candidate.subpage] = index
            }
        }
    }

    /// One A4001 per page claimed by more than one file, naming (up to four of) its users.
    /// Every user is rewritten: the first keeps the page, the others get copies.
    private func reportSharedPages() {
        guard !sharedPages.isEmpty else { return }
        var users: [Int: (names: [String], count: Int)] = [:]
        keep.forEach { subpage in
            guard let record = recordView(subpage) else { return true }
            let plan = entryPlan(record, subpage: subpage, name: "", report: false)
            var uses = false
            forEachEntry(record, plan) { ordinal, entry, lost in
                guard case .data(let page) = classify(entry, lost: lost), sharedPages.contains(page) else { return }
                uses = true
                var entry = users[page] ?? ([], 0)
                if entry.names.count < 4 { entry.names.append("\(Checker.display(record.name)) (page \(ordinal))") }
                entry.count += 1
                users[page] = entry
            }
            if uses { rewrite.insert(subpage) }
            return true
        }
        for page in users.keys.sorted() {
            guard let entry = users[page] else { continue }
            let more = entry.count > entry.names.count ? " and \(entry.count - entry.names.count) more" : ""
            emit(ArdakuFindings.pageClaimedTwice, FindingContext(page: UInt32(page), offset: UInt64(page) << 16,
                                                                 detail: entry.names.joined(separator: ", ") + more))
        }
    }

    /// One A4006 per file whose id another kept file (earlier in subpage order) has.
    private func reportSharedFileIDs() {
        guard !fileIDHashCollided.isEmpty else { return }
        var suspects: [(id: UInt64, subpage: Int)] = []
        keep.forEach { subpage in
            guard let bytes = subpageBytes(subpage), let id = ByteReader.uint64(in: bytes, at: RecordView.fileIDOffset),
                  fileIDHashCollided.contains(fileIDHash(id)) else { return true }
            suspects.append((id, subpage))
            return true
        }
        suspects.sort { $0.id != $1.id ? $0.id < $1.id : $0.subpage < $1.subpage }
        var index = 1
        while index < suspects.count {
            let (id, subpage) = suspects[index]
            if suspects[index - 1].id == id, let record = recordView(subpage) {
                var first = index - 1
                while first > 0 && suspects[first - 1].id == id { first -= 1 }
                let other = recordView(suspects[first].subpage).map { Checker.display($0.name) } ?? "?"
                if let finding = emit(ArdakuFindings.sharedFileID, recordContext(record, subpage, actual: String(id), detail: other)) {
                    noteFindings[subpage] = noteFindings[subpage] ?? finding
                }
                newIDNeeded.insert(subpage)
                rewrite.insert(subpage)
            }
            index += 1
        }
    }
}
