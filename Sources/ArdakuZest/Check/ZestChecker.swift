import ArdakuFormat

/// What `ZestChecker.repair` found and did.
public struct ZestRepairReport: Sendable {
    /// The findings before the repair.
    public var findings: [Finding]
    /// True when the repair wrote anything.
    public var changedVolume = false
    /// Files still in the volume afterwards.
    public var keptFiles = 0
    /// Entries dropped because their content is provably unreadable, by entry offset.
    public var droppedEntries: [UInt64] = []
    /// Files kept under a new name (invalid, duplicate or conflicting names).
    public var renamedFiles: [(from: String, to: String)] = []
}

/// Offline check and repair of a ZEST volume, for fsck and dumpfs.
///
/// `verify` never throws on damage: every problem becomes a `Finding` with a stable code
/// from `ZestFindings`. `repair` keeps every file whose entry and content are intact and
/// rebuilds the table around them; it drops only entries whose content is provably
/// unreadable, after reporting them.
public enum ZestChecker {
    /// Every problem in the volume in `store`, header to free space. Reads all content.
    ///
    /// - Parameter volume: the name findings carry in `context.volume` (the Ardaku file
    ///   holding the volume, or a host path; "" for none).
    ///   - isNested: the volume is a file of an Ardaku volume, whose writes are
    ///     copy-on-write transactions: a bad slot there is damage, never a torn write (§Z4.2).
    public static func verify(_ store: ByteStore, volume: String = "", isNested: Bool = false) throws(StoreError) -> [Finding] {
        try ZestAnalysis.analyze(store, volume: volume, isNested: isNested).findings
    }

    /// Repairs the volume in `store`; see the type's description.
    ///
    /// - Returns: the findings before the repair and what was done about them.
    public static func repair(_ store: ByteStore, volume: String = "", isNested: Bool = false) throws(ZestError) -> ZestRepairReport {
        let analysis: ZestAnalysis
        do throws(StoreError) {
            analysis = try ZestAnalysis.analyze(store, volume: volume, isNested: isNested)
        } catch { throw ZestError(store: error) }
        var report = ZestRepairReport(findings: analysis.findings)
        guard !analysis.findings.isEmpty, !analysis.isUnsupported else { return report }
        guard !store.isReadOnly else { throw ZestError(.readOnly) }
        report.changedVolume = true
        if analysis.isTooShort {
            _ = try ZestVolume.create(in: store)
            return report
        }
        guard let header = analysis.walk.header else { return report }
        // A store cut inside a segment (Z6002) may keep content in its last, partial segment,
        // which the rebuild's writes and opening the volume take as lying outside the data
        // area: whole segments first (the end of the repair cuts the store to the new table).
        let segmentSize = UInt64(header.segmentSize)
        if store.length % segmentSize != 0 {
            do throws(StoreError) {
                try store.setLength((store.length / segmentSize + 1) * segmentSize)
            } catch { throw ZestError(store: error) }
        }
        if analysis.needsHeaderRewrite {
            // Both copies, each in its own write; the seal copies between them stay.
            do throws(StoreError) {
                for offset in [0, ZestLimits.backupHeaderOffset] { try store.write(at: UInt64(offset), header.encoded()) }
                try store.flush()
            } catch { throw ZestError(store: error) }
        }
        if analysis.needsTableRebuild { try rebuildTable(store, header: header, analysis: analysis) }
        report.droppedEntries = analysis.dropped
        report.renamedFiles = analysis.renamed
        // Free space is whatever the new table does not use: cut or pad the store to it.
        let volume = try ZestVolume.open(store)
        // A rebuilt table was sealed by its commit; otherwise a damaged or stale seal is
        // rewritten for the table as it is.
        if analysis.needsSealRewrite && !analysis.needsTableRebuild { try volume.writeSeal() }
        let length = max(volume.byteOffset(ofSegment: volume.allocator.end),
                         UInt64(ZestLimits.zatHeadOffset + ZestLimits.fragmentPairSize))
        do throws(StoreError) {
            if store.length != length { try store.setLength(length) }
            try store.flush()
        } catch { throw ZestError(store: error) }
        report.keptFiles = volume.fileCount
        return report
    }

    /// Writes a new table holding the kept entries: new pairs in space nothing old uses,
    /// then the head's other slot, which switches to the new chain in one write.
    static func rebuildTable(_ store: ByteStore, header: ZestHeader, analysis: ZestAnalysis) throws(ZestError) {
        let walk = analysis.walk
        let segmentSize = UInt64(header.segmentSize)
        // The repair padded a partial last segment: it counts, and what it holds is protected.
        let storeSegments = (walk.storeLength + segmentSize - 1) / segmentSize
        // Until the switch the old table is current: nothing it references may be overwritten.
        var protected: [SegmentRun] = []
        for fragment in walk.fragments.dropFirst() {
            protected.append(SegmentRun(start: fragment.pairSegment, count: header.segmentsPerPair))
        }
        for found in walk.entries {
            let start = found.entry.segmentStart
            guard start >= header.firstDataSegment, UInt64(start) < storeSegments else { continue }
            let count = min(UInt64(found.entry.segmentCount(segmentSize: header.segmentSize)), storeSegments - UInt64(start))
            if count > 0 { protected.append(SegmentRun(start: start, count: UInt32(count))) }
        }
        let volume = ZestVolume(store: store, header: header, compressionLevel: 6,
                                allocator: SegmentAllocator(firstDataSegment: header.firstDataSegment, used: protected))
        let headFound = walk.fragments[0]
        let head: ZestVolume.FragmentState
        if let current = headFound.currentSlot, let trailer = headFound.slots[current].trailer {
            // A corrected current slot still holds its damaged byte on disk: the new head
            // image goes over it, and the other slot stays the fallback.
            let writeOver = headFound.slots[current].correction != nil ? 1 - current : current
            head = .init(pairSegment: header.zatHead, generation: trailer.generation, currentSlot: writeOver, recordIDs: [], entryBytes: 0)
        } else if let damaged = headFound.damagedCommittedSlot, let trailer = headFound.slots[damaged].trailer,
                  headFound.slots[1 - damaged].trailer?.isValid == true {
            // The damaged committed slot is replaced; the older valid slot stays the fallback.
            head = .init(pairSegment: header.zatHead, generation: trailer.generation, currentSlot: 1 - damaged, recordIDs: [], entryBytes: 0)
        } else {
            // Neither head slot is valid: write slot 0 and clear slot 1.
            head = .init(pairSegment: header.zatHead, generation: 0, currentSlot: 1, recordIDs: [], entryBytes: 0)
            head.isNew = true
        }
        head.isDirty = true
        volume.fragments = [head]
        var current = head
        for kept in analysis.kept {
            var entry = kept.entry
            var run = SegmentRun(start: entry.segmentStart, count: entry.segmentCount(segmentSize: header.segmentSize))
            if kept.needsCopy {
                let stored = try volume.readStored(entry)
                run = try volume.writeContent(stored)
                entry.segmentStart = run.start
            }
            if current.room < entry.encodedSize {
                let pair = try volume.allocate(header.segmentsPerPair)
                current = .init(pairSegment: pair.start, generation: 0, currentSlot: 1, recordIDs: [], entryBytes: 0)
                current.isNew = true
                current.isDirty = true
                volume.fragments.append(current)
            }
            let id = volume.newRecordID()
            volume.records[id] = ZestVolume.Record(entry: entry, fragment: current, run: run)
            current.recordIDs.append(id)
            current.entryBytes += entry.encodedSize
        }
        volume.needsBarrier = true
        try volume.flush()
        // The new head went over one slot; a corrected slot left as the fallback still holds
        // its damaged byte, which the next check would report again (Z2009). Now that the new
        // head is durable, that slot gets its corrected bytes (the walk already proved them).
        for slot in headFound.slots where slot.correction != nil {
            do throws(StoreError) {
                var bytes = try store.read(at: slot.offset, count: ZestLimits.fragmentSize)
                guard let fix = SingleByteCorrection.find(in: bytes, coveredStart: 0, crcOffset: ZestFragmentSlot.crcOffset),
                      fix == slot.correction else { continue }
                SingleByteCorrection.apply(fix, to: &bytes, coveredStart: 0, crcOffset: ZestFragmentSlot.crcOffset)
                try store.write(at: slot.offset, bytes)
                try store.flush()
            } catch { throw ZestError(store: error) }
        }
    }
}

/// An entry the repair keeps, possibly renamed or needing its own copy of the content.
struct ZestKeptEntry {
    var entry: ZestEntry
    var offset: UInt64
    var needsCopy = false
}

/// The judgement of one volume: findings, and what a repair would keep.
struct ZestAnalysis {
    var walk: ZestWalk
    var volume: String
    /// A file of an Ardaku volume: no torn writes (§Z4.2).
    var isNested = false
    var findings: [Finding] = []
    var kept: [ZestKeptEntry] = []
    var dropped: [UInt64] = []
    var renamed: [(from: String, to: String)] = []
    var isUnsupported = false
    var isTooShort = false
    var needsHeaderRewrite = false
    var needsTableRebuild = false
    var needsSealRewrite = false

    static let minimumLength = UInt64(ZestLimits.zatHeadOffset + ZestLimits.fragmentPairSize)

    mutating func report(_ kind: FindingKind, offset: UInt64? = nil, name: String? = nil, expected: String? = nil,
                         actual: String? = nil, detail: String? = nil) {
        findings.append(Finding(kind, FindingContext(volume: volume, name: name, offset: offset, expected: expected,
                                                     actual: actual, detail: detail)))
    }

    static func analyze(_ store: ByteStore, volume: String, isNested: Bool = false) throws(StoreError) -> ZestAnalysis {
        var analysis = ZestAnalysis(walk: try ZestWalk.walk(store, isNested: isNested), volume: volume, isNested: isNested)
        try analysis.run(store)
        return analysis
    }

    mutating func run(_ store: ByteStore) throws(StoreError) {
        guard walk.storeLength >= Self.minimumLength else {
            report(ZestFindings.volumeTooShort, expected: String(Self.minimumLength), actual: String(walk.storeLength))
            isTooShort = true
            return
        }
        checkHeader()
        guard !isUnsupported, let header = walk.header else { return }
        checkChain()
        checkSeal()
        try checkEntries(store, header: header)
        reportRollbackLosses()
        checkFreeSpace(header: header)
    }

    // MARK: Z1 commit seal

    /// A damaged seal copy is rewritten; a seal that names another table than the one read
    /// (a commit ended before its seal, or an older writer) is information, in a standalone
    /// volume only. A volume with
    /// no seal at all (written before seals) is not reported.
    mutating func checkSeal() {
        for (index, copy) in walk.sealCopies.enumerated() where copy == .damaged {
            report(ZestFindings.sealDamaged, offset: UInt64(ZestCommitSeal.copyOffsets[index]))
            needsSealRewrite = true
        }
        // In a nested volume the seal decides nothing (no slot there is torn): a stale one
        // is not worth a line.
        if !isNested, let seal = walk.seal, !walk.sealDescribesTable,
           !walk.fragments.contains(where: { $0.damagedCommittedSlot != nil }) {
            report(ZestFindings.sealStale, offset: UInt64(ZestCommitSeal.copyOffsets[0]), actual: String(seal.commitCount))
            needsSealRewrite = true
        }
    }

    /// Completes each Z2008 finding with what the choice between the two slots means, by
    /// name: the files of the damaged slot the older slot lacks (a rollback would lose
    /// them; the repair keeps those whose entry and content verify), and the files of the
    /// older slot the salvage did not find (deleted by the last commit, or lost with the
    /// damaged bytes: the slot cannot tell which).
    mutating func reportRollbackLosses() {
        let keptByFragment = Dictionary(grouping: kept.filter { !$0.entry.name.isEmpty }, by: { kept in
            walk.fragments.first(where: { kept.offset >= $0.offset && kept.offset - $0.offset < UInt64(ZestLimits.fragmentPairSize) })?.index ?? -1
        })
        for (position, finding) in findings.enumerated() where finding.code == ZestFindings.damagedCommittedSlot.code {
            guard let fragment = walk.fragments.first(where: { fragment in
                fragment.damagedCommittedSlot.map { fragment.slots[$0].offset } == finding.context.offset
            }) else { continue }
            let salvaged = Set((keptByFragment[fragment.index] ?? []).map(\.entry.name))
            let older = Set(fragment.olderSlotNames)
            let newer = salvaged.subtracting(older).sorted { $0.lexicographicallyPrecedes($1) }
            let missing = older.subtracting(salvaged).subtracting([ZestEntry.dictionaryName]).sorted { $0.lexicographicallyPrecedes($1) }
            var parts = [findings[position].context.detail ?? ""]
            parts.append("a rollback to the older slot would lose \(Self.nameList(newer)), kept from the damaged slot")
            if !missing.isEmpty {
                parts.append("not found in the damaged slot (deleted by its commit, or lost): \(Self.nameList(missing))")
            }
            findings[position].context.detail = parts.filter { !$0.isEmpty }.joined(separator: "; ")
        }
    }

    /// "3 files: /a, /b, /c", with at most `limit` names shown.
    static func nameList(_ names: [[UInt8]], limit: Int = 16) -> String {
        guard !names.isEmpty else { return "no file" }
        let shown = names.prefix(limit).map(displayName).joined(separator: ", ")
        let more = names.count > limit ? " and \(names.count - limit) more" : ""
        return "\(names.count) file\(names.count == 1 ? "" : "s"): \(shown)\(more)"
    }

    // MARK: Z1

    mutating func checkHeader() {
        let primary = walk.headerCopies[0], backup = walk.headerCopies[1]
        switch (primary.header, backup.header) {
        case (.some, .some):
            if primary.bytes != backup.bytes {
                report(ZestFindings.headerCopiesDiffer, offset: backup.offset, detail: "backup differs from primary")
                needsHeaderRewrite = true
            }
        case (.none, .some):
            report(ZestFindings.primaryHeaderDamaged, offset: primary.offset, detail: Self.reason(primary.decoded))
            needsHeaderRewrite = true
        case (.some, .none):
            report(ZestFindings.backupHeaderDamaged, offset: backup.offset, detail: Self.reason(backup.decoded))
            needsHeaderRewrite = true
        case (.none, .none):
            // A version or feature bit this code does not know: leave the volume alone.
            for copy in [primary, backup] {
                if case let .failure(error) = copy.decoded {
                    switch error.kind {
                    case .unsupportedVersion, .unknownFeatures:
                        report(ZestFindings.unsupportedHeader, offset: copy.offset, detail: error.reason)
                        isUnsupported = true
                        return
                    default: break
                    }
                }
            }
            report(ZestFindings.bothHeadersDamaged, offset: 0, actual: walk.header.map { String($0.segmentSize) },
                   detail: Self.reason(primary.decoded))
            needsHeaderRewrite = true
        }
    }

    static func reason(_ decoded: Result<ZestHeader, FormatError>) -> String {
        if case let .failure(error) = decoded { return error.reason }
        return "intact"
    }

    // MARK: Z2

    mutating func checkChain() {
        switch walk.chainEnd {
        case .terminated, .notWalked: break
        case let .loop(from, target):
            report(ZestFindings.chainLoop, offset: walk.fragments[from].readOffset, actual: String(target))
            needsTableRebuild = true
        case let .outOfRange(from, target):
            report(ZestFindings.linkOutOfRange, offset: walk.fragments[from].readOffset, actual: String(target))
            needsTableRebuild = true
        case let .tooLong(count):
            // Only overlapping pairs could make a chain this long without a loop.
            report(ZestFindings.chainLoop, offset: walk.fragments.last?.readOffset, actual: "more than \(count) fragments")
            needsTableRebuild = true
        }
        for fragment in walk.fragments {
            for slot in fragment.slots {
                if let corrected = slot.correctedOffset {
                    report(ZestFindings.correctedSlot, offset: slot.offset, actual: Hex.format(corrected, width: 8))
                    needsTableRebuild = true
                }
            }
            if let current = fragment.currentSlot {
                if let other = fragment.slots[1 - current].trailer, !other.isBlank, !other.isValid {
                    report(ZestFindings.tornSlot, offset: fragment.slots[1 - current].offset)
                    needsTableRebuild = true
                }
            } else if let damaged = fragment.damagedCommittedSlot, let trailer = fragment.slots[damaged].trailer {
                let proof = walk.sealDescribesTable ? "the commit seal names this slot" : "a nested volume has no torn writes"
                report(ZestFindings.damagedCommittedSlot, offset: fragment.slots[damaged].offset,
                       detail: "CRC32 stored \(Hex.format(trailer.storedCRC, width: 8)), computed \(Hex.format(trailer.computedCRC, width: 8)); \(proof)")
                needsTableRebuild = true
            } else {
                let detail = fragment.slots.map { slot -> String in
                    guard let trailer = slot.trailer else { return "truncated" }
                    if trailer.isBlank { return "blank" }
                    return "stored \(Hex.format(trailer.storedCRC, width: 8)), computed \(Hex.format(trailer.computedCRC, width: 8))"
                }.joined(separator: "; ")
                report(ZestFindings.fragmentChecksum, offset: fragment.offset, detail: detail)
                needsTableRebuild = true
            }
            if let error = fragment.entryError {
                report(ZestFindings.badEntrySize, offset: error.address?.rawValue, actual: fragment.badEntrySize.map { String($0) })
                needsTableRebuild = true
            }
            if let tail = fragment.nonZeroTailOffset {
                report(ZestFindings.nonZeroTail, offset: tail)
                needsTableRebuild = true
            }
        }
    }

    // MARK: Z6

    mutating func checkFreeSpace(header: ZestHeader) {
        let segmentSize = UInt64(header.segmentSize)
        var end = UInt64(header.firstDataSegment)
        for fragment in walk.fragments.dropFirst() where fragment.isReadable || fragment.readSlot != nil {
            end = max(end, UInt64(fragment.pairSegment) + UInt64(header.segmentsPerPair))
        }
        // Every entry whose content lies in the store counts, dropped or not: the tail is
        // free only when nothing at all refers to it (a dropped file is reported on its own).
        for found in walk.entries where found.entry.storedLength > 0 {
            let entryEnd = UInt64(found.entry.segmentStart) + UInt64(found.entry.segmentCount(segmentSize: header.segmentSize))
            if entryEnd * segmentSize <= walk.storeLength + segmentSize { end = max(end, entryEnd) }
        }
        for kept in kept {
            end = max(end, UInt64(kept.entry.segmentStart) + UInt64(kept.entry.segmentCount(segmentSize: header.segmentSize)))
        }
        let usedLength = end * segmentSize
        if walk.storeLength % segmentSize != 0 {
            report(ZestFindings.partialSegment, expected: String(max(usedLength, walk.storeLength / segmentSize * segmentSize)),
                   actual: String(walk.storeLength), detail: String(segmentSize))
        } else if walk.storeLength > usedLength {
            report(ZestFindings.freeTail, offset: usedLength, expected: String(usedLength),
                   detail: String(walk.storeLength - usedLength))
        }
    }

    static func displayName(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}
