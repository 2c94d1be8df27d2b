import ArdakuFormat

extension CASVolume {
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
}
