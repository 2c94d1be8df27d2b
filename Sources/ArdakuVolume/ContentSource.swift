import ArdakuFormat

/// Bytes to store as a file's content, read one page at a time so that a file of any size
/// passes through a fixed amount of memory.
public protocol ContentSource {
    var byteLength: UInt64 { get }
    /// Fills `buffer` with the bytes at `offset`; the range always lies inside `byteLength`.
    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(VolumeError)
    /// True when the source knows, without reading, that the range is all zeros (a hole
    /// of a sparse file); such a range becomes a hole without being read.
    func isZeroRange(at offset: UInt64, count: Int) -> Bool
}

extension ContentSource {
    public func isZeroRange(at offset: UInt64, count: Int) -> Bool { false }
}

/// Content held in memory.
public struct BytesSource: ContentSource {
    public let bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var byteLength: UInt64 { UInt64(bytes.count) }
    public func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(VolumeError) {
        let start = Int(offset)
        bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[start..<(start + buffer.count)])) }
    }
}

/// Content read once, in order, whose length is known only when it ends (standard input,
/// a pipe): what `Volume.put(_:streaming:options:)` stores.
public protocol ContentStream {
    /// Fills `buffer` from its start with the next bytes and returns how many: all of it,
    /// unless the content ends first (0 once it has ended).
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(VolumeError) -> Int
}

/// Options for storing a file.
public struct PutOptions {
    public var type: FileType = .data
    /// Seconds since the epoch; nil takes the volume's clock.
    public var modificationTime: UInt64?
    public var tags: [UInt32] = []
    /// Kind (regular), mode, owner, times and extended attributes to record (docs/FORMAT.md
    /// §7.2); their modification time then is the file's. nil: none are recorded, or those
    /// of the file replaced are kept.
    public var attributes: FileAttributes?
    /// Replace an existing file of the same name (its file id is kept).
    public var replaceExisting = false
    /// Called with the bytes stored so far, after each page.
    public var progress: ((UInt64) -> Void)?
    public init() {}
}
