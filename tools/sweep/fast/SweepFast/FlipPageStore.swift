import ArdakuFormat

/// The Ardaku reference image in memory, one byte flipped: a page store (as `MappedImage` is
/// to fsck.zest and ardaku) that remembers the pages a repair wrote, so that the next flip
/// puts back only those instead of copying the whole image again.
final class FlipPageStore: PageStore {
    private let pages: MemoryPageStore
    private let reference: [UInt8]
    /// Pages that differ from the reference: the flipped byte's and every page written.
    private var changed = Set<UInt32>()

    init(image: [UInt8]) {
        reference = image
        pages = MemoryPageStore(image: image)
        pages.isReadOnly = true
    }

    var pageCount: UInt32 { pages.pageCount }

    var isReadOnly: Bool {
        get { pages.isReadOnly }
        set { pages.isReadOnly = newValue }
    }

    /// The reference again, with byte `offset` set to `value`; read-only until told otherwise.
    func flip(_ offset: Int, to value: UInt8) {
        pages.isReadOnly = false
        let page = offset / Geometry.pageSize
        for changedPage in changed.union([UInt32(page)]) {
            let start = Int(changedPage) * Geometry.pageSize
            try! pages.write(Array(reference[start..<(start + Geometry.pageSize)]), to: PageIndex(changedPage))
        }
        try! pages.write([value], to: PageIndex(UInt32(page)), at: PageOffset(UInt32(offset % Geometry.pageSize)))
        changed = [UInt32(page)]
        pages.isReadOnly = true
    }

    /// Every byte of the image as it is now.
    var bytes: [UInt8] { pages.snapshot() }

    func read(_ page: PageIndex) throws(StoreError) -> UnsafeRawBufferPointer { try pages.read(page) }

    func write(_ bytes: UnsafeRawBufferPointer, to page: PageIndex, at offset: PageOffset) throws(StoreError) {
        try pages.write(bytes, to: page, at: offset)
        changed.insert(page.rawValue)
    }

    func flush() throws(StoreError) { try pages.flush() }

    func discard(_ pages: Range<UInt32>) throws(StoreError) -> Bool {
        let discarded = try self.pages.discard(pages)
        changed.formUnion(pages)
        return discarded
    }
}
