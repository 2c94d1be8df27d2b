import ArdakuFormat

extension Checker {
    /// Pass 6: the used-page bitfield and page 0's counters (docs/FORMAT.md §5, §12.2).
    ///
    /// The bitfield is derived data: it must mark exactly the pages the checked volume uses
    /// (page 0, the bitfield, the backup, the trie pages, the pages of kept records, their
    /// extension and data pages) and nothing past the end of the volume. Compared 64 pages
    /// at a time. Then used_page_count, file_count and next_file_id.
    func checkBitfield() -> Bool {
        let reachable = reachablePages()
        var missing = RangeCollector(), extra = RangeCollector()
        let words = (pageCount + 63) / 64
        for word in 0..<words {
            let onDisk = bitfieldWord(word)
            let wanted = reachable.word(word)
            let valid: UInt64 = (word + 1) * 64 <= pageCount ? ~0 : (1 << UInt64(pageCount - word * 64)) - 1
            var missingBits = wanted & ~onDisk & valid
            var extraBits = onDisk & ~wanted & valid
            while missingBits != 0 {
                missing.add(word * 64 + missingBits.trailingZeroBitCount)
                missingBits &= missingBits - 1
            }
            while extraBits != 0 {
                extra.add(word * 64 + extraBits.trailingZeroBitCount)
                extraBits &= extraBits - 1
            }
            if word & 0xFFFF == 0 { progress(UInt64(word), of: UInt64(words)) }
        }
        // Both findings are located at the bitfield's first byte.
        let bitfieldStart = PageIndex(layout.bitfieldPages.lowerBound).firstByte.rawValue
        if missing.total > 0 {
            emit(ArdakuFindings.usedMarkedFree, FindingContext(page: UInt32(missing.first), offset: bitfieldStart, actual: String(missing.total),
                                                              detail: missing.describe()))
        }
        if extra.total > 0 {
            emit(ArdakuFindings.freeMarkedUsed, FindingContext(page: UInt32(extra.first), offset: bitfieldStart, actual: String(extra.total),
                                                              detail: extra.describe()))
        }
        // Bits of the last bitfield page(s) past the end of the volume.
        var pastEnd = 0
        let coveredPages = layout.bitfieldPageCount * Int(Limits.pagesPerBitfieldPage)
        if coveredPages > pageCount, let last = bitfieldPages.last ?? nil {
            // Only the last bitfield page covers pages past the end.
            let firstWordOfLast = (layout.bitfieldPageCount - 1) * Int(Limits.pagesPerBitfieldPage) / 64
            let firstWord = pageCount / 64
            var bits = ByteReader.uint64(in: last, at: (firstWord - firstWordOfLast) * 8) ?? 0
            bits &= ~((1 << UInt64(pageCount % 64)) - 1)
            pastEnd += bits.nonzeroBitCount
            var offset = (firstWord + 1 - firstWordOfLast) * 8
            while let next = Zeros.firstNonZero(last, in: offset..<Geometry.pageSize) {
                let wordOffset = next & ~7
                pastEnd += (ByteReader.uint64(in: last, at: wordOffset) ?? 0).nonzeroBitCount
                offset = wordOffset + 8
            }
        }
        if pastEnd > 0 {
            emit(ArdakuFindings.bitsPastEnd, FindingContext(page: UInt32(layout.bitfieldPageCount), actual: String(pastEnd)))
        }
        let used = reachable.cardinality
        if Int(system.usedPageCount) != used {
            emit(ArdakuFindings.usedPageCount, FindingContext(page: 0, offset: UInt64(SystemInformationBlock.Offset.usedPageCount), expected: String(used), actual: String(system.usedPageCount)))
        }
        let files = keep.cardinality
        if Int(system.fileCount) != files {
            emit(ArdakuFindings.fileCount, FindingContext(page: 0, offset: UInt64(SystemInformationBlock.Offset.fileCount), expected: String(files), actual: String(system.fileCount)))
        }
        if !keep.isEmpty && maxFileID >= system.nextFileID {
            emit(ArdakuFindings.nextFileID, FindingContext(page: 0, offset: UInt64(SystemInformationBlock.Offset.nextFileID), expected: String(maxFileID &+ 1),
                                                           actual: String(system.nextFileID), detail: String(maxFileID)))
        }
        currentStatistics.items = UInt64(layout.bitfieldPageCount)
        progress(UInt64(words), of: UInt64(words))
        return true
    }
}

/// Collects ascending page numbers into runs for one message: the first eight runs are
/// named, the rest counted.
struct RangeCollector {
    private(set) var runs: [ClosedRange<Int>] = []
    private(set) var total = 0
    private(set) var runCount = 0
    private var current: ClosedRange<Int>?
    static let shown = 8

    var first: Int { runs.first?.lowerBound ?? current?.lowerBound ?? 0 }

    mutating func add(_ page: Int) {
        total += 1
        if let run = current, run.upperBound + 1 == page {
            current = run.lowerBound...page
            return
        }
        flush()
        current = page...page
    }

    private mutating func flush() {
        guard let run = current else { return }
        runCount += 1
        if runs.count < Self.shown { runs.append(run) }
        current = nil
    }

    mutating func describe() -> String {
        flush()
        var text = (total == 1 ? "page " : "pages ") + runs.map(Runs.describe).joined(separator: ", ")
        if runCount > runs.count { text += " and \(runCount - runs.count) more ranges" }
        return runCount == 1 ? text : text + " (\(total) pages)"
    }
}
