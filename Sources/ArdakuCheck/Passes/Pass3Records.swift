import ArdakuFormat

extension Checker {
    /// Pass 3: metadata records and their page lists (docs/FORMAT.md §7, §8).
    ///
    /// Each record is checked: checksum, reserved bits, generation, page counts, extension
    /// pages, and every data page reference, which is claimed in a bitmap; a page claimed
    /// twice is remembered for pass 4.
    ///
    /// Reading a record costs a cache and TLB miss, so pass 2 already checks each record
    /// while it holds it (`checkRecordInPassing`), keeping the findings for this pass. That
    /// is exact only when no data reference was judged before the page it names was known to
    /// hold a record or an extension page; pass 2 notes any doubt, and then this pass forgets
    /// what pass 2 did and checks every record again, in order: extension pages of every
    /// record first, then each record.
    func checkRecords() -> Bool {
        let total = UInt64(reached.cardinality)
        let buffered = heldRecordFindings
        heldRecordFindings = []
        let conflict = dataPages.intersects(recordPages) || dataPages.intersects(extensionPages)
            || extensionPages.intersects(recordPages)
        if !recordsNeedOrderedPass && !conflict {
            for (kind, context) in buffered { emit(kind, context) }
            progress(total, of: total)
            currentStatistics.items = total
            return true
        }
        resetRecordState()
        claimExtensionPages(of: withExtensions)
        var done: UInt64 = 0
        reached.forEach { subpage in
            checkRecord(subpage)
            keep.insert(subpage)
            done += 1
            if done & 0xFF == 0 { progress(done, of: total) }
            return true
        }
        progress(done, of: total)
        currentStatistics.items = done
        return true
    }

    /// Pass 2's part of pass 3, for one record it just validated: claims the record's
    /// extension pages and checks it, findings held back for pass 3.
    func checkRecordInPassing(_ subpage: Int, _ record: RecordView) {
        guard !recordsNeedOrderedPass else { return }
        for sequence in 0..<record.extensionCount {
            let page = Int(record.extensionPage(sequence))
            guard allocatable.contains(page), !extensionPages.contains(page) else { continue }
            if dataPages.contains(page) || recordPages.contains(page) {
                // Judged too early: the order of the files could change the verdict.
                recordsNeedOrderedPass = true
                return
            }
            if case .usable = extensionState(page: page, sequence: sequence, fileID: record.fileID) { extensionPages.insert(page) }
        }
        holdingRecordFindings = true
        checkRecord(subpage)
        holdingRecordFindings = false
        keep.insert(subpage)
    }

    /// Forgets what pass 2 concluded about records, before pass 3 checks them in order.
    private func resetRecordState() {
        for bitmap in [extensionPages, dataPages, sharedPages] { bitmap.reset(count: pageCount) }
        rewrite.reset(count: subpageCount)
        keep.reset(count: subpageCount)
        unproven = []
        invalidAttributes = []
        linkGroups = [:]
        linkMembers = [:]
        linkOutsiders = []
        fileIDHashSeen.reset(count: fileIDHashSeen.count)
        fileIDHashCollided.reset(count: fileIDHashSeen.count)
        maxFileID = 0
        dataPageTotal = 0
        dataByteTotal = 0
        nestedTypeCount = [:]
    }

    /// Claims the extension pages the records in `records` can use.
    func claimExtensionPages(of records: Bitmap) {
        records.forEach { subpage in
            guard let record = recordView(subpage) else { return true }
            for sequence in 0..<record.extensionCount {
                let page = Int(record.extensionPage(sequence))
                guard allocatable.contains(page), !extensionPages.contains(page),
                      case .usable = extensionState(page: page, sequence: sequence, fileID: record.fileID) else { continue }
                extensionPages.insert(page)
            }
            return true
        }
    }

    /// The attribute area of a record that has one (docs/FORMAT.md §7.2): announced by page
    /// 0, decodable, within the limits, and agreeing with the header. One that breaks a rule
    /// is dropped by the repair and the file marked as having unproven attributes: its mode,
    /// owner and kind cannot be trusted, and a reader must not show them as the file's.
    func checkAttributes(_ record: RecordView, subpage: Int, _ context: FindingContext) {
        if !system.incompatFeatures.contains(.fileAttributes) {
            emit(ArdakuFindings.attributesWithoutFeature, context)
            rewrite.insert(subpage)
        }
        let problem: String?
        switch record.attributes() {
        case .failure(let error): problem = "\(error)"
        case .success(let attributes?): problem = Checker.attributeProblem(attributes, record: record)
        case .success(nil): problem = nil
        }
        guard let problem else { return }
        var invalid = context
        invalid.detail = problem
        emit(ArdakuFindings.attributesInvalid, invalid)
        invalidAttributes.insert(subpage)
        rewrite.insert(subpage)
    }

    /// What is wrong with a decoded attribute area, beside `FileAttributes.problem`: reserved
    /// bytes, a link count of 0, over the limit or on a directory other than 1 (whether it
    /// matches the file's names is judged with its link group, A3020), a header
    /// modification_time other than mtime's seconds, and content on a kind that has none.
    static func attributeProblem(_ attributes: RecordAttributes, record: RecordView) -> String? {
        if let problem = attributes.file.problem { return problem }
        if attributes.reservedBits != 0 { return "reserved or padding bytes (or a device number on a \(attributes.file.kind)) are not zero" }
        if attributes.linkCount == 0 || attributes.linkCount > FileAttributes.Limits.maxLinkCount {
            return "link_count is \(attributes.linkCount), outside 1...\(FileAttributes.Limits.maxLinkCount)"
        }
        if attributes.file.kind == .directory, attributes.linkCount != 1 { return "a directory with link_count \(attributes.linkCount)" }
        if record.modificationTime != attributes.headerModificationTime {
            return "modification_time \(record.modificationTime) is not mtime_seconds \(attributes.file.modificationTime.seconds)"
        }
        if attributes.file.kind != .regular, record.byteLength != 0 || record.dataPageCount != 0 || record.extensionCount != 0 {
            return "a \(attributes.file.kind) with content (byte_length \(record.byteLength), \(record.dataPageCount) data pages)"
        }
        return nil
    }

    /// True when a sound attribute area makes the record a directory's: the names below it
    /// are then its entries (FORMAT §9), not a file that is also a directory (A2016). An area
    /// pass 3 will drop (A3019) leaves a regular file.
    static func isDirectoryRecord(_ record: RecordView) -> Bool {
        guard record.attributeLength > 0, case .success(let attributes?) = record.attributes() else { return false }
        return attributes.file.kind == .directory && attributeProblem(attributes, record: record) == nil
    }

    /// Checks one record and claims its data pages.
    func checkRecord(_ subpage: Int) {
        guard let record = recordView(subpage) else { return }
        // Names are built only for findings: building one per file would cost more than the check.
        func context(expected: String? = nil, actual: String? = nil) -> FindingContext {
            FindingContext(name: Checker.display(record.name), page: UInt32(subpage >> 2), subpage: UInt32(subpage), offset: UInt64(subpage) << 14,
                           expected: expected, actual: actual)
        }
        let computed = record.computedChecksum
        if computed != record.storedChecksum {
            // No single byte explains it (pass 2 looked): only what other structures prove
            // survives the rewrite, and the rest is marked unproven.
            emit(ArdakuFindings.recordChecksum, context(expected: Hex.format(computed, width: 8), actual: Hex.format(record.storedChecksum, width: 8)))
            rewrite.insert(subpage)
            unproven.insert(subpage)
        }
        if proven.hasSubpages, proven.subpages[subpage] != nil { rewrite.insert(subpage) }
        let knownFlags = RecordFlags(rawValue: record.flags & RecordFlags.known.rawValue)
        if record.flags & ~RecordFlags.known.rawValue != 0 || record.reservedNonZero {
            emit(ArdakuFindings.recordReservedBits, context())
            rewrite.insert(subpage)
        }
        if record.attributeLength > 0 { checkAttributes(record, subpage: subpage, context()) }
        // A name of a file with several (FORMAT §7.3) that agrees with the first one met
        // claims nothing of its own: the pages and the file id are the group's.
        let joinsGroup = joinLinkGroup(record, subpage: subpage, context())
        if !knownFlags.isEmpty {
            if !system.incompatFeatures.contains(.recordedDamage) {
                var announce = context()
                announce.detail = knownFlags.description
                emit(ArdakuFindings.damageFlagsWithoutFeature, announce)
                rewrite.insert(subpage)
            }
            if knownFlags.contains(.unprovenAttributes) { emit(ArdakuFindings.attributesUnproven, context()) }
            if knownFlags.contains(.damagedData) && !options.verifyData {
                var marked = context()
                marked.detail = "some data pages do not match their CRC-32 (a check with data verification names them)"
                emit(ArdakuFindings.recordedDamage, marked)
            }
        }
        if record.generation > system.generation {
            emit(ArdakuFindings.recordFromFuture, context(expected: String(system.generation), actual: String(record.generation)))
            rewrite.insert(subpage)
        }
        if record.fileID == .max {
            // next_file_id must exceed every id in use (FORMAT section 3); none exceeds this one.
            emit(ArdakuFindings.fileIDUnfollowable, context(actual: String(record.fileID)))
            newIDNeeded.insert(subpage)
            rewrite.insert(subpage)
        } else if !joinsGroup {
            noteFileID(record.fileID)
        }
        let plan = entryPlan(record, subpage: subpage, name: Checker.display(record.name), report: true)
        if let type = Checker.nestedTypeName(record) { nestedTypeCount[type, default: 0] += 1 }
        if plan.needsRewrite { rewrite.insert(subpage) }

        var outOfRange = 0, firstOutOfRange = 0
        var onMetadata = 0, firstOnMetadata = 0, firstMetadataKind = ""
        var pagesClaimed: UInt64 = 0
        forEachEntry(record, plan) { _, entry, lost in
            switch classify(entry, lost: lost) {
            case .data(let page):
                guard !joinsGroup else { break }
                if !dataPages.testAndInsert(page) { sharedPages.insert(page) }
                pagesClaimed += 1
            case .outOfRange(let page):
                if outOfRange == 0 { firstOutOfRange = page }
                outOfRange += 1
            case .onMetadata(let page, let kind):
                if onMetadata == 0 { firstOnMetadata = page; firstMetadataKind = kind }
                onMetadata += 1
            case .hole, .lostHole:
                break
            }
        }
        if outOfRange > 0 {
            emit(ArdakuFindings.dataOutOfRange,
                 FindingContext(name: Checker.display(record.name), page: UInt32(truncatingIfNeeded: firstOutOfRange), subpage: UInt32(subpage),
                                detail: outOfRange == 1 ? "1 data page reference" : "\(outOfRange) data page references"))
            rewrite.insert(subpage)
        }
        if onMetadata > 0 {
            emit(ArdakuFindings.dataOnMetadata,
                 FindingContext(name: Checker.display(record.name), page: UInt32(firstOnMetadata), subpage: UInt32(subpage), actual: firstMetadataKind,
                                detail: onMetadata == 1 ? "1 data page reference" : "\(onMetadata) data page references"))
            rewrite.insert(subpage)
        }
        dataPageTotal += pagesClaimed
        // Lengths come from disk: a sum of hostile ones must saturate, not trap.
        let (sum, overflow) = dataByteTotal.addingReportingOverflow(joinsGroup ? 0 : plan.finalLength)
        dataByteTotal = overflow ? .max : sum
    }

    /// Files the record into the link group of its file id when its link count is above 1
    /// and its area sound: the first such record leads; one that holds the same bytes
    /// (`RecordView.linkDigest`) joins and true is returned; one that does not is an outsider
    /// (judged in pass 4, A3021). Page 0 must announce hard links (A3022).
    private func joinLinkGroup(_ record: RecordView, subpage: Int, _ context: FindingContext) -> Bool {
        guard let linkCount = record.linkCount, linkCount > 1, !invalidAttributes.contains(subpage) else { return false }
        if !system.incompatFeatures.contains(.hardLinks) {
            var unannounced = context
            unannounced.actual = String(linkCount)
            emit(ArdakuFindings.linksWithoutFeature, unannounced)
            rewrite.insert(subpage)
        }
        let digest = record.linkDigest
        guard var group = linkGroups[record.fileID] else {
            linkGroups[record.fileID] = LinkGroup(digest: digest, members: [subpage], longestName: record.nameLength)
            linkMembers[subpage] = record.fileID
            return false
        }
        guard group.digest == digest else {
            linkOutsiders.append(subpage)
            return false
        }
        group.members.append(subpage)
        linkMembers[subpage] = record.fileID
        group.longestName = max(group.longestName, record.nameLength)
        linkGroups[record.fileID] = group
        return true
    }

    /// Pass 4's judgement of link groups, once every record (orphans too) is checked: each
    /// record's link count must be the number of its group's records (A3020); an outsider
    /// becomes a file of its own with link count 1 (A3021), and its shared file id and
    /// pages are split by A4006 and A4001.
    func checkLinkCounts() {
        for group in linkGroups.values.sorted(by: { $0.members[0] < $1.members[0] }) {
            for subpage in group.members {
                guard let bytes = subpageBytes(subpage), case .success(let record) = RecordView.read(bytes),
                      let linkCount = record.linkCount, linkCount != UInt32(group.members.count) else { continue }
                emit(ArdakuFindings.linkCountWrong,
                     FindingContext(name: Checker.display(record.name), page: UInt32(subpage >> 2), subpage: UInt32(subpage),
                                    expected: String(group.members.count), actual: String(linkCount), detail: String(record.fileID)))
                linkCountFixes[subpage] = UInt32(group.members.count)
                rewrite.insert(subpage)
            }
        }
        for subpage in linkOutsiders {
            guard let bytes = subpageBytes(subpage), case .success(let record) = RecordView.read(bytes) else { continue }
            emit(ArdakuFindings.linkGroupDisagrees,
                 FindingContext(name: Checker.display(record.name), page: UInt32(subpage >> 2), subpage: UInt32(subpage),
                                actual: String(record.linkCount ?? 0), detail: String(record.fileID)))
            linkCountFixes[subpage] = 1
            rewrite.insert(subpage)
        }
    }
}

extension Checker {
    /// "zest" or "cas" when the record's type names a nested volume, compared in place.
    static func nestedTypeName(_ record: RecordView) -> String? {
        let bytes = record.bytes
        func named(_ name: [UInt8]) -> Bool {
            for index in 0..<FileType.byteCount where bytes[FileRecord.Offset.type + index] != (index < name.count ? name[index] : 0) { return false }
            return true
        }
        if named(zestTypeName) { return "zest" }
        if named(casTypeName) { return "cas" }
        return nil
    }

    static let zestTypeName = Array(FileType.zest.bytes.prefix { $0 != 0 })
    static let casTypeName = Array(FileType.cas.bytes.prefix { $0 != 0 })
}
