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

    // MARK: Z3, Z4, Z5

    mutating func checkEntries(_ store: ByteStore, header: ZestHeader) throws(StoreError) {
        var decoder = ZestContentDecoder()
        var dictionaries: [UInt16: [UInt8]] = [:]
        let entries = walk.entries
        // Dictionaries first: the files need them.
        for found in entries where found.entry.kind == .dictionary {
            guard judgeEntryChecksum(found) else { continue }
            let entry = found.entry
            var problem: String?
            if entry.name != ZestEntry.dictionaryName { problem = "name is not \"/\"" }
            else if entry.dictionaryID == 0 { problem = "id 0" }
            else if entry.originalLength == 0 || entry.originalLength > ZestLimits.maxDictionaryBytes { problem = "\(entry.originalLength) bytes" }
            else if dictionaries[entry.dictionaryID] != nil { problem = "id \(entry.dictionaryID) repeated" }
            else if dictionaries.count >= ZestLimits.maxDictionaries { problem = "more than \(ZestLimits.maxDictionaries) dictionaries" }
            if let problem {
                report(ZestFindings.badDictionaryEntry, offset: found.offset, detail: problem)
                drop(found)
                continue
            }
            guard let content = try judgeContent(found, store: store, header: header, decoder: &decoder, dictionaries: [:]) else { continue }
            dictionaries[entry.dictionaryID] = content
            kept.append(ZestKeptEntry(entry: entry, offset: found.offset))
        }
        var fileIndexes: [Int] = []
        for found in entries where found.entry.kind != .dictionary {
            guard judgeEntryChecksum(found) else { continue }
            guard found.entry.kind == .file else {
                report(ZestFindings.unknownKind, offset: found.offset, name: Self.displayName(found.entry.name),
                       actual: String(found.entry.kindByte))
                drop(found)
                continue
            }
            guard try judgeContent(found, store: store, header: header, decoder: &decoder, dictionaries: dictionaries) != nil else { continue }
            var keptEntry = ZestKeptEntry(entry: found.entry, offset: found.offset)
            do throws(NameError) { try FileName.validate(found.entry.name) } catch {
                keptEntry.entry.name = []
                report(ZestFindings.invalidName, offset: found.offset, name: nil, detail: error.description)
                needsTableRebuild = true
            }
            fileIndexes.append(kept.count)
            kept.append(keptEntry)
        }
        resolveNames(fileIndexes)
        checkOverlaps(header: header)
    }

    /// Reports a bad entry CRC; the entry stays a candidate only if its content proves it.
    mutating func judgeEntryChecksum(_ found: ZestWalkEntry) -> Bool {
        if let damagedCRC = found.damagedCRC {
            // Corrected in one byte (§Z4.1): the entry as its CRC proves it.
            report(ZestFindings.entryChecksum, offset: found.crcOffset, name: Self.displayName(found.entry.name),
                   expected: Hex.format(damagedCRC.computed, width: 8), actual: Hex.format(damagedCRC.stored, width: 8))
            needsTableRebuild = true
            return true
        }
        guard !found.isChecksumValid else { return true }
        report(ZestFindings.entryChecksum, offset: found.crcOffset, name: Self.displayName(found.entry.name),
               expected: Hex.format(found.computedCRC, width: 8), actual: Hex.format(found.storedCRC, width: 8))
        needsTableRebuild = true
        return true
    }

    /// Checks lengths, place and content of one entry; reports and drops it when any fails.
    mutating func judgeContent(_ found: ZestWalkEntry, store: ByteStore, header: ZestHeader, decoder: inout ZestContentDecoder,
                               dictionaries: [UInt16: [UInt8]]) throws(StoreError) -> [UInt8]? {
        let entry = found.entry
        let name = Self.displayName(entry.name)
        if let problem = ZestContentDecoder.lengthProblem(entry) {
            if case let .unknownCodec(byte) = problem {
                report(ZestFindings.unknownCodec, offset: found.offset, name: name, actual: String(byte))
            } else {
                report(ZestFindings.inconsistentLengths, offset: found.offset, name: name, detail: problem.reason)
            }
            drop(found)
            return nil
        }
        let segmentSize = UInt64(header.segmentSize)
        let start = UInt64(entry.segmentStart) * segmentSize
        if entry.storedLength > 0 {
            guard entry.segmentStart >= header.firstDataSegment, start <= walk.storeLength,
                  UInt64(entry.storedLength) <= walk.storeLength - start else {
                report(ZestFindings.contentOutsideVolume, offset: found.offset, name: name, actual: String(entry.segmentStart),
                       detail: "\(entry.storedLength) bytes from byte \(Hex.format(start, width: 8)), store of \(walk.storeLength)")
                drop(found)
                return nil
            }
        }
        var dictionary: [UInt8]?
        if entry.kind == .file, entry.codec == .deflate, entry.dictionaryID != 0 {
            guard let bytes = dictionaries[entry.dictionaryID] else {
                report(ZestFindings.missingDictionary, offset: found.offset, name: name, actual: String(entry.dictionaryID))
                drop(found)
                return nil
            }
            dictionary = bytes
        }
        // Decoded in pieces (ZestContentDecoder.stream): a file of 1 GiB is never held whole;
        // only a dictionary's content (at most 32 KiB) is kept.
        let outcome = try decoder.check(entry, dictionary: dictionary, keeping: entry.kind == .dictionary) { (offset, into) throws(StoreError) in
            try store.read(at: start + UInt64(offset), into: into)
        }
        switch outcome {
        case let .success(content):
            return content
        case let .failure(failure):
            switch failure {
            case let .checksumMismatch(storedCRC, computed):
                report(ZestFindings.contentChecksum, offset: start, name: name, expected: Hex.format(storedCRC, width: 8),
                       actual: Hex.format(computed, width: 8))
            case let .inflate(reason):
                report(ZestFindings.decompressionFailed, offset: start, name: name, detail: reason)
            case let .missingDictionary(id), let .damagedDictionary(id):
                report(ZestFindings.missingDictionary, offset: found.offset, name: name, actual: String(id))
            case let .unknownCodec(byte):
                report(ZestFindings.unknownCodec, offset: found.offset, name: name, actual: String(byte))
            case let .inconsistentLengths(detail):
                report(ZestFindings.inconsistentLengths, offset: found.offset, name: name, detail: detail)
            }
            drop(found)
            return nil
        }
    }

    mutating func drop(_ found: ZestWalkEntry) {
        dropped.append(found.offset)
        needsTableRebuild = true
    }

    /// Invalid, duplicate and conflicting names: the file is kept under a lost+found name.
    mutating func resolveNames(_ fileIndexes: [Int]) {
        var taken = Set<[UInt8]>()
        for index in fileIndexes where !kept[index].entry.name.isEmpty { taken.insert(kept[index].entry.name) }
        var seen = Set<[UInt8]>()
        for index in fileIndexes {
            let name = kept[index].entry.name
            if name.isEmpty {
                moveToLostAndFound(index, taken: &taken)
            } else if !seen.insert(name).inserted {
                report(ZestFindings.duplicateName, offset: kept[index].offset, detail: Self.displayName(name))
                moveToLostAndFound(index, taken: &taken)
            }
        }
        // A file whose name is a directory of another file.
        var names = Set<[UInt8]>()
        for index in fileIndexes { names.insert(kept[index].entry.name) }
        var conflicting = Set<[UInt8]>()
        for name in names {
            for position in name.indices where name[position] == UInt8(ascii: "/") && position > 0 {
                let prefix = Array(name[..<position])
                if names.contains(prefix) { conflicting.insert(prefix) }
            }
        }
        for index in fileIndexes where conflicting.contains(kept[index].entry.name) {
            report(ZestFindings.pathConflict, offset: kept[index].offset, detail: Self.displayName(kept[index].entry.name))
            moveToLostAndFound(index, taken: &taken)
        }
        // Attach the new names to the findings that announced the moves.
        for (position, finding) in findings.enumerated() where finding.context.name == nil {
            guard [ZestFindings.invalidName.code, ZestFindings.duplicateName.code, ZestFindings.pathConflict.code].contains(finding.code),
                  let offset = finding.context.offset,
                  let index = fileIndexes.first(where: { kept[$0].offset == offset }) else { continue }
            findings[position].context.name = Self.displayName(kept[index].entry.name)
        }
    }

    mutating func moveToLostAndFound(_ index: Int, taken: inout Set<[UInt8]>) {
        let base = "/lost+found/zest-" + String(kept[index].offset, radix: 16)
        var candidate = Array(base.utf8)
        var suffix = 2
        while taken.contains(candidate) {
            candidate = Array((base + "-\(suffix)").utf8)
            suffix += 1
        }
        taken.insert(candidate)
        renamed.append((from: Self.displayName(kept[index].entry.name), to: String(decoding: candidate, as: UTF8.self)))
        kept[index].entry.name = candidate
        needsTableRebuild = true
    }

    /// Content runs must not overlap one another nor a fragment pair.
    mutating func checkOverlaps(header: ZestHeader) {
        struct Span { var run: SegmentRun; var keptIndex: Int?; var label: String }
        var spans: [Span] = []
        for fragment in walk.fragments.dropFirst() {
            spans.append(Span(run: SegmentRun(start: fragment.pairSegment, count: header.segmentsPerPair), keptIndex: nil,
                              label: "the fragment pair at segment \(fragment.pairSegment)"))
        }
        for (index, kept) in kept.enumerated() {
            let run = SegmentRun(start: kept.entry.segmentStart, count: kept.entry.segmentCount(segmentSize: header.segmentSize))
            if run.count > 0 { spans.append(Span(run: run, keptIndex: index, label: Self.displayName(kept.entry.name))) }
        }
        spans.sort { $0.run.start < $1.run.start }
        var reach: (end: UInt64, label: String, isEntry: Bool)?
        for span in spans {
            if let previous = reach, previous.end > UInt64(span.run.start) {
                let name = span.keptIndex.map { Self.displayName(kept[$0].entry.name) } ?? span.label
                report(ZestFindings.overlap, offset: UInt64(span.run.start) * UInt64(header.segmentSize), name: name,
                       actual: "\(span.run.start)..<\(span.run.end)", detail: previous.label)
                needsTableRebuild = true
                // Two entries: the later gets its own copy. An entry and an old fragment
                // pair: the rebuilt table moves every pair, so nothing needs copying.
                if let index = span.keptIndex, previous.isEntry { kept[index].needsCopy = true }
            }
            if reach == nil || span.run.end > reach!.end {
                reach = (span.run.end, span.label, span.keptIndex != nil)
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

extension ZestWalk {
    /// Both header copies are unusable: walks the table with every possible segment size
    /// and keeps the one under which the most sampled entries have intact content.
    mutating func inferHeader(_ store: ByteStore) throws(StoreError) {
        guard storeLength >= UInt64(ZestLimits.zatHeadOffset + ZestLimits.fragmentPairSize) else { return }
        var bestSize = UInt32(ZestLimits.defaultSegmentSize)
        var bestScore = -1
        var size = UInt32(ZestLimits.maxSegmentSize)
        // Largest first, so that a tie (an empty table) keeps the default 4096.
        while size >= UInt32(ZestLimits.minSegmentSize) {
            var candidate = self
            try candidate.walkChain(store, segmentSize: size)
            let score = try candidate.intactContentScore(store, segmentSize: size)
            if score > bestScore {
                bestScore = score
                bestSize = size
            }
            size /= 2
        }
        header = ZestHeader(segmentSize: bestSize)
        headerSource = .inferred
        try walkChain(store, segmentSize: bestSize)
    }

    /// Fragments walked plus entries (up to 64 sampled) whose content checks out when
    /// segments are `segmentSize` bytes.
    func intactContentScore(_ store: ByteStore, segmentSize: UInt32) throws(StoreError) -> Int {
        var decoder = ZestContentDecoder()
        var score = fragments.filter(\.isReadable).count
        var dictionaries: [UInt16: [UInt8]] = [:]
        let sampled = entries.filter { $0.isChecksumValid && $0.entry.storedLength > 0 }
        for found in sampled.sorted(by: { ($0.entry.kindByte, $0.offset) > ($1.entry.kindByte, $1.offset) }).prefix(64) {
            let entry = found.entry
            let start = UInt64(entry.segmentStart) * UInt64(segmentSize)
            guard ZestContentDecoder.lengthProblem(entry) == nil, start <= storeLength,
                  UInt64(entry.storedLength) <= storeLength - start else { continue }
            let dictionary = entry.kind == .file && entry.dictionaryID != 0 ? dictionaries[entry.dictionaryID] : nil
            let outcome = try decoder.check(entry, dictionary: dictionary, keeping: entry.kind == .dictionary) { (offset, into) throws(StoreError) in
                try store.read(at: start + UInt64(offset), into: into)
            }
            if case let .success(content) = outcome {
                score += 16
                if entry.kind == .dictionary { dictionaries[entry.dictionaryID] = content }
            }
        }
        return score
    }
}
