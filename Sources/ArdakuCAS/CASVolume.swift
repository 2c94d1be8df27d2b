import ArdakuFormat

/// How a volume writes.
public struct CASOptions: Sendable {
    /// zlib level for pack records, the small objects (1 fastest ... 9 smallest). Reading
    /// does not depend on it.
    public var compressionLevel: Int32
    /// zlib level for objects with their own record: chunks of large files, large blobs.
    public var largeObjectLevel: Int32
    /// Hash and compress on every core when a batch has several objects.
    public var parallel: Bool

    public init(compressionLevel: Int32 = CASOptions.defaultCompressionLevel,
                largeObjectLevel: Int32 = CASOptions.defaultLargeObjectLevel, parallel: Bool = true) {
        self.compressionLevel = compressionLevel
        self.largeObjectLevel = largeObjectLevel
        self.parallel = parallel
    }

    /// The levels chosen from the measurement in docs/BENCHMARKS.md ("CAS design measurements").
    public static let defaultCompressionLevel: Int32 = 4
    public static let defaultLargeObjectLevel: Int32 = 4
}

/// A content-addressed store of blob, item, tree and chunk-list objects with named tags,
/// inside any `ByteStore` (docs/FORMAT.md Part III).
///
/// Writes (`put…`, `setTag`, `removeTag`, `collectGarbage`) change the volume in memory and
/// in free space of the store; `commit()` makes them durable and visible to a later `open`.
/// A crash before `commit()` returns loses only what that commit would have added; what an
/// earlier commit made durable is never lost (§C5). Every read re-hashes the object and
/// throws `hashMismatch` when its bytes do not match its id.
///
/// After a `CASError.store` error the in-memory state may differ from the store; the
/// volume then refuses further use (`needsReopen`) and must be opened again.
public final class CASVolume {
    public let store: ByteStore
    public let options: CASOptions
    /// The last committed header.
    public internal(set) var header: VolumeHeader

    struct Entry: Equatable {
        var offset: UInt64
        var recordLength: UInt32
        var typeByte: UInt8
        /// The member number when the object is in a pack record.
        var member: UInt16? = nil
        var end: UInt64 { offset + UInt64(recordLength) }
    }

    var index: [ObjectID: Entry]
    var tagTable: [String: ObjectID]
    var free = FreeSpace()
    /// Extents that become free once the next commit is durable.
    var releasedByTransaction: [FreeSpace.Extent] = []
    /// The index and tag table of the previous generation, which the other header slot
    /// names: kept until the next commit, so that slot stays a complete fallback (§C5).
    var retained: [FreeSpace.Extent] = []
    /// First byte past every record written so far (committed or not).
    var dataEnd: UInt64
    var isBroken = false
    /// Free record prefixes known to be on the store: offset -> length.
    var writtenFreePrefixes: [UInt64: UInt64] = [:]
    /// Recently read pack records, by offset (cleared at every commit, before any space
    /// they used can be reused).
    var packCache: [UInt64: [PackRecord.Member]] = [:]

    /// Record bytes written since the volume was opened (objects only).
    public internal(set) var objectBytesWritten: UInt64 = 0
    /// Objects written since the volume was opened.
    public internal(set) var objectsWritten = 0

    init(store: ByteStore, options: CASOptions, header: VolumeHeader, index: [ObjectID: Entry], tags: [String: ObjectID]) {
        self.store = store
        self.options = options
        self.header = header
        self.index = index
        self.tagTable = tags
        self.dataEnd = header.dataEnd
    }

    // MARK: Create and open

    /// Makes an empty volume in `store`, replacing whatever it held.
    public static func create(on store: ByteStore, options: CASOptions = CASOptions()) throws(CASError) -> CASVolume {
        guard !store.isReadOnly else { throw CASError(.store(.readOnly)) }
        do throws(StoreError) {
            try store.setLength(0)
            try store.setLength(VolumeHeader.dataStart)
        } catch { throw CASError(.store(error)) }
        // Generation 0 is never written; the first commit writes generation 1 into slot 1
        // and the second generation 2 into slot 0, so both slots hold a valid header.
        let empty = VolumeHeader(generation: 0, dataEnd: VolumeHeader.dataStart, indexOffset: VolumeHeader.dataStart,
                                 indexLength: 0, objectCount: 0, tagCount: 0, tagTableOffset: VolumeHeader.dataStart,
                                 tagTableLength: 0, objectBytes: 0)
        let volume = CASVolume(store: store, options: options, header: empty, index: [:], tags: [:])
        try volume.commit()
        try volume.commit()
        return volume
    }

    /// Opens the volume in `store`: the valid header slot with the highest generation, its
    /// index and tag table. Throws when they cannot be decoded or contradict each other in
    /// a way that makes writing unsafe (overlapping records); `CASChecker` judges the rest.
    public static func open(_ store: ByteStore, options: CASOptions = CASOptions()) throws(CASError) -> CASVolume {
        let header = try readHeader(store)
        guard store.length >= header.dataEnd else {
            throw CASError(.format(FormatError(structure: "CAS volume", kind: .truncated(needed: Int(clamping: header.dataEnd), available: Int(clamping: store.length)))))
        }
        let indexRecord = try readRecord(store, at: header.indexOffset, length: header.indexLength, IndexRecord.decode)
        let tagRecord = try readRecord(store, at: header.tagTableOffset, length: header.tagTableLength, TagTableRecord.decode)
        for (what, generation, offset) in [("index", indexRecord.generation, header.indexOffset), ("tag table", tagRecord.generation, header.tagTableOffset)]
        where generation != header.generation {
            throw CASError(.format(FormatError(structure: "CAS \(what) record", kind: .inconsistent("generation \(generation), header says \(header.generation)"), address: ByteAddress(offset + 24))))
        }
        guard indexRecord.entries.count == Int(header.objectCount), tagRecord.entries.count == Int(header.tagCount) else {
            throw CASError(.format(FormatError(structure: "CAS header", kind: .inconsistent("counts \(header.objectCount)/\(header.tagCount) disagree with index and tag table (\(indexRecord.entries.count)/\(tagRecord.entries.count))"))))
        }
        var index: [ObjectID: Entry] = [:]
        index.reserveCapacity(indexRecord.entries.count)
        var extents: [FreeSpace.Extent] = [
            .init(offset: header.indexOffset, length: header.indexLength),
            .init(offset: header.tagTableOffset, length: header.tagTableLength),
        ]
        extents.reserveCapacity(indexRecord.entries.count + 2)
        var packs: [UInt64: UInt32] = [:]
        for (n, entry) in indexRecord.entries.enumerated() {
            let at = header.indexOffset + UInt64(IndexRecord.headerSize + n * IndexRecord.entrySize)
            guard entry.offset >= header.dataStart, entry.offset % UInt64(CASLimits.recordAlignment) == 0,
                  entry.recordLength >= UInt32((entry.member == nil ? ObjectRecord.headerSize : PackRecord.headerSize) + 8),
                  entry.recordLength % UInt32(CASLimits.recordAlignment) == 0,
                  entry.offset <= header.dataEnd, UInt64(entry.recordLength) <= header.dataEnd - entry.offset else {
                throw CASError(.format(FormatError(structure: "CAS index entry", kind: .inconsistent("record \(entry.offset)+\(entry.recordLength) is not an aligned record inside the data area"), address: ByteAddress(at))))
            }
            guard index.updateValue(Entry(offset: entry.offset, recordLength: entry.recordLength, typeByte: entry.typeByte, member: entry.member), forKey: entry.id) == nil else {
                throw CASError(.format(FormatError(structure: "CAS index entry", kind: .inconsistent("id \(entry.id) is listed twice"), address: ByteAddress(at))))
            }
            if let member = entry.member {
                // The members of one pack share its extent, which is counted once.
                if let known = packs[entry.offset] {
                    guard known == entry.recordLength else {
                        throw CASError(.format(FormatError(structure: "CAS index entry", kind: .inconsistent("pack at \(Hex.format(entry.offset)) has two lengths"), address: ByteAddress(at))))
                    }
                    _ = member
                    continue
                }
                packs[entry.offset] = entry.recordLength
            }
            extents.append(.init(offset: entry.offset, length: UInt64(entry.recordLength)))
        }
        extents.sort { $0.offset < $1.offset }
        let retained = fallbackRecords(store, current: header, live: extents)
        if !retained.isEmpty {
            extents += retained
            extents.sort { $0.offset < $1.offset }
        }
        var free = FreeSpace()
        var cursor = header.dataStart
        for extent in extents {
            guard extent.offset >= cursor else {
                throw CASError(.format(FormatError(structure: "CAS index", kind: .inconsistent("records overlap at \(Hex.format(extent.offset))"), address: ByteAddress(extent.offset))))
            }
            if extent.offset > cursor { free.insert(.init(offset: cursor, length: extent.offset - cursor)) }
            cursor = extent.end
        }
        if header.dataEnd > cursor { free.insert(.init(offset: cursor, length: header.dataEnd - cursor)) }
        guard free.extents.allSatisfy({ $0.length >= UInt64(FreeRecord.headerSize) }) else {
            throw CASError(.format(FormatError(structure: "CAS index", kind: .inconsistent("a gap between records is shorter than a free record"))))
        }
        var tags: [String: ObjectID] = [:]
        for entry in tagRecord.entries {
            guard tags.updateValue(entry.id, forKey: entry.name) == nil else {
                throw CASError(.format(FormatError(structure: "CAS tag table", kind: .inconsistent("tag \"\(entry.name)\" is listed twice"), address: ByteAddress(header.tagTableOffset))))
            }
        }
        let volume = CASVolume(store: store, options: options, header: header, index: index, tags: tags)
        volume.free = free
        volume.retained = retained
        for extent in free.extents { volume.writtenFreePrefixes[extent.offset] = extent.length }
        return volume
    }

    /// The index and tag table extents of the other header slot when it holds the previous
    /// generation and they overlap nothing live; otherwise none.
    static func fallbackRecords(_ store: ByteStore, current: VolumeHeader, live sorted: [FreeSpace.Extent]) -> [FreeSpace.Extent] {
        let slot = VolumeHeader.slotOffsets[1 - current.slot]
        guard let other = readHeaderSlot(store, slot: slot).header, other.generation + 1 == current.generation else { return [] }
        let candidates = [FreeSpace.Extent(offset: other.indexOffset, length: other.indexLength),
                          FreeSpace.Extent(offset: other.tagTableOffset, length: other.tagTableLength)]
        for candidate in candidates {
            guard candidate.length > 0, candidate.offset <= current.dataEnd, candidate.length <= current.dataEnd - candidate.offset else { return [] }
            if sorted.contains(where: { $0.offset < candidate.end && candidate.offset < $0.end }) { return [] }
        }
        if candidates[0].offset < candidates[1].end && candidates[1].offset < candidates[0].end { return [] }
        return candidates
    }

    /// The valid header slot with the highest generation (a slot damaged in one byte is
    /// corrected first, §C3.1.1). When the commit seal proves that a newer generation was
    /// committed and its header is damaged, the volume is refused rather than rolled back
    /// without a word: the checker salvages it.
    static func readHeader(_ store: ByteStore) throws(CASError) -> VolumeHeader {
        var best: VolumeHeader?
        var reasons: [String] = []
        for slot in VolumeHeader.slotOffsets {
            let reading = readHeaderSlot(store, slot: slot)
            if let header = reading.header {
                if best.map({ header.generation > $0.generation }) ?? true { best = header }
            } else if let error = reading.error {
                // A slot of a later version or with unknown features (CRC valid) is refused,
                // never passed over for the other slot: that would read an older generation.
                if reading.isUnsupported { throw error }
                reasons.append("slot at \(Hex.format(slot)): \(error)")
            }
        }
        guard let best else { throw CASError(.notAVolume(reasons.joined(separator: "; "))) }
        if let seal = readSeal(store), seal.generation > best.generation {
            throw CASError(.format(FormatError(structure: "CAS header", kind: .inconsistent(
                "the header of committed generation \(seal.generation) is damaged (the newest intact one is \(best.generation)); run fsck.zest"),
                address: ByteAddress(VolumeHeader.slotOffsets[Int(seal.generation % 2)]))))
        }
        return best
    }

    /// Both copies of the commit seal (§C3.1.2).
    static func readSealCopies(_ store: ByteStore) -> [CommitSeal.Copy] {
        CommitSeal.copyOffsets.map { offset in
            guard offset < store.length else { return .absent }
            let count = Int(min(UInt64(CommitSeal.encodedSize), store.length - offset))
            return CommitSeal.decodeCopy((try? store.read(at: offset, count: count)) ?? [])
        }
    }

    static func readSeal(_ store: ByteStore) -> CommitSeal? { CommitSeal.newest(readSealCopies(store)) }

    /// One header slot, decoded, or corrected in one byte and decoded (§C3.1.1).
    static func readHeaderSlot(_ store: ByteStore, slot: UInt64) -> HeaderSlotReading {
        var reading = HeaderSlotReading(slot: slot)
        var bytes: [UInt8]
        do throws(CASError) { bytes = try readBytes(store, at: slot, count: VolumeHeader.encodedSize) } catch {
            reading.error = error
            return reading
        }
        reading.isBlank = bytes.allSatisfy { $0 == 0 }
        reading.claimedGeneration = bytes.withUnsafeBytes { ByteReader.uint64(in: $0, at: VolumeHeader.Offset.generation) }
        func decode(_ bytes: [UInt8]) -> Result<VolumeHeader, CASError> {
            do throws(FormatError) {
                return .success(try decodeBytes(bytes) { raw throws(FormatError) in try VolumeHeader.decode(raw, origin: slot) })
            } catch { return .failure(CASError(.format(error), offset: error.address?.rawValue)) }
        }
        switch decode(bytes) {
        case let .success(header):
            reading.header = header
        case let .failure(error):
            reading.error = error
            guard !reading.isBlank,
                  let fix = SingleByteCorrection.find(in: bytes, coveredStart: 0, crcOffset: VolumeHeader.checksumOffset) else { break }
            var corrected = bytes
            SingleByteCorrection.apply(fix, to: &corrected, coveredStart: 0, crcOffset: VolumeHeader.checksumOffset)
            if case let .success(header) = decode(corrected) {
                reading.header = header
                let changed = SingleByteCorrection.changedOffset(fix, covered: 0..<VolumeHeader.checksumOffset, crcOffset: VolumeHeader.checksumOffset)
                reading.correctedOffset = slot + UInt64(changed)
            }
        }
        return reading
    }

    static func decodeHeader(_ store: ByteStore, slot: UInt64) throws(CASError) -> VolumeHeader {
        let bytes = try readBytes(store, at: slot, count: VolumeHeader.encodedSize)
        do throws(FormatError) {
            return try decodeBytes(bytes) { raw throws(FormatError) in try VolumeHeader.decode(raw, origin: slot) }
        } catch { throw CASError(.format(error), offset: error.address?.rawValue) }
    }

    static func readBytes(_ store: ByteStore, at offset: UInt64, count: Int) throws(CASError) -> [UInt8] {
        do throws(StoreError) { return try store.read(at: offset, count: count) } catch { throw CASError(.store(error), offset: offset) }
    }

    /// Reads and decodes the record of `length` bytes at `offset` with `decode`.
    static func readRecord<R>(_ store: ByteStore, at offset: UInt64, length: UInt64,
                              _ decode: (UnsafeRawBufferPointer, UInt64) throws(FormatError) -> R) throws(CASError) -> R {
        guard let count = Int(exactly: length), count <= CASLimits.maxStoredObjectBytes + ObjectRecord.headerSize + 8
                || count <= IndexRecord.recordLength(entryCount: CASLimits.maxObjects) else {
            throw CASError(.limitExceeded("record of \(length) bytes"), offset: offset)
        }
        let bytes = try readBytes(store, at: offset, count: count)
        do throws(FormatError) {
            return try decodeBytes(bytes) { raw throws(FormatError) in try decode(raw, offset) }
        } catch { throw CASError(.format(error), offset: error.address?.rawValue) }
    }

    // MARK: Queries

    public var objectCount: Int { index.count }
    public func contains(_ id: ObjectID) -> Bool { index[id] != nil }
    /// Every indexed id, sorted.
    public var objectIDs: [ObjectID] { index.keys.sorted() }
    /// The type of an indexed object, from the index (without reading it).
    public func type(of id: ObjectID) -> ObjectType? { index[id].flatMap { ObjectType(byte: $0.typeByte) } }
    /// Where the record of `id` lies in the store (for a packed object, its pack record).
    public func location(of id: ObjectID) -> (offset: UInt64, recordLength: UInt32)? {
        index[id].map { ($0.offset, $0.recordLength) }
    }

    /// The member number of `id` inside its pack record; nil for an object record.
    public func packMember(of id: ObjectID) -> UInt16? { index[id]?.member }

    /// The object `id`, verified against its id.
    public func object(_ id: ObjectID) throws(CASError) -> CASObject {
        guard let entry = index[id] else { throw CASError(.noSuchObject(id)) }
        if let member = entry.member {
            let members = try packMembers(at: entry.offset, length: entry.recordLength)
            guard Int(member) < members.count else {
                throw CASError(.malformedObject(id, "the index names member \(member) of a pack of \(members.count)"), offset: entry.offset)
            }
            return try CASVolume.decodeMember(members[Int(member)], id: id, offset: entry.offset)
        }
        let record = try CASVolume.readRecord(store, at: entry.offset, length: UInt64(entry.recordLength), ObjectRecord.decode)
        guard record.id == id else {
            throw CASError(.malformedObject(id, "the index points to the record of \(record.id)"), offset: entry.offset)
        }
        return try CASVolume.decodeObject(record, offset: entry.offset)
    }

    /// The members of the pack record at `offset`, from the cache or the store.
    func packMembers(at offset: UInt64, length: UInt32) throws(CASError) -> [PackRecord.Member] {
        if let cached = packCache[offset] { return cached }
        let pack = try CASVolume.readRecord(store, at: offset, length: UInt64(length), PackRecord.decode)
        if packCache.count >= 16 { packCache.removeAll(keepingCapacity: true) }
        packCache[offset] = pack.members
        return pack.members
    }

    /// A pack member as an object, re-hashed against `id`.
    static func decodeMember(_ member: PackRecord.Member, id: ObjectID, offset: UInt64) throws(CASError) -> CASObject {
        guard member.typeByte & ObjectType.compressedFlag == 0, let type = ObjectType(byte: member.typeByte) else {
            throw CASError(.malformedObject(id, "type byte \(Hex.format(member.typeByte, width: 2)) is not a valid type"), offset: offset)
        }
        let computed = member.id
        guard computed == id else { throw CASError(.hashMismatch(expected: id, computed: computed), offset: offset) }
        return CASObject(type, payload: member.payload)
    }

    /// The object a record holds: inflated when compressed, and re-hashed against the
    /// record's id.
    public static func decodeObject(_ record: ObjectRecord, offset: UInt64) throws(CASError) -> CASObject {
        let typeByte = record.typeByte
        guard let type = ObjectType(byte: typeByte) else {
            throw CASError(.malformedObject(record.id, "type byte \(Hex.format(typeByte, width: 2)) is not a valid type"),
                           offset: offset + UInt64(ObjectRecord.headerSize))
        }
        let payload: [UInt8]
        if typeByte & ObjectType.compressedFlag != 0 {
            let result = record.object.withUnsafeBytes { raw in
                Zlib.uncompress(UnsafeRawBufferPointer(rebasing: raw[1...]), rawLength: record.rawLength)
            }
            switch result {
            case let .success(bytes): payload = bytes
            case let .failure(failure):
                throw CASError(.decompressionFailed(failure.description), offset: offset + UInt64(ObjectRecord.headerSize + 1))
            }
        } else {
            payload = Array(record.object[1...])
        }
        let computed = ObjectID.hashing(typeByte: typeByte, payload: payload)
        guard computed == record.id else {
            throw CASError(.hashMismatch(expected: record.id, computed: computed), offset: offset)
        }
        return CASObject(type, payload: payload)
    }

    /// The bytes a blob or chunk list stands for: a blob's payload, or the concatenated
    /// chunks of a chunk list, each chunk verified.
    public func content(_ id: ObjectID) throws(CASError) -> [UInt8] {
        var result: [UInt8] = []
        try readContent(id) { (piece: UnsafeRawBufferPointer) throws(CASError) in result.append(contentsOf: piece) }
        return result
    }

    /// The bytes a blob or chunk list stands for, in order: the blob's payload, or each
    /// chunk of the chunk list as it is read and verified (so a large file is never held
    /// whole). Throws before the first piece when `id` is neither.
    public func readContent(_ id: ObjectID, _ body: (UnsafeRawBufferPointer) throws(CASError) -> Void) throws(CASError) {
        let object = try object(id)
        switch (object.type.kind, object.type.isCore) {
        case (.blob, _):
            try Self.withBytes(object.payload, body)
        case (.tree, true):
            let list = try object.chunkListEntries()
            for chunk in list.chunks {
                let piece = try self.object(chunk.id)
                guard piece.type.kind == .blob else {
                    throw CASError(.wrongKind(chunk.id, expected: "blob", found: piece.type.name))
                }
                guard piece.payload.count == chunk.length else {
                    throw CASError(.malformedObject(id, "chunk \(chunk.id) has \(piece.payload.count) bytes, the list says \(chunk.length)"))
                }
                try Self.withBytes(piece.payload, body)
            }
        default:
            throw CASError(.wrongKind(id, expected: "blob or chunk list", found: object.type.name))
        }
    }

    /// `body` over the bytes of `array`, keeping the error type.
    static func withBytes(_ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(CASError) -> Void) throws(CASError) {
        var failure: CASError?
        array.withUnsafeBytes { raw in
            do throws(CASError) { try body(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    // MARK: Tags

    /// Every tag, sorted by name bytes.
    public var tags: [(name: String, id: ObjectID)] {
        tagTable.map { ($0.key, $0.value) }.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
    }

    public func tag(named name: String) -> ObjectID? { tagTable[name] }

    /// Names `id` with `name`, moving the tag when it already names another id.
    public func setTag(_ name: String, to id: ObjectID) throws(CASError) {
        try checkUsable()
        if let problem = TagName.problem(Array(name.utf8)) { throw CASError(.invalidArgument("tag name \"\(name)\": \(problem)")) }
        guard index[id] != nil else { throw CASError(.noSuchObject(id)) }
        guard tagTable[name] != nil || tagTable.count < CASLimits.maxTags else {
            throw CASError(.limitExceeded("at most \(CASLimits.maxTags) tags"))
        }
        tagTable[name] = id
    }

    /// Removes the tag `name`.
    public func removeTag(_ name: String) throws(CASError) {
        try checkUsable()
        guard tagTable.removeValue(forKey: name) != nil else { throw CASError(.noSuchTag(name)) }
    }

    /// The id `reference` names: 64 hex digits of an indexed object, else a tag.
    public func resolve(_ reference: String) throws(CASError) -> ObjectID {
        if let id = ObjectID(hex: reference), index[id] != nil { return id }
        if let id = tagTable[reference] { return id }
        if let id = ObjectID(hex: reference) { throw CASError(.noSuchObject(id)) }
        throw CASError(.noSuchTag(reference))
    }
}
