import ArdakuFormat

/// Runs of used and free pages in the used-page bitfield (docs/FORMAT.md §5).
struct BitfieldRuns {
    enum State: String { case used, free, unknown }

    struct Run: Equatable {
        var state: State
        var first: UInt64
        var last: UInt64
        var count: UInt64 { last - first + 1 }
    }

    struct Totals {
        var used: UInt64 = 0
        var free: UInt64 = 0
        /// Pages whose bitfield page is not in the image.
        var unknown: UInt64 = 0
        var runs: UInt64 = 0
    }

    let scan: VolumeScan

    /// Calls `body` with each run in page order, and returns the totals. Reads the bitfield
    /// 64 bits at a time: a volume of 2^30 pages takes 2^24 words.
    /// - Parameter range: the pages to cover (default: the whole volume); clipped to it.
    @discardableResult
    func forEachRun(in range: Range<UInt64>? = nil, _ body: (Run) throws -> Void) rethrows -> Totals {
        var totals = Totals()
        var current: Run?
        func add(_ state: State, _ first: UInt64, _ last: UInt64) throws {
            if var run = current, run.state == state, run.last + 1 == first {
                run.last = last
                current = run
                return
            }
            if let run = current { try emit(run) }
            current = Run(state: state, first: first, last: last)
        }
        func emit(_ run: Run) throws {
            totals.runs += 1
            switch run.state {
            case .used: totals.used += run.count
            case .free: totals.free += run.count
            case .unknown: totals.unknown += run.count
            }
            try body(run)
        }

        let total = scan.totalPageCount
        let perPage = UInt64(Limits.pagesPerBitfieldPage)
        var page = min(range?.lowerBound ?? 0, total)
        let end = min(range?.upperBound ?? total, total)
        while page < end {
            let chunkBase = page / perPage * perPage
            let chunkEnd = min(end, chunkBase + perPage)
            let bitfieldPage = UInt32(1 + page / perPage)
            guard let bytes = scan.image.page(bitfieldPage) else {
                try add(.unknown, page, chunkEnd - 1)
                page = chunkEnd
                continue
            }
            while page < chunkEnd {
                let bit = Int(page - chunkBase)
                if bit & 63 == 0, chunkEnd - page >= 64 {
                    let word = ByteReader.uint64(in: bytes, at: bit >> 3) ?? 0
                    if word == 0 { try add(.free, page, page + 63); page += 64; continue }
                    if word == .max { try add(.used, page, page + 63); page += 64; continue }
                }
                let used = bytes[bit >> 3] & (1 << UInt8(bit & 7)) != 0
                try add(used ? .used : .free, page, page)
                page += 1
            }
        }
        if let run = current { try emit(run) }
        return totals
    }

    /// Pages at or past total_page_count whose bit is set in the last bitfield page (the
    /// format wants them clear), as runs; at most `limit` runs.
    func bitsPastEnd(limit: Int = 64) -> (runs: [(UInt64, UInt64)], count: UInt64) {
        let total = scan.totalPageCount
        guard scan.bitfieldPageCount > 0 else { return ([], 0) }
        let perPage = UInt64(Limits.pagesPerBitfieldPage)
        let lastBitfield = UInt32(scan.bitfieldPageCount)
        let coveredEnd = UInt64(scan.bitfieldPageCount) * perPage
        guard let bytes = scan.image.page(lastBitfield), total < coveredEnd else { return ([], 0) }
        let base = UInt64(scan.bitfieldPageCount - 1) * perPage
        var runs: [(UInt64, UInt64)] = []
        var count: UInt64 = 0
        var page = total
        while page < coveredEnd {
            let bit = Int(page - base)
            if bit & 7 == 0, bytes[bit >> 3] == 0, coveredEnd - page >= 8 { page += 8; continue }
            if bytes[bit >> 3] & (1 << UInt8(bit & 7)) != 0 {
                count += 1
                if let last = runs.last, last.1 + 1 == page {
                    runs[runs.count - 1].1 = page
                } else if runs.count < limit {
                    runs.append((page, page))
                }
            }
            page += 1
        }
        return (runs, count)
    }
}
