import ArdakuFormat

/// The bytes a dump is taken from: an image file or device mapped into memory, or a
/// buffer (tests). Every view reads through this type, and every read is checked against
/// `count`, so no value found on disk can make a view read outside the image.
public final class ImageBytes {
    /// All the bytes, from offset 0.
    public let bytes: UnsafeRawBufferPointer
    /// Keeps the memory behind `bytes` alive (a mapping, or nil when this object owns it).
    private let owner: AnyObject?
    private let ownsBytes: Bool

    /// Bytes that `owner` keeps alive (a read-only mapping of the image).
    public init(bytes: UnsafeRawBufferPointer, owner: AnyObject?) {
        self.bytes = bytes
        self.owner = owner
        ownsBytes = false
    }

    /// A copy of `array`.
    public init(copying array: [UInt8]) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(array.count, 1), alignment: 64)
        array.withUnsafeBytes { buffer.copyMemory(from: $0) }
        bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[0..<array.count])
        owner = nil
        ownsBytes = true
    }

    deinit {
        if ownsBytes, let base = bytes.baseAddress { UnsafeMutableRawPointer(mutating: base).deallocate() }
    }

    /// Length of the image in bytes.
    public var count: UInt64 { UInt64(bytes.count) }

    /// Whole 64 KiB pages the image holds (a partial last page is not counted).
    public var wholePageCount: UInt64 { count >> 16 }

    /// `count` bytes from `offset`, or nil when any of them lies past the end of the image.
    public func bytes(at offset: UInt64, count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, offset <= self.count, UInt64(count) <= self.count - offset else { return nil }
        let start = Int(offset)
        return UnsafeRawBufferPointer(rebasing: bytes[start..<(start + count)])
    }

    /// The 64 KiB of `page`, or nil when the image does not hold all of it.
    public func page(_ page: UInt32) -> UnsafeRawBufferPointer? {
        bytes(at: UInt64(page) << 16, count: Geometry.pageSize)
    }

    /// The 16 KiB of `subpage`, or nil when the image does not hold all of it.
    public func subpage(_ subpage: UInt32) -> UnsafeRawBufferPointer? {
        bytes(at: UInt64(subpage) << 14, count: Geometry.subpageSize)
    }

    /// As many bytes of `offset ..< offset + count` as the image holds (possibly none).
    public func availableBytes(at offset: UInt64, count: Int) -> UnsafeRawBufferPointer {
        guard offset < self.count, count > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        let take = Int(min(UInt64(count), self.count - offset))
        let start = Int(offset)
        return UnsafeRawBufferPointer(rebasing: bytes[start..<(start + take)])
    }
}
