import ArdakuFormat

/// The bytes of a ZEST volume as a read-only `ByteStore`, and where each of them lies in
/// the image: all of a standalone `.zest` file, or the data pages of an Ardaku file of type
/// zest (a nested volume's bytes lie in whatever pages the file's page list names).
///
/// Reads copy from the image's mapping; a byte whose page is a hole, or cannot be read
/// (outside the image or the allocatable pages), reads as zero and has no image address.
final class ZestVolumeBytes: ByteStore {
    /// A run of volume bytes that is contiguous in the image (or absent from it).
    struct Extent: Equatable {
        enum State: Equatable {
            /// The whole standalone file.
            case file
            /// Data pages of the nested file, consecutive in the image.
            case pages
            /// Holes in the nested file: zeros.
            case hole
            /// Data pages that cannot be read (read as zeros), and why.
            case unreadable(String)
        }

        var volumeOffset: UInt64
        var length: UInt64
        /// Image offset of the first byte; nil for a hole or an unreadable page.
        var imageOffset: UInt64?
        var state: State

        /// "data pages 0-1 of /nested.zest (pages 19-20)", "data page 2 of /x: a hole (zeros)".
        func description(file: String) -> String {
            let last = volumeOffset + max(length, 1) - 1
            let pages = volumeOffset >> 16 == last >> 16 ? "data page \(last >> 16)" : "data pages \(volumeOffset >> 16)-\(last >> 16)"
            switch state {
            case .file: return "the file"
            case .pages:
                let first = imageOffset ?? 0
                return "\(pages) of \(file) (\(TextFormat.span(first >> 16, (first + max(length, 1) - 1) >> 16).contains("-") ? "pages" : "page") \(TextFormat.span(first >> 16, (first + max(length, 1) - 1) >> 16)))"
            case .hole: return "\(pages) of \(file): a hole (zeros)"
            case .unreadable(let reason): return "\(pages) of \(file): unreadable, read as zeros (\(reason))"
            }
        }
    }

    let image: ImageBytes
    let extents: [Extent]
    let length: UInt64
    var isReadOnly: Bool { true }

    /// All of `image`: a standalone volume.
    init(standalone image: ImageBytes) {
        self.image = image
        length = image.count
        extents = length == 0 ? [] : [Extent(volumeOffset: 0, length: length, imageOffset: 0, state: .file)]
    }

    /// The content of the Ardaku file whose data pages `inspection` lists: no more than
    /// its byte length, and no more than the listed pages hold.
    init(nested image: ImageBytes, inspection: FileInspection) {
        self.image = image
        var extents: [Extent] = []
        for page in inspection.dataPages where page.byteCount > 0 {
            let start = UInt64(page.ordinal) << 16
            var extent = Extent(volumeOffset: start, length: UInt64(page.byteCount), imageOffset: nil, state: .hole)
            if page.entry.isHole {
                extent.state = .hole
            } else if let problem = page.problem {
                extent.state = .unreadable(problem)
            } else {
                extent.state = .pages
                extent.imageOffset = UInt64(page.entry.page.rawValue) << 16
            }
            // A piece that continues the last one, in the volume and in the image (or as
            // holes both), joins it.
            if var last = extents.last, last.volumeOffset + last.length == start, last.length & 0xFFFF == 0,
               last.state == extent.state, extent.state == .hole || last.imageOffset.map({ $0 + last.length }) == extent.imageOffset {
                last.length += extent.length
                extents[extents.count - 1] = last
            } else {
                extents.append(extent)
            }
        }
        self.extents = extents
        length = extents.last.map { $0.volumeOffset + $0.length } ?? 0
    }

    /// The image offset of volume byte `offset`, or nil when it lies in a hole, an
    /// unreadable page, or past the end of the volume.
    func imageOffset(of offset: UInt64) -> UInt64? {
        guard let extent = extent(containing: offset), let base = extent.imageOffset else { return nil }
        return base + (offset - extent.volumeOffset)
    }

    /// The extent holding volume byte `offset`, by binary search.
    func extent(containing offset: UInt64) -> Extent? {
        var low = 0, high = extents.count
        while low < high {
            let middle = (low + high) / 2
            let extent = extents[middle]
            if offset < extent.volumeOffset { high = middle }
            else if offset - extent.volumeOffset >= extent.length { low = middle + 1 }
            else { return extent }
        }
        return nil
    }

    /// The pieces of `offset ..< offset + count` (clipped to the volume), each contiguous
    /// in the image or absent from it.
    func pieces(at offset: UInt64, count: UInt64) -> [Extent] {
        guard offset < length else { return [] }
        let end = offset + min(count, length - offset)
        var result: [Extent] = []
        var position = offset
        while position < end, let extent = extent(containing: position) {
            let inside = position - extent.volumeOffset
            let take = min(extent.length - inside, end - position)
            var piece = extent
            piece.volumeOffset = position
            piece.length = take
            piece.imageOffset = extent.imageOffset.map { $0 + inside }
            result.append(piece)
            position += take
        }
        return result
    }

    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) {
        let count = UInt64(buffer.count)
        guard offset <= length, count <= length - offset else {
            throw StoreError.outOfRange(offset: offset, count: count, size: length)
        }
        var written = 0
        for piece in pieces(at: offset, count: count) {
            let target = UnsafeMutableRawBufferPointer(rebasing: buffer[written..<(written + Int(piece.length))])
            if let imageOffset = piece.imageOffset, let source = image.bytes(at: imageOffset, count: Int(piece.length)) {
                target.copyMemory(from: source)
            } else {
                target.initializeMemory(as: UInt8.self, repeating: 0)
            }
            written += Int(piece.length)
        }
        // Gaps between extents (pages of no bytes) read as zeros.
        if written < buffer.count {
            UnsafeMutableRawBufferPointer(rebasing: buffer[written...]).initializeMemory(as: UInt8.self, repeating: 0)
        }
    }

    func write(at offset: UInt64, from bytes: UnsafeRawBufferPointer) throws(StoreError) { throw .readOnly }
    func setLength(_ length: UInt64) throws(StoreError) { throw .readOnly }
    func flush() throws(StoreError) {}
}
