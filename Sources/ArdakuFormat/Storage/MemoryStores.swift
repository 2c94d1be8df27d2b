/// A page store held in memory: for tests, fuzzing and building images before writing.
public final class MemoryPageStore: PageStore {
    public let pageCount: UInt32
    public var isReadOnly: Bool = false
    /// One allocation for all pages, so buffers returned by `read` stay valid.
    private let storage: UnsafeMutableRawBufferPointer
    /// Writes since the store was made; the crash tests count these.
    public private(set) var writeCount = 0
    public private(set) var flushCount = 0

    public init(pageCount: UInt32) {
        self.pageCount = pageCount
        let size = Int(pageCount) * Geometry.pageSize
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 64)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
    }

    /// A store holding a copy of `image` (whose length is rounded down to whole pages).
    public convenience init(image: [UInt8]) {
        self.init(pageCount: UInt32(clamping: image.count / Geometry.pageSize))
        image.withUnsafeBytes { raw in
            storage.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[0..<(Int(pageCount) * Geometry.pageSize)]))
        }
    }

    deinit { storage.deallocate() }

    public func read(_ page: PageIndex) throws(StoreError) -> UnsafeRawBufferPointer {
        guard page.rawValue < pageCount else {
            throw .outOfRange(offset: page.firstByte.rawValue, count: UInt64(Geometry.pageSize), size: UInt64(pageCount) << 16)
        }
        let start = Int(page.rawValue) * Geometry.pageSize
        return UnsafeRawBufferPointer(rebasing: storage[start..<(start + Geometry.pageSize)])
    }

    public func write(_ bytes: UnsafeRawBufferPointer, to page: PageIndex, at offset: PageOffset) throws(StoreError) {
        guard !isReadOnly else { throw .readOnly }
        let inPage = Int(offset.rawValue)
        guard page.rawValue < pageCount, inPage <= Geometry.pageSize - bytes.count else {
            throw .outOfRange(offset: page.firstByte.rawValue + UInt64(inPage), count: UInt64(bytes.count), size: UInt64(pageCount) << 16)
        }
        writeCount += 1
        let start = Int(page.rawValue) * Geometry.pageSize + inPage
        UnsafeMutableRawBufferPointer(rebasing: storage[start..<(start + bytes.count)]).copyMemory(from: bytes)
    }

    public func flush() throws(StoreError) { flushCount += 1 }

    public func discard(_ pages: Range<UInt32>) throws(StoreError) -> Bool {
        guard !isReadOnly else { throw .readOnly }
        guard pages.upperBound <= pageCount else {
            throw .outOfRange(offset: UInt64(pages.lowerBound) << 16, count: UInt64(pages.count) << 16, size: UInt64(pageCount) << 16)
        }
        let start = Int(pages.lowerBound) * Geometry.pageSize
        let end = Int(pages.upperBound) * Geometry.pageSize
        UnsafeMutableRawBufferPointer(rebasing: storage[start..<end]).initializeMemory(as: UInt8.self, repeating: 0)
        return true
    }

    /// A copy of every byte of the store.
    public func snapshot() -> [UInt8] { Array(UnsafeRawBufferPointer(storage)[0..<(Int(pageCount) * Geometry.pageSize)]) }
}

/// A byte store held in memory.
public final class MemoryByteStore: ByteStore {
    public private(set) var bytes: [UInt8]
    public var isReadOnly: Bool = false

    public init(_ bytes: [UInt8] = []) { self.bytes = bytes }

    public var length: UInt64 { UInt64(bytes.count) }

    /// Reading an array nothing writes is safe from any thread.
    public var allowsConcurrentReads: Bool { true }

    public func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) {
        try checkRange(offset, buffer.count)
        let start = Int(offset)
        bytes.withUnsafeBytes { raw in buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[start..<(start + buffer.count)])) }
    }

    public func write(at offset: UInt64, from source: UnsafeRawBufferPointer) throws(StoreError) {
        guard !isReadOnly else { throw .readOnly }
        let (end, overflow) = offset.addingReportingOverflow(UInt64(source.count))
        guard !overflow, end <= UInt64(Int.max) else { throw .outOfRange(offset: offset, count: UInt64(source.count), size: length) }
        if end > length { bytes.append(contentsOf: repeatElement(0, count: Int(end - length))) }
        let start = Int(offset)
        bytes.withUnsafeMutableBytes { raw in
            UnsafeMutableRawBufferPointer(rebasing: raw[start..<(start + source.count)]).copyMemory(from: source)
        }
    }

    public func setLength(_ newLength: UInt64) throws(StoreError) {
        guard !isReadOnly else { throw .readOnly }
        guard newLength <= UInt64(Int.max) else { throw .outOfRange(offset: newLength, count: 0, size: length) }
        if newLength < length { bytes.removeSubrange(Int(newLength)...) } else {
            bytes.append(contentsOf: repeatElement(0, count: Int(newLength - length)))
        }
    }

    public func flush() throws(StoreError) {}
}
