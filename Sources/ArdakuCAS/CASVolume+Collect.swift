import ArdakuFormat

/// What `collectGarbage` did.
public struct CollectionReport: Equatable, Sendable {
    /// Objects no tag reaches, now removed.
    public var removedObjects: Int
    /// Record bytes those objects took, now free for reuse.
    public var freedBytes: UInt64
    public var storeLengthBefore: UInt64
    public var storeLengthAfter: UInt64
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
        let before = objectBytesWritten
        try put(repacked)
        freed -= min(freed, objectBytesWritten - before)
        try commit()
        return CollectionReport(removedObjects: removed, freedBytes: freed, storeLengthBefore: lengthBefore, storeLengthAfter: store.length)
    }

    /// Bytes of the data area that are free for reuse.
    public var freeBytes: UInt64 { free.totalBytes + releasedByTransaction.reduce(0) { $0 + $1.length } }
}
