import ArdakuFormat
import Glibc

extension Volume {
    // MARK: Creating and replacing

    /// Stores `source` as the file `name`, one page at a time. All-zero pages become holes.
    ///
    /// - Throws: `.alreadyExists` (unless `options.replaceExisting`), `.notADirectory`,
    ///   `.isADirectory`, `.noSpace`, `.fileTooLarge`, `.source`. On any error nothing of
    ///   the operation is committed.
    @discardableResult
    public func put(_ name: FileName, from source: ContentSource, options: PutOptions = PutOptions()) throws(VolumeError) -> FileStatus {
        try store(name, options: options) { (maxPages, entries, buffer) throws(VolumeError) -> UInt64 in
            let length = source.byteLength
            let pageCount = PageEntry.pageCount(forLength: length)
            guard pageCount <= maxPages else { throw .fileTooLarge(byteLength: length, limit: maxPages << 16) }
            entries.reserveCapacity(Int(pageCount))
            for ordinal in 0..<pageCount {
                let count = PageEntry.bytesInPage(ordinal: ordinal, byteLength: length)
                if source.isZeroRange(at: ordinal << 16, count: count) {
                    entries.append(.hole(bytesInPage: count))
                    options.progress?(ordinal << 16 + UInt64(count))
                    continue
                }
                let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count])
                try source.read(at: ordinal << 16, into: chunk)
                entries.append(try storeDataPage(UnsafeRawBufferPointer(chunk), replacing: nil))
                options.progress?(ordinal << 16 + UInt64(count))
            }
            return length
        }
    }

    /// Stores what `stream` yields, to its end, as the file `name`: the way to store content
    /// whose length is not known before it ends (standard input). Each page is stored as it
    /// arrives, so memory stays one page whatever the length; a stream longer than a file may
    /// be (`.fileTooLarge`) or than the free space (`.noSpace`) is read no further than that.
    ///
    /// - Throws: as `put(_:from:options:)`; on any error nothing of the operation is committed.
    @discardableResult
    public func put(_ name: FileName, streaming stream: ContentStream, options: PutOptions = PutOptions()) throws(VolumeError) -> FileStatus {
        try store(name, options: options) { (maxPages, entries, buffer) throws(VolumeError) -> UInt64 in
            var length: UInt64 = 0
            while true {
                let count = try stream.read(into: buffer)
                guard count > 0 else { break }
                guard UInt64(entries.count) < maxPages else {
                    throw .fileTooLarge(byteLength: length + UInt64(count), limit: maxPages << 16)
                }
                entries.append(try storeDataPage(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), replacing: nil))
                length += UInt64(count)
                options.progress?(length)
                if count < buffer.count { break }
            }
            return length
        }
    }

    /// What both `put`s share: the checks on `name`, then `content` stores the data pages
    /// (at most its first argument of them, through the page-sized buffer it is given) and
    /// returns the file's length, then the record is written.
    private func store(_ name: FileName, options: PutOptions,
                       content: (UInt64, inout [PageEntry], UnsafeMutableRawBufferPointer) throws(VolumeError) -> UInt64)
        throws(VolumeError) -> FileStatus {
        try mutate { () throws(VolumeError) -> FileStatus in
            try materialize(name.bytes)
            var previous: OpenFile? = try exists(name) ? try openFile(name) : nil
            if previous?.kind == .directory { throw .isADirectory(name.string) }
            if previous != nil, !options.replaceExisting { throw .alreadyExists(name.string) }
            // New content under one name of several: the name leaves the group first (FORMAT §7.3).
            if let linked = previous, try unlinkFromGroup(linked) { previous = nil }
            if previous == nil { try checkNameIsFree(name) }
            guard options.tags.count <= Limits.maxTagsPerFile else { throw .tooManyTags(options.tags.count) }
            let modificationTime = options.attributes.map { UInt64(max(0, $0.modificationTime.seconds)) }
                ?? options.modificationTime ?? clock()
            let attributes = try Self.recordAttributes(given: options.attributes, previous: previous?.record.attributes,
                                                       modificationTime: modificationTime, name: name)
            let maxPages = FileRecord.maxDataPages(nameLength: name.bytes.count, tagCount: options.tags.count,
                                                   attributeLength: attributes?.encodedSize ?? 0)
            var entries: [PageEntry] = []
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Geometry.pageSize, alignment: 64)
            defer { buffer.deallocate() }
            let length = try content(maxPages, &entries, buffer)
            if let previous {
                for entry in previous.entries { try releasePage(entry.page) }
            } else {
                system.fileCount += 1
            }
            let fileID = previous?.record.fileID ?? takeFileID()
            let file = try storeFile(name: name.bytes, previous: previous, fileID: fileID, entries: entries,
                                     byteLength: length, type: options.type,
                                     modificationTime: modificationTime, tags: options.tags, attributes: attributes)
            return file.status
        }
    }

    /// Stores `bytes` as the file `name`.
    @discardableResult
    public func put(_ name: FileName, bytes: [UInt8], options: PutOptions = PutOptions()) throws(VolumeError) -> FileStatus {
        try put(name, from: BytesSource(bytes), options: options)
    }

    // MARK: Changing content

    /// Overwrites the file's bytes from `offset` with `bytes`, extending it when they reach
    /// past its end (a gap reads as zeros). Only the pages touched are rewritten.
    public func write(_ name: FileName, at offset: UInt64, _ bytes: UnsafeRawBufferPointer) throws(VolumeError) {
        try mutate { () throws(VolumeError) in
            let file = try openRegularFile(name)
            let (end, overflow) = offset.addingReportingOverflow(UInt64(bytes.count))
            let maxPages = FileRecord.maxDataPages(nameLength: file.record.name.count, tagCount: file.record.tags.count,
                                                   attributeLength: file.record.attributeLength)
            guard !overflow, PageEntry.pageCount(forLength: end) <= maxPages else {
                throw .fileTooLarge(byteLength: overflow ? .max : end, limit: maxPages << 16)
            }
            try rewrite(file, newLength: max(file.record.byteLength, end), patchOffset: offset, patch: bytes)
        }
    }

    public func write(_ name: FileName, at offset: UInt64, _ bytes: [UInt8]) throws(VolumeError) {
        let result: Result<Void, VolumeError> = bytes.withUnsafeBytes { raw in
            do throws(VolumeError) { try write(name, at: offset, raw); return .success(()) } catch { return .failure(error) }
        }
        try result.get()
    }

    /// Appends `bytes` to the file.
    public func append(_ name: FileName, _ bytes: [UInt8]) throws(VolumeError) {
        try write(name, at: try stat(name).byteLength, bytes)
    }

    /// Shortens the file to `length`, or extends it with zeros.
    public func truncate(_ name: FileName, to length: UInt64) throws(VolumeError) {
        try mutate { () throws(VolumeError) in
            let file = try openRegularFile(name)
            let maxPages = FileRecord.maxDataPages(nameLength: file.record.name.count, tagCount: file.record.tags.count,
                                                   attributeLength: file.record.attributeLength)
            guard PageEntry.pageCount(forLength: length) <= maxPages else {
                throw .fileTooLarge(byteLength: length, limit: maxPages << 16)
            }
            if length >= file.record.byteLength {
                try rewrite(file, newLength: length, patchOffset: length, patch: UnsafeRawBufferPointer(start: nil, count: 0))
                return
            }
            var entries = file.entries
            let pageCount = Int(PageEntry.pageCount(forLength: length))
            for entry in entries[pageCount...] { try releasePage(entry.page) }
            entries.removeSubrange(pageCount...)
            if let last = entries.indices.last {
                // The last page keeps its bytes; only the range its CRC-32 covers shrinks.
                let oldCount = PageEntry.bytesInPage(ordinal: UInt64(last), byteLength: file.record.byteLength)
                let newCount = PageEntry.bytesInPage(ordinal: UInt64(last), byteLength: length)
                let content = try pageContent(of: file, ordinal: last, count: oldCount)
                entries[last].checksum = CRC32.checksum(UnsafeRawBufferPointer(rebasing: content[0..<newCount]))
            }
            try deferRecord(of: file, entries: entries, byteLength: length)
        }
    }

    /// The file `name`, which must be a regular file: other kinds have no content to change.
    func openRegularFile(_ name: FileName) throws(VolumeError) -> OpenFile {
        let file = try openFile(name)
        switch file.kind {
        case .regular: return file
        case .directory: throw .isADirectory(name.string)
        default: throw .notARegularFile(name.string, file.kind)
        }
    }

    /// Rewrites the pages of `file` that `patch` at `patchOffset` touches, plus the old last
    /// page when the file grows (its bytes past the old end must read as zeros).
    private func rewrite(_ file: OpenFile, newLength: UInt64, patchOffset: UInt64, patch: UnsafeRawBufferPointer) throws(VolumeError) {
        let oldLength = file.record.byteLength
        var entries = file.entries
        let newPageCount = Int(PageEntry.pageCount(forLength: newLength))
        while entries.count < newPageCount {
            entries.append(.hole(bytesInPage: PageEntry.bytesInPage(ordinal: UInt64(entries.count), byteLength: newLength)))
        }
        var touched = Set<Int>()
        if !patch.isEmpty {
            let first = Int(patchOffset >> 16), last = Int((patchOffset + UInt64(patch.count) - 1) >> 16)
            touched.formUnion(first...last)
        }
        if newLength > oldLength, oldLength & 0xFFFF != 0 { touched.insert(Int(oldLength >> 16)) }

        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Geometry.pageSize, alignment: 64)
        defer { buffer.deallocate() }
        for ordinal in touched.sorted() {
            buffer.initializeMemory(as: UInt8.self, repeating: 0)
            if ordinal < file.entries.count {
                let oldCount = PageEntry.bytesInPage(ordinal: UInt64(ordinal), byteLength: oldLength)
                let content = try pageContent(of: file, ordinal: ordinal, count: oldCount)
                UnsafeMutableRawBufferPointer(rebasing: buffer[0..<oldCount]).copyMemory(from: content)
            }
            let pageStart = UInt64(ordinal) << 16
            let from = max(patchOffset, pageStart), to = min(patchOffset + UInt64(patch.count), pageStart + 0x10000)
            if from < to {
                let source = UnsafeRawBufferPointer(rebasing: patch[Int(from - patchOffset)..<Int(to - patchOffset)])
                UnsafeMutableRawBufferPointer(rebasing: buffer[Int(from - pageStart)..<Int(to - pageStart)]).copyMemory(from: source)
            }
            let newCount = PageEntry.bytesInPage(ordinal: UInt64(ordinal), byteLength: newLength)
            let old = ordinal < file.entries.count ? file.entries[ordinal] : nil
            entries[ordinal] = try storeDataPage(UnsafeRawBufferPointer(rebasing: buffer[0..<newCount]), replacing: old)
        }
        try deferRecord(of: file, entries: entries, byteLength: newLength)
    }

    /// Records the file's new content in memory; its record is written at the commit. A file
    /// with several names has every record written now: each name must find the new pages.
    private func deferRecord(of file: OpenFile, entries: [PageEntry], byteLength: UInt64) throws(VolumeError) {
        let name = file.record.name
        if pendingRecords[name] == nil { pendingRecords[name] = file }
        var updated = file
        updated.entries = entries
        updated.record.byteLength = byteLength
        updated.record.dataPageCount = UInt32(entries.count)
        updated.record.modificationTime = clock()
        openFiles[name] = updated
        if let linkCount = file.record.attributes?.linkCount, linkCount > 1 { try materialize(name) }
    }

    /// Writes the record of a file changed by `write` or `truncate`, now.
    func materialize(_ name: [UInt8]) throws(VolumeError) {
        guard let base = pendingRecords.removeValue(forKey: name), let current = openFiles[name] else { return }
        let group = try linkGroup(of: base)
        if group.count > 1, let attributes = base.record.attributes {
            let previous = try openRecords(group.dropFirst(), adding: [name: base])
            var content = current
            content.record.flags = base.record.flags
            try storeGroup(group, content: content, attributes: attributes.changed(at: current.record.modificationTime),
                           previous: previous)
            return
        }
        try storeFile(name: name, previous: base, fileID: base.record.fileID, entries: current.entries,
                      byteLength: current.record.byteLength, type: base.record.type,
                      modificationTime: current.record.modificationTime, tags: base.record.tags,
                      attributes: base.record.attributes?.changed(at: current.record.modificationTime), flags: base.record.flags)
    }

    /// Writes every deferred record (in name order, so images stay reproducible).
    func writePendingRecords() throws(VolumeError) {
        for name in pendingRecords.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) { try materialize(name) }
    }

    /// The verified bytes of a file's page (zeros for a hole).
    private func pageContent(of file: OpenFile, ordinal: Int, count: Int) throws(VolumeError) -> UnsafeRawBufferPointer {
        let entry = file.entries[ordinal]
        let bytes = entry.isHole ? UnsafeRawBufferPointer(rebasing: Zeros.page[0..<count])
                                 : UnsafeRawBufferPointer(rebasing: try readPage(entry.page)[0..<count])
        let computed = CRC32.checksum(bytes)
        guard computed == entry.checksum else {
            throw .dataChecksumMismatch(name: String(decoding: file.record.name, as: UTF8.self), pageOrdinal: UInt64(ordinal),
                                        page: entry.page, stored: entry.checksum, computed: computed)
        }
        return bytes
    }

    /// Stores one page of content: a hole when it is all zeros, else a page written in place
    /// when this transaction owns `replacing`'s page, else a new page (the old one is freed
    /// after the commit).
    private func storeDataPage(_ content: UnsafeRawBufferPointer, replacing old: PageEntry?) throws(VolumeError) -> PageEntry {
        if Zeros.isAllZero(content) {
            if let old { try releasePage(old.page) }
            return .hole(bytesInPage: content.count)
        }
        let target: PageIndex
        if let old, !old.isHole, transaction.allocatedPages.contains(old.page.rawValue) {
            target = old.page
        } else {
            target = try allocatePage()
            if let old { try releasePage(old.page) }
        }
        try write(content, to: target)
        return PageEntry(page: target, checksum: CRC32.checksum(content))
    }

    // MARK: Records

    func takeFileID() -> UInt64 {
        defer { system.nextFileID += 1 }
        return system.nextFileID
    }

    /// Writes a file's extension pages and record and points the trie at it. The previous
    /// record, if any, is rewritten in place when this transaction wrote it, and otherwise
    /// superseded (tombstoned after the commit).
    ///
    /// `layoutNameLength` lays the entries out as for a name that long (a link group's
    /// longest, FORMAT §7.3) instead of this one.
    @discardableResult
    func storeFile(name: [UInt8], previous: OpenFile?, fileID: UInt64, entries: [PageEntry], byteLength: UInt64,
                   type: FileType, modificationTime: UInt64, tags: [UInt32], attributes: RecordAttributes?,
                   replacedFileID: UInt64 = 0, flags: RecordFlags = [], layoutNameLength: Int? = nil) throws(VolumeError) -> OpenFile {
        let (inlineCount, extensionCount) = try Self.entryLayout(pageCount: entries.count, nameLength: max(name.count, layoutNameLength ?? 0),
                                                                 tagCount: tags.count, attributeLength: attributes?.encodedSize ?? 0,
                                                                 byteLength: byteLength)
        var extensionPages: [PageIndex] = []
        var extensionEntries: [[PageEntry]] = []
        var reused = Set<UInt32>()
        for sequence in 0..<extensionCount {
            let start = inlineCount + sequence * Limits.entriesPerExtensionPage
            let chunk = Array(entries[start..<min(entries.count, start + Limits.entriesPerExtensionPage)])
            extensionEntries.append(chunk)
            if let previous, previous.record.fileID == fileID, sequence < previous.extensionEntries.count {
                let oldPage = previous.record.extensionPages[sequence]
                if previous.extensionEntries[sequence] == chunk {
                    extensionPages.append(oldPage)
                    reused.insert(oldPage.rawValue)
                    continue
                }
                if transaction.allocatedPages.contains(oldPage.rawValue) {
                    try write(ExtensionPage(sequence: UInt32(sequence), fileID: fileID, entries: chunk).encode(), to: oldPage)
                    extensionPages.append(oldPage)
                    reused.insert(oldPage.rawValue)
                    continue
                }
            }
            let page = try allocatePage()
            try write(ExtensionPage(sequence: UInt32(sequence), fileID: fileID, entries: chunk).encode(), to: page)
            extensionPages.append(page)
        }
        if let previous {
            for page in previous.record.extensionPages where !reused.contains(page.rawValue) { try releasePage(page) }
        }
        var record = FileRecord(volumeUUID: system.uuid, generation: committed.generation + 1, fileID: fileID, name: name,
                                type: type, byteLength: byteLength, modificationTime: modificationTime,
                                dataPageCount: UInt32(entries.count), tags: tags, extensionPages: extensionPages,
                                inlineEntries: Array(entries[0..<inlineCount]))
        record.replacedFileID = replacedFileID
        record.attributes = attributes
        // Damage fsck recorded stays with the file through a rename or a partial write (pages
        // it did not rewrite may still be damaged); writing the whole content anew clears it.
        record.flags = flags
        return try storeRecord(record, previous: previous, entries: entries, extensionEntries: extensionEntries)
    }

    /// Writes `record` (its pages written already) and points the trie at it: in place of
    /// `previous` when this transaction wrote that, else in a new subpage, `previous`
    /// superseded.
    func storeRecord(_ record: FileRecord, previous: OpenFile?, entries: [PageEntry],
                     extensionEntries: [[PageEntry]]) throws(VolumeError) -> OpenFile {
        // The first record with attributes (or a second name) announces them in the same
        // commit (FORMAT §4.1).
        if let attributes = record.attributes {
            system.incompatFeatures.insert(.fileAttributes)
            if attributes.linkCount > 1 { system.incompatFeatures.insert(.hardLinks) }
        }
        let subpage: SubpageIndex
        if let previous, transaction.allocatedSubpages.contains(previous.subpage) {
            subpage = previous.subpage
        } else {
            subpage = try allocateRecordSubpage()
            if let previous { supersede(previous) }
        }
        try writeRecord(record, at: subpage)
        try trie.insert(record.name, subpage)
        let file = OpenFile(subpage: subpage, record: record, entries: entries, extensionEntries: extensionEntries)
        openFiles[record.name] = file
        return file
    }

    func supersede(_ file: OpenFile) {
        if transaction.allocatedSubpages.remove(file.subpage) != nil {
            addFreeRecordSubpage(file.subpage)
            transaction.freedOwnSubpages.append(file.subpage)
        } else {
            transaction.supersededRecords.append((file.subpage, file.record))
        }
    }

    /// `FileRecord.entryLayout`, or `fileTooLarge` when the pages cannot fit one record.
    static func entryLayout(pageCount: Int, nameLength: Int, tagCount: Int, attributeLength: Int = 0,
                            byteLength: UInt64) throws(VolumeError) -> (inline: Int, extensionPages: Int) {
        guard let layout = FileRecord.entryLayout(pageCount: pageCount, nameLength: nameLength, tagCount: tagCount,
                                                  attributeLength: attributeLength) else {
            throw .fileTooLarge(byteLength: byteLength, limit: FileRecord.maxDataPages(
                nameLength: nameLength, tagCount: tagCount, attributeLength: attributeLength) << 16)
        }
        return layout
    }

    /// The attribute area of a file `put` stores: the attributes given (a regular file's,
    /// within the limits), else the replaced regular file's with the new modification time
    /// (as cp over a file keeps its mode and owner), else none (a link, FIFO or device
    /// replaced by content leaves nothing of itself).
    static func recordAttributes(given: FileAttributes?, previous: RecordAttributes?, modificationTime: UInt64,
                                 name: FileName) throws(VolumeError) -> RecordAttributes? {
        guard let given else {
            guard let previous, previous.file.kind == .regular else { return nil }
            return previous.changed(at: modificationTime)
        }
        guard given.kind == .regular else { throw .invalidAttributes(name.string, "put stores regular files, not a \(given.kind)") }
        if let problem = given.problem { throw .invalidAttributes(name.string, problem) }
        return RecordAttributes(given)
    }

    func writeRecord(_ record: FileRecord, at subpage: SubpageIndex) throws(VolumeError) {
        try write(record.encode(), to: subpage.page, at: subpage.offsetInPage)
    }
}
