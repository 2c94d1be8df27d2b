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

    /// The levels chosen from the measurement in tools/cas-bench/README.md.
    public static let defaultCompressionLevel: Int32 = 4
    public static let defaultLargeObjectLevel: Int32 = 4
}

/// A content-addressed store of blob, item, tree and chunk-list objects with named tags,
/// inside any `ByteStore` (docs/FORMAT.md Part III).
///
/// Writes (`put…`, `setTag`, `removeTag`, `collectGarbage`) change the volume in memory and
/// in free space of the store; `commit()` makes them durable and visible to a later `open`.
/// A crash before `commit()` returns loses only what that commit would have added; what an
/// earlier commit made durable is never lost (§5). Every read re-hashes the object and
/// throws `hashMismatch` when its bytes do not match its id.
///
/// After a `CASError.store` error the in-memory state may differ from the store; the
/// volume then refuses further use (`needsReopen`) and must be opened again.
public final class CASVolume {
    public let store: ByteStore
    public let options: CASOptions
    /// The last committed header.
    public private(set) var header: VolumeHeader

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
    /// names: kept until the next commit, so that slot stays a complete fallback (§5).
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
    public private(set) var objectBytesWritten: UInt64 = 0
    /// Objects written since the volume was opened.
    public private(set) var objectsWritten = 0

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
        reading.claimedGeneration = bytes.withUnsafeBytes { ByteReader.uint64(in: $0, at: 8) }
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
                switch fix {
                case let .coveredByte(offset, _): reading.correctedOffset = slot + UInt64(offset)
                case let .storedChecksum(index): reading.correctedOffset = slot + UInt64(VolumeHeader.checksumOffset + index)
                }
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

    // MARK: Writing objects

    /// Stores `object` unless an object with its id is already there; returns the id.
    /// Every id an item, tree or chunk list names must already be in the volume.
    @discardableResult
    public func put(_ object: CASObject) throws(CASError) -> ObjectID {
        try put([object])[0]
    }

    /// Stores `objects` (hashing and compressing them in parallel); returns their ids in order.
    @discardableResult
    public func put(_ objects: [CASObject]) throws(CASError) -> [ObjectID] {
        try put(objects, checkingReferences: true)
    }

    /// `put`; the checker's repair passes `checkingReferences: false` to write back objects
    /// it salvaged from a damaged pack, which may name ids that are lost (and get markers).
    func put(_ objects: [CASObject], checkingReferences: Bool) throws(CASError) -> [ObjectID] {
        try checkUsable()
        for object in objects {
            guard object.payload.count <= CASLimits.maxPayloadBytes else {
                throw CASError(.limitExceeded("payload of \(object.payload.count) bytes, at most \(CASLimits.maxPayloadBytes)"))
            }
        }
        let ids = Parallel.map(objects.count, enabled: options.parallel) { objects[$0].id }
        var pending: [Int] = []
        var batch: [ObjectID: ObjectType] = [:]
        for (n, id) in ids.enumerated() where index[id] == nil && batch.updateValue(objects[n].type, forKey: id) == nil {
            pending.append(n)
        }
        if checkingReferences { for n in pending { try checkReferences(objects[n], id: ids[n], batch: batch) } }
        let large = pending.filter { objects[$0].payload.count >= CASLimits.packThreshold }
        let small = pending.filter { objects[$0].payload.count < CASLimits.packThreshold }
        let groups = PreparedPack.groups(sizes: small.map { objects[$0].payload.count })
        let level = options.compressionLevel
        let largeLevel = options.largeObjectLevel
        // One parallel pass: the large objects, then the packs.
        let prepared = Parallel.map(large.count + groups.count, enabled: options.parallel) { job -> Prepared in
            if job < large.count {
                let n = large[job]
                return .object(objects[n].payload.withUnsafeBytes { PreparedObject(type: objects[n].type, payload: $0, level: largeLevel, id: ids[n]) })
            }
            let group = groups[job - large.count].map { small[$0] }
            return .pack(PreparedPack(members: group.map { (ids[$0], objects[$0].type.byte) }, level: level) { w in
                for n in group {
                    objects[n].payload.withUnsafeBytes { PackRecord.appendMember(&w, typeByte: objects[n].type.byte, payload: $0) }
                }
            })
        }
        for record in prepared {
            switch record {
            case let .object(object): try write(object)
            case let .pack(pack): try write(pack)
            }
        }
        return ids
    }

    @discardableResult
    public func putBlob(_ bytes: [UInt8]) throws(CASError) -> ObjectID { try put(.blob(bytes)) }

    @discardableResult
    public func putItem(name: String, target: ObjectID) throws(CASError) -> ObjectID { try put(.item(name: name, target: target)) }

    @discardableResult
    public func putTree(_ entries: [ObjectID]) throws(CASError) -> ObjectID { try put(.tree(entries)) }

    /// Stores `bytes` as content: one blob when the chunker finds a single chunk, else its
    /// chunks as blobs plus a chunk list naming them (docs/FORMAT.md §C2.6). Returns the
    /// blob's or the chunk list's id.
    @discardableResult
    public func putContent(_ bytes: [UInt8]) throws(CASError) -> ObjectID {
        try putContents([bytes]).ids[0]
    }

    /// Throws unless every id `object` names is indexed or in `batch`, and of the kind its
    /// type allows (docs/FORMAT.md §C2.5): an item names a blob, tree or chunk list; a
    /// tree lists items; a chunk list names blobs. (Two items of one tree with the same
    /// name are not looked for here; the checker reports them, and `snapshot` never
    /// makes them.)
    func checkReferences(_ object: CASObject, id: ObjectID, batch: [ObjectID: ObjectType]) throws(CASError) {
        let references: [ObjectID]
        do throws(CASError) { references = try object.references() } catch {
            throw CASError(.invalidArgument("object \(id): \(error)"))
        }
        for reference in references {
            guard let type = index[reference].flatMap({ ObjectType(byte: $0.typeByte) }) ?? batch[reference] else {
                throw CASError(.invalidArgument("object \(id) names \(reference), which is not in the volume"))
            }
            let allowed: Bool
            switch (object.type.kind, object.type.isCore) {
            case (.item, _): allowed = type.kind != .item
            case (.tree, true): allowed = type.kind == .blob
            case (.tree, false): allowed = type.kind == .item
            case (.blob, _): allowed = true
            }
            guard allowed else {
                throw CASError(.wrongKind(reference, expected: object.type.isChunkList ? "blob" : object.type.kind == .item ? "blob, tree or chunk list" : "item",
                                          found: type.name))
            }
        }
    }

    /// Writes a prepared object into free space (or at the end) and indexes it.
    func write(_ object: PreparedObject) throws(CASError) {
        guard index[object.id] == nil else { return }
        guard index.count < CASLimits.maxObjects else { throw CASError(.limitExceeded("at most \(CASLimits.maxObjects) objects")) }
        let offset = allocate(UInt64(object.record.count))
        try writeBytes(object.record, at: offset)
        index[object.id] = Entry(offset: offset, recordLength: UInt32(object.record.count), typeByte: object.typeByte)
        objectBytesWritten += UInt64(object.record.count)
        objectsWritten += 1
    }

    /// Writes a prepared pack into free space (or at the end) and indexes its members.
    func write(_ pack: PreparedPack) throws(CASError) {
        guard index.count + pack.members.count <= CASLimits.maxObjects else {
            throw CASError(.limitExceeded("at most \(CASLimits.maxObjects) objects"))
        }
        let offset = allocate(UInt64(pack.record.count))
        try writeBytes(pack.record, at: offset)
        for (k, member) in pack.members.enumerated() where index[member.id] == nil {
            index[member.id] = Entry(offset: offset, recordLength: UInt32(pack.record.count), typeByte: member.typeByte, member: UInt16(k))
            objectsWritten += 1
        }
        objectBytesWritten += UInt64(pack.record.count)
    }

    /// Space for a record of `length` bytes: a free extent, else the end of the data area.
    func allocate(_ length: UInt64) -> UInt64 {
        if let offset = free.allocate(length) { return offset }
        let offset = dataEnd
        dataEnd += length
        return offset
    }

    func writeBytes(_ bytes: [UInt8], at offset: UInt64) throws(CASError) {
        do throws(StoreError) { try store.write(at: offset, bytes) } catch {
            isBroken = true
            throw CASError(.store(error), offset: offset)
        }
    }

    func storeCall(_ body: () throws(StoreError) -> Void) throws(CASError) {
        do throws(StoreError) { try body() } catch {
            isBroken = true
            throw CASError(.store(error))
        }
    }

    func checkUsable() throws(CASError) {
        if isBroken { throw CASError(.needsReopen) }
        if store.isReadOnly { throw CASError(.store(.readOnly)) }
    }

    // MARK: Commit

    /// Makes every change since the last commit durable (docs/FORMAT.md §C5):
    ///
    /// 1. the new records are already written into free space or past the data end;
    /// 2. write the new index and tag table into free space;
    /// 3. flush;
    /// 4. write the header of the next generation into the other slot;
    /// 5. flush. The commit is complete here;
    /// 6. release the space of collected objects and of the index and tag table of the
    ///    generation before the previous one (the previous one's stay, so the other slot
    ///    remains a complete fallback), write free record prefixes and cut free space off
    ///    the end.
    public func commit() throws(CASError) {
        try checkUsable()
        let generation = header.generation + 1
        var entries: [IndexRecord.Entry] = []
        entries.reserveCapacity(index.count)
        var objectBytes: UInt64 = 0
        var liveEnd = VolumeHeader.dataStart
        var countedPacks = Set<UInt64>()
        for (id, entry) in index {
            entries.append(.init(id: id, offset: entry.offset, recordLength: entry.recordLength, typeByte: entry.typeByte, member: entry.member))
            if entry.member == nil || countedPacks.insert(entry.offset).inserted { objectBytes += UInt64(entry.recordLength) }
            liveEnd = max(liveEnd, entry.end)
        }
        entries.sort { $0.id < $1.id }
        let indexBytes = IndexRecord(generation: generation, entries: entries).encoded()
        let tagBytes = TagTableRecord(generation: generation, entries: tags.map { .init(name: $0.name, id: $0.id) }).encoded()
        let indexOffset = allocate(UInt64(indexBytes.count))
        try writeBytes(indexBytes, at: indexOffset)
        let tagOffset = allocate(UInt64(tagBytes.count))
        try writeBytes(tagBytes, at: tagOffset)
        liveEnd = max(liveEnd, indexOffset + UInt64(indexBytes.count), tagOffset + UInt64(tagBytes.count))
        // The records of the generation being replaced stay, for the other slot.
        let previousRecords = [FreeSpace.Extent(offset: header.indexOffset, length: header.indexLength),
                               FreeSpace.Extent(offset: header.tagTableOffset, length: header.tagTableLength)].filter { $0.length > 0 }
        for extent in previousRecords { liveEnd = max(liveEnd, extent.end) }
        try storeCall { () throws(StoreError) in try store.flush() }

        let next = VolumeHeader(generation: generation, dataEnd: liveEnd, indexOffset: indexOffset,
                                indexLength: UInt64(indexBytes.count), objectCount: UInt32(entries.count),
                                tagCount: UInt32(tagTable.count), tagTableOffset: tagOffset,
                                tagTableLength: UInt64(tagBytes.count), objectBytes: objectBytes)
        try writeBytes(next.encoded(), at: VolumeHeader.slotOffsets[next.slot])
        try storeCall { () throws(StoreError) in try store.flush() }
        header = next
        try writeSeal()
        packCache.removeAll()

        // The commit is durable. What only the generation before the previous one used
        // is free now; the previous generation's records are kept for the other slot.
        for extent in retained { free.insert(extent) }
        retained = previousRecords
        for extent in releasedByTransaction { free.insert(extent) }
        releasedByTransaction = []
        while let tail = free.removeTail(endingAt: dataEnd) { dataEnd = tail.offset }
        dataEnd = max(dataEnd, liveEnd)
        if store.length > dataEnd { try storeCall { () throws(StoreError) in try store.setLength(dataEnd) } }
        try writeFreePrefixes()
    }

    /// Records that the commit of `header` completed (§C5 step 6): both seal copies, each
    /// a write of its own away from the header bytes, then a flush.
    func writeSeal() throws(CASError) {
        let bytes = CommitSeal(sealing: header).encoded()
        for offset in CommitSeal.copyOffsets { try writeBytes(bytes, at: offset) }
        try storeCall { () throws(StoreError) in try store.flush() }
    }

    /// Writes a free record prefix at the start of every free extent whose prefix is not
    /// already there, so that the records tile the data area for a linear walk.
    func writeFreePrefixes() throws(CASError) {
        var written: [UInt64: UInt64] = [:]
        written.reserveCapacity(free.extents.count)
        for extent in free.extents {
            if writtenFreePrefixes[extent.offset] != extent.length {
                try writeBytes(FreeRecord.encoded(length: extent.length), at: extent.offset)
            }
            written[extent.offset] = extent.length
        }
        writtenFreePrefixes = written
    }
}
