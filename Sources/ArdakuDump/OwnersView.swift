import ArdakuFormat

/// `--owners`: every page with what owns it, in page order, as runs.
///
/// Consecutive pages with the same kind of owner and consecutive ordinals (data pages 0-15
/// of one file, free pages, ...) are one line. A page owned by nothing but marked used is
/// "unreferenced"; a page owned but not marked, or owned twice, says so in capitals.
struct OwnersView {
    let scan: VolumeScan
    let map: OwnerMap

    init(scan: VolumeScan) {
        self.scan = scan
        map = OwnerMap(scan: scan)
    }

    /// One line of the view: pages `first...last` and what they are.
    struct Run {
        enum State: String { case owned, free, unreferenced, unknown, outside }
        var first: UInt64
        var last: UInt64
        var state: State
        /// For owned runs: the owners of the first page (the others follow by ordinal).
        var owners: [OwnerMap.Owner] = []
        var marked: Bool?
        var problems: [String] = []
    }

    /// Pages the view covers: the volume, and any whole pages of the image past it.
    private var endPage: UInt64 { max(scan.totalPageCount, scan.imagePages) }

    /// Calls `body` with each run in page order.
    func forEachRun(_ body: (Run) throws -> Void) throws {
        var pending: Run?
        func flush() throws {
            if let run = pending { try body(run) }
            pending = nil
        }
        func unowned(_ range: Range<UInt64>) throws {
            guard !range.isEmpty else { return }
            try flush()
            let inVolumeEnd = min(range.upperBound, scan.totalPageCount)
            if range.lowerBound < inVolumeEnd {
                let inVolume = range.lowerBound..<inVolumeEnd
                try BitfieldRuns(scan: scan).forEachRun(in: inVolume) { run in
                    switch run.state {
                    case .free: try body(Run(first: run.first, last: run.last, state: .free, marked: false))
                    case .used:
                        try body(Run(first: run.first, last: run.last, state: .unreferenced, marked: true,
                                     problems: ["marked used, but nothing refers to it"]))
                    case .unknown: try body(Run(first: run.first, last: run.last, state: .unknown))
                    }
                }
            }
            let outsideStart = max(range.lowerBound, scan.totalPageCount)
            if outsideStart < range.upperBound {
                try body(Run(first: outsideStart, last: range.upperBound - 1, state: .outside))
            }
        }

        var cursor: UInt64 = 0
        for page in map.pages.keys.sorted() where UInt64(page) < endPage {
            let index = UInt64(page)
            try unowned(cursor..<index)
            let entry = map.pages[page] ?? OwnerMap.PageOwners()
            var run = Run(first: index, last: index, state: .owned, owners: entry.owners, marked: scan.isMarked(index))
            if entry.total > 1 { run.problems.append("CLAIMED \(entry.total) TIMES") }
            if index >= scan.totalPageCount {
                run.problems.append("PAST the volume's last page \(scan.totalPageCount > 0 ? scan.totalPageCount - 1 : 0)")
            } else if run.marked == false {
                run.problems.append("NOT MARKED used in the bitfield")
            } else if run.marked == nil {
                run.problems.append("its bitfield page is not in the image")
            }
            if let previous = pending, continues(previous, with: run) {
                pending?.last = index
            } else {
                try flush()
                pending = run
            }
            cursor = index + 1
        }
        try unowned(cursor..<endPage)
        try flush()
    }

    /// True when `next` extends `run`: one owner each, of the same kind and file, with the
    /// next ordinal; the same bitfield state; no problems.
    private func continues(_ run: Run, with next: Run) -> Bool {
        guard run.last + 1 == next.first, run.marked == next.marked, run.problems.isEmpty, next.problems.isEmpty,
              run.owners.count == 1, next.owners.count == 1 else { return false }
        let step = Int(next.first - run.first)
        switch (run.owners[0], next.owners[0]) {
        case let (.dataPage(a, i), .dataPage(b, j)): return a == b && j == i + step
        case let (.extensionPage(a, i), .extensionPage(b, j)): return a == b && j == i + step
        case let (.triePage(i), .triePage(j)): return j == i + step
        case let (.bitfield(i, _, _), .bitfield(j, _, _)): return j == i + step
        default: return false
        }
    }

    /// How the owners of a run read: "data pages 0-3 of /docs/b.bin".
    private func describe(_ run: Run) -> String {
        switch run.state {
        case .free: return "free"
        case .unreferenced: return "unreferenced"
        case .unknown: return "unknown (no bitfield page in the image)"
        case .outside: return "outside the volume (past total_page_count)"
        case .owned: break
        }
        let extra = run.last - run.first
        var parts: [String] = []
        for owner in run.owners {
            switch owner {
            case .systemBlock(let copy):
                parts.append(copy == 0 ? "system information block (copy 0)" : "system information block backup (copy 1)")
            case let .bitfield(index, first, last):
                parts.append(extra == 0 ? "used-page bitfield, bits of pages \(TextFormat.span(first, last))"
                             : "used-page bitfield pages \(TextFormat.span(UInt64(index), UInt64(index) + extra)) (0-based)")
            case .triePage(let ordinal):
                parts.append(extra == 0 ? "trie page, ordinal \(ordinal)" : "trie pages, ordinals \(TextFormat.span(UInt64(ordinal), UInt64(ordinal) + extra))")
            case .records:
                parts.append("metadata records: " + subpageDescriptions(page: run.first).joined(separator: "; "))
            case let .extensionPage(file, sequence):
                parts.append((extra == 0 ? "extension page \(sequence)" : "extension pages \(TextFormat.span(UInt64(sequence), UInt64(sequence) + extra))")
                             + " of \(map.name(file))")
            case let .dataPage(file, ordinal):
                parts.append((extra == 0 ? "data page \(ordinal)" : "data pages \(TextFormat.span(UInt64(ordinal), UInt64(ordinal) + extra))")
                             + " of \(map.name(file))")
            }
        }
        return parts.joined(separator: " AND ")
    }

    private func subpageDescriptions(page: UInt64) -> [String] {
        (0..<UInt32(Geometry.subpagesPerPage)).map { slot in
            let subpage = UInt32(page) << 2 | slot
            return "subpage \(subpage) " + subpageText(map.subpages[subpage])
        }
    }

    private func subpageText(_ state: OwnerMap.SubpageState?) -> String {
        switch state {
        case .record(let file, let kind)?:
            let note = kind == .live ? "" : kind == .tombstone ? " (TOMBSTONE)" : kind == .free ? " (ZERO MAGIC)" : " (NOT A RECORD)"
            return "\(map.name(file))\(note)"
        case .free?: return "free"
        case .tombstone(let name)?: return "free (tombstone of \(TextFormat.escaped(name, quoted: false)))"
        case .unreferenced(let name)?: return "UNREFERENCED record of \(TextFormat.escaped(name, quoted: false))"
        case .notARecord?: return "free (not a record)"
        case .pastEnd?: return "past the end of the image"
        case nil: return "?"
        }
    }

    /// Pages claimed past the end of both the volume and the image.
    private var claimsPastEnd: [UInt32] {
        map.pages.keys.filter { UInt64($0) >= endPage }.sorted()
    }

    func writeText(_ output: OutputBuffer) throws {
        try output.line("Page owners: \(TextFormat.count(scan.totalPageCount, "page")) in the volume, \(TextFormat.count(scan.imagePages, "whole page")) in the image"
                        + (scan.system == nil ? " (no system block decodes: only the fixed pages are known)" : ""))
        try output.line(TextFormat.pad("pages", 24) + "owner")
        try forEachRun { run in
            var line = TextFormat.pad(TextFormat.span(run.first, run.last), 24) + describe(run)
            if run.state == .owned || run.state == .unreferenced {
                for problem in run.problems { line += "  [\(problem)]" }
            }
            try output.line(line)
        }
        let remainder = scan.image.count & 0xFFFF
        if remainder != 0 {
            try output.line(TextFormat.pad("\(scan.imagePages) (partial)", 24) + "\(remainder) bytes past the last whole page (not part of any volume)")
        }
        for page in claimsPastEnd.prefix(64) {
            let owners = map.pages[page]?.owners ?? []
            let text = describe(Run(first: UInt64(page), last: UInt64(page), state: .owned, owners: owners))
            try output.line("problem: page \(page), past the end of the volume and the image, is claimed as \(text)")
        }
        for problem in map.problems { try output.line("problem: " + problem) }
    }

    func writeJSON(_ json: inout JSONWriter) throws {
        try json.member("total_pages", scan.totalPageCount)
        try json.member("image_pages", scan.imagePages)
        try json.key("runs")
        try json.beginArray()
        try forEachRun { run in
            try json.beginObject()
            try json.member("first", run.first)
            try json.member("last", run.last)
            try json.member("state", run.state.rawValue)
            try json.member("description", describe(run))
            try json.key("marked")
            if let marked = run.marked { try json.value(marked) } else { try json.null() }
            try json.key("owners")
            try json.beginArray()
            for owner in run.owners { try writeOwner(owner, run: run, &json) }
            try json.endArray()
            try json.member("problems", strings: run.problems)
            try json.endObject()
        }
        try json.endArray()
        try json.member("partial_page_bytes", Int(scan.image.count & 0xFFFF))
        try json.member("claims_past_end", numbers: claimsPastEnd)
        try json.member("problems", strings: map.problems)
    }

    private func writeOwner(_ owner: OwnerMap.Owner, run: Run, _ json: inout JSONWriter) throws {
        try json.beginObject()
        switch owner {
        case .systemBlock(let copy):
            try json.member("kind", "system_block")
            try json.member("copy", copy)
        case let .bitfield(index, first, last):
            try json.member("kind", "bitfield")
            try json.member("first_index", index)
            try json.member("covers_first", first)
            try json.member("covers_last", last)
        case .triePage(let ordinal):
            try json.member("kind", "trie_page")
            try json.member("first_ordinal", ordinal)
        case .records:
            try json.member("kind", "records")
            try json.key("subpages")
            try json.beginArray()
            for slot in 0..<UInt32(Geometry.subpagesPerPage) {
                let subpage = UInt32(run.first) << 2 | slot
                try json.beginObject()
                try json.member("subpage", subpage)
                try json.member("description", subpageText(map.subpages[subpage]))
                if case .record(let file, _)? = map.subpages[subpage] { try json.member("file", map.name(file)) }
                try json.endObject()
            }
            try json.endArray()
        case let .extensionPage(file, sequence):
            try json.member("kind", "extension_page")
            try json.member("file", map.name(file))
            try json.member("first_sequence", sequence)
        case let .dataPage(file, ordinal):
            try json.member("kind", "data_page")
            try json.member("file", map.name(file))
            try json.member("first_ordinal", ordinal)
        }
        try json.endObject()
    }
}
