import ArdakuFormat

/// `--bitmap`: the used-page bitfield as runs of used and free pages.
struct BitmapView {
    let scan: VolumeScan

    private var bitfieldPages: [(index: Int, page: UInt32, first: UInt64, last: UInt64, present: Bool)] {
        (0..<scan.bitfieldPageCount).map { index in
            let first = UInt64(index) * UInt64(Limits.pagesPerBitfieldPage)
            let last = min(scan.totalPageCount, first + UInt64(Limits.pagesPerBitfieldPage)) - 1
            let page = UInt32(1 + index)
            return (index, page, first, last, scan.image.page(page) != nil)
        }
    }

    func writeText(_ output: OutputBuffer) throws {
        let source = scan.system == nil ? " (no system block decodes: sized from the image)" : ""
        try output.line("Used-page bitfield: \(TextFormat.count(UInt64(scan.bitfieldPageCount), "page")) for \(TextFormat.count(scan.totalPageCount, "page"))\(source)")
        for entry in bitfieldPages {
            try output.line("  bitfield page \(entry.page) (byte \(Hex.format(UInt64(entry.page) << 16, width: 8))): bits of pages \(TextFormat.span(entry.first, entry.last))"
                            + (entry.present ? "" : ", past the end of the image"))
        }
        try output.line()
        try output.line(TextFormat.pad("pages", 24) + TextFormat.pad("state", 9) + "count")
        let totals = try BitfieldRuns(scan: scan).forEachRun { run in
            try output.line(TextFormat.pad(TextFormat.span(run.first, run.last), 24) + TextFormat.pad(run.state.rawValue, 9) + "\(run.count)")
        }
        try output.line()
        try output.line(TextFormat.labelled("Used pages", "\(totals.used)" + (scan.system.map { " (page 0 says \($0.usedPageCount))" } ?? "")))
        try output.line(TextFormat.labelled("Free pages", "\(totals.free)"))
        if totals.unknown > 0 { try output.line(TextFormat.labelled("Unknown pages", "\(totals.unknown) (bitfield page missing)")) }
        let past = BitfieldRuns(scan: scan).bitsPastEnd()
        let pastText = past.count == 0 ? "<none>"
            : "\(past.count) [INVALID: must be clear]: " + past.runs.map { TextFormat.span($0.0, $0.1) }.joined(separator: ", ")
        try output.line(TextFormat.labelled("Bits past the last page", pastText))
    }

    func writeJSON(_ json: inout JSONWriter) throws {
        try json.member("total_pages", scan.totalPageCount)
        try json.member("sized_from_image", scan.system == nil)
        try json.key("bitfield_pages")
        try json.beginArray()
        for entry in bitfieldPages {
            try json.beginObject()
            try json.member("index", entry.index)
            try json.member("page", entry.page)
            try json.member("first_page", entry.first)
            try json.member("last_page", entry.last)
            try json.member("present", entry.present)
            try json.endObject()
        }
        try json.endArray()
        try json.key("runs")
        try json.beginArray()
        let totals = try BitfieldRuns(scan: scan).forEachRun { run in
            try json.beginObject()
            try json.member("state", run.state.rawValue)
            try json.member("first", run.first)
            try json.member("last", run.last)
            try json.member("count", run.count)
            try json.endObject()
        }
        try json.endArray()
        try json.member("used", totals.used)
        try json.member("free", totals.free)
        try json.member("unknown", totals.unknown)
        try json.member("used_page_count_stored", scan.system?.usedPageCount)
        let past = BitfieldRuns(scan: scan).bitsPastEnd()
        try json.key("bits_past_end")
        try json.beginObject()
        try json.member("count", past.count)
        try json.key("runs")
        try json.beginArray()
        for run in past.runs { try json.inlineArray([run.0, run.1]) }
        try json.endArray()
        try json.endObject()
    }
}
