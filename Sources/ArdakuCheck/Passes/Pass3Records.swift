import ArdakuFormat

extension Checker {
    /// Pass 3: metadata records and their page lists (docs/FORMAT.md §7, §8).
    ///
    /// First the extension pages of every reached record are claimed (so that a data
    /// reference to an extension page is seen as such whatever the order of the files),
    /// then each record is checked: checksum, reserved bits, generation, page counts,
    /// extension pages, and every data page reference, which is claimed in a bitmap; a page
    /// claimed twice is remembered for pass 4.
    func checkRecords() -> Bool {
        claimExtensionPages(of: withExtensions)
        let total = UInt64(reached.cardinality)
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

    /// Checks one record and claims its data pages.
    func checkRecord(_ subpage: Int) {
        guard let record = recordView(subpage) else { return }
        let name = Checker.display(record.name)
        func context(expected: String? = nil, actual: String? = nil) -> FindingContext {
            FindingContext(name: name, page: UInt32(subpage >> 2), subpage: UInt32(subpage), offset: UInt64(subpage) << 14,
                           expected: expected, actual: actual)
        }
        let computed = record.computedChecksum
        if computed != record.storedChecksum {
            emit(ArdakuFindings.recordChecksum, context(expected: Hex.format(computed, width: 8), actual: Hex.format(record.storedChecksum, width: 8)))
            rewrite.insert(subpage)
        }
        if record.flags != 0 || record.reservedNonZero {
            emit(ArdakuFindings.recordReservedBits, context())
            rewrite.insert(subpage)
        }
        if record.generation > system.generation {
            emit(ArdakuFindings.recordFromFuture, context(expected: String(system.generation), actual: String(record.generation)))
            rewrite.insert(subpage)
        }
        noteFileID(record.fileID)
        let plan = entryPlan(record, subpage: subpage, name: name, report: true)
        if plan.needsRewrite { rewrite.insert(subpage) }

        var outOfRange = 0, firstOutOfRange = 0
        var onMetadata = 0, firstOnMetadata = 0, firstMetadataKind = ""
        var pagesClaimed: UInt64 = 0
        forEachEntry(record, plan) { _, entry, lost in
            switch classify(entry, lost: lost) {
            case .data(let page):
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
                 FindingContext(name: name, page: UInt32(truncatingIfNeeded: firstOutOfRange), subpage: UInt32(subpage),
                                detail: outOfRange == 1 ? "1 data page reference" : "\(outOfRange) data page references"))
            rewrite.insert(subpage)
        }
        if onMetadata > 0 {
            emit(ArdakuFindings.dataOnMetadata,
                 FindingContext(name: name, page: UInt32(firstOnMetadata), subpage: UInt32(subpage), actual: firstMetadataKind,
                                detail: onMetadata == 1 ? "1 data page reference" : "\(onMetadata) data page references"))
            rewrite.insert(subpage)
        }
        dataPageTotal += pagesClaimed
        dataByteTotal += plan.finalLength
    }
}
