import ArdakuFormat

/// The Ardaku reference image in memory, one byte flipped: a page store (as `MappedImage` is
/// to fsck.zest and ardaku) that remembers the pages a repair wrote, so that the next flip
/// puts back only those instead of copying the whole image again.
final class FlipPageStore: PageStore {
    let pageCount: UInt32
    var isReadOnly = true
    private let reference: [UInt8]
    private let storage: UnsafeMutableRawBufferPointer
    /// Pages that differ from the reference: the flipped byte's and every page written.
    private var changed = Set<UInt32>()

    init(image: [UInt8]) {
        reference = image
        pageCount = UInt32(clamping: image.count / Geometry.pageSize)
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(Int(pageCount) * Geometry.pageSize, 1), alignment: 64)
        image.withUnsafeBytes { storage.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<(Int(pageCount) * Geometry.pageSize)])) }
    }

    deinit { storage.deallocate() }

    /// The reference again, with byte `offset` set to `value`.
    func flip(_ offset: Int, to value: UInt8) {
        for page in changed {
            let start = Int(page) * Geometry.pageSize
            reference.withUnsafeBytes {
                UnsafeMutableRawBufferPointer(rebasing: storage[start..<(start + Geometry.pageSize)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[start..<(start + Geometry.pageSize)]))
            }
        }
        changed = [UInt32(offset / Geometry.pageSize)]
        storage[offset] = value
        isReadOnly = true
    }

    /// Every byte of the image as it is now.
    var bytes: [UInt8] { Array(UnsafeRawBufferPointer(storage)[0..<(Int(pageCount) * Geometry.pageSize)]) }

    func read(_ page: PageIndex) throws(StoreError) -> UnsafeRawBufferPointer {
        guard page.rawValue < pageCount else {
            throw .outOfRange(offset: page.firstByte.rawValue, count: UInt64(Geometry.pageSize), size: UInt64(pageCount) << 16)
        }
        let start = Int(page.rawValue) * Geometry.pageSize
        return UnsafeRawBufferPointer(rebasing: storage[start..<(start + Geometry.pageSize)])
    }

    func write(_ bytes: UnsafeRawBufferPointer, to page: PageIndex, at offset: PageOffset) throws(StoreError) {
        guard !isReadOnly else { throw .readOnly }
        let inPage = Int(offset.rawValue)
        guard page.rawValue < pageCount, inPage <= Geometry.pageSize - bytes.count else {
            throw .outOfRange(offset: page.firstByte.rawValue + UInt64(inPage), count: UInt64(bytes.count), size: UInt64(pageCount) << 16)
        }
        changed.insert(page.rawValue)
        let start = Int(page.rawValue) * Geometry.pageSize + inPage
        UnsafeMutableRawBufferPointer(rebasing: storage[start..<(start + bytes.count)]).copyMemory(from: bytes)
    }

    func flush() throws(StoreError) {}

    func discard(_ pages: Range<UInt32>) throws(StoreError) -> Bool {
        guard !isReadOnly else { throw .readOnly }
        guard pages.upperBound <= pageCount else {
            throw .outOfRange(offset: UInt64(pages.lowerBound) << 16, count: UInt64(pages.count) << 16, size: UInt64(pageCount) << 16)
        }
        changed.formUnion(pages)
        let start = Int(pages.lowerBound) * Geometry.pageSize
        let end = Int(pages.upperBound) * Geometry.pageSize
        UnsafeMutableRawBufferPointer(rebasing: storage[start..<end]).initializeMemory(as: UInt8.self, repeating: 0)
        return true
    }
}
