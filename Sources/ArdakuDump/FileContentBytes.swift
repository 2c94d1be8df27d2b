import ArdakuFormat

/// A file's content as its record lists it, read-only: what `dumpfs --cas` walks.
///
/// Each data page is read as the image holds it, whatever its CRC-32 (the nested view
/// judges its own checksums). A hole, a page outside the allocatable pages or past the end
/// of the image reads as zeros. The length is the record's byte length, cut to the pages it
/// lists, so no read goes past what the record describes.
public final class FileContentBytes: ByteStore {
    private let image: ImageBytes
    /// The image page holding each 64 KiB of the file; nil reads as zeros.
    private let pages: [UInt32?]
    public let length: UInt64
    public var isReadOnly: Bool { true }

    init(image: ImageBytes, pages: [UInt32?], byteLength: UInt64) {
        self.image = image
        self.pages = pages
        // Safe: pages.count is at most the entries a record and its extension pages hold.
        length = min(byteLength, UInt64(pages.count) << 16)
    }

    public func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) {
        try checkRange(offset, buffer.count)
        PagedContent.read(at: offset, into: buffer) { ordinal in pages[ordinal].flatMap { image.page($0) } }
    }

    public func write(at offset: UInt64, from bytes: UnsafeRawBufferPointer) throws(StoreError) { throw .readOnly }
    public func setLength(_ length: UInt64) throws(StoreError) { throw .readOnly }
    public func flush() throws(StoreError) {}
}

extension StructureDump {
    /// The content of the file `name` (found in the trie), for views of the volume nested in it.
    /// - Returns: the content and the file's type (nil when its record cannot be read).
    public func fileContent(named name: String) throws -> (content: FileContentBytes, type: FileType?) {
        let inspection = try inspect(name: name)
        let pages = inspection.dataPages.map { page -> UInt32? in
            page.entry.isHole || page.problem != nil ? nil : page.entry.page.rawValue
        }
        // The type field: 32 bytes at 0x50 of the record (FORMAT.md §7); the subpage is whole
        // (FileInspection read it).
        let record = scan.image.subpage(inspection.record.subpage)
        let type = record.map { FileType(bytes: Array($0[0x50..<(0x50 + FileType.byteCount)])) }
        return (FileContentBytes(image: scan.image, pages: pages, byteLength: inspection.record.byteLength), type)
    }
}

/// The whole image as a read-only `ByteStore`: what `dumpfs --cas -` walks when the image is
/// itself a standalone CAS file.
public final class ImageByteStore: ByteStore {
    private let image: ImageBytes
    public init(_ image: ImageBytes) { self.image = image }
    public var length: UInt64 { image.count }
    public var isReadOnly: Bool { true }

    public func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) {
        try checkRange(offset, buffer.count)
        // Safe: checkRange put offset + count inside the image, whose size is an Int.
        let start = Int(offset)
        buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: image.bytes[start..<(start + buffer.count)]))
    }

    public func write(at offset: UInt64, from bytes: UnsafeRawBufferPointer) throws(StoreError) { throw .readOnly }
    public func setLength(_ length: UInt64) throws(StoreError) { throw .readOnly }
    public func flush() throws(StoreError) {}
}
