/// Content laid out in 64 KiB pages (a file's data pages), read into a buffer.
public enum PagedContent {
    /// Fills `buffer` from byte `offset` of the content; `page(ordinal)` gives the bytes of
    /// the content's page `ordinal` (a whole 64 KiB page), or nil where it reads as zeros.
    /// The caller has checked that the range lies inside the content.
    public static func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer,
                            page: (_ ordinal: Int) -> UnsafeRawBufferPointer?) {
        var done = 0
        while done < buffer.count {
            let position = offset + UInt64(done)
            let ordinal = Int(position >> 16), within = Int(position & 0xFFFF)
            let take = min(buffer.count - done, Geometry.pageSize - within)
            let target = UnsafeMutableRawBufferPointer(rebasing: buffer[done..<(done + take)])
            if let bytes = page(ordinal) {
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[within..<(within + take)]))
            } else {
                target.initializeMemory(as: UInt8.self, repeating: 0)
            }
            done += take
        }
    }
}
