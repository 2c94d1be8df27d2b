import Glibc

/// A page of zeros, and finding the bytes that are not zero.
///
/// Zero runs are compared against the page with `memcmp`: several bytes per cycle even in
/// debug builds, where a Swift loop over a 4 KiB slot or a 64 KiB page costs more than
/// reading it. Blank slots, padding that must be zero and holes are all checked this way.
public enum Zeros {
    /// One page of zeros, allocated once and never written or freed.
    public nonisolated(unsafe) static let page: UnsafeRawBufferPointer = {
        let page = UnsafeMutableRawBufferPointer.allocate(byteCount: Geometry.pageSize, alignment: 64)
        page.initializeMemory(as: UInt8.self, repeating: 0)
        return UnsafeRawBufferPointer(page)
    }()

    /// True when every byte of `bytes` is zero.
    public static func isAllZero(_ bytes: UnsafeRawBufferPointer) -> Bool {
        firstNonZero(bytes, in: 0..<bytes.count) == nil
    }

    /// The offset of the first non-zero byte of `bytes` in `range` (clamped to `bytes`),
    /// or nil when they are all zero.
    public static func firstNonZero(_ bytes: UnsafeRawBufferPointer, in range: Range<Int>) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var index = max(0, range.lowerBound)
        let end = min(range.upperBound, bytes.count)
        while index < end {
            let chunk = min(page.count, end - index)
            if memcmp(base + index, page.baseAddress!, chunk) != 0 {
                for offset in index..<(index + chunk) where bytes[offset] != 0 { return offset }
            }
            index += chunk
        }
        return nil
    }
}
