import ArdakuFormat

/// The damage-tolerant checker of a CAS volume (docs/FORMAT.md §C6).
///
/// `verify` reads the store as it is, never trusting a length or count it has not checked,
/// and reports every problem it finds as a `Finding` from `CASFindings`; it carries on
/// after each one. `repair` acts on the same analysis: it rebuilds the index and tag table
/// from what verifies, reseals records whose only fault is their CRC, frees bytes that
/// belong to no committed record, records every id that is named but gone as lost (a tag
/// `.lost/ID`, `LostMarker`), and writes a new header into both slots. It never removes an
/// object that still matches its id, nor anything that names a lost one; collecting
/// unreachable objects stays the job of `CASVolume.collectGarbage`.
public enum CASChecker {
    /// Every finding about the volume in `store`. `volume` names it in each finding's context.
    ///
    /// `isNested`: the volume is a file of an Ardaku volume, whose writes are copy-on-write
    /// transactions, so no header slot there is ever torn: a bad one is damage (§C5.1).
    public static func verify(_ store: ByteStore, volume: String = "", isNested: Bool = false) -> [Finding] {
        Analysis(store, volume: volume, isNested: isNested).findings
    }

    /// `verify`, with the number of objects that matched their ids (for statistics).
    public static func verifyCounting(_ store: ByteStore, volume: String = "",
                                      isNested: Bool = false) -> (findings: [Finding], objectsVerified: Int) {
        let analysis = Analysis(store, volume: volume, isNested: isNested)
        return (analysis.findings, analysis.good.count)
    }

    /// Repairs what `verify` reports as repairable and returns those findings (all of
    /// them, including the ones left as they are). Throws when the store cannot be
    /// written, or when the volume has a version this code cannot judge.
    @discardableResult
    public static func repair(_ store: ByteStore, volume: String = "", options: CASOptions = CASOptions(),
                              isNested: Bool = false) throws(CASError) -> [Finding] {
        let analysis = Analysis(store, volume: volume, isNested: isNested)
        if analysis.findings.contains(where: { $0.kind.code == CASFindings.unsupportedVersion.code }) {
            throw CASError(.notAVolume("unsupported version or features; not repaired"))
        }
        guard analysis.findings.contains(where: { $0.kind.repair != .reportOnly }) else { return analysis.findings }
        guard !store.isReadOnly else { throw CASError(.store(.readOnly)) }
        // The analysis read a store cut in its last record's padding as zero-padded: make it so.
        if store.length < analysis.store.length {
            do throws(StoreError) { try store.setLength(analysis.store.length) } catch { throw CASError(.store(error)) }
        }
        for record in analysis.resealed {
            do throws(StoreError) { try store.write(at: record.offset, record.bytes) } catch {
                throw CASError(.store(error), offset: record.offset)
            }
        }
        // What is named but gone stays named: each such id gets a lost marker, so that the
        // next check knows it (C6002) and nothing that names it has to change or go.
        // A marker's name held by a tag that names something else is left alone: that tag is
        // the user's, and the loss stays reported (C4009, never in `missingReferenced`; the
        // filter below keeps a user's tag safe whatever the analysis collected).
        var tags = analysis.tags
        let names = Set(tags.map(\.name))
        for id in analysis.missingReferenced.sorted() where !names.contains(LostMarker.name(for: id)) {
            tags.append((LostMarker.name(for: id), id))
        }
        let volume = try CASVolume.assemble(store: store, options: options, generation: analysis.newestGeneration,
                                            objects: analysis.good.filter { $0.value.salvaged == nil }, tags: tags)
        // Objects salvaged from damaged packs get packs of their own; the damaged ones are freed.
        let salvaged = analysis.good.values.compactMap(\.salvaged)
        if !salvaged.isEmpty { _ = try volume.put(salvaged, checkingReferences: false) }
        try volume.commit()
        // The same header in the other slot too, so that both slots are valid.
        let copy = volume.header.encoded()
        let other = VolumeHeader.slotOffsets[1 - volume.header.slot]
        do throws(StoreError) {
            try store.write(at: other, copy)
            try store.flush()
        } catch { throw CASError(.store(error), offset: other) }
        return analysis.findings
    }
}

/// A verified object the analysis keeps.
struct GoodObject {
    var offset: UInt64
    var recordLength: UInt32
    var typeByte: UInt8
    var references: [ObjectID]
    var itemName: String?
    /// The member number when the object is in a pack record.
    var member: UInt16? = nil
    /// The object, when it was salvaged from a damaged pack (§C3.6.1): the repair writes it
    /// into a new pack instead of indexing the old place.
    var salvaged: CASObject? = nil
}

/// Everything the checker learns from one pass over the store.
struct Analysis {
    /// The store as judged: zero-extended to the header's data end when it is shorter.
    var store: ByteStore
    var window: StoreWindow
    let volume: String
    let isNested: Bool
    var findings: [Finding] = []
    var good: [ObjectID: GoodObject] = [:]
    var tags: [(name: String, id: ObjectID)] = []
    /// Ids that objects or tags name, that are not in the volume and have no lost marker.
    var missingReferenced: Set<ObjectID> = []
    /// Records whose only fault is their CRC, with the CRC corrected.
    var resealed: [(offset: UInt64, bytes: [UInt8])] = []
    /// Pack records read so far: the pack, or why it cannot be used.
    var packs: [UInt64: Result<PackRecord, PackFailure>] = [:]
    /// The members read from the front of damaged packs (§C3.6.1), by pack offset.
    var salvagedPackMembers: [UInt64: [PackRecord.Member]] = [:]

    struct PackFailure: Error {
        var finding: FindingKind
        var detail: String
    }
    var newestGeneration: UInt64 = 0

    init(_ store: ByteStore, volume: String, isNested: Bool = false) {
        self.store = store
        self.window = StoreWindow(store)
        self.volume = volume
        self.isNested = isNested
        run()
    }

    mutating func report(_ kind: FindingKind, name: String? = nil, offset: UInt64? = nil, expected: String? = nil,
                         actual: String? = nil, detail: String? = nil) {
        findings.append(Finding(kind, FindingContext(volume: volume, name: name, offset: offset, expected: expected,
                                                     actual: actual, detail: detail)))
    }

    private mutating func run() {
        // Pass 1: the header slots and the commit seal.
        guard let verdict = checkHeaders() else { return }
        // Pass 2: a linear walk of the data area, then the index and the tag table.
        let walk = CASScan.walk(window, from: VolumeHeader.dataStart, to: max(verdict.dataEnd, VolumeHeader.dataStart))
        for record in walk {
            if case let .index(index) = record.content { newestGeneration = max(newestGeneration, index.generation) }
            if case let .tagTable(table) = record.content { newestGeneration = max(newestGeneration, table.generation) }
        }
        let (indexRecord, claimed) = readIndexAndTags(verdict, walk: walk)
        checkTagOrder()
        // Pass 3: every object the index names, re-hashed; then what it does not name.
        var indexedOffsets = Set<UInt64>()
        if let indexRecord {
            checkIndexedObjects(indexRecord, dataEnd: verdict.dataEnd, indexedOffsets: &indexedOffsets)
        }
        checkUnindexedObjects(walk, indexRecord: indexRecord, indexedOffsets: indexedOffsets)
        checkUncoveredBytes(walk, claimed: claimed)
        // Pass 4: references.
        checkReferences()
        checkTreeDepth()
        // Pass 5: reachability.
        checkReachability()
    }


    mutating func checkIndexedObjects(_ index: IndexRecord, dataEnd: UInt64, indexedOffsets: inout Set<UInt64>) {
        for n in index.entries.indices.dropFirst() where !(index.entries[n - 1].id < index.entries[n].id) {
            if index.entries[n - 1].id == index.entries[n].id { continue }
            report(CASFindings.indexUnsorted, detail: String(n))
            break
        }
        var lastEnd = VolumeHeader.dataStart
        var lastPack: UInt64?
        for entry in index.entries.sorted(by: { $0.offset < $1.offset }) {
            let name = entry.id.hex
            guard entry.offset >= VolumeHeader.dataStart, entry.offset % UInt64(CASLimits.recordAlignment) == 0,
                  entry.offset <= dataEnd, UInt64(entry.recordLength) <= dataEnd - entry.offset else {
                report(CASFindings.indexEntryOutOfPlace, name: name, offset: entry.offset,
                       detail: "record of \(entry.recordLength) bytes is not an aligned record inside the data area")
                continue
            }
            let sharesPack = entry.member != nil && lastPack == entry.offset
            if entry.offset < lastEnd && !sharesPack {
                report(CASFindings.indexEntryOutOfPlace, name: name, offset: entry.offset, detail: "overlaps the record before it")
            }
            lastEnd = max(lastEnd, entry.offset + UInt64(entry.recordLength))
            lastPack = entry.member != nil ? entry.offset : nil
            if let first = good[entry.id] {
                report(CASFindings.duplicateID, name: name, offset: first.offset, detail: Hex.format(entry.offset, width: 8))
                indexedOffsets.insert(entry.offset)
                continue
            }
            if let member = entry.member {
                indexedOffsets.insert(entry.offset)
                checkPackedObject(entry, member: member, dataEnd: dataEnd)
                continue
            }
            guard let prefixBytes = window.bytes(at: entry.offset, count: RecordPrefix.encodedSize),
                  let prefix = try? decodeBytes(prefixBytes, { raw throws(FormatError) in try RecordPrefix.decode(raw, origin: entry.offset) }),
                  prefix.kind == .object else {
                report(CASFindings.indexPointsElsewhere, name: name, offset: entry.offset, detail: "no object record")
                continue
            }
            indexedOffsets.insert(entry.offset)
            let length = min(prefix.recordLength, dataEnd - entry.offset)
            guard length <= UInt64(CASScan.maxReadableRecord), let bytes = window.bytes(at: entry.offset, count: Int(length)) else {
                report(CASFindings.objectRecordDamaged, name: name, offset: entry.offset, detail: "record length \(prefix.recordLength) cannot be read")
                continue
            }
            let record: ObjectRecord
            do throws(FormatError) {
                record = try decodeBytes(bytes) { raw throws(FormatError) in try ObjectRecord.decode(raw, origin: entry.offset) }
            } catch {
                // Is only the framing damaged (the CRC, or the record length it covers)? Decode
                // without the CRC, with the length the object length gives, and let the id decide.
                var framing: (bytes: [UInt8], stored: UInt32, computed: UInt32)?
                if case .checksumMismatch(let stored, let computed) = error.kind {
                    framing = (bytes, stored, computed)
                } else if case .recordLengthMismatch = error.kind {
                    framing = refittedObjectRecord(at: entry.offset, dataEnd: dataEnd)
                }
                // The content is judged against the index entry's id, not the record's id field,
                // which the failed CRC covers too: a damaged id field loses nothing the content proves.
                let loose = framing.flatMap { framing -> ObjectRecord? in
                    guard var record = try? decodeBytes(framing.bytes, { raw throws(FormatError) in
                        try ObjectRecord.decode(raw, origin: entry.offset, checkingCRC: false)
                    }) else { return nil }
                    record.id = entry.id
                    return record
                }
                if let framing, let loose, let verified = try? CASVolume.decodeObject(loose, offset: entry.offset) {
                    report(CASFindings.objectRecordCRC, name: name, offset: entry.offset,
                           expected: Hex.format(framing.computed, width: 8), actual: Hex.format(framing.stored, width: 8))
                    resealed.append((entry.offset, loose.encoded()))
                    keep(verified, id: entry.id, offset: entry.offset, recordLength: UInt32(loose.recordLength))
                } else {
                    report(CASFindings.objectRecordDamaged, name: name, offset: entry.offset, detail: error.reason)
                }
                continue
            }
            guard record.id == entry.id else {
                report(CASFindings.indexPointsElsewhere, name: name, offset: entry.offset, detail: "the record of \(record.id)")
                continue
            }
            guard let kept = verifiedObject(record, at: entry.offset, reporting: true) else { continue }
            let recordType = record.typeByte & ~ObjectType.compressedFlag
            if UInt64(entry.recordLength) != record.recordLength || entry.typeByte != recordType {
                report(CASFindings.indexEntryMismatch, name: name, offset: entry.offset,
                       expected: "\(record.recordLength) bytes, type \(Hex.format(recordType, width: 2))",
                       actual: "\(entry.recordLength) bytes, type \(Hex.format(entry.typeByte, width: 2))")
            }
            good[entry.id] = kept
        }
    }

    /// The object record at `offset` with its record length set to what its object length
    /// needs (the length field is damaged), and its stored CRC beside the CRC of the record
    /// as it is; nil when the object length cannot be right.
    private func refittedObjectRecord(at offset: UInt64, dataEnd: UInt64) -> (bytes: [UInt8], stored: UInt32, computed: UInt32)? {
        guard let head = window.bytes(at: offset, count: ObjectRecord.headerSize),
              let objectLength = head.withUnsafeBytes({ ByteReader.uint32(in: $0, at: ObjectRecord.Offset.objectLength) }),
              objectLength >= 1, objectLength <= UInt32(CASLimits.maxStoredObjectBytes) else { return nil }
        let minimum = ObjectRecord.minimumLength(objectLength: Int(objectLength))
        guard UInt64(minimum) <= dataEnd - offset, var bytes = window.bytes(at: offset, count: minimum) else { return nil }
        let covered = RecordPrefix.Offset.recordLength..<(ObjectRecord.headerSize + Int(objectLength))
        let computed = CRC32.checksum(bytes[covered])
        let stored = bytes.withUnsafeBytes { ByteReader.uint32(in: $0, at: RecordPrefix.Offset.crc) } ?? 0
        for k in 0..<8 { bytes[8 + k] = UInt8(truncatingIfNeeded: UInt64(minimum) >> UInt64(8 * k)) }
        return (bytes, stored, computed)
    }

    /// The pack record at `offset`, decoded once per analysis.
    private mutating func pack(at offset: UInt64, length: UInt32, dataEnd: UInt64) -> Result<PackRecord, PackFailure> {
        if let known = packs[offset] { return known }
        let result: Result<PackRecord, PackFailure>
        if let prefixBytes = window.bytes(at: offset, count: RecordPrefix.encodedSize),
           let prefix = try? decodeBytes(prefixBytes, { raw throws(FormatError) in try RecordPrefix.decode(raw, origin: offset) }),
           prefix.kind == .pack {
            let count = min(prefix.recordLength, dataEnd - offset)
            if count <= UInt64(CASScan.maxReadableRecord), let bytes = window.bytes(at: offset, count: Int(count)) {
                do throws(FormatError) {
                    result = .success(try decodeBytes(bytes) { raw throws(FormatError) in try PackRecord.decode(raw, origin: offset) })
                } catch {
                    if case .checksumMismatch = error.kind,
                       let loose = try? decodeBytes(bytes, { raw throws(FormatError) in try PackRecord.decode(raw, origin: offset, checkingCRC: false) }) {
                        // The framing CRC is wrong; the members' ids decide (per entry).
                        var fixed = ByteWriter()
                        fixed.writeBytes(bytes[0..<Int(loose.recordLength)])
                        let stored = bytes.withUnsafeBytes { ByteReader.uint32(in: $0, at: PackRecord.Offset.storedLength) } ?? 0
                        let covered = PackRecord.headerSize - RecordPrefix.Offset.recordLength + Int(stored)
                        fixed.patchUInt32(CRC32.checksum(bytes[RecordPrefix.Offset.recordLength..<(RecordPrefix.Offset.recordLength + covered)]), at: RecordPrefix.Offset.crc)
                        resealed.append((offset, fixed.bytes))
                        result = .success(loose)
                    } else if case .undecodableBody(let why) = error.kind {
                        result = .failure(PackFailure(finding: CASFindings.inflateFailed, detail: why))
                        salvagedPackMembers[offset] = PackRecord.salvageMembers(bytes)
                    } else {
                        result = .failure(PackFailure(finding: CASFindings.objectRecordDamaged, detail: error.reason))
                        salvagedPackMembers[offset] = PackRecord.salvageMembers(bytes)
                    }
                }
            } else {
                result = .failure(PackFailure(finding: CASFindings.objectRecordDamaged, detail: "pack record of \(prefix.recordLength) bytes cannot be read"))
            }
        } else {
            result = .failure(PackFailure(finding: CASFindings.indexPointsElsewhere, detail: "no pack record"))
        }
        packs[offset] = result
        return result
    }

    private mutating func checkPackedObject(_ entry: IndexRecord.Entry, member: UInt16, dataEnd: UInt64) {
        let name = entry.id.hex
        let pack: PackRecord
        switch self.pack(at: entry.offset, length: entry.recordLength, dataEnd: dataEnd) {
        case let .success(decoded): pack = decoded
        case let .failure(failure):
            // A member whose bytes lie before the damage and hash to its id is proven (§C3.6.1).
            if let members = salvagedPackMembers[entry.offset], Int(member) < members.count,
               members[Int(member)].id == entry.id,
               let object = try? CASVolume.decodeMember(members[Int(member)], id: entry.id, offset: entry.offset) {
                report(CASFindings.salvagedFromPack, name: name, offset: entry.offset, detail: failure.detail)
                keep(object, id: entry.id, offset: entry.offset, recordLength: entry.recordLength, member: member)
                good[entry.id]?.salvaged = object
                return
            }
            report(failure.finding, name: name, offset: entry.offset, detail: failure.detail)
            return
        }
        guard Int(member) < pack.members.count else {
            report(CASFindings.indexPointsElsewhere, name: name, offset: entry.offset, detail: "no member \(member) in a pack of \(pack.members.count)")
            return
        }
        let candidate = pack.members[Int(member)]
        let object: CASObject
        do throws(CASError) { object = try CASVolume.decodeMember(candidate, id: entry.id, offset: entry.offset) } catch {
            if case let .hashMismatch(_, computed) = error.kind {
                report(CASFindings.hashMismatch, name: name, offset: entry.offset, actual: computed.hex)
            } else {
                report(CASFindings.invalidTypeByte, name: name, offset: entry.offset, actual: Hex.format(candidate.typeByte, width: 2))
            }
            return
        }
        if resealed.contains(where: { $0.offset == entry.offset }),
           !findings.contains(where: { $0.kind.code == CASFindings.objectRecordCRC.code && $0.context.offset == entry.offset }) {
            report(CASFindings.objectRecordCRC, name: name, offset: entry.offset, detail: "pack record")
        }
        if UInt64(entry.recordLength) != pack.recordLength || entry.typeByte != candidate.typeByte {
            report(CASFindings.indexEntryMismatch, name: name, offset: entry.offset,
                   expected: "\(pack.recordLength) bytes, type \(Hex.format(candidate.typeByte, width: 2))",
                   actual: "\(entry.recordLength) bytes, type \(Hex.format(entry.typeByte, width: 2))")
        }
        keep(object, id: entry.id, offset: entry.offset, recordLength: UInt32(pack.recordLength), member: member)
    }

    private mutating func keep(_ object: CASObject, id: ObjectID, offset: UInt64, recordLength: UInt32, member: UInt16? = nil) {
        var references: [ObjectID] = []
        do throws(CASError) { references = try object.references() } catch {
            report(CASFindings.malformedPayload, name: id.hex, offset: offset, detail: error.description)
        }
        let name = object.type.kind == .item ? (try? object.itemFields().name) : nil
        good[id] = GoodObject(offset: offset, recordLength: recordLength, typeByte: object.type.byte, references: references,
                              itemName: name, member: member)
    }

    /// The object in `record`, inflated and re-hashed; nil (with a finding when
    /// `reporting`) when it does not match its id. Malformed payloads are kept and reported.
    mutating func verifiedObject(_ record: ObjectRecord, at offset: UInt64, reporting: Bool) -> GoodObject? {
        let name = record.id.hex
        let object: CASObject
        do throws(CASError) {
            object = try CASVolume.decodeObject(record, offset: offset)
        } catch {
            guard reporting else { return nil }
            switch error.kind {
            case let .hashMismatch(_, computed): report(CASFindings.hashMismatch, name: name, offset: offset, actual: computed.hex)
            case let .decompressionFailed(why): report(CASFindings.inflateFailed, name: name, offset: offset, detail: why)
            case .malformedObject: report(CASFindings.invalidTypeByte, name: name, offset: offset, actual: Hex.format(record.typeByte, width: 2))
            default: report(CASFindings.objectRecordDamaged, name: name, offset: offset, detail: error.description)
            }
            return nil
        }
        var references: [ObjectID] = []
        do throws(CASError) { references = try object.references() } catch {
            if reporting { report(CASFindings.malformedPayload, name: name, offset: offset, detail: error.description) }
        }
        let itemName = object.type.kind == .item ? (try? object.itemFields().name) : nil
        return GoodObject(offset: offset, recordLength: UInt32(record.recordLength), typeByte: object.type.byte,
                          references: references, itemName: itemName)
    }

    /// Moves into `good` every candidate that a kept object or a tag names, repeatedly.
    /// Objects are visited in the order of their offsets and the first namer of an id wins, so
    /// the findings come out the same on every run (dictionary order is not stable).
    mutating func adoptReferencedCandidates(_ candidates: inout [ObjectID: GoodObject]) {
        var namers: [ObjectID: String] = [:]
        for (id, object) in good.sorted(by: { $0.value.offset < $1.value.offset }) {
            for reference in object.references where good[reference] == nil && namers[reference] == nil { namers[reference] = id.hex }
        }
        for tag in tags where good[tag.id] == nil && namers[tag.id] == nil { namers[tag.id] = "tag \"\(tag.name)\"" }
        var changed = true
        while changed {
            changed = false
            for (id, candidate) in candidates.sorted(by: { $0.value.offset < $1.value.offset }) {
                guard let namer = namers[id] else { continue }
                report(CASFindings.unindexedObject, name: id.hex, offset: candidate.offset, detail: namer)
                good[id] = candidate
                candidates[id] = nil
                for reference in candidate.references where good[reference] == nil && namers[reference] == nil { namers[reference] = id.hex }
                changed = true
            }
        }
    }

    func uncovered(_ start: UInt64, _ end: UInt64, _ covered: [(UInt64, UInt64)]) -> [(UInt64, UInt64)] {
        var gaps: [(UInt64, UInt64)] = []
        var position = start
        for (offset, length) in covered where offset + length > position && offset < end {
            if offset > position { gaps.append((position, offset)) }
            position = max(position, offset + length)
        }
        if position < end { gaps.append((position, end)) }
        return gaps
    }
}

extension CASVolume {
    /// A volume over `store` holding exactly `objects` and `tags`, whose next commit has
    /// generation `generation + 1`; everything else in the data area is free. For repair.
    static func assemble(store: ByteStore, options: CASOptions, generation: UInt64,
                         objects: [ObjectID: GoodObject], tags: [(name: String, id: ObjectID)]) throws(CASError) -> CASVolume {
        var end = VolumeHeader.dataStart
        var index: [ObjectID: Entry] = [:]
        for (id, object) in objects {
            index[id] = Entry(offset: object.offset, recordLength: object.recordLength, typeByte: object.typeByte, member: object.member)
            end = max(end, object.offset + UInt64(object.recordLength))
        }
        let header = VolumeHeader(generation: generation, dataEnd: end, indexOffset: VolumeHeader.dataStart, indexLength: 0,
                                  objectCount: 0, tagCount: 0, tagTableOffset: VolumeHeader.dataStart, tagTableLength: 0, objectBytes: 0)
        var table: [String: ObjectID] = [:]
        for tag in tags { table[tag.name] = tag.id }
        let volume = CASVolume(store: store, options: options, header: header, index: index, tags: table)
        var cursor = VolumeHeader.dataStart
        for entry in index.values.sorted(by: { $0.offset < $1.offset }) {
            if entry.offset >= cursor + UInt64(FreeRecord.headerSize) { volume.free.insert(.init(offset: cursor, length: entry.offset - cursor)) }
            cursor = max(cursor, entry.end)
        }
        if store.length < end {
            do throws(StoreError) { try store.setLength(end) } catch { throw CASError(.store(error)) }
        }
        return volume
    }
}
