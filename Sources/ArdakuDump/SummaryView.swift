import ArdakuFormat

/// The default view: one field per line, dumpe2fs style, with the checks that matter.
struct SummaryView {
    let scan: VolumeScan
    /// Free runs shown in text; `--bitmap` lists them all.
    static let freeRunsShown = 32
    /// Free runs listed in JSON.
    static let freeRunsListed = 4096
    /// Trie pages listed one per line.
    static let triePagesShown = 16

    private struct Facts {
        var totals = BitfieldRuns.Totals()
        var freeRuns: [(UInt64, UInt64)] = []
        var freeRunCount = 0
        var trie = TrieWalk.Result()
        var triePages: [TriePages.Page] = []
        var problems: [String] = []
    }

    private func gather(freeRunLimit: Int) -> Facts {
        var facts = Facts()
        guard let system = scan.system else {
            facts.problems.append("no copy of the system information block decodes")
            facts.problems += (scan.primary?.problems ?? []).map { "page 0 \($0)" }
            return facts
        }
        facts.totals = BitfieldRuns(scan: scan).forEachRun { run in
            guard run.state == .free else { return }
            facts.freeRunCount += 1
            if facts.freeRuns.count < freeRunLimit { facts.freeRuns.append((run.first, run.last)) }
        }
        let walk = TrieWalk(scan: scan)
        facts.trie = walk.run()
        facts.triePages = (0..<walk.pages.count).compactMap { walk.pages.page($0) }

        facts.problems += (scan.primary?.failedChecks ?? []).map { "page 0: \($0)" }
        if let backup = scan.backup, let page = scan.backupPage { facts.problems += backup.failedChecks.map { "backup (page \(page)): \($0)" } }
        if scan.systemPage != 0 { facts.problems.append("using \(scan.systemChoice)") }
        if UInt64(system.totalPageCount) > scan.imagePages {
            facts.problems.append("the volume has \(system.totalPageCount) pages but the image holds \(scan.imagePages)")
        }
        if facts.totals.used != UInt64(system.usedPageCount) {
            facts.problems.append("the bitfield marks \(facts.totals.used) pages used, page 0 says \(system.usedPageCount)")
        }
        if facts.totals.unknown > 0 { facts.problems.append("\(facts.totals.unknown) pages have no bitfield page in the image") }
        for page in facts.triePages where !page.header.failedChecks.isEmpty || page.bytes == nil {
            facts.problems.append("trie page \(page.page) (ordinal \(page.ordinal)): "
                                  + (page.bytes == nil ? "past the end of the image" : page.header.failedChecks.joined(separator: "; ")))
        }
        let distinct = Set(system.triePages.map(\.rawValue)).count
        if distinct < system.triePages.count {
            facts.problems.append("page 0's trie page list names \(system.triePages.count) pages but only \(distinct) distinct ones")
        }
        if facts.trie.problemCount > 0 { facts.problems.append("the trie walk found \(facts.trie.problemCount) problems (see --trie)") }
        if facts.trie.files.count != Int(system.fileCount) {
            facts.problems.append("the trie holds \(facts.trie.files.count) files, page 0 says \(system.fileCount)")
        }
        return facts
    }

    private func checkLine(_ view: StructureView?, _ field: String) -> String {
        guard let row = view?.field(field) else { return "<not available>" }
        if field == "magic" { return "\(row.rawText) \(row.display) \(row.check?.text ?? "")" }
        return "\(row.display) \(row.check?.text ?? "")"
    }

    func writeText(_ output: OutputBuffer) throws {
        func line(_ label: String, _ value: String) throws { try output.line(TextFormat.labelled(label, value)) }
        try line("Image", "\(scan.imageName) (\(scan.image.count) bytes, \(TextFormat.count(scan.imagePages, "whole page")))")
        try line("Page 0 magic", checkLine(scan.primary, "magic"))
        try line("Page 0 checksum", checkLine(scan.primary, "checksum"))
        try line("Backup page", scan.backupPage.map(String.init) ?? "<none>")
        try line("Backup magic", checkLine(scan.backup, "magic"))
        try line("Backup checksum", checkLine(scan.backup, "checksum"))
        try line("Block in use", scan.systemChoice)
        let facts = gather(freeRunLimit: Self.freeRunsShown)
        guard let system = scan.system else {
            try writeProblems(facts.problems, output)
            return
        }
        try line("Format version", scan.systemView?.field("version")?.display ?? "<not available>")
        try line("Volume label", system.label.isEmpty ? "<none>" : TextFormat.escaped(system.label))
        try line("Volume UUID", system.uuid.description)
        try line("Creation time", "\(TextFormat.utc(system.creationTime)) (\(system.creationTime))")
        try line("Generation", "\(system.generation)")
        try line("Page size", "\(Geometry.pageSize) (\(Geometry.subpagesPerPage) subpages of \(Geometry.subpageSize), \(Geometry.sectorsPerPage) sectors of \(Geometry.sectorSize))")
        try line("Total pages", "\(system.totalPageCount) (\(UInt64(system.totalPageCount) << 16) bytes)")
        try line("Bitfield pages", "\(system.bitfieldPageCount) (\(system.bitfieldPageCount == 1 ? "page" : "pages") \(TextFormat.span(1, UInt64(system.bitfieldPageCount))))")
        try line("Used pages", "\(facts.totals.used) (page 0 says \(system.usedPageCount))")
        try line("Free pages", "\(facts.totals.free)")
        let shownRuns = facts.freeRuns.map { TextFormat.span($0.0, $0.1) }.joined(separator: ", ")
        let moreRuns = facts.freeRunCount > facts.freeRuns.count ? ", … \(facts.freeRunCount - facts.freeRuns.count) more (see --bitmap)" : ""
        try line("Free page ranges", shownRuns.isEmpty ? "<none>" : shownRuns + moreRuns)
        try line("Trie pages", "\(system.triePages.count)")
        for page in facts.triePages.prefix(Self.triePagesShown) {
            let state = page.bytes == nil ? "past the end of the image"
                : "magic \(page.header.field("magic")?.check?.text ?? "?"), checksum \(page.header.field("checksum")?.check?.text ?? "?")"
            try line("  ordinal \(page.ordinal)", "page \(page.page): \(state)")
        }
        if facts.triePages.count > Self.triePagesShown {
            try line("  …", "\(facts.triePages.count - Self.triePagesShown) more (see --trie)")
        }
        try line("Trie root", system.trieRoot.description)
        try line("Trie nodes", "\(facts.trie.nodeCount) reached, \(facts.trie.problemCount) problems")
        try line("Files", "\(facts.trie.files.count) (page 0 says \(system.fileCount))")
        try line("Next file id", "\(system.nextFileID)")
        try line("Next empty page index", "\(system.nextEmptyPageHint)")
        try line("Record page hint", "\(system.recordPageHint)")
        try line("Incompat features", scan.systemView?.field("incompat_features")?.display ?? "<not available>")
        try writeProblems(facts.problems, output)
    }

    private func writeProblems(_ problems: [String], _ output: OutputBuffer) throws {
        guard !problems.isEmpty else {
            try output.line(TextFormat.labelled("Problems", "<none>"))
            return
        }
        for (index, problem) in problems.enumerated() {
            try output.line(index == 0 ? TextFormat.labelled("Problems", problem) : TextFormat.pad("", TextFormat.labelWidth) + problem)
        }
    }

    func writeJSON(_ json: inout JSONWriter) throws {
        func copy(_ key: String, _ view: StructureView?, page: UInt32?) throws {
            try json.key(key)
            guard let view else { try json.null(); return }
            try json.beginObject()
            try json.member("page", page)
            for name in ["magic", "checksum"] {
                try json.key(name)
                if let check = view.field(name)?.check { try check.writeJSON(&json) } else { try json.null() }
            }
            try json.member("problems", strings: view.problems)
            try json.endObject()
        }
        try copy("primary", scan.primary, page: 0)
        try copy("backup", scan.backup, page: scan.backupPage)
        try json.member("block_in_use", scan.systemPage)
        try json.member("choice", scan.systemChoice)
        let facts = gather(freeRunLimit: Self.freeRunsListed)
        if let system = scan.system {
            try json.member("version", scan.systemView?.field("version")?.integer)
            try json.member("incompat_features", scan.systemView?.field("incompat_features")?.integer)
            try json.member("label", String(decoding: system.label, as: UTF8.self))
            try json.member("label_hex", TextFormat.hexString(system.label))
            try json.member("uuid", system.uuid.description)
            try json.member("creation_time", system.creationTime)
            try json.member("creation_time_utc", TextFormat.utc(system.creationTime))
            try json.member("generation", system.generation)
            try json.member("page_size", Geometry.pageSize)
            try json.member("total_pages", system.totalPageCount)
            try json.member("bitfield_pages", system.bitfieldPageCount)
            try json.member("used_pages", facts.totals.used)
            try json.member("used_pages_stored", system.usedPageCount)
            try json.member("free_pages", facts.totals.free)
            try json.member("unknown_pages", facts.totals.unknown)
            try json.key("free_ranges")
            try json.beginArray()
            for (first, last) in facts.freeRuns { try json.inlineArray([first, last]) }
            try json.endArray()
            try json.member("free_ranges_truncated", facts.freeRunCount > facts.freeRuns.count)
            try json.key("trie_pages")
            try json.beginArray()
            for page in facts.triePages {
                try json.beginObject()
                try json.member("ordinal", page.ordinal)
                try json.member("page", page.page)
                try json.member("present", page.bytes != nil)
                for name in ["magic", "checksum"] {
                    try json.key(name)
                    if let check = page.header.field(name)?.check { try check.writeJSON(&json) } else { try json.null() }
                }
                try json.endObject()
            }
            try json.endArray()
            try json.member("trie_root", system.trieRoot.description)
            try json.member("trie_nodes", facts.trie.nodeCount)
            try json.member("trie_problems", facts.trie.problemCount)
            try json.member("files", facts.trie.files.count)
            try json.member("file_count_stored", system.fileCount)
            try json.member("next_file_id", system.nextFileID)
            try json.member("next_empty_page_index", system.nextEmptyPageHint)
            try json.member("record_page_hint", system.recordPageHint)
        }
        try json.member("problems", strings: facts.problems)
    }
}

