import ArdakuFormat

/// Pages the bitfield marks used that nothing in the checked volume references: where the
/// page of an entry whose index was damaged still lies, found again by its CRC-32
/// (docs/FSCK.md §5).
///
/// Full pages are indexed once by their CRC-32, so that looking up many entries costs one
/// CRC-32 per lost page in all, not one per lost page and entry; a file's short last page is
/// looked for by scanning. At most `LostPages.limit` pages are considered, which bounds the
/// work to 1 GiB of CRC-32 however damaged the volume is.
struct LostPages {
    static let limit = 16384

    private let checker: Checker
    private let pages: [Int]
    private var byFullPageChecksum: [UInt32: [Int]]?

    init(checker: Checker, forbidden: Bitmap) {
        self.checker = checker
        var pages: [Int] = []
        for page in checker.allocatable where pages.count < Self.limit {
            if checker.bitfieldMarksUsed(page), !forbidden.contains(page) { pages.append(page) }
        }
        self.pages = pages
    }

    /// The one lost page whose first `count` bytes have CRC-32 `checksum` (nil when none, or
    /// when more than one does: an ambiguous match proves nothing).
    mutating func page(matching checksum: UInt32, count: Int) -> Int? {
        let matches: [Int]
        if count == Geometry.pageSize {
            if byFullPageChecksum == nil {
                var index: [UInt32: [Int]] = [:]
                for page in pages {
                    if let crc = Self.checksum(of: page, count: count, in: checker) { index[crc, default: []].append(page) }
                }
                byFullPageChecksum = index
            }
            matches = byFullPageChecksum?[checksum] ?? []
        } else {
            matches = pages.filter { Self.checksum(of: $0, count: count, in: checker) == checksum }
        }
        return matches.count == 1 ? matches[0] : nil
    }

    /// The CRC-32 of the first `count` bytes of `page` (nil when it cannot be read).
    static func checksum(of page: Int, count: Int, in checker: Checker) -> UInt32? {
        guard let bytes = checker.pageBytes(page) else { return nil }
        return CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<count]))
    }
}
