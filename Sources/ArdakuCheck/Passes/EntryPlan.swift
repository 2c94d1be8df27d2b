import ArdakuFormat

/// A file's data pages as the checker reads them, with every damage already accounted for.
///
/// The record's inline entries come first, then each extension page's. An extension page
/// that cannot be used (outside the volume, undecodable, another file's) still occupies
/// its place in the list: the entries it held are lost, as many as the writer puts there
/// (full pages of 8188 entries, the rest in the last one), and a repair keeps them as holes
/// marked damaged. The file has `finalCount` pages and `finalLength` bytes: byte_length and
/// data_page_count when they agree (missing entries are lost, extra ones are dropped);
/// otherwise the pages the lists hold plus one lost entry when the length claims more, so
/// the missing bytes read as damaged. Entries lost with the last extension pages become one
/// lost entry too. Passes 3 and 5 and the repair all see the same list.
struct EntryPlan {
    enum ExtensionState {
        case valid(ExtensionView)
        case lost(count: Int)

        var count: Int {
            switch self {
            case .valid(let view): return view.entryCount
            case .lost(let count): return count
            }
        }
    }

    var extensions: [ExtensionState] = []
    var listedCount = 0
    var finalCount = 0
    var finalLength: UInt64 = 0
    var lengthCut = false
    /// Something about the page lists needs the record (or an extension page) rewritten.
    var needsRewrite = false
}

/// One entry of a file's page list and what it points at.
enum EntryKind: Equatable {
    /// A page of data the file may use.
    case data(Int)
    /// A hole as recorded.
    case hole
    /// A hole standing for an entry that was lost with its extension page, or missing.
    case lostHole
    /// A reference outside the volume's data pages.
    case outOfRange(Int)
    /// A reference to a page holding metadata.
    case onMetadata(Int, String)
}

extension Checker {
    /// Works out a record's page list: each extension page's state, the final page count and
    /// length. With `report`, emits the pass 3 findings about the lists.
    func entryPlan(_ record: RecordView, subpage: Int, name: @autoclosure () -> String, report: Bool) -> EntryPlan {
        var plan = EntryPlan()
        let declared = Int(record.dataPageCount)
        let extensionCount = record.extensionCount
        plan.extensions.reserveCapacity(extensionCount)
        func context(page: Int? = nil, sequence: Int? = nil, expected: String? = nil, actual: String? = nil, detail: String? = nil) -> FindingContext {
            FindingContext(name: name(), page: page.map { UInt32(truncatingIfNeeded: $0) }, subpage: UInt32(subpage),
                           offset: page.map { UInt64($0) << 16 }, expected: expected, actual: actual,
                           detail: detail ?? sequence.map(String.init))
        }
        for sequence in 0..<extensionCount {
            let page = Int(record.extensionPage(sequence))
            let expectedCount = sequence < extensionCount - 1
                ? Limits.entriesPerExtensionPage
                : max(0, min(Limits.entriesPerExtensionPage, declared - record.inlineCount - Limits.entriesPerExtensionPage * (extensionCount - 1)))
            guard allocatable.contains(page) else {
                if report { emit(ArdakuFindings.extensionOutOfRange, context(page: page, sequence: sequence)) }
                plan.extensions.append(.lost(count: expectedCount))
                plan.needsRewrite = true
                continue
            }
            let state = extensionState(page: page, sequence: sequence, fileID: record.fileID)
            switch state {
            case .usable(let view):
                if let repaired = proven.pages[page] {
                    if report {
                        emit(ArdakuFindings.extensionByteRepaired,
                             context(page: page, sequence: sequence, expected: repaired.proven,
                                     actual: repaired.stored,
                                     detail: "\(sequence) (page \(page), byte \(Hex.format(UInt64(page) << 16 + UInt64(repaired.offset), width: 8)), \(repaired.field))"))
                    }
                    plan.needsRewrite = true
                }
                let computed = view.computedChecksum
                if computed != view.storedChecksum {
                    if report {
                        emit(ArdakuFindings.extensionChecksum, context(page: page, sequence: sequence, expected: Hex.format(computed, width: 8),
                                                                        actual: Hex.format(view.storedChecksum, width: 8)))
                    }
                    plan.needsRewrite = true
                }
                if view.reserved != 0 {
                    if report { emit(ArdakuFindings.extensionReserved, context(page: page, sequence: sequence)) }
                    plan.needsRewrite = true
                }
                plan.extensions.append(.valid(view))
            case .unreadable(let why):
                if report { emit(ArdakuFindings.extensionUnreadable, context(page: page, sequence: sequence, actual: why)) }
                plan.extensions.append(.lost(count: expectedCount))
                plan.needsRewrite = true
            case .foreign(let why):
                if report { emit(ArdakuFindings.extensionForeign, context(page: page, sequence: sequence, actual: why)) }
                plan.extensions.append(.lost(count: expectedCount))
                plan.needsRewrite = true
            }
        }
        plan.listedCount = record.inlineCount + plan.extensions.reduce(0) { $0 + $1.count }
        let byLength = PageEntry.pageCount(forLength: record.byteLength)
        if byLength == UInt64(declared) {
            plan.finalCount = declared
            plan.finalLength = record.byteLength
            if plan.listedCount != declared {
                if report { emit(ArdakuFindings.entryCountMismatch, context(expected: String(declared), actual: String(plan.listedCount))) }
                plan.needsRewrite = true
            }
        } else {
            if report {
                emit(ArdakuFindings.pageCountMismatch, context(expected: String(byLength), actual: String(declared),
                                                               detail: String(record.byteLength)))
            }
            plan.needsRewrite = true
            if byLength <= UInt64(plan.listedCount) {
                plan.finalCount = Int(byLength)
                plan.finalLength = record.byteLength
            } else {
                // The length claims pages no list holds: the file keeps the pages listed and
                // one lost entry after them (a hole whose CRC-32 zeros never have), so that
                // the bytes it is missing read as damaged, never as a shorter valid file.
                let kept = min(plan.listedCount + 1, Int(Limits.maxFilePages))
                plan.finalCount = kept
                plan.finalLength = min(record.byteLength, UInt64(kept) << 16)
                plan.lengthCut = true
            }
        }
        // Entries lost with extension pages at the end of the list are kept as one lost
        // entry, as e2fsck truncates a file whose last extents are gone: the file stays
        // marked damaged, and a repair never needs more pages than the proven list (2,048
        // lost pages far outside a small volume would otherwise ask for 2,048 new ones).
        let lastValid = plan.extensions.lastIndex { if case .valid = $0 { return true } else { return false } }
        let provenCount = record.inlineCount + (lastValid.map { plan.extensions[...$0].reduce(0) { $0 + $1.count } } ?? 0)
        if plan.finalCount > provenCount + 1 {
            plan.finalCount = provenCount + 1
            plan.finalLength = min(plan.finalLength, UInt64(plan.finalCount) << 16)
            plan.lengthCut = true
            plan.needsRewrite = true
        }
        return plan
    }

    enum ExtensionPageState {
        case usable(ExtensionView)
        case unreadable(String)
        case foreign(String)
    }

    /// Whether `page` can serve as extension page `sequence` of file `fileID`: it must not
    /// be another structure's page, must decode, and must name this file and position.
    func extensionState(page: Int, sequence: Int, fileID: UInt64) -> ExtensionPageState {
        if metadataPages.contains(page) { return .foreign(page == 0 || !listedTriePages.contains(page) ? "a fixed page of the volume" : "a trie page") }
        if recordPages.contains(page) { return .foreign("a page of metadata records") }
        if dataPages.contains(page) && !extensionPages.contains(page) { return .foreign("a data page of a file") }
        guard var bytes = pageBytes(page) else { return .unreadable("unreadable") }
        if !extensionIntact(bytes, sequence: sequence, fileID: fileID),
           let repaired = proven.repairExtension(bytes, page: page, sequence: sequence, fileID: fileID) {
            bytes = repaired.bytes
        }
        switch ExtensionView.read(bytes) {
        case .failure(let problem):
            return .unreadable(problem.description)
        case .success(let view):
            guard view.fileID == fileID, view.sequence == UInt32(sequence) else {
                return .foreign("file id \(view.fileID), number \(view.sequence)")
            }
            return .usable(view)
        }
    }

    /// True when `bytes` hold extension page `sequence` of `fileID` and its checksum matches.
    private func extensionIntact(_ bytes: UnsafeRawBufferPointer, sequence: Int, fileID: UInt64) -> Bool {
        guard case .success(let view) = ExtensionView.read(bytes) else { return false }
        return view.fileID == fileID && view.sequence == UInt32(sequence) && view.computedChecksum == view.storedChecksum
    }

    /// Calls `body` with each of the file's `plan.finalCount` entries, in order.
    func forEachEntry(_ record: RecordView, _ plan: EntryPlan, _ body: (_ ordinal: Int, _ entry: PageEntry, _ lost: Bool) -> Void) {
        var ordinal = 0
        let final = plan.finalCount
        var index = 0
        while index < record.inlineCount && ordinal < final {
            body(ordinal, record.inlineEntry(index), false)
            ordinal += 1
            index += 1
        }
        for state in plan.extensions where ordinal < final {
            switch state {
            case .valid(let view):
                var entry = 0
                while entry < view.entryCount && ordinal < final {
                    body(ordinal, view.entry(entry), false)
                    ordinal += 1
                    entry += 1
                }
            case .lost(let count):
                var entry = 0
                while entry < count && ordinal < final {
                    body(ordinal, PageEntry(page: PageIndex(0), checksum: 0), true)
                    ordinal += 1
                    entry += 1
                }
            }
        }
        while ordinal < final {
            body(ordinal, PageEntry(page: PageIndex(0), checksum: 0), true)
            ordinal += 1
        }
    }

    /// What an entry points at, judged against the pages the check has attributed.
    func classify(_ entry: PageEntry, lost: Bool) -> EntryKind {
        if lost { return .lostHole }
        let page = Int(entry.page.rawValue)
        if page == 0 { return .hole }
        guard allocatable.contains(page) else { return .outOfRange(page) }
        if metadataPages.contains(page) { return .onMetadata(page, "a trie page") }
        if recordPages.contains(page) { return .onMetadata(page, "metadata records") }
        if extensionPages.contains(page) { return .onMetadata(page, "an extension page") }
        return .data(page)
    }
}
