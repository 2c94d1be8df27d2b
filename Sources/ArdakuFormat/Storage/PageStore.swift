/// The pages of a volume, as the volume library sees them.
///
/// Implementations: `MemoryPageStore` (tests), `MappedImage` in ArdakuIO (an image file
/// or a block device, read through mmap and written with pwrite), and the crash
/// simulator of the tests. The library never touches a file descriptor itself.
///
/// Ordering contract: a write may reach the medium at any time after it is issued and in
/// any order with other writes, until `flush()` returns; after `flush()` returns, every
/// earlier write is durable. A write of a whole page may be torn at sector boundaries.
public protocol PageStore: AnyObject {
    /// Whole 64 KiB pages the store holds.
    var pageCount: UInt32 { get }
    /// True when writes are refused.
    var isReadOnly: Bool { get }
    /// The bytes of `page`. The buffer stays valid while the store is alive and shows
    /// later writes to the page; copy what must not change.
    func read(_ page: PageIndex) throws(StoreError) -> UnsafeRawBufferPointer
    /// Writes `bytes` into `page` starting at `offset`; `offset + bytes.count` ≤ 64 KiB.
    func write(_ bytes: UnsafeRawBufferPointer, to page: PageIndex, at offset: PageOffset) throws(StoreError)
    /// Returns once every earlier write is durable.
    func flush() throws(StoreError)
    /// Tells the medium the pages' contents no longer matter (discard, hole punching).
    /// - Returns: true when the pages now read as zeros (a punched hole); false when the
    ///   medium may return anything (BLKDISCARD does not promise zeros) or cannot discard.
    func discard(_ pages: Range<UInt32>) throws(StoreError) -> Bool
    /// A hint that the byte ranges will be read soon, so that a store reading from a device
    /// can fetch them ahead in few requests. Never changes what a read returns; stores that
    /// gain nothing from it ignore it (the default).
    func willRead(_ ranges: [Range<UInt64>])
    /// A hint of how pages will be read from now on, so that a store reading from a device
    /// can choose its read-ahead. Never changes what a read returns; ignored by default.
    func expect(_ pattern: ReadPattern)
    /// A hint that the byte ranges, read, will not be read again soon: a mapped store may
    /// unmap their pages ahead of time on another core, so that the unmapping at the end
    /// costs the reader less. Never changes what a read returns; buffers `read` returned
    /// stay valid. Ignored by default.
    func doneReading(_ ranges: [Range<UInt64>])
    /// Copies bytes `0 ..< buffer.count` (at most a page) of `page` into `buffer`: for reading
    /// a small part of many pages without mapping each one. Safe to call from several
    /// threads at once, while nothing writes.
    func copy(_ page: PageIndex, into buffer: UnsafeMutableRawBufferPointer) throws(StoreError)
}

/// How a reader is about to go through a store's pages.
public enum ReadPattern: Sendable {
    /// A few bytes of pages all over the store, named ahead with `willRead` (the checker's
    /// metadata passes): reading around them would only read (or zero-fill) what no one needs.
    case scattered
    /// Long runs of pages, mostly in order (file contents): reading ahead pays.
    case streaming
}

extension PageStore {
    public func willRead(_ ranges: [Range<UInt64>]) {}
    public func expect(_ pattern: ReadPattern) {}
    public func doneReading(_ ranges: [Range<UInt64>]) {}

    public func copy(_ page: PageIndex, into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) {
        guard buffer.count <= Geometry.pageSize else {
            throw .outOfRange(offset: page.firstByte.rawValue, count: UInt64(buffer.count), size: UInt64(pageCount) << 16)
        }
        let bytes = try read(page)
        buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<buffer.count]))
    }
}

extension PageStore {
    public func write(_ bytes: [UInt8], to page: PageIndex, at offset: PageOffset = PageOffset(0)) throws(StoreError) {
        let result: Result<Void, StoreError> = bytes.withUnsafeBytes { raw in
            do throws(StoreError) { try write(raw, to: page, at: offset); return .success(()) } catch { return .failure(error) }
        }
        try result.get()
    }
}
