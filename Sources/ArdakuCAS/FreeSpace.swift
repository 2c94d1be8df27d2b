/// The free extents of the data area, kept sorted and coalesced (docs/FORMAT.md §C4.2).
///
/// Free space is never stored as such: it is whatever part of [data start, data end) no
/// indexed object, index or tag table record covers, so it is recomputed on open and
/// cannot disagree with the index. Every extent is a multiple of 8 bytes and at least 16,
/// so a free record prefix always fits.
struct FreeSpace {
    struct Extent: Equatable {
        var offset: UInt64
        var length: UInt64
        var end: UInt64 { offset + length }
    }

    private(set) var extents: [Extent] = []
    /// Where the next-fit search starts.
    private var cursor = 0

    var totalBytes: UInt64 { extents.reduce(0) { $0 + $1.length } }

    /// Adds `extent`, merging it with neighbours. It must not overlap a free extent.
    mutating func insert(_ extent: Extent) {
        guard extent.length > 0 else { return }
        var lo = 0, hi = extents.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if extents[mid].offset < extent.offset { lo = mid + 1 } else { hi = mid }
        }
        var merged = extent
        var at = lo
        if at > 0, extents[at - 1].end == merged.offset {
            merged = Extent(offset: extents[at - 1].offset, length: extents[at - 1].length + merged.length)
            extents.remove(at: at - 1)
            at -= 1
        }
        if at < extents.count, merged.end == extents[at].offset {
            merged.length += extents[at].length
            extents.remove(at: at)
        }
        extents.insert(merged, at: at)
        if cursor > extents.count { cursor = 0 }
    }

    /// Takes `length` bytes (a multiple of 8) from the first extent at or after the
    /// cursor that fits without leaving a remainder of exactly 8 bytes; nil when none does.
    ///
    /// - Complexity: O(number of extents) in the worst case.
    mutating func allocate(_ length: UInt64) -> UInt64? {
        guard !extents.isEmpty else { return nil }
        for step in 0..<extents.count {
            let i = (cursor + step) % extents.count
            let extent = extents[i]
            guard extent.length == length || extent.length >= length + 16 else { continue }
            if extent.length == length {
                extents.remove(at: i)
                cursor = extents.isEmpty ? 0 : i % extents.count
            } else {
                extents[i] = Extent(offset: extent.offset + length, length: extent.length - length)
                cursor = i
            }
            return extent.offset
        }
        return nil
    }

    /// Takes `length` bytes from the lowest extent that fits (without leaving a remainder
    /// of exactly 8 bytes) and ends by `limit`; nil when none does. For moving records down.
    mutating func allocateLowest(_ length: UInt64, endingBy limit: UInt64) -> UInt64? {
        for (i, extent) in extents.enumerated() {
            guard extent.offset + length <= limit else { return nil }
            guard extent.length == length || extent.length >= length + 16 else { continue }
            if extent.length == length { extents.remove(at: i) } else {
                extents[i] = Extent(offset: extent.offset + length, length: extent.length - length)
            }
            cursor = 0
            return extent.offset
        }
        return nil
    }

    /// Removes and returns the extent that ends exactly at `end`, if any (tail trimming).
    mutating func removeTail(endingAt end: UInt64) -> Extent? {
        guard let last = extents.last, last.end == end else { return nil }
        extents.removeLast()
        if cursor >= extents.count { cursor = 0 }
        return last
    }

    /// The extent starting at `offset`, if one does (for writing free record prefixes).
    func extent(startingAt offset: UInt64) -> Extent? {
        var lo = 0, hi = extents.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if extents[mid].offset < offset { lo = mid + 1 } else { hi = mid }
        }
        return lo < extents.count && extents[lo].offset == offset ? extents[lo] : nil
    }

    /// The extent containing `offset`, if any.
    func extent(containing offset: UInt64) -> Extent? {
        var lo = 0, hi = extents.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if extents[mid].end <= offset { lo = mid + 1 } else { hi = mid }
        }
        return lo < extents.count && extents[lo].offset <= offset ? extents[lo] : nil
    }
}
