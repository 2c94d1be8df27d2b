import ArdakuFormat

/// What pass 1 made of the header slots: the header to judge by (nil when neither slot
/// holds one), every valid slot's header, and where the data area ends.
struct HeaderVerdict {
    var header: VolumeHeader?
    var slotHeaders: [VolumeHeader]
    var dataEnd: UInt64
}

/// The passes of `Analysis.run`, one function each (as the Ardaku checker's passes are).
extension Analysis {
    /// Pass 1: the header slots and the commit seal. A committed generation whose header is
    /// damaged gets its header rebuilt from its records. Nil when nothing more can be judged
    /// (an unsupported version, or no header and no data area).
    mutating func checkHeaders() -> HeaderVerdict? {
        var header: VolumeHeader?
        var slotHeaders: [VolumeHeader] = []
        var readings: [HeaderSlotReading] = []
        var unreadable = false
        for slot in VolumeHeader.slotOffsets {
            let reading = CASVolume.readHeaderSlot(store, slot: slot)
            readings.append(reading)
            if let decoded = reading.header {
                newestGeneration = max(newestGeneration, decoded.generation)
                slotHeaders.append(decoded)
                if header.map({ decoded.generation > $0.generation }) ?? true { header = decoded }
            } else if reading.isUnsupported, case let .format(format)? = reading.error?.kind {
                report(CASFindings.unsupportedVersion, offset: slot, detail: format.reason)
                unreadable = true
            }
        }
        if unreadable { return nil }
        let sealCopies = CASVolume.readSealCopies(store)
        let seal = CommitSeal.newest(sealCopies)
        for (index, copy) in sealCopies.enumerated() where copy == .damaged {
            report(CASFindings.sealDamaged, offset: CommitSeal.copyOffsets[index])
        }
        // A generation the seal (or, nested, the slot itself) proves committed, whose header
        // is damaged: its records are salvaged below.
        var damagedCommitted: (generation: UInt64, slot: UInt64)?
        let validGeneration = header?.generation ?? 0
        for reading in readings {
            if let corrected = reading.correctedOffset, let decoded = reading.header {
                let detail = "one byte, at \(Hex.format(corrected, width: 8)), is damaged; the header's CRC32 proves the corrected byte"
                if decoded.generation == validGeneration {
                    report(CASFindings.currentHeaderDamaged, offset: reading.slot, actual: String(decoded.generation),
                           detail: detail + "; nothing is lost")
                } else {
                    report(CASFindings.headerSlotInvalid, offset: reading.slot, detail: detail)
                }
                continue
            }
            guard reading.header == nil, let error = reading.error, header != nil else { continue }
            if let seal, seal.generation > validGeneration, VolumeHeader.slotOffsets[Int(seal.generation % 2)] == reading.slot {
                damagedCommitted = (seal.generation, reading.slot)
                report(CASFindings.currentHeaderDamaged, offset: reading.slot, actual: String(seal.generation),
                       detail: "\(error); the commit seal records generation \(seal.generation) as committed")
            } else if isNested, !reading.isBlank, let claimed = reading.claimedGeneration, claimed == validGeneration + 1 {
                damagedCommitted = (claimed, reading.slot)
                report(CASFindings.currentHeaderDamaged, offset: reading.slot, actual: String(claimed),
                       detail: "\(error); a nested volume has no torn writes")
            } else {
                report(CASFindings.headerSlotInvalid, offset: reading.slot, detail: error.description)
            }
        }
        if header == nil {
            for reading in readings where reading.header == nil && !reading.isUnsupported {
                report(CASFindings.headerSlotInvalid, offset: reading.slot, detail: reading.error?.description ?? "unreadable")
            }
        }
        let storeEnd = store.length & ~UInt64(CASLimits.recordAlignment - 1)
        var dataEnd = storeEnd
        if let damagedCommitted, let older = header {
            // The records of the damaged generation were flushed before its header was
            // written (§C5 steps 2-3): rebuild its header from them.
            let searchEnd = max(storeEnd, VolumeHeader.dataStart)
            let scan = CASScan.walk(window, from: VolumeHeader.dataStart, to: searchEnd)
            var indexFound: ScannedRecord?, tagsFound: ScannedRecord?
            var indexEntries = 0, tagEntries = 0
            for record in scan {
                switch record.content {
                case let .index(index) where index.generation == damagedCommitted.generation:
                    indexFound = record
                    indexEntries = index.entries.count
                case let .tagTable(table) where table.generation == damagedCommitted.generation:
                    tagsFound = record
                    tagEntries = table.entries.count
                default: break
                }
            }
            if indexFound != nil || tagsFound != nil {
                var ends = [older.dataEnd]
                if let indexFound { ends.append(indexFound.end) }
                if let tagsFound { ends.append(tagsFound.end) }
                let end = seal.map { $0.generation == damagedCommitted.generation ? max($0.dataEnd, ends.max()!) : ends.max()! } ?? ends.max()!
                header = VolumeHeader(generation: damagedCommitted.generation, dataEnd: end,
                                      indexOffset: indexFound?.offset ?? older.indexOffset,
                                      indexLength: indexFound?.length ?? older.indexLength,
                                      objectCount: indexFound != nil ? UInt32(indexEntries) : older.objectCount,
                                      tagCount: tagsFound != nil ? UInt32(tagEntries) : older.tagCount,
                                      tagTableOffset: tagsFound?.offset ?? older.tagTableOffset,
                                      tagTableLength: tagsFound?.length ?? older.tagTableLength, objectBytes: 0)
                newestGeneration = max(newestGeneration, damagedCommitted.generation)
                let position = findings.lastIndex { $0.code == CASFindings.currentHeaderDamaged.code }!
                let from = [indexFound.map { "index at \(Hex.format($0.offset, width: 8))" },
                            tagsFound.map { "tag table at \(Hex.format($0.offset, width: 8))" }].compactMap { $0 }
                findings[position].context.detail! += "; rebuilt from its records (\(from.joined(separator: ", ")))"
            } else {
                let position = findings.lastIndex { $0.code == CASFindings.currentHeaderDamaged.code }!
                findings[position].context.detail! += "; no record of generation \(damagedCommitted.generation) is intact: "
                    + "rolled back to generation \(older.generation), and what that commit added cannot be named"
            }
        }
        if let header {
            if store.length < header.dataEnd {
                report(CASFindings.storeTruncated, expected: String(header.dataEnd), actual: String(store.length))
                // Judge the records as if the cut bytes were zero (ZeroExtendedStore).
                store = ZeroExtendedStore(store, length: header.dataEnd)
                window = StoreWindow(store)
            } else if store.length > header.dataEnd {
                // Records written past the data end by a put or commit that never
                // completed (§C5): nothing names them; the next commit overwrites or cuts them.
                report(CASFindings.unreferencedTail, offset: header.dataEnd, actual: String(store.length - header.dataEnd))
            }
            dataEnd = header.dataEnd
        } else {
            // Neither slot is valid: the slot findings become one error.
            let reasons = findings.filter { $0.kind.code == CASFindings.headerSlotInvalid.code }.map(\.message)
            findings.removeAll { $0.kind.code == CASFindings.headerSlotInvalid.code }
            report(CASFindings.noValidHeader, detail: reasons.joined(separator: "; "))
            if store.length < VolumeHeader.dataStart { return nil }
        }
        return HeaderVerdict(header: header, slotHeaders: slotHeaders, dataEnd: dataEnd)
    }

    /// Pass 2, after the walk: the index and the tag table the header names (each corrected
    /// in one byte where its CRC proves it; the tags recovered from the previous or newest
    /// table when damaged). Returns the index and the byte ranges the kept records claim.
    mutating func readIndexAndTags(_ verdict: HeaderVerdict, walk: [ScannedRecord])
        -> (index: IndexRecord?, claimed: [(offset: UInt64, length: UInt64)]) {
        let header = verdict.header, slotHeaders = verdict.slotHeaders
        var indexRecord: IndexRecord?
        var claimed: [(offset: UInt64, length: UInt64)] = []
        // The previous generation's records, which the other slot names, are kept (§C5).
        var fallbackTags: (table: TagTableRecord, offset: UInt64, length: Int)?
        if let header, let previous = slotHeaders.first(where: { $0.generation + 1 == header.generation }) {
            if let index = try? CASVolume.readRecord(store, at: previous.indexOffset, length: previous.indexLength, IndexRecord.decode),
               index.generation == previous.generation {
                claimed.append((previous.indexOffset, previous.indexLength))
            }
            if let table = try? CASVolume.readRecord(store, at: previous.tagTableOffset, length: previous.tagTableLength, TagTableRecord.decode),
               table.generation == previous.generation {
                claimed.append((previous.tagTableOffset, previous.tagTableLength))
                fallbackTags = (table, previous.tagTableOffset, Int(previous.tagTableLength))
            }
        }
        if let header {
            switch headerNamedRecord(at: header.indexOffset, length: header.indexLength, kind: .index, label: "index record",
                                     generation: header.generation, claimed: &claimed, IndexRecord.decode, generationOf: { $0.generation }) {
            case let .success(index): indexRecord = index
            case let .failure(unusable): report(CASFindings.indexDamaged, offset: header.indexOffset, detail: unusable.reason)
            }
            var problem: String?
            switch headerNamedRecord(at: header.tagTableOffset, length: header.tagTableLength, kind: .tagTable, label: "tag table record",
                                     generation: header.generation, claimed: &claimed, TagTableRecord.decode, generationOf: { $0.generation }) {
            case let .success(table): tags = table.entries.map { ($0.name, $0.id) }
            case let .failure(unusable): problem = unusable.reason
            }
            if let problem {
                let recovered = fallbackTags ?? newestTagTable(walk)
                tags = recovered?.table.entries.map { ($0.name, $0.id) } ?? []
                let source = recovered.map { "generation \($0.table.generation) at \(Hex.format($0.offset, width: 8))" } ?? "none found, no tags kept"
                report(CASFindings.tagTableDamaged, offset: header.tagTableOffset, detail: "\(problem); tags from: \(source)")
                if let recovered, fallbackTags == nil { claimed.append((recovered.offset, UInt64(recovered.length))) }
            }
            if let indexRecord, indexRecord.entries.count != Int(header.objectCount) || tags.count != Int(header.tagCount) {
                report(CASFindings.headerCountsWrong, expected: "\(indexRecord.entries.count)/\(tags.count)",
                       actual: "\(header.objectCount)/\(header.tagCount)")
            }
        } else if let recovered = newestTagTable(walk) {
            tags = recovered.table.entries.map { ($0.name, $0.id) }
            claimed.append((recovered.offset, UInt64(recovered.length)))
        }
        return (indexRecord, claimed)
    }

    /// Why a record the header names cannot be used.
    struct UnusableRecord: Error { var reason: String }

    /// The record of `kind` the header names (`length` bytes at `offset`), when it is of the
    /// header's `generation`: as read, or else corrected in one byte (C2006, reported and
    /// named by `label`). A usable record's bytes are added to `claimed`.
    mutating func headerNamedRecord<R>(at offset: UInt64, length: UInt64, kind: RecordPrefix.Kind, label: String, generation: UInt64,
                                       claimed: inout [(offset: UInt64, length: UInt64)],
                                       _ decode: (UnsafeRawBufferPointer, UInt64) throws(FormatError) -> R,
                                       generationOf: (R) -> UInt64) -> Result<R, UnusableRecord> {
        do throws(CASError) {
            let record = try CASVolume.readRecord(store, at: offset, length: length, decode)
            guard generationOf(record) == generation else {
                return .failure(UnusableRecord(reason: "it is of generation \(generationOf(record)), the header's is \(generation)"))
            }
            claimed.append((offset, length))
            return .success(record)
        } catch {
            guard let (record, changed) = correctedRecord(at: offset, length: length, kind: kind, decode),
                  generationOf(record) == generation else { return .failure(UnusableRecord(reason: error.description)) }
            report(CASFindings.recordCorrected, offset: offset, actual: Hex.format(changed, width: 8), detail: label)
            claimed.append((offset, length))
            return .success(record)
        }
    }

    /// Pass 3, after the indexed objects: the objects and packs the walk found that the index
    /// does not name (kept when the index is lost, adopted when something references them,
    /// else stray).
    mutating func checkUnindexedObjects(_ walk: [ScannedRecord], indexRecord: IndexRecord?, indexedOffsets: Set<UInt64>) {
        // Objects the walk found that the index does not name.
        var candidates: [ObjectID: GoodObject] = [:]
        var unindexedPacks: [UInt64: Int] = [:]
        for record in walk {
            guard case let .pack(pack) = record.content else { continue }
            let inUse = indexedOffsets.contains(record.offset)
            if !inUse { unindexedPacks[record.offset] = pack.members.count }
            for (k, member) in pack.members.enumerated() {
                let id = member.id
                guard good[id] == nil, candidates[id] == nil, let type = ObjectType(byte: member.typeByte) else { continue }
                let object = CASObject(type, payload: member.payload)
                let candidate = GoodObject(offset: record.offset, recordLength: UInt32(record.length), typeByte: type.byte,
                                           references: (try? object.references()) ?? [],
                                           itemName: type.kind == .item ? (try? object.itemFields().name) : nil, member: UInt16(k))
                if indexRecord == nil { good[id] = candidate } else { candidates[id] = candidate }
            }
        }
        // The ids the index names at each offset: an object record its own entry named was
        // judged through that entry (kept or reported). Any other object record is a candidate,
        // even at an offset an entry for another id names: a damaged or swapped index entry must
        // not hide the object that is really there.
        var indexedIDs: [UInt64: Set<ObjectID>] = [:]
        for entry in indexRecord?.entries ?? [] { indexedIDs[entry.offset, default: []].insert(entry.id) }
        for record in walk {
            guard case let .object(object) = record.content, indexedIDs[record.offset]?.contains(object.id) != true else { continue }
            guard let verified = verifiedObject(object, at: record.offset, reporting: indexRecord == nil) else { continue }
            if indexRecord == nil {
                if let first = good[object.id] {
                    report(CASFindings.duplicateID, name: object.id.hex, offset: first.offset, detail: Hex.format(record.offset, width: 8))
                } else {
                    good[object.id] = verified
                }
            } else if good[object.id] != nil || candidates[object.id] != nil {
                report(CASFindings.strayBytes, offset: record.offset, detail: "a stale copy of object \(object.id)")
            } else {
                candidates[object.id] = verified
            }
        }
        if indexRecord != nil { adoptReferencedCandidates(&candidates) }
        let adoptedPacks = Set(good.values.compactMap { $0.member == nil ? nil : $0.offset })
        for (id, candidate) in candidates.sorted(by: { $0.value.offset < $1.value.offset }) where candidate.member == nil {
            report(CASFindings.strayBytes, offset: candidate.offset, detail: "an unindexed, unreferenced object \(id)")
        }
        for (offset, count) in unindexedPacks.sorted(by: { $0.key < $1.key }) where indexRecord != nil && !adoptedPacks.contains(offset) {
            report(CASFindings.strayBytes, offset: offset, detail: "an unindexed pack of \(count) objects")
        }
    }

    /// Bytes that no kept record covers and that are not free records.
    mutating func checkUncoveredBytes(_ walk: [ScannedRecord], claimed: [(offset: UInt64, length: UInt64)]) {
        var covered = good.values.map { ($0.offset, UInt64($0.recordLength)) } + claimed
        covered.sort { $0.0 < $1.0 }
        for record in walk {
            switch record.content {
            case .unparseable:
                for gap in uncovered(record.offset, record.end, covered) {
                    report(CASFindings.strayBytes, offset: gap.0, detail: "\(gap.1 - gap.0) bytes that are no valid record")
                }
            case let .index(index) where !claimed.contains(where: { $0.offset == record.offset }):
                report(CASFindings.strayBytes, offset: record.offset, detail: "an index record of generation \(index.generation)")
            case let .tagTable(table) where !claimed.contains(where: { $0.offset == record.offset }):
                report(CASFindings.strayBytes, offset: record.offset, detail: "a tag table record of generation \(table.generation)")
            default:
                break
            }
        }
    }
}
