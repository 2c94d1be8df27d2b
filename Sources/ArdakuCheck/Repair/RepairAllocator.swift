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
    /// Pages taken in the second pass (marked used, referenced by nothing). Pass 4 reads
    /// such pages for lost records, so a repair that fails clears the record headers it
    /// wrote there (`RepairAllocator.abandon`).
    private(set) var takenMarkedUsed: [Int] = []

    init(range: Range<Int>, pageCount: Int, forbidden: Bitmap, bitfieldWord: @escaping (Int) -> UInt64,
         clearHeader: @escaping (Int) throws(RepairError) -> Void) {
        self.range = range
        self.forbidden = forbidden
        self.bitfieldWord = bitfieldWord
        self.clearHeader = clearHeader
        taken = Bitmap(count: pageCount)
        cursor = range.lowerBound
    }

    /// Claims `page` (marked used, referenced by nothing) for a file that proves it its own
    /// (`Repairer.adoptLostPage`); false when this repair already handed it out.
    func reserve(_ page: Int) -> Bool {
        guard range.contains(page), !forbidden.contains(page), !taken.contains(page) else { return false }
        taken.insert(page)
        return true
    }

    /// A page for new content.
    func page() throws(RepairError) -> Int {
        while true {
            if let page = scan() {
                taken.insert(page)
                allocatedCount += 1
                if leakedPass { takenMarkedUsed.append(page) }
                return page
            }
            guard !leakedPass else { throw .noSpace(pagesTaken: allocatedCount) }
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

    /// After a failed repair: makes the pages taken in the second pass look to a check as
    /// they did before (they held no live record of this volume, else they would have been
    /// forbidden; clearing each subpage's magic removes the records the repair wrote).
    /// Pages taken in the first pass are clear in the bitfield and referenced by nothing,
    /// which no check reads. Best effort: the repair's failure is what gets reported.
    func abandon() {
        for page in takenMarkedUsed {
            for slot in 0..<Geometry.subpagesPerPage { try? clearHeader(page * 4 + slot) }
        }
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
