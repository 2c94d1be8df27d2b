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
    /// writes, and free space at the end of the store is cut off.
    ///
    /// Throws, removing nothing, when a reachable object cannot be read or verified.
    @discardableResult
    public func collectGarbage() throws(CASError) -> CollectionReport {
        try checkUsable()
        let before = store.length
        let live = try reachableObjects()
        var removed = 0
        var freed: UInt64 = 0
        for (id, entry) in index where !live.contains(id) {
            index[id] = nil
            releasedByTransaction.append(.init(offset: entry.offset, length: UInt64(entry.recordLength)))
            removed += 1
            freed += UInt64(entry.recordLength)
        }
        try commit()
        return CollectionReport(removedObjects: removed, freedBytes: freed, storeLengthBefore: before, storeLengthAfter: store.length)
    }

    /// Bytes of the data area that are free for reuse.
    public var freeBytes: UInt64 { free.totalBytes + releasedByTransaction.reduce(0) { $0 + $1.length } }
}
