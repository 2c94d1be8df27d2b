import ArdakuFormat

/// The content of one Ardaku file as a `ByteStore`, for a nested volume's checker.
///
/// Reads come from the file's data pages as they are (a page whose CRC-32 fails is
/// returned as it is: the nested checker judges its own checksums). Writes and length
/// changes go to a copy-on-write overlay of whole pages held in memory; the engine commits
/// the overlay afterwards as one Ardaku transaction (`changedContent`).
public final class FileContentStore: ByteStore {
    private let pages: (Int) -> UnsafeRawBufferPointer?
    private let entries: [PageEntry]
    public let isReadOnly: Bool
    public private(set) var length: UInt64
    private var overlay: [Int: UnsafeMutableRawBufferPointer] = [:]
    /// True once a write or a length change was made.
    public private(set) var isModified = false

    /// - Parameters:
    ///   - entries: the file's page list (holes have page 0).
    ///   - length: the file's byte length.
    ///   - pages: the bytes of a volume page.
    init(entries: [PageEntry], length: UInt64, readOnly: Bool, pages: @escaping (Int) -> UnsafeRawBufferPointer?) {
        self.entries = entries
        self.length = length
        self.isReadOnly = readOnly
        self.pages = pages
    }

    deinit {
        for buffer in overlay.values { buffer.deallocate() }
    }

    /// The current bytes of page `ordinal` (64 KiB view; zeros past the data).
    private func currentPage(_ ordinal: Int) -> UnsafeRawBufferPointer? {
        if let buffer = overlay[ordinal] { return UnsafeRawBufferPointer(buffer) }
        guard ordinal < entries.count, !entries[ordinal].isHole else { return nil }
        return pages(Int(entries[ordinal].page.rawValue))
    }

    public func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) {
        try checkRange(offset, buffer.count)
        PagedContent.read(at: offset, into: buffer) { currentPage($0) }
    }

    public func write(at offset: UInt64, from bytes: UnsafeRawBufferPointer) throws(StoreError) {
        guard !isReadOnly else { throw .readOnly }
        let (end, overflow) = offset.addingReportingOverflow(UInt64(bytes.count))
        guard !overflow, PageEntry.pageCount(forLength: end) <= Limits.maxFilePages else {
            throw .outOfRange(offset: offset, count: UInt64(bytes.count), size: Limits.maxFilePages << 16)
        }
        if end > length { try setLength(end) }
        var done = 0
        while done < bytes.count {
            let position = offset + UInt64(done)
            let ordinal = Int(position >> 16), within = Int(position & 0xFFFF)
            let take = min(bytes.count - done, Geometry.pageSize - within)
            let page = overlayPage(ordinal)
            UnsafeMutableRawBufferPointer(rebasing: page[within..<(within + take)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[done..<(done + take)]))
            done += take
        }
        isModified = true
    }

    public func setLength(_ newLength: UInt64) throws(StoreError) {
        guard !isReadOnly else { throw .readOnly }
        guard PageEntry.pageCount(forLength: newLength) <= Limits.maxFilePages else {
            throw .outOfRange(offset: newLength, count: 0, size: Limits.maxFilePages << 16)
        }
        if newLength > length, length & 0xFFFF != 0 {
            // Bytes past the old end read as zeros once the file grows over them.
            let page = overlayPage(Int(length >> 16))
            let start = Int(length & 0xFFFF)
            UnsafeMutableRawBufferPointer(rebasing: page[start...]).initializeMemory(as: UInt8.self, repeating: 0)
        }
        let pageCount = Int(PageEntry.pageCount(forLength: newLength))
        for ordinal in overlay.keys where ordinal >= pageCount {
            overlay[ordinal]?.deallocate()
            overlay[ordinal] = nil
        }
        length = newLength
        isModified = true
    }

    public func flush() throws(StoreError) {}

    private func overlayPage(_ ordinal: Int) -> UnsafeMutableRawBufferPointer {
        if let existing = overlay[ordinal] { return existing }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Geometry.pageSize, alignment: 64)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        if ordinal < entries.count, !entries[ordinal].isHole, let source = pages(Int(entries[ordinal].page.rawValue)) {
            let count = PageEntry.bytesInPage(ordinal: UInt64(ordinal), byteLength: length)
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0..<count]))
        }
        overlay[ordinal] = buffer
        return buffer
    }

    /// The pages that changed: their content (the file's bytes in the page, as many as the
    /// new length leaves there), by ordinal; unchanged pages keep their entries, except the
    /// last one when the length changed (its CRC-32 covers a different number of bytes).
    func changedContent() -> (pages: [(ordinal: Int, bytes: UnsafeRawBufferPointer)], entries: [PageEntry], length: UInt64) {
        let pageCount = Int(PageEntry.pageCount(forLength: length))
        var kept: [PageEntry] = Array(entries.prefix(pageCount))
        while kept.count < pageCount { kept.append(.hole(bytesInPage: PageEntry.bytesInPage(ordinal: UInt64(kept.count), byteLength: length))) }
        if pageCount > 0, overlay[pageCount - 1] == nil, pageCount - 1 < entries.count {
            // The last page keeps its bytes; make sure its CRC covers the right count.
            _ = overlayPage(pageCount - 1)
        }
        var changed: [(ordinal: Int, bytes: UnsafeRawBufferPointer)] = []
        for ordinal in overlay.keys.sorted() where ordinal < pageCount {
            guard let buffer = overlay[ordinal] else { continue }
            let count = PageEntry.bytesInPage(ordinal: UInt64(ordinal), byteLength: length)
            changed.append((ordinal, UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[0..<count])))
        }
        return (changed, kept, length)
    }
}
