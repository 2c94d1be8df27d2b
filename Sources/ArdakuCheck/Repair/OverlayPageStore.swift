import ArdakuFormat

/// A read-only view of a page store with some pages replaced by copies held in memory.
///
/// The repair checks the state it is about to commit through this view: page 0 and the
/// backup as they will be written, and the pages whose superseded records will become
/// tombstones after the commit. Nothing is written to the store underneath.
final class OverlayPageStore: PageStore {
    private let base: PageStore
    private var overrides: [UInt32: UnsafeMutableRawBufferPointer] = [:]

    init(base: PageStore) { self.base = base }

    deinit {
        for buffer in overrides.values { buffer.deallocate() }
    }

    var pageCount: UInt32 { base.pageCount }
    var isReadOnly: Bool { true }

    func willRead(_ ranges: [Range<UInt64>]) { base.willRead(ranges) }
    func expect(_ pattern: ReadPattern) { base.expect(pattern) }
    func doneReading(_ ranges: [Range<UInt64>]) { base.doneReading(ranges) }

    /// Replaces `page` by `bytes` (64 KiB) in this view.
    func replace(_ page: UInt32, with bytes: [UInt8]) {
        precondition(bytes.count == Geometry.pageSize)
        let buffer = overrides[page] ?? UnsafeMutableRawBufferPointer.allocate(byteCount: Geometry.pageSize, alignment: 64)
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
        overrides[page] = buffer
    }

    /// Replaces `count` bytes at `offset` of `page` in this view, copying the rest of the
    /// page from the store first.
    func patch(_ page: UInt32, at offset: Int, with bytes: [UInt8]) throws(StoreError) {
        let buffer: UnsafeMutableRawBufferPointer
        if let existing = overrides[page] {
            buffer = existing
        } else {
            buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Geometry.pageSize, alignment: 64)
            buffer.copyMemory(from: try base.read(PageIndex(page)))
            overrides[page] = buffer
        }
        precondition(offset >= 0 && offset <= Geometry.pageSize - bytes.count)
        bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<(offset + bytes.count)]).copyMemory(from: $0) }
    }

    func read(_ page: PageIndex) throws(StoreError) -> UnsafeRawBufferPointer {
        if let buffer = overrides[page.rawValue] { return UnsafeRawBufferPointer(buffer) }
        return try base.read(page)
    }

    func write(_ bytes: UnsafeRawBufferPointer, to page: PageIndex, at offset: PageOffset) throws(StoreError) {
        throw .readOnly
    }

    func flush() throws(StoreError) {}

    func discard(_ pages: Range<UInt32>) throws(StoreError) -> Bool { throw .readOnly }
}
