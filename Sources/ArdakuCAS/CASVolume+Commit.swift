import ArdakuFormat

extension CASVolume {
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
