import ArdakuFormat
import ArdakuVolume

/// One repair transaction over a checked volume.
///
/// The repair is planned from what the check recorded in the checker's bitmaps and carried
/// out as one commit in the order of docs/FORMAT.md §12.2:
///
/// 1. Records that change (page lists, checksums, names, file ids) are written afresh, with
///    any new extension pages and page copies, to pages free in every view; the trie is
///    patched (or, when its structure is damaged, rebuilt) on fresh pages, copy on write.
/// 2. The state about to be committed is checked through an overlay; if that check finds
///    anything, or step 1 ran out of pages, nothing more is written and the repair fails
///    with the volume as it was (as a check sees it).
/// 3. Uncommitted and superseded records found lost become tombstones (nothing references
///    them); the bitfield gains the bits of every page the new state uses; flush.
/// 4. Page 0 (generation + 1, the new trie, counters), flush; the backup, flush.
/// 5. Records the commit replaced become tombstones; the bitfield becomes exactly the pages
///    the new state uses; flush.
final class Repairer {
    unowned let checker: Checker
    let store: PageStore
    let generation: UInt64
    var system: SystemInformationBlock
    let allocator: RepairAllocator
    /// New subpage of each rewritten record, by old subpage.
    var moved: [Int: Int] = [:]
    /// Old subpages of rewritten records: tombstoned after the commit.
    var superseded: [Int] = []
    /// Notes for findings, by finding index.
    var notes: [Int: String] = [:]
    private let sharedFirstUse: Bitmap
    /// The page list and extension pages the first rewritten record of a link group got, by
    /// file id: the group's other records list the same (FORMAT §7.3).
    private var groupExtensionPages: [UInt64: (entries: [PageEntry], pages: [PageIndex])] = [:]
    /// Pages nothing may take or adopt: what the checked volume references or names.
    private let forbiddenPages: Bitmap
    private lazy var lostPages = LostPages(checker: checker, forbidden: forbiddenPages)
    private var nextFileID: UInt64
    private var lostAndFound: [UInt8]?
    /// Set when the commit starts writing to pages the volume uses.
    private var commitBegan = false
    /// What the check of the new state found: pages used, files, largest file id.
    private(set) var verified: (pages: Bitmap, files: Int, maxFileID: UInt64)?

    init(checker: Checker) {
        self.checker = checker
        store = checker.store
        // A generation read from disk may already be the largest there is: the commit then
        // keeps it (every record stays at or below it, so none looks uncommitted).
        generation = checker.system.generation == .max ? .max : checker.system.generation + 1
        system = checker.system
        sharedFirstUse = Bitmap(count: checker.pageCount)
        nextFileID = max(checker.system.nextFileID, checker.maxFileID &+ 1)
        let forbidden = checker.reachablePages()
        forbidden.formUnion(checker.listedTriePages)
        forbidden.formUnion(checker.valuePages)
        for bitmap in [checker.garbage, checker.mismatchTargets] {
            bitmap.forEach { forbidden.insert($0 >> 2); return true }
        }
        // Extension pages a record names but cannot use (another file's, undecodable) are
        // claimed by nothing, yet pass 3 reads them: until the commit drops the reference,
        // the old state must read as it did.
        let range = checker.allocatable
        checker.keep.forEach { subpage in
            guard let record = checker.recordView(subpage) else { return true }
            for sequence in 0..<record.extensionCount {
                let page = Int(record.extensionPage(sequence))
                if range.contains(page) { forbidden.insert(page) }
            }
            return true
        }
        let store = checker.store
        forbiddenPages = forbidden
        allocator = RepairAllocator(range: checker.allocatable, pageCount: checker.pageCount, forbidden: forbidden,
                                    bitfieldWord: { [unowned checker] in checker.bitfieldWord($0) },
                                    clearHeader: { (subpage: Int) throws(RepairError) -> Void in
                                        do throws(StoreError) { try store.write([0, 0, 0, 0], to: PageIndex(UInt32(subpage >> 2)),
                                                             at: PageOffset(UInt32((subpage & 3) * Geometry.subpageSize))) }
                                        catch { throw .store(error) }
                                    })
    }

    // MARK: Repairing what the check found

    /// Repairs everything the check found that can be repaired, as one commit. When it
    /// fails before the commit, a check of the volume finds exactly what it found before.
    func repairAll() throws(RepairError) {
        try abandoningOnFailure { () throws(RepairError) in
            let tree = try openTree()
            try placeRecords(in: tree)
            try finishTree(tree.tree)
            if checker.systemFix.rewriteSystem { system.label = checker.repairedLabel }
            try commit(reclaimingGarbage: true)
        }
    }

    /// Runs `body`; if it throws before the commit began, undoes what a check could see of
    /// the writes so far (`RepairAllocator.abandon`). Nothing before the commit writes to a
    /// page the volume uses: the lost records to reclaim become tombstones only once the
    /// new state has checked clean.
    func abandoningOnFailure(_ body: () throws(RepairError) -> Void) throws(RepairError) {
        do {
            try body()
        } catch {
            if !commitBegan { allocator.abandon() }
            throw error
        }
    }

    /// The trie to edit: the existing one when its structure is sound and canonical
    /// (patched, copy on write), else a new empty one that `placeRecords` fills from the
    /// records.
    private func openTree() throws(RepairError) -> (tree: FileInfixTree, present: Bitmap) {
        let present = Bitmap(count: checker.subpageCount)
        let valid = checker.layout.allocatablePages
        if !checker.trieStructureBroken && !checker.trieNonCanonical {
            let tree = FileInfixTree(store: store, pageIndices: system.triePages, root: system.trieRoot, validPages: valid)
            var removals: [[UInt8]] = []
            do {
                try tree.forEach(prefix: []) { name, value in
                    let subpage = Int(value.rawValue)
                    if keepsName(subpage, name) { present.insert(subpage) } else { removals.append(name) }
                    return true
                }
                for name in removals { try tree.remove(name) }
                return (tree, present)
            } catch {
                present.forEach { present.remove($0); return true }
            }
        }
        return (FileInfixTree.empty(store: store, validPages: valid), present)
    }

    /// True when the trie's entry `name` → `subpage` stays as it is (its value may change).
    private func keepsName(_ subpage: Int, _ name: [UInt8]) -> Bool {
        guard checker.keep.contains(subpage), !checker.orphans.contains(subpage), checker.renames[subpage] == nil,
              let record = checker.recordView(subpage) else { return false }
        return record.name.elementsEqual(name)
    }

    /// Puts every kept record in the trie under its final name and subpage, rewriting the
    /// records that change. Reached records first (they keep their names), then lost ones
    /// (their own name when the trie was damaged and the name is free, else /lost+found),
    /// then those that must be renamed.
    private func placeRecords(in opened: (tree: FileInfixTree, present: Bitmap)) throws(RepairError) {
        let (tree, present) = opened
        var later: [Int] = []
        for subpage in checker.keep.members {
            if checker.orphans.contains(subpage) || checker.renames[subpage] != nil { later.append(subpage); continue }
            guard let record = checker.recordView(subpage) else { throw .verification("record at subpage \(subpage) vanished") }
            let name = record.nameBytes
            if present.contains(subpage) {
                if needsRewrite(subpage) { try insert(name, try rewriteRecord(subpage, name: name), into: tree) }
            } else if try isFree(name, in: tree, for: subpage) {
                try insert(name, needsRewrite(subpage) ? try rewriteRecord(subpage, name: name) : subpage, into: tree)
            } else {
                try relocate(subpage, record: record, tree: tree)
            }
        }
        for subpage in later where checker.orphans.contains(subpage) {
            guard let record = checker.recordView(subpage) else { continue }
            let name = record.nameBytes
            if checker.trieDamaged, NameRules.firstProblem(in: name) == nil, try isFree(name, in: tree, for: subpage) {
                try insert(name, needsRewrite(subpage) ? try rewriteRecord(subpage, name: name) : subpage, into: tree)
                note(subpage, "as \(Checker.display(name))")
            } else {
                try relocate(subpage, record: record, tree: tree)
            }
        }
        for subpage in later where !checker.orphans.contains(subpage) {
            guard let record = checker.recordView(subpage) else { continue }
            try relocate(subpage, record: record, tree: tree)
        }
    }

    private func needsRewrite(_ subpage: Int) -> Bool {
        checker.rewrite.contains(subpage) || checker.crcBad.contains(subpage) || checker.newIDNeeded.contains(subpage)
            || checker.damageCleared.contains(subpage)
    }

    /// Moves a record under /lost+found: its own name below it when that is valid and free,
    /// else `#<file id>`.
    private func relocate(_ subpage: Int, record: RecordView, tree: FileInfixTree) throws(RepairError) {
        let directory = try lostAndFoundDirectory(tree)
        let recorded = record.nameBytes
        var choices: [[UInt8]] = []
        if NameRules.firstProblem(in: recorded) == nil { choices.append(directory + recorded) }
        let id = Array("#\(record.fileID)".utf8)
        choices.append(directory + [UInt8(ascii: "/")] + id)
        for suffix in 2...1000 { choices.append(directory + [UInt8(ascii: "/")] + id + Array(".\(suffix)".utf8)) }
        for name in choices where name.count <= Limits.maxNameBytes && NameRules.firstProblem(in: name) == nil {
            if try isFree(name, in: tree, for: subpage) {
                try insert(name, try rewriteRecord(subpage, name: name), into: tree)
                note(subpage, "as \(Checker.display(name))")
                return
            }
        }
        throw .noName(Checker.display(recorded))
    }

    /// "/lost+found", or "/lost+found.2", ... when a file already has that name.
    private func lostAndFoundDirectory(_ tree: FileInfixTree) throws(RepairError) -> [UInt8] {
        if let lostAndFound { return lostAndFound }
        var candidate = Array("/lost+found".utf8)
        var suffix = 2
        while try lookup(candidate, in: tree) != nil {
            candidate = Array("/lost+found.\(suffix)".utf8)
            suffix += 1
        }
        lostAndFound = candidate
        return candidate
    }

    private func note(_ subpage: Int, _ text: String) {
        if let index = checker.noteFindings[subpage] { notes[index] = text }
    }

    // MARK: Trie helpers

    private func lookup(_ name: [UInt8], in tree: FileInfixTree) throws(RepairError) -> SubpageIndex? {
        do { return try tree.lookup(name) } catch { throw .volume(error) }
    }

    /// True when `name` can be added for the record at `subpage`: no file has it, every
    /// leading part of it that has a record is a directory record (FORMAT §9), and no name
    /// lies below it unless that record is a directory's.
    private func isFree(_ name: [UInt8], in tree: FileInfixTree, for subpage: Int) throws(RepairError) -> Bool {
        guard try lookup(name, in: tree) == nil else { return false }
        for (index, byte) in name.enumerated() where byte == UInt8(ascii: "/") && index > 0 {
            if let prefix = try lookup(Array(name[..<index]), in: tree), !isDirectoryRecord(Int(prefix.rawValue)) { return false }
        }
        if isDirectoryRecord(subpage) { return true }
        do { return try !tree.hasEntries(withPrefix: name + [UInt8(ascii: "/")]) } catch { throw .volume(error) }
    }

    /// True when the record at `subpage` stays a directory's after the repair (a sound area
    /// of the directory kind, not dropped).
    private func isDirectoryRecord(_ subpage: Int) -> Bool {
        guard !checker.invalidAttributes.contains(subpage), let record = checker.recordView(subpage) else { return false }
        return Checker.isDirectoryRecord(record)
    }

    private func insert(_ name: [UInt8], _ subpage: Int, into tree: FileInfixTree) throws(RepairError) {
        do { try tree.insert(name, SubpageIndex(UInt32(subpage))) } catch { throw .volume(error) }
    }

    /// Writes the changed trie pages to fresh pages and records the trie in the new block.
    func finishTree(_ tree: FileInfixTree) throws(RepairError) {
        let allocator = self.allocator
        do {
            _ = try tree.writeChangedPages(generation: generation) { () throws(VolumeError) -> PageIndex in
                do { return PageIndex(UInt32(try allocator.page())) } catch { throw .noSpace(neededPages: 1, freePages: 0) }
            }
        } catch {
            if case .noSpace = error { throw .noSpace(pagesTaken: allocator.allocatedCount) }
            throw .volume(error)
        }
        system.triePages = tree.pageIndices
        system.trieRoot = tree.root
    }

    // MARK: Records

    /// Writes a new copy of the record at `subpage` under `name`, with its page list
    /// repaired: lost and invalid references become holes, pages shared with another file
    /// are copied (the first user keeps the original), CRC-32s are made to match the bytes
    /// when pass 5 found a mismatch or the length was cut, a new file id when another file
    /// has this one. `content` replaces the page list (nested volume repairs).
    func rewriteRecord(_ subpage: Int, name: [UInt8], content: (entries: [PageEntry], length: UInt64)? = nil) throws(RepairError) -> Int {
        guard let bytes = checker.subpageBytes(subpage), case .success(let view) = RecordView.read(bytes) else {
            throw .verification("record at subpage \(subpage) cannot be read again")
        }
        let old: FileRecord
        do {
            old = try FileRecord.decode(bytes, subpage: SubpageIndex(UInt32(subpage)), verifyChecksum: false,
                                        undecodableAttributes: checker.invalidAttributes.contains(subpage) ? .drop : .reject)
        }
        catch { throw .record(subpage: subpage, error) }
        let plan = checker.entryPlan(view, subpage: subpage, name: "", report: false)
        var entries: [PageEntry] = []
        var length = plan.finalLength
        if let content {
            entries = content.entries
            length = content.length
        } else {
            var listed: [(PageEntry, EntryKind)] = []
            listed.reserveCapacity(plan.finalCount)
            checker.forEachEntry(view, plan) { _, entry, lost in listed.append((entry, checker.classify(entry, lost: lost))) }
            entries.reserveCapacity(listed.count)
            for (ordinal, (entry, kind)) in listed.enumerated() {
                let count = PageEntry.bytesInPage(ordinal: UInt64(ordinal), byteLength: length)
                let zeros = CRC32.checksumOfZeros(count: count)
                switch kind {
                case .data(let page):
                    var target = page
                    if !pageMatches(page, count: count, checksum: entry.checksum),
                       let adopted = adoptLostPage(checksum: entry.checksum, count: count) {
                        // A damaged page index that names another page: the file's own page
                        // is still there, and its CRC-32 says which it is.
                        target = adopted
                    } else if checker.sharedPages.contains(page) && !sharedFirstUse.testAndInsert(page) {
                        target = try allocator.page()
                        guard let source = checker.pageBytes(page) else { throw .verification("page \(page) cannot be read") }
                        try write(source, to: target)
                    }
                    // The recorded CRC-32 is kept even where the page no longer matches it:
                    // it is the proof of what the page should hold, and the file is marked damaged.
                    entries.append(PageEntry(page: PageIndex(UInt32(target)), checksum: entry.checksum))
                case .hole where entry.checksum == zeros:
                    entries.append(.hole(bytesInPage: count))
                case .hole, .outOfRange, .onMetadata:
                    // The entry names no usable page, but its CRC-32 still says what the page
                    // held: a page nothing references that matches it is that page; if none
                    // does, the entry stays a hole that keeps the CRC-32 (damaged, not zeros).
                    if let adopted = adoptLostPage(checksum: entry.checksum, count: count) {
                        entries.append(PageEntry(page: PageIndex(UInt32(adopted)), checksum: entry.checksum))
                    } else {
                        entries.append(PageEntry(page: PageIndex(0), checksum: entry.checksum == zeros ? ~zeros : entry.checksum))
                    }
                case .lostHole:
                    // Lost with an extension page, or never listed: what it held is unknown.
                    entries.append(PageEntry(page: PageIndex(0), checksum: ~zeros))
                }
            }
        }
        var damaged = false
        for (ordinal, entry) in entries.enumerated() where !damaged {
            let count = PageEntry.bytesInPage(ordinal: UInt64(ordinal), byteLength: length)
            damaged = entry.isHole ? entry.checksum != CRC32.checksumOfZeros(count: count)
                : !pageMatches(Int(entry.page.rawValue), count: count, checksum: entry.checksum)
        }
        var fileID = old.fileID
        if checker.newIDNeeded.contains(subpage) {
            fileID = nextFileID
            nextFileID &+= 1
            note(subpage, "(file id \(fileID))")
        }
        // An attribute area the check found invalid is dropped (the file is then marked as
        // having unproven attributes); a valid one is kept, and page 0 announces it.
        var attributes = checker.invalidAttributes.contains(subpage) ? nil : old.attributes
        if let linkCount = checker.linkCountFixes[subpage] { attributes?.linkCount = linkCount }
        // A name of several keeps the layout its group shares (FORMAT §7.3): laid out for the
        // group's longest name, its extension pages the ones the group's other rewritten
        // records list.
        let group = fileID == old.fileID && checker.linkMembers[subpage] == fileID ? checker.linkGroups[fileID] : nil
        let (inlineCount, extensionCount) = try Self.entryLayout(pageCount: entries.count,
                                                                 nameLength: max(name.count, group?.longestName ?? 0),
                                                                 tagCount: old.tags.count, attributeLength: attributes?.encodedSize ?? 0)
        var extensionPages: [PageIndex] = []
        let sharedExtensionPages = group == nil ? nil : groupExtensionPages[fileID].flatMap { $0.entries == entries ? $0.pages : nil }
        if let sharedExtensionPages { extensionPages = sharedExtensionPages }
        for sequence in 0..<(sharedExtensionPages == nil ? extensionCount : 0) {
            let start = inlineCount + sequence * Limits.entriesPerExtensionPage
            let chunk = Array(entries[start..<min(entries.count, start + Limits.entriesPerExtensionPage)])
            if fileID == old.fileID, inlineCount == view.inlineCount, sequence < plan.extensions.count,
               case .valid(let existing) = plan.extensions[sequence], existing.reserved == 0,
               checker.proven.pages[Int(view.extensionPage(sequence))] == nil,
               existing.computedChecksum == existing.storedChecksum, existing.entryCount == chunk.count,
               chunk.indices.allSatisfy({ existing.entry($0) == chunk[$0] }) {
                extensionPages.append(PageIndex(UInt32(view.extensionPage(sequence))))
                continue
            }
            let page = try allocator.page()
            try write(ExtensionPage(sequence: UInt32(sequence), fileID: fileID, entries: chunk).encode(), to: page)
            extensionPages.append(PageIndex(UInt32(page)))
        }
        if group != nil { groupExtensionPages[fileID] = (entries, extensionPages) }
        var record = FileRecord(volumeUUID: system.uuid, generation: generation, fileID: fileID, name: name, type: old.type,
                                byteLength: length, modificationTime: old.modificationTime,
                                dataPageCount: UInt32(entries.count), tags: old.tags, extensionPages: extensionPages,
                                inlineEntries: Array(entries[0..<inlineCount]))
        record.attributes = attributes
        record.flags = damageFlags(subpage, old: old.flags, damaged: damaged)
        if !record.flags.isEmpty { system.incompatFeatures.insert(.recordedDamage) }
        if attributes != nil { system.incompatFeatures.insert(.fileAttributes) }
        if let linkCount = attributes?.linkCount, linkCount > 1 { system.incompatFeatures.insert(.hardLinks) }
        let target = try allocator.recordSubpage()
        try write(record.encode(), toSubpage: target)
        moved[subpage] = target
        superseded.append(subpage)
        return target
    }

    /// The flags of a rewritten record: a repair never makes unproven bytes read as valid
    /// (docs/FSCK.md §4). A page that fails its CRC-32, or a length cut short of what the
    /// record claimed, marks the data damaged; a record rebuilt after its checksum failed
    /// marks its attributes unproven. A new page list from a nested volume's repair was
    /// built from proven bytes; a mark whose pages all match again is dropped.
    private func damageFlags(_ subpage: Int, old: RecordFlags, damaged: Bool) -> RecordFlags {
        var flags = old
        if damaged { flags.insert(.damagedData) } else { flags.remove(.damagedData) }
        if checker.unproven.contains(subpage) || checker.rebuilt.contains(subpage) || checker.invalidAttributes.contains(subpage) {
            flags.insert(.unprovenAttributes)
        }
        return flags
    }

    /// True when the first `count` bytes of `page` have CRC-32 `checksum`.
    private func pageMatches(_ page: Int, count: Int, checksum: UInt32) -> Bool {
        LostPages.checksum(of: page, count: count, in: checker) == checksum
    }

    /// The page an entry whose index is damaged still names by its CRC-32, reserved for it.
    private func adoptLostPage(checksum: UInt32, count: Int) -> Int? {
        guard let page = lostPages.page(matching: checksum, count: count), allocator.reserve(page) else { return nil }
        return page
    }

    /// `FileRecord.entryLayout` (the volume library's rule), or `recordTooLarge`.
    static func entryLayout(pageCount: Int, nameLength: Int, tagCount: Int,
                            attributeLength: Int = 0) throws(RepairError) -> (inline: Int, extensionPages: Int) {
        guard let layout = FileRecord.entryLayout(pageCount: pageCount, nameLength: nameLength, tagCount: tagCount,
                                                  attributeLength: attributeLength) else {
            throw .recordTooLarge(pages: pageCount)
        }
        return layout
    }

    /// Makes the record at `subpage` a tombstone (its fields kept, this commit's generation),
    /// or clears its header when it does not decode.
    private func tombstone(_ subpage: Int) throws(RepairError) {
        try write(tombstoneBytes(subpage), toSubpage: subpage)
    }

    private func tombstoneBytes(_ subpage: Int) -> [UInt8] {
        guard let raw = checker.subpageBytes(subpage),
              var record = try? FileRecord.decode(raw, subpage: SubpageIndex(UInt32(subpage)), verifyChecksum: false) else {
            return [0, 0, 0, 0]
        }
        record.isTombstone = true
        record.generation = generation
        return record.encode()
    }

    // MARK: Writing

    func write(_ bytes: [UInt8], to page: Int, at offset: Int = 0) throws(RepairError) {
        do { try store.write(bytes, to: PageIndex(UInt32(page)), at: PageOffset(UInt32(offset))) } catch { throw .store(error) }
    }

    func write(_ bytes: UnsafeRawBufferPointer, to page: Int) throws(RepairError) {
        do { try store.write(bytes, to: PageIndex(UInt32(page)), at: PageOffset(0)) } catch { throw .store(error) }
    }

    func write(_ bytes: [UInt8], toSubpage subpage: Int) throws(RepairError) {
        try write(bytes, to: subpage >> 2, at: (subpage & 3) * Geometry.subpageSize)
    }

    private func flush() throws(RepairError) {
        do { try store.flush() } catch { throw .store(error) }
    }

    // MARK: Commit

    /// Steps 3 to 6: verify the new state, then the lost records to reclaim become
    /// tombstones, bitfield, page 0, backup, the replaced records become tombstones.
    ///
    /// - Parameter reclaimingGarbage: the uncommitted and superseded records the check
    ///   found become tombstones (before page 0: a record of the generation this commit
    ///   makes would otherwise look committed).
    func commit(reclaimingGarbage: Bool = false) throws(RepairError) {
        system.generation = generation
        system.copy = .primary
        let garbage = reclaimingGarbage ? checker.garbage.members : []
        let overlay = OverlayPageStore(base: store)
        overlay.replace(0, with: system.asCopy(.primary).encode())
        overlay.replace(checker.layout.backupPage.rawValue, with: system.asCopy(.backup).encode())
        for subpage in garbage + superseded {
            let bytes = tombstoneBytes(subpage)
            do { try overlay.patch(UInt32(subpage >> 2), at: (subpage & 3) * Geometry.subpageSize, with: bytes) }
            catch { throw .store(error) }
        }
        var options = CheckOptions(repair: .none, force: true, verifyData: false)
        options.findingLimit = 64
        let verifier = Checker(store: overlay, options: options)
        let result = verifier.run()
        if let fatal = result.fatal { throw .verification(fatal) }
        if let problem = result.findings.first(where: { $0.severity >= .warning && $0.pass != .bitfield }) {
            throw .verification(problem.description)
        }
        let pages = verifier.reachablePages()
        verified = (pages, verifier.keep.cardinality, verifier.maxFileID)
        system.usedPageCount = UInt32(pages.cardinality)
        system.fileCount = UInt32(verifier.keep.cardinality)
        system.nextFileID = max(nextFileID, verifier.maxFileID &+ 1)

        commitBegan = true
        for subpage in garbage { try tombstone(subpage) }
        try writeBitfield(pages, keepingOldBits: true)
        try flush()
        try write(system.asCopy(.primary).encode(), to: 0)
        try flush()
        try write(system.asCopy(.backup).encode(), to: Int(checker.layout.backupPage.rawValue))
        try flush()
        // The commit has happened. Free what it replaced.
        for subpage in superseded { try tombstone(subpage) }
        try writeBitfield(pages, keepingOldBits: false)
        try flush()
    }

    /// Writes the bitfield pages whose bits differ from `pages` (plus, before the commit,
    /// every bit already set: a page the old state uses must stay marked until page 0 no
    /// longer references it). Bits past the end of the volume are cleared.
    private func writeBitfield(_ pages: Bitmap, keepingOldBits: Bool) throws(RepairError) {
        let pageCount = checker.pageCount
        let wordsPerBitfieldPage = Int(Limits.pagesPerBitfieldPage) / 64
        for ordinal in 0..<checker.layout.bitfieldPageCount {
            var writer = ByteWriter(capacity: Geometry.pageSize)
            var changed = false
            for index in 0..<wordsPerBitfieldPage {
                let word = ordinal * wordsPerBitfieldPage + index
                let onDisk = checker.bitfieldWord(word)
                let first = word * 64
                let valid: UInt64 = first + 64 <= pageCount ? ~0 : first >= pageCount ? 0 : (1 << UInt64(pageCount - first)) - 1
                let wanted = (pages.word(word) | (keepingOldBits ? onDisk : 0)) & valid
                if wanted != onDisk { changed = true }
                writer.writeUInt64(wanted)
            }
            if changed { try write(writer.bytes, to: 1 + ordinal) }
        }
    }
}
