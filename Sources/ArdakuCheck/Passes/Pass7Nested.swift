import ArdakuFormat
import ArdakuVolume

extension Checker {
    /// Pass 7: volumes nested in files of type `zest` or `cas`, by the registered checkers.
    ///
    /// Runs on the volume as it stands after the repair (when one was committed, the
    /// Ardaku layer is first checked again, silently, to know its files). Each checker gets
    /// the file's content as a `ByteStore`; what it writes is committed afterwards as one
    /// transaction, so a crash leaves each file as it was or as the checker left it.
    func checkNestedVolumes() -> Bool {
        // Nested checkers read whole files: the store's read-ahead pays here.
        store.expect(.streaming)
        defer { store.expect(.scattered) }
        let source: Checker
        if report.modified {
            var options = CheckOptions(repair: .none, force: true, verifyData: false)
            options.findingLimit = 16
            source = Checker(store: store, options: options)
            let fresh = source.run()
            guard fresh.fatal == nil else {
                report.repairFailure = fresh.fatal
                return false
            }
        } else {
            source = self
        }
        var changes: [(subpage: Int, name: [UInt8], store: FileContentStore, findings: [(index: Int?, fixed: Bool, note: String?)])] = []
        var examined: UInt64 = 0
        for subpage in source.keep.members {
            guard let record = source.recordView(subpage), let bytes = source.subpageBytes(subpage) else { continue }
            let typeBytes = Array(bytes[FileRecord.Offset.type..<(FileRecord.Offset.type + FileType.byteCount)])
            let type = FileType(bytes: typeBytes)
            guard let nested = options.nestedCheckers.first(where: { $0.fileType == type }) else {
                if type == .zest || type == .cas { report.nestedSkipped[type.description, default: 0] += 1 }
                continue
            }
            examined += 1
            let name = Checker.display(record.name)
            let plan = source.entryPlan(record, subpage: subpage, name: name, report: false)
            var entries: [PageEntry] = []
            entries.reserveCapacity(plan.finalCount)
            source.forEachEntry(record, plan) { _, entry, lost in
                switch source.classify(entry, lost: lost) {
                case .data: entries.append(entry)
                default: entries.append(PageEntry(page: PageIndex(0), checksum: 0))
                }
            }
            let content = FileContentStore(entries: entries, length: plan.finalLength, readOnly: options.repair == .none,
                                           pages: { [unowned source] in source.pageBytes($0) })
            let result = nested.check(content, request: NestedCheckRequest(fileName: name, mode: options.repair,
                                                                           verifyData: options.verifyData))
            currentStatistics.items += result.itemsChecked
            var emitted: [(index: Int?, fixed: Bool, note: String?)] = []
            for item in result.items {
                var context = item.finding.context
                context.volume = name
                let index = emit(item.finding.kind, context)
                emitted.append((index, item.fixed && options.repair != .none, item.note))
                if options.repair == .preen && !item.fixed && item.finding.severity >= .warning { report.preenStopped = true }
            }
            if content.isModified && options.repair != .none {
                changes.append((subpage, record.nameBytes, content, emitted))
            } else {
                for item in emitted where item.fixed {
                    if let index = item.index { report.findings[index].resolution = .fixed; report.findings[index].note = item.note }
                }
            }
        }
        currentStatistics.items = max(currentStatistics.items, examined)
        guard !changes.isEmpty else { return true }
        let repairer = Repairer(checker: source)
        do {
            try repairer.commitContent(changes.map { ($0.subpage, $0.name, $0.store) })
            report.modified = true
            for change in changes {
                for item in change.findings where item.fixed {
                    if let index = item.index { report.findings[index].resolution = .fixed; report.findings[index].note = item.note }
                }
            }
            if let verified = repairer.verified {
                report.summary.usedPages = UInt32(verified.pages.cardinality)
                report.summary.files = UInt64(verified.files)
            }
            system = repairer.system
        } catch {
            report.repairFailure = "nested volumes: \(error)"
            if case .noSpace = error { report.repairLackedSpace = true }
            for change in changes {
                for item in change.findings where item.fixed {
                    if let index = item.index { report.findings[index].resolution = .failed }
                }
            }
        }
        return true
    }

    /// Without checkers, the nested volumes left unchecked (counted by pass 3 and 4).
    func countSkippedNestedVolumes() {
        guard report.fatal == nil, !report.skippedAsClean, !report.cancelled else { return }
        report.nestedSkipped = nestedTypeCount
    }
}

extension Repairer {
    /// Commits the content nested checkers wrote: each changed page goes to a fresh page
    /// (an all-zero page becomes a hole), the record is rewritten with the new list and
    /// length, the trie is patched, then the usual verified commit.
    func commitContent(_ changes: [(subpage: Int, name: [UInt8], store: FileContentStore)]) throws(RepairError) {
        try abandoningOnFailure { () throws(RepairError) in try commitNestedContent(changes) }
    }

    private func commitNestedContent(_ changes: [(subpage: Int, name: [UInt8], store: FileContentStore)]) throws(RepairError) {
        let valid = checker.layout.allocatablePages
        let tree = FileInfixTree(store: store, pageIndices: system.triePages, root: system.trieRoot, validPages: valid)
        for change in changes {
            let (pages, base, length) = change.store.changedContent()
            var entries = base
            for (ordinal, bytes) in pages {
                if Zeros.isAllZero(bytes) {
                    entries[ordinal] = .hole(bytesInPage: bytes.count)
                    continue
                }
                let page = try allocator.page()
                try write(bytes, to: page)
                entries[ordinal] = PageEntry(page: PageIndex(UInt32(page)), checksum: CRC32.checksum(bytes))
            }
            let target = try rewriteRecord(change.subpage, name: change.name, content: (entries, length))
            do { try tree.insert(change.name, SubpageIndex(UInt32(target))) } catch { throw .volume(error) }
        }
        try finishTree(tree)
        try commit()
    }
}
