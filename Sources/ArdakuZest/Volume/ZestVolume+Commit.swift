import ArdakuFormat

extension ZestVolume {
    /// True when changes wait for `flush()`.
    public var hasPendingChanges: Bool {
        needsBarrier || fragments.contains { $0.isDirty } || !pendingFree.isEmpty
    }

    /// Makes every change durable (docs/FORMAT.md §Z6):
    ///
    /// 1. new fragment pairs are written (both slots) next to the content already written;
    /// 2. the store is flushed: content and new pairs are durable, nothing refers to them yet;
    /// 3. each changed fragment is written to its other slot, generation + 1;
    /// 4. the store is flushed: the new table is durable;
    /// 5. the commit seal (both copies) is written and flushed: the slots of this table
    ///    are now known complete, so a bad CRC in one of them is damage, not a torn write;
    /// 6. segments the old table referenced become free, and free space at the end of the
    ///    store is cut off.
    ///
    /// A crash before step 4 completes leaves each fragment with its old or its new slot
    /// current, and both refer only to durable content.
    public func flush() throws(ZestError) {
        guard !store.isReadOnly else {
            if hasPendingChanges { throw ZestError(.readOnly) }
            return
        }
        pruneEmptyFragments()
        var newSlotCRCs: [ObjectIdentifier: UInt32] = [:]
        for (position, fragment) in fragments.enumerated() where fragment.isNew {
            let image = slotImage(fragment, position: position, generation: 1)
            newSlotCRCs[ObjectIdentifier(fragment)] = ZestSlotTrailer(image).storedCRC
            try storeWrite(image + [UInt8](repeating: 0, count: ZestLimits.fragmentSize), at: byteOffset(ofSegment: fragment.pairSegment))
            needsBarrier = true
        }
        if needsBarrier { try storeFlush() }
        var wroteTable = false
        for (position, fragment) in fragments.enumerated() where fragment.isDirty && !fragment.isNew {
            let generation = ZestFragmentSlot.generation(after: fragment.generation)
            let slot = 1 - fragment.currentSlot
            let image = slotImage(fragment, position: position, generation: generation)
            try storeWrite(image, at: byteOffset(ofSegment: fragment.pairSegment) + UInt64(slot * ZestLimits.fragmentSize))
            fragment.currentSlot = slot
            fragment.generation = generation
            fragment.slotCRC = ZestSlotTrailer(image).storedCRC
            wroteTable = true
        }
        if wroteTable { try storeFlush() }
        for fragment in fragments {
            if fragment.isNew {
                fragment.isNew = false
                fragment.generation = 1
                fragment.currentSlot = 0
                fragment.slotCRC = newSlotCRCs[ObjectIdentifier(fragment)] ?? 0
            }
            fragment.isDirty = false
        }
        if wroteTable || !newSlotCRCs.isEmpty { try writeSeal() }
        for run in pendingFree { allocator.release(run) }
        pendingFree.removeAll()
        uncommittedRuns.removeAll()
        pendingRemovals.removeAll()
        needsBarrier = false
        try trimStore()
    }

    /// The seal of the table in memory (which must be the committed one).
    var currentSeal: ZestCommitSeal {
        ZestCommitSeal(commitCount: commitCount, marks: fragments.map {
            ZestCommitSeal.SlotMark(pairSegment: $0.pairSegment, generation: $0.generation, slotCRC: $0.slotCRC)
        })
    }

    /// Records the committed table as the next commit (§Z6 step 3.5): both copies, each in
    /// its own sector, then a flush.
    func writeSeal() throws(ZestError) {
        commitCount += 1
        let bytes = currentSeal.encoded()
        for offset in ZestCommitSeal.copyOffsets { try storeWrite(bytes, at: UInt64(offset)) }
        try storeFlush()
    }

    /// Cuts free segments off the end of the store.
    func trimStore() throws(ZestError) {
        let end = max(byteOffset(ofSegment: allocator.end), UInt64(ZestLimits.zatHeadOffset + ZestLimits.fragmentPairSize))
        if try storeLength() > end {
            do throws(StoreError) { try store.setLength(end) } catch { throw ZestError(store: error) }
        }
    }

    /// Drops fragments other than the head that hold no entry; their predecessors relink.
    func pruneEmptyFragments() {
        var position = 1
        while position < fragments.count {
            let fragment = fragments[position]
            guard fragment.recordIDs.isEmpty else { position += 1; continue }
            fragments.remove(at: position)
            fragments[position - 1].isDirty = true
            if lastPlacement === fragment { lastPlacement = nil }
            release(SegmentRun(start: fragment.pairSegment, count: header.segmentsPerPair))
        }
    }

    /// The 4096 bytes of `fragment`'s slot as it is in memory.
    func slotImage(_ fragment: FragmentState, position: Int, generation: UInt32) -> [UInt8] {
        let next = position + 1 < fragments.count ? fragments[position + 1].pairSegment : 0
        var writer = ByteWriter(capacity: ZestLimits.fragmentSize)
        writer.writeUInt32(next)
        for id in fragment.recordIDs {
            records[id]!.entry.encode(into: &writer)
        }
        precondition(writer.count <= ZestLimits.entryAreaEnd, "fragment overflow")
        writer.pad(to: ZestFragmentSlot.generationOffset)
        writer.writeUInt32(generation)
        writer.writeUInt32(CRC32.checksum(writer.bytes))
        return writer.bytes
    }

    /// Rewrites the whole table packed into as few fragments as the entries need: every
    /// fragment but the head goes to a new pair, and the head's next slot, written last,
    /// switches from the old chain to the new one in one write (§Z6).
    func rebuildTable() throws(ZestError) {
        try flush()
        var ids: [Int] = []
        for fragment in fragments { ids.append(contentsOf: fragment.recordIDs) }
        let head = fragments[0]
        for fragment in fragments.dropFirst() { release(SegmentRun(start: fragment.pairSegment, count: header.segmentsPerPair)) }
        head.recordIDs = []
        head.entryBytes = 0
        head.isDirty = true
        fragments = [head]
        lastPlacement = nil
        var current = head
        for id in ids {
            let size = records[id]!.entry.encodedSize
            if current.room < size {
                let pair = try allocate(header.segmentsPerPair)
                current = FragmentState(pairSegment: pair.start, generation: 0, currentSlot: 1, recordIDs: [], entryBytes: 0)
                current.isNew = true
                fragments.append(current)
            }
            current.recordIDs.append(id)
            current.entryBytes += size
            records[id]!.fragment = current
        }
        try flush()
    }

    /// Fragments that would hold the entries if packed.
    var packedFragmentCount: Int {
        var count = 1, used = 0
        for fragment in fragments {
            for id in fragment.recordIDs {
                let size = records[id]!.entry.encodedSize
                if used + size > ZestFragmentSlot.entryAreaCapacity { count += 1; used = 0 }
                used += size
            }
        }
        return count
    }
}
