import ArdakuFormat

/// What `collectGarbage` did.
public struct CollectionReport: Equatable, Sendable {
    /// Objects no tag reaches, now removed.
    public var removedObjects: Int
    /// Record bytes those objects took, now free for reuse.
    public var freedBytes: UInt64
    public var storeLengthBefore: UInt64
    public var storeLengthAfter: UInt64
    /// Records copied down into the space the collection freed, and their bytes.
    public var recordsMoved = 0
    public var bytesMoved: UInt64 = 0
}

extension CASVolume {
    /// Every indexed id reachable from a tag through items, trees and chunk lists.
    ///
    /// Blobs are not read (they name nothing); every other reachable object is read and
    /// verified, and a damaged one throws, because what it names cannot be known. An id
    /// named but not indexed (a dangling reference) is left out.
    ///
    /// - Complexity: O(reachable objects + their references).
    public func reachableObjects() throws(CASError) -> Set<ObjectID> {
        var reached = Set<ObjectID>()
        var pending = tagTable.values.filter { index[$0] != nil }
        while let id = pending.popLast() {
            guard reached.insert(id).inserted, let entry = index[id] else { continue }
            if entry.typeByte & ObjectType.kindMask == ObjectType.Kind.blob.rawValue { continue }
            for reference in try object(id).references() where index[reference] != nil && !reached.contains(reference) {
                pending.append(reference)
            }
        }
        return reached
    }

    /// Removes every object no tag reaches and commits; their space is reused by later
    /// writes, and free space at the end of the store is cut off. The live members of a
    /// pack record that lost members are written into new packs, and the old pack freed.
    ///
    /// Throws, removing nothing, when a reachable object cannot be read or verified.
    @discardableResult
    public func collectGarbage() throws(CASError) -> CollectionReport {
        try checkUsable()
        let lengthBefore = store.length
        let live = try reachableObjects()
        var removed = 0
        var freed: UInt64 = 0
        // Pack records: how many members stay, and which.
        var packs: [UInt64: (length: UInt32, live: [ObjectID], dead: Int)] = [:]
        for (id, entry) in index where entry.member != nil {
            var pack = packs[entry.offset] ?? (entry.recordLength, [], 0)
            if live.contains(id) { pack.live.append(id) } else { pack.dead += 1 }
            packs[entry.offset] = pack
        }
        // Live members of a pack that lost members are written again into new packs, so
        // the old pack's space can be freed whole.
        var repacked: [CASObject] = []
        for (_, pack) in packs where pack.dead > 0 {
            for id in pack.live { repacked.append(try object(id)) }
        }
        for (id, entry) in index where !live.contains(id) || (entry.member != nil && packs[entry.offset]!.dead > 0) {
            index[id] = nil
            if !live.contains(id) { removed += 1 }
            if entry.member == nil {
                releasedByTransaction.append(.init(offset: entry.offset, length: UInt64(entry.recordLength)))
                freed += UInt64(entry.recordLength)
            }
        }
        for (offset, pack) in packs where pack.dead > 0 {
            releasedByTransaction.append(.init(offset: offset, length: UInt64(pack.length)))
            freed += UInt64(pack.length)
        }
        // Nothing unreachable and no pack to rewrite: no commit, unless records can move
        // down below (a commit writes a new index and tag table, so a collection with
        // nothing to do would only make the store longer).
        let changed = removed > 0 || !repacked.isEmpty
        if changed {
            let before = objectBytesWritten
            try put(repacked)
            freed -= min(freed, objectBytesWritten - before)
            try commit()
        }
        // The space freed is reusable only now that the commit is durable (§C5): records
        // past it (the repacked members above all) move down into it, one commit per round.
        // A commit keeps the previous generation's index and tag table (the other slot's),
        // so the store shrinks one commit after they stop being the highest records: the
        // rounds go on while a round moves something or the store still gets shorter.
        // Two rounds in a row without either: the index and tag table of the last two
        // generations have had the chance to move below the records, and nothing more will.
        var moved = (records: 0, bytes: UInt64(0))
        var length = store.length
        var idleRounds = 0
        for _ in 0..<Self.maxCompactionRounds {
            let round = try moveRecordsDown()
            if !changed && moved.records == 0 && round.records == 0 { break }
            moved.records += round.records
            moved.bytes += round.bytes
            try commit()
            idleRounds = round.records == 0 && store.length >= length ? idleRounds + 1 : 0
            if idleRounds == 2 { break }
            length = min(length, store.length)
        }
        return CollectionReport(removedObjects: removed, freedBytes: freed, storeLengthBefore: lengthBefore,
                                storeLengthAfter: store.length, recordsMoved: moved.records, bytesMoved: moved.bytes)
    }

    /// Rounds of `moveRecordsDown` one collection makes at most (each is a commit).
    static let maxCompactionRounds = 8

    /// Copies records (object and pack records) from the top of the data area into free
    /// space below them, highest first, each into the lowest free extent that fits, and
    /// points the index at the copies; the old places are freed by the next commit. Space
    /// free in the committed generation only, as every write (§C5), so a crash leaves each
    /// object at its old or its new place. Returns what moved.
    func moveRecordsDown() throws(CASError) -> (records: Int, bytes: UInt64) {
        try checkUsable()
        var records: [UInt64: (length: UInt32, ids: [ObjectID])] = [:]
        for (id, entry) in index { records[entry.offset, default: (entry.recordLength, [])].ids.append(id) }
        var moved = 0
        var bytes: UInt64 = 0
        for (offset, record) in records.sorted(by: { $0.key > $1.key }) {
            let length = UInt64(record.length)
            guard let to = free.allocateLowest(length, endingBy: offset) else { continue }
            let content: [UInt8]
            do throws(StoreError) { content = try store.read(at: offset, count: Int(record.length)) } catch {
                throw CASError(.store(error), offset: offset)
            }
            try writeBytes(content, at: to)
            for id in record.ids { index[id]!.offset = to }
            releasedByTransaction.append(.init(offset: offset, length: length))
            dataEnd = max(dataEnd, to + length)
            moved += 1
            bytes += length
        }
        return (moved, bytes)
    }

    /// Bytes of the data area that are free for reuse.
    public var freeBytes: UInt64 { free.totalBytes + releasedByTransaction.reduce(0) { $0 + $1.length } }
}
