import ArdakuFormat

/// `--file NAME` and `--record SUBPAGE`: a metadata record field by field, its extension
/// pages, and every data page with its stored and recomputed CRC-32.
struct FileView {
    let scan: VolumeScan
    let inspection: FileInspection

    func writeText(_ output: OutputBuffer) throws {
        let record = inspection.record
        try inspection.record.view.writeText(to: output)
        for problem in inspection.problems { try output.line("  problem: " + problem) }
        for contents in inspection.extensionPages {
            try output.line()
            try contents.view.writeText(to: output)
        }
        guard record.kind == .live || record.kind == .tombstone else { return }
        try output.line()
        try output.line("Data pages: \(inspection.dataPages.count) listed, data_page_count \(record.dataPageCount), byte_length \(record.byteLength)")
        try output.line("  " + TextFormat.pad("ordinal", 9) + TextFormat.pad("entry at", 10) + TextFormat.pad("page", 12) + TextFormat.pad("bytes", 7)
                        + TextFormat.pad("address", 11) + TextFormat.pad("bit", 6) + TextFormat.pad("stored crc", 12) + TextFormat.pad("computed crc", 13) + "check")
        for page in inspection.dataPages {
            let where_ = page.entry.isHole ? "hole" : "\(page.entry.page.rawValue)"
            let address = page.entry.isHole ? "-" : TextFormat.address(UInt64(page.entry.page.rawValue) << 16)
            try output.line("  " + TextFormat.pad("\(page.ordinal)", 9) + TextFormat.pad(TextFormat.address(page.entryAddress), 10) + TextFormat.pad(where_, 12) + TextFormat.pad("\(page.byteCount)", 7)
                            + TextFormat.pad(address, 11) + TextFormat.pad(page.marked.map { $0 ? "used" : "FREE" } ?? "-", 6)
                            + TextFormat.pad(Hex.format(page.entry.checksum, width: 8), 12)
                            + TextFormat.pad(page.computed.map { Hex.format($0, width: 8) } ?? "-", 13) + page.check.text)
        }
        let mismatched = inspection.mismatchCount
        try output.line(TextFormat.labelled("Data page checks", "\(inspection.dataPages.count - mismatched) ok, \(mismatched) not"))
    }

    func writeJSON(_ json: inout JSONWriter) throws {
        let record = inspection.record
        try json.member("subpage", record.subpage)
        try json.member("state", stateName(record.kind))
        try json.member("name", TextFormat.escaped(record.name, quoted: false))
        try json.member("name_hex", TextFormat.hexString(record.name))
        try json.key("record")
        try record.view.writeJSON(&json)
        try json.key("extension_pages")
        try json.beginArray()
        for contents in inspection.extensionPages { try contents.view.writeJSON(&json) }
        try json.endArray()
        try json.key("data_pages")
        try json.beginArray()
        for page in inspection.dataPages {
            try json.beginObject()
            try json.member("ordinal", page.ordinal)
            try json.member("entry_offset", page.entryAddress)
            try json.member("page", page.entry.page.rawValue)
            try json.member("hole", page.entry.isHole)
            try json.member("bytes", page.byteCount)
            try json.key("marked")
            if let marked = page.marked { try json.value(marked) } else { try json.null() }
            try json.member("stored_crc", page.entry.checksum)
            try json.member("computed_crc", page.computed)
            try json.key("check")
            try page.check.writeJSON(&json)
            try json.endObject()
        }
        try json.endArray()
        try json.member("mismatched_data_pages", inspection.mismatchCount)
        try json.member("problems", strings: inspection.problems)
    }

    private func stateName(_ kind: RecordContents.Kind) -> String {
        switch kind {
        case .live: return "live"
        case .tombstone: return "tombstone"
        case .free: return "free"
        case .notARecord: return "not_a_record"
        }
    }
}
