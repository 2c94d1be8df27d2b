import ArdakuFormat

/// Hands out pages for a repair: only pages that nothing in any view of the volume uses.
///
/// First choice: pages the bitfield marks free that the check found unreferenced and that
/// no trie value, trie page or lost record names; a crash before the commit then leaves the
/// committed state untouched. When those run out: pages marked used that nothing references
/// (leaked pages), which the repair frees anyway. Pages are taken in ascending order, so a
/// repair of the same damage writes the same bytes.
final class RepairAllocator {
    private let range: Range<Int>
    private let forbidden: Bitmap
    private let bitfieldWord: (Int) -> UInt64
    private let taken: Bitmap
    private var cursor: Int
    private var leakedPass = false
    private var recordPage: Int?
    private var nextSlot = Geometry.subpagesPerPage
    /// Writes four zero bytes at a subpage's start: makes the free subpages of a new record
    /// page unmistakable for records.
    private let clearHeader: (Int) throws(RepairError) -> Void
    private(set) var allocatedCount = 0

    init(range: Range<Int>, pageCount: Int, forbidden: Bitmap, bitfieldWord: @escaping (Int) -> UInt64,
         clearHeader: @escaping (Int) throws(RepairError) -> Void) {
        self.range = range
        self.forbidden = forbidden
        self.bitfieldWord = bitfieldWord
        self.clearHeader = clearHeader
        taken = Bitmap(count: pageCount)
        cursor = range.lowerBound
    }

    /// A page for new content.
    func page() throws(RepairError) -> Int {
        while true {
            if let page = scan() {
                taken.insert(page)
                allocatedCount += 1
                return page
            }
            guard !leakedPass else { throw .noSpace }
            leakedPass = true
            cursor = range.lowerBound
        }
    }

    /// A subpage for a new record: the next free slot of the record page this repair is
    /// filling, or slot 0 of a new page whose other slots are cleared.
    func recordSubpage() throws(RepairError) -> Int {
        if let page = recordPage, nextSlot < Geometry.subpagesPerPage {
            defer { nextSlot += 1 }
            return page * 4 + nextSlot
        }
        let page = try page()
        for slot in 1..<Geometry.subpagesPerPage { try clearHeader(page * 4 + slot) }
        recordPage = page
        nextSlot = 1
        return page * 4
    }

    /// The next page at or after the cursor that this pass may take.
    private func scan() -> Int? {
        guard !range.isEmpty else { return nil }
        while cursor < range.upperBound {
            let word = cursor / 64
            let onDisk = bitfieldWord(word)
            var candidates = ~forbidden.word(word) & ~taken.word(word) & (leakedPass ? onDisk : ~onDisk)
            candidates &= ~UInt64(0) << UInt64(cursor % 64)
            if candidates != 0 {
                let page = word * 64 + candidates.trailingZeroBitCount
                if page >= range.upperBound { return nil }
                cursor = page + 1
                return page
            }
            cursor = (word + 1) * 64
        }
        return nil
    }
}
