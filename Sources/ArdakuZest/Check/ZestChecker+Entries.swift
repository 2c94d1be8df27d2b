import ArdakuFormat

extension ZestAnalysis {
    // MARK: Z3, Z4, Z5

    mutating func checkEntries(_ store: ByteStore, header: ZestHeader) throws(StoreError) {
        var decoder = ZestContentDecoder()
        var dictionaries: [UInt16: [UInt8]] = [:]
        let entries = walk.entries
        // Dictionaries first: the files need them.
        for found in entries where found.entry.kind == .dictionary {
            reportEntryChecksum(found)
            let entry = found.entry
            var problem: String?
            if entry.name != ZestEntry.dictionaryName { problem = "name is not \"/\"" }
            else if entry.dictionaryID == 0 { problem = "id 0" }
            else if entry.originalLength == 0 || entry.originalLength > ZestLimits.maxDictionaryBytes { problem = "\(entry.originalLength) bytes" }
            else if dictionaries[entry.dictionaryID] != nil { problem = "id \(entry.dictionaryID) repeated" }
            else if dictionaries.count >= ZestLimits.maxDictionaries { problem = "more than \(ZestLimits.maxDictionaries) dictionaries" }
            if let problem {
                report(ZestFindings.badDictionaryEntry, offset: found.offset, detail: problem)
                drop(found)
                continue
            }
            guard let content = try judgeContent(found, store: store, header: header, decoder: &decoder, dictionaries: [:]) else { continue }
            dictionaries[entry.dictionaryID] = content
            kept.append(ZestKeptEntry(entry: entry, offset: found.offset))
        }
        var fileIndexes: [Int] = []
        for found in entries where found.entry.kind != .dictionary {
            reportEntryChecksum(found)
            guard found.entry.kind == .file else {
                report(ZestFindings.unknownKind, offset: found.offset, name: Self.displayName(found.entry.name),
                       actual: String(found.entry.kindByte))
                drop(found)
                continue
            }
            guard try judgeContent(found, store: store, header: header, decoder: &decoder, dictionaries: dictionaries) != nil else { continue }
            var keptEntry = ZestKeptEntry(entry: found.entry, offset: found.offset)
            do throws(NameError) { try FileName.validate(found.entry.name) } catch {
                keptEntry.entry.name = []
                report(ZestFindings.invalidName, offset: found.offset, name: nil, detail: error.description)
                needsTableRebuild = true
            }
            fileIndexes.append(kept.count)
            kept.append(keptEntry)
        }
        resolveNames(fileIndexes)
        checkOverlaps(header: header)
    }

    /// Reports a bad entry CRC (Z3003). The entry stays a candidate either way: `judgeContent`
    /// keeps it only if its content proves it, and the table rebuild rewrites its CRC.
    mutating func reportEntryChecksum(_ found: ZestWalkEntry) {
        // Corrected in one byte (§Z4.1): the CRCs as found on disk, the entry as its CRC proves it.
        let crcs = found.damagedCRC ?? (stored: found.storedCRC, computed: found.computedCRC)
        guard found.damagedCRC != nil || !found.isChecksumValid else { return }
        report(ZestFindings.entryChecksum, offset: found.crcOffset, name: Self.displayName(found.entry.name),
               expected: Hex.format(crcs.computed, width: 8), actual: Hex.format(crcs.stored, width: 8))
        needsTableRebuild = true
    }

    /// Checks lengths, place and content of one entry; reports and drops it when any fails.
    mutating func judgeContent(_ found: ZestWalkEntry, store: ByteStore, header: ZestHeader, decoder: inout ZestContentDecoder,
                               dictionaries: [UInt16: [UInt8]]) throws(StoreError) -> [UInt8]? {
        let entry = found.entry
        let name = Self.displayName(entry.name)
        if let problem = ZestContentDecoder.lengthProblem(entry) {
            if case let .unknownCodec(byte) = problem {
                report(ZestFindings.unknownCodec, offset: found.offset, name: name, actual: String(byte))
            } else {
                report(ZestFindings.inconsistentLengths, offset: found.offset, name: name, detail: problem.reason)
            }
            drop(found)
            return nil
        }
        let segmentSize = UInt64(header.segmentSize)
        let start = UInt64(entry.segmentStart) * segmentSize
        if entry.storedLength > 0 {
            guard entry.segmentStart >= header.firstDataSegment, start <= walk.storeLength,
                  UInt64(entry.storedLength) <= walk.storeLength - start else {
                report(ZestFindings.contentOutsideVolume, offset: found.offset, name: name, actual: String(entry.segmentStart),
                       detail: "\(entry.storedLength) bytes from byte \(Hex.format(start, width: 8)), store of \(walk.storeLength)")
                drop(found)
                return nil
            }
        }
        var dictionary: [UInt8]?
        if entry.kind == .file, entry.codec == .deflate, entry.dictionaryID != 0 {
            guard let bytes = dictionaries[entry.dictionaryID] else {
                report(ZestFindings.missingDictionary, offset: found.offset, name: name, actual: String(entry.dictionaryID))
                drop(found)
                return nil
            }
            dictionary = bytes
        }
        // Decoded in pieces (ZestContentDecoder.stream): a file of 1 GiB is never held whole;
        // only a dictionary's content (at most 32 KiB) is kept.
        let outcome = try decoder.check(entry, dictionary: dictionary, keeping: entry.kind == .dictionary) { (offset, into) throws(StoreError) in
            try store.read(at: start + UInt64(offset), into: into)
        }
        switch outcome {
        case let .success(content):
            return content
        case let .failure(failure):
            switch failure {
            case let .checksumMismatch(storedCRC, computed):
                report(ZestFindings.contentChecksum, offset: start, name: name, expected: Hex.format(storedCRC, width: 8),
                       actual: Hex.format(computed, width: 8))
            case let .inflate(reason):
                report(ZestFindings.decompressionFailed, offset: start, name: name, detail: reason)
            case let .missingDictionary(id), let .damagedDictionary(id):
                report(ZestFindings.missingDictionary, offset: found.offset, name: name, actual: String(id))
            case let .unknownCodec(byte):
                report(ZestFindings.unknownCodec, offset: found.offset, name: name, actual: String(byte))
            case let .inconsistentLengths(detail):
                report(ZestFindings.inconsistentLengths, offset: found.offset, name: name, detail: detail)
            }
            drop(found)
            return nil
        }
    }

    mutating func drop(_ found: ZestWalkEntry) {
        dropped.append(found.offset)
        needsTableRebuild = true
    }

    /// Invalid, duplicate and conflicting names: the file is kept under a lost+found name.
    mutating func resolveNames(_ fileIndexes: [Int]) {
        var taken = Set<[UInt8]>()
        for index in fileIndexes where !kept[index].entry.name.isEmpty { taken.insert(kept[index].entry.name) }
        var seen = Set<[UInt8]>()
        for index in fileIndexes {
            let name = kept[index].entry.name
            if name.isEmpty {
                moveToLostAndFound(index, taken: &taken)
            } else if !seen.insert(name).inserted {
                report(ZestFindings.duplicateName, offset: kept[index].offset, detail: Self.displayName(name))
                moveToLostAndFound(index, taken: &taken)
            }
        }
        // A file whose name is a directory of another file.
        var names = Set<[UInt8]>()
        for index in fileIndexes { names.insert(kept[index].entry.name) }
        var conflicting = Set<[UInt8]>()
        for name in names {
            for position in name.indices where name[position] == UInt8(ascii: "/") && position > 0 {
                let prefix = Array(name[..<position])
                if names.contains(prefix) { conflicting.insert(prefix) }
            }
        }
        for index in fileIndexes where conflicting.contains(kept[index].entry.name) {
            report(ZestFindings.pathConflict, offset: kept[index].offset, detail: Self.displayName(kept[index].entry.name))
            moveToLostAndFound(index, taken: &taken)
        }
        // Attach the new names to the findings that announced the moves.
        for (position, finding) in findings.enumerated() where finding.context.name == nil {
            guard [ZestFindings.invalidName.code, ZestFindings.duplicateName.code, ZestFindings.pathConflict.code].contains(finding.code),
                  let offset = finding.context.offset,
                  let index = fileIndexes.first(where: { kept[$0].offset == offset }) else { continue }
            findings[position].context.name = Self.displayName(kept[index].entry.name)
        }
    }

    mutating func moveToLostAndFound(_ index: Int, taken: inout Set<[UInt8]>) {
        let base = "/lost+found/zest-" + String(kept[index].offset, radix: 16)
        var candidate = Array(base.utf8)
        var suffix = 2
        while taken.contains(candidate) {
            candidate = Array((base + "-\(suffix)").utf8)
            suffix += 1
        }
        taken.insert(candidate)
        renamed.append((from: Self.displayName(kept[index].entry.name), to: String(decoding: candidate, as: UTF8.self)))
        kept[index].entry.name = candidate
        needsTableRebuild = true
    }

    /// Content runs must not overlap one another nor a fragment pair.
    mutating func checkOverlaps(header: ZestHeader) {
        struct Span { var run: SegmentRun; var keptIndex: Int?; var label: String }
        var spans: [Span] = []
        for fragment in walk.fragments.dropFirst() {
            spans.append(Span(run: SegmentRun(start: fragment.pairSegment, count: header.segmentsPerPair), keptIndex: nil,
                              label: "the fragment pair at segment \(fragment.pairSegment)"))
        }
        for (index, kept) in kept.enumerated() {
            let run = SegmentRun(start: kept.entry.segmentStart, count: kept.entry.segmentCount(segmentSize: header.segmentSize))
            if run.count > 0 { spans.append(Span(run: run, keptIndex: index, label: Self.displayName(kept.entry.name))) }
        }
        spans.sort { $0.run.start < $1.run.start }
        var reach: (end: UInt64, label: String, isEntry: Bool)?
        for span in spans {
            if let previous = reach, previous.end > UInt64(span.run.start) {
                let name = span.keptIndex.map { Self.displayName(kept[$0].entry.name) } ?? span.label
                report(ZestFindings.overlap, offset: UInt64(span.run.start) * UInt64(header.segmentSize), name: name,
                       actual: "\(span.run.start)..<\(span.run.end)", detail: previous.label)
                needsTableRebuild = true
                // Two entries: the later gets its own copy. An entry and an old fragment
                // pair: the rebuilt table moves every pair, so nothing needs copying.
                if let index = span.keptIndex, previous.isEntry { kept[index].needsCopy = true }
            }
            if reach == nil || span.run.end > reach!.end {
                reach = (span.run.end, span.label, span.keptIndex != nil)
            }
        }
    }
}
