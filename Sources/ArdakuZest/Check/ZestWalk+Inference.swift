import ArdakuFormat

extension ZestWalk {
    /// Both header copies are unusable: walks the table with every possible segment size
    /// and keeps the one under which the most sampled entries have intact content.
    mutating func inferHeader(_ store: ByteStore) throws(StoreError) {
        guard storeLength >= UInt64(ZestLimits.zatHeadOffset + ZestLimits.fragmentPairSize) else { return }
        var bestSize = UInt32(ZestLimits.defaultSegmentSize)
        var bestScore = -1
        var size = UInt32(ZestLimits.maxSegmentSize)
        // Largest first, so that a tie (an empty table) keeps the default 4096.
        while size >= UInt32(ZestLimits.minSegmentSize) {
            var candidate = self
            try candidate.walkChain(store, segmentSize: size)
            let score = try candidate.intactContentScore(store, segmentSize: size)
            if score > bestScore {
                bestScore = score
                bestSize = size
            }
            size /= 2
        }
        header = ZestHeader(segmentSize: bestSize)
        headerSource = .inferred
        try walkChain(store, segmentSize: bestSize)
    }

    /// Fragments walked plus entries (up to 64 sampled) whose content checks out when
    /// segments are `segmentSize` bytes.
    func intactContentScore(_ store: ByteStore, segmentSize: UInt32) throws(StoreError) -> Int {
        var decoder = ZestContentDecoder()
        var score = fragments.filter(\.isReadable).count
        var dictionaries: [UInt16: [UInt8]] = [:]
        let sampled = entries.filter { $0.isChecksumValid && $0.entry.storedLength > 0 }
        for found in sampled.sorted(by: { ($0.entry.kindByte, $0.offset) > ($1.entry.kindByte, $1.offset) }).prefix(64) {
            let entry = found.entry
            let start = UInt64(entry.segmentStart) * UInt64(segmentSize)
            guard ZestContentDecoder.lengthProblem(entry) == nil, start <= storeLength,
                  UInt64(entry.storedLength) <= storeLength - start else { continue }
            let dictionary = entry.kind == .file && entry.dictionaryID != 0 ? dictionaries[entry.dictionaryID] : nil
            let outcome = try decoder.check(entry, dictionary: dictionary, keeping: entry.kind == .dictionary) { (offset, into) throws(StoreError) in
                try store.read(at: start + UInt64(offset), into: into)
            }
            if case let .success(content) = outcome {
                score += 16
                if entry.kind == .dictionary { dictionaries[entry.dictionaryID] = content }
            }
        }
        return score
    }
}
