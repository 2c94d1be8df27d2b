import ArdakuFormat

/// The used-page bitfield in memory: loaded from the store one bitfield page at a time,
/// as needed, and written back as byte ranges of the pages that changed.
///
/// Memory is one 64 KiB chunk per bitfield page touched, so even a 64 TiB volume costs
/// little unless a walk touches all of it.
final class PageBitmap {
    private let store: PageStore
    let totalPageCount: UInt32
    private static let wordsPerChunk = Geometry.pageSize / 8
    /// Words of each bitfield page; nil until loaded.
    private var chunks: [[UInt64]?]
    /// Per chunk, the range of words changed since the last write-back.
    private var dirtyWords: [Int: ClosedRange<Int>] = [:]

    init(store: PageStore, totalPageCount: UInt32) {
        self.store = store
        self.totalPageCount = totalPageCount
        chunks = Array(repeating: nil, count: VolumeLayout.bitfieldPageCount(forTotal: totalPageCount))
    }

    /// A bitmap with every bit clear, for a volume being formatted (nothing is read).
    static func empty(store: PageStore, totalPageCount: UInt32) -> PageBitmap {
        let bitmap = PageBitmap(store: store, totalPageCount: totalPageCount)
        for index in bitmap.chunks.indices { bitmap.chunks[index] = Array(repeating: 0, count: wordsPerChunk) }
        return bitmap
    }

    private func chunk(_ ordinal: Int) throws(StoreError) -> [UInt64] {
        if let loaded = chunks[ordinal] { return loaded }
        let bytes = try store.read(PageIndex(UInt32(1 + ordinal)))
        var words = [UInt64](repeating: 0, count: Self.wordsPerChunk)
        for index in 0..<Self.wordsPerChunk { words[index] = ByteReader.uint64(in: bytes, at: index * 8) ?? 0 }
        chunks[ordinal] = words
        return words
    }

    func isUsed(_ page: UInt32) throws(StoreError) -> Bool {
        precondition(page < totalPageCount)
        let ordinal = Int(page / Limits.pagesPerBitfieldPage)
        let within = Int(page % Limits.pagesPerBitfieldPage)
        return try chunk(ordinal)[within >> 6] & (1 << UInt64(within & 63)) != 0
    }

    /// Sets or clears the bit of `page`; returns whether it changed.
    @discardableResult
    func setUsed(_ page: UInt32, _ used: Bool) throws(StoreError) -> Bool {
        precondition(page < totalPageCount)
        let ordinal = Int(page / Limits.pagesPerBitfieldPage)
        let within = Int(page % Limits.pagesPerBitfieldPage)
        let word = within >> 6
        let mask: UInt64 = 1 << UInt64(within & 63)
        var words = try chunk(ordinal)
        let old = words[word]
        let new = used ? old | mask : old & ~mask
        guard new != old else { return false }
        chunks[ordinal] = nil   // drop the array's second reference so the write below does not copy
        words[word] = new
        chunks[ordinal] = words
        if let range = dirtyWords[ordinal] {
            dirtyWords[ordinal] = min(range.lowerBound, word)...max(range.upperBound, word)
        } else {
            dirtyWords[ordinal] = word...word
        }
        return true
    }

    /// The first clear bit at or after `hint` inside `range`, wrapping around once.
    func findFree(from hint: UInt32, in range: Range<UInt32>) throws(StoreError) -> UInt32? {
        guard !range.isEmpty else { return nil }
        let start = range.contains(hint) ? hint : range.lowerBound
        if let page = try scan(start..<range.upperBound) { return page }
        return try scan(range.lowerBound..<start)
    }

    private func scan(_ range: Range<UInt32>) throws(StoreError) -> UInt32? {
        var page = range.lowerBound
        while page < range.upperBound {
            let ordinal = Int(page / Limits.pagesPerBitfieldPage)
            let words = try chunk(ordinal)
            let chunkBase = UInt32(ordinal) * Limits.pagesPerBitfieldPage
            var word = Int((page - chunkBase) >> 6)
            // Bits below `page` in its first word are not candidates.
            var mask = ~UInt64(0) << UInt64((page - chunkBase) & 63)
            while word < Self.wordsPerChunk {
                let free = ~words[word] & mask
                if free != 0 {
                    let candidate = chunkBase + UInt32(word << 6) + UInt32(free.trailingZeroBitCount)
                    return candidate < range.upperBound ? candidate : nil
                }
                mask = ~0
                word += 1
                if chunkBase + UInt32(word << 6) >= range.upperBound { return nil }
            }
            page = chunkBase + Limits.pagesPerBitfieldPage
        }
        return nil
    }

    /// Writes the changed byte ranges of every bitfield page back to the store.
    func writeBack() throws(StoreError) {
        for (ordinal, range) in dirtyWords.sorted(by: { $0.key < $1.key }) {
            guard let words = chunks[ordinal] else { continue }
            var writer = ByteWriter(capacity: range.count * 8)
            for index in range { writer.writeUInt64(words[index]) }
            try store.write(writer.bytes, to: PageIndex(UInt32(1 + ordinal)), at: PageOffset(UInt32(range.lowerBound * 8)))
        }
        dirtyWords.removeAll()
    }

    var hasUnwrittenChanges: Bool { !dirtyWords.isEmpty }

    /// Forgets unwritten changes; pages are read again from the store when next needed.
    func discardChanges() {
        for ordinal in dirtyWords.keys { chunks[ordinal] = nil }
        dirtyWords.removeAll()
    }
}
