import ArdakuFormat

/// An open Ardaku volume: the library's entry point for reading and changing files.
///
/// Changes are grouped into transactions. Each public operation is one transaction unless
/// it runs inside `batch`, and a transaction becomes durable in one commit
/// (docs/FORMAT.md §8):
///
/// 1. New content goes only to pages that are free in the committed state (copy on write):
///    data pages, extension pages, metadata records, trie pages. Nothing the committed
///    state references is overwritten, except a deleted file's record, which is replaced
///    by a tombstone (its deletion is the intended outcome either way).
/// 2. The bitfield gains the bits of the new pages; then `flush`.
/// 3. Page 0 is written with the new generation, trie page list and counters; `flush`.
/// 4. The backup copy in the last page is written; `flush`.
/// 5. Only now are the replaced pages freed: superseded records become tombstones and the
///    bits of replaced pages are cleared. These writes need no flush of their own; if
///    they are lost, fsck finds pages marked used that nothing references.
///
/// A crash at any instant therefore leaves either the old or the new committed state,
/// plus at worst used pages that nothing references; never a reference to a free page.
public final class Volume {
    public let store: PageStore
    public let layout: VolumeLayout
    /// The system information block as the next commit will write it.
    public internal(set) var system: SystemInformationBlock
    /// The block as it was last committed.
    public internal(set) var committed: SystemInformationBlock
    let bitmap: PageBitmap
    let trie: FileInfixTree
    /// Pages marked used in the bitfield (as held in memory).
    private(set) var usedPageCount: UInt32
    /// True while every free page is known to read as zeros (right after a discarding
    /// format), so new record pages need no zeroing.
    var freePagesAreZero = false
    /// Why page 0 did not decode and where the backup this volume was opened from is, when
    /// it was (docs/FORMAT.md §13). Such a volume is read, never written: fsck restores
    /// page 0 first, naming the damage.
    public private(set) var damagedPrimary: (error: FormatError, backupPage: UInt32)?
    /// Seconds since the epoch for new modification times; fixed by SOURCE_DATE_EPOCH.
    public var clock: () -> UInt64 = { 0 }

    // Transaction state.
    var batchDepth = 0
    var transaction = Transaction()
    /// Record subpages known to be free in the committed state.
    var freeRecordSubpages: [SubpageIndex] = []
    private var checkedRecordHint = false
    /// Decoded files by name, for repeated access (nested volumes); cleared on abort.
    var openFiles: [[UInt8]: OpenFile] = [:]
    /// Files whose content changed in this transaction but whose record is written only at
    /// the commit (many small writes to one file cost one record write), with the file as
    /// it was before its first change.
    var pendingRecords: [[UInt8]: OpenFile] = [:]
    /// The names of each file that has several (FORMAT §7.3), by file id; nil until first
    /// needed (`linkGroup(of:)` reads every record once), cleared on abort.
    var linkGroupIndex: [UInt64: [[UInt8]]]?

    struct Transaction {
        var changed = false
        /// Pages allocated in this transaction: free in the committed state, so they may be
        /// rewritten in place until the commit.
        var allocatedPages: Set<UInt32> = []
        var allocatedSubpages: Set<SubpageIndex> = []
        /// Pages to free once the commit is durable.
        var pagesToFree: Set<UInt32> = []
        /// Records replaced by newer ones: tombstoned and freed after the commit.
        var supersededRecords: [(subpage: SubpageIndex, record: FileRecord)] = []
        /// Records of deleted files (tombstoned already): freed after the commit.
        var deletedRecordSubpages: [SubpageIndex] = []
        /// Subpages this transaction allocated and then freed again (already reusable).
        var freedOwnSubpages: [SubpageIndex] = []
        /// Committed records this transaction replaced with tombstones, to restore on abort.
        var tombstonedRecords: [(subpage: SubpageIndex, original: FileRecord)] = []
    }

    // MARK: Opening

    /// Opens the volume in `store`. Read-only when the store is.
    ///
    /// When page 0 does not decode, the backup is used (`damagedPrimary` says so) and the
    /// volume can be read but not committed to.
    ///
    /// - Throws: `VolumeError.format` when neither page 0 nor a backup decodes, `.truncatedImage` when the store is shorter than the
    ///   volume, `.store` on I/O errors.
    public init(store: PageStore) throws(VolumeError) {
        self.store = store
        var block: SystemInformationBlock
        do { block = try SystemInformationBlock.decode(try store.read(PageIndex(0))) }
        catch let error as FormatError {
            // docs/FORMAT.md §13: a reader falls back to the backup, which holds the last
            // commit whose pages are all intact (a torn page 0 is the commit in progress).
            guard let (page, backup) = SystemInformationBlock.locateBackup(in: store, scanning: false) else { throw .format(error) }
            block = backup.asCopy(.primary)
            damagedPrimary = (error, page)
        }
        catch let error as StoreError { throw .store(error) }
        catch { throw .corrupt("\(error)", address: ByteAddress(0)) }
        guard store.pageCount >= block.totalPageCount else {
            throw .truncatedImage(storePages: store.pageCount, volumePages: block.totalPageCount)
        }
        guard let layout = VolumeLayout(totalPageCount: block.totalPageCount) else {
            throw .sizeOutOfRange(pages: UInt64(block.totalPageCount))
        }
        self.layout = layout
        system = block
        committed = block
        usedPageCount = block.usedPageCount
        bitmap = PageBitmap(store: store, totalPageCount: block.totalPageCount)
        trie = FileInfixTree(store: store, pageIndices: block.triePages, root: block.trieRoot, validPages: layout.allocatablePages)
    }

    private init(formatting store: PageStore, layout: VolumeLayout, system: SystemInformationBlock) {
        self.store = store
        self.layout = layout
        self.system = system
        committed = system
        usedPageCount = 0
        bitmap = PageBitmap.empty(store: store, totalPageCount: layout.totalPageCount)
        trie = FileInfixTree.empty(store: store, validPages: layout.allocatablePages)
    }

    // MARK: Formatting

    public struct FormatOptions: Sendable {
        public var label: [UInt8] = []
        public var uuid: VolumeUUID = .zero
        public var creationTime: UInt64 = 0
        /// Pages to use; nil uses the whole store.
        public var pageCount: UInt32?
        /// Discard every page first so no old data counts as content (`mkfs -K` turns it off).
        public var discard = true
        public init() {}
    }

    /// Checks a label: UTF-8, at most 1020 bytes, no NUL.
    public static func validateLabel(_ label: [UInt8]) throws(VolumeError) {
        guard label.count <= Limits.maxLabelBytes else { throw .invalidLabel("\(label.count) bytes, the limit is \(Limits.maxLabelBytes)") }
        guard !label.contains(0) else { throw .invalidLabel("contains a NUL byte") }
        if let bad = FileName.firstInvalidUTF8(label) { throw .invalidLabel("not valid UTF-8 (byte \(bad))") }
    }

    /// Writes a new, empty volume over `store` and returns it open.
    ///
    /// Order: discard, the trie page, the bitfield, flush, the backup copy, flush, page 0,
    /// flush. Page 0 goes last so that an interrupted format never leaves a volume that
    /// looks complete.
    public static func format(_ store: PageStore, options: FormatOptions) throws(VolumeError) -> Volume {
        try validateLabel(options.label)
        let pageCount = options.pageCount ?? store.pageCount
        guard pageCount <= store.pageCount, let layout = VolumeLayout(totalPageCount: pageCount) else {
            throw .sizeOutOfRange(pages: UInt64(options.pageCount ?? store.pageCount))
        }
        var block = SystemInformationBlock(label: options.label, totalPageCount: pageCount, uuid: options.uuid,
                                           creationTime: options.creationTime, triePages: [PageIndex(0)],
                                           trieRoot: NodeReference(ordinal: 0, slot: 0))
        block.generation = 0
        let volume = Volume(formatting: store, layout: layout, system: block)
        do {
            volume.freePagesAreZero = options.discard ? try store.discard(0..<pageCount) : false
            for page in [0] + Array(layout.bitfieldPages) + [layout.backupPage.rawValue] {
                try volume.bitmap.setUsed(page, true)
                volume.usedPageCount += 1
            }
            volume.system.nextEmptyPageHint = layout.allocatablePages.lowerBound
            volume.transaction.changed = true
            try volume.commit()
        } catch let error as VolumeError { throw error }
        catch let error as StoreError { throw .store(error) }
        catch { throw .corrupt("\(error)", address: nil) }
        return volume
    }

    // MARK: Counts

    public var isReadOnly: Bool { store.isReadOnly }
    public var totalPageCount: UInt32 { layout.totalPageCount }
    /// Pages a new allocation may take now.
    public var freePageCount: UInt64 { UInt64(layout.totalPageCount) - UInt64(usedPageCount) }
    public var fileCount: UInt32 { system.fileCount }

    // MARK: Allocation

    /// A free page, marked used and owned by the current transaction.
    func allocatePage() throws(VolumeError) -> PageIndex {
        let found: UInt32?
        do { found = try bitmap.findFree(from: system.nextEmptyPageHint, in: layout.allocatablePages) }
        catch { throw .store(error) }
        guard let page = found else { throw .noSpace(neededPages: 1, freePages: 0) }
        do { try bitmap.setUsed(page, true) } catch { throw .store(error) }
        usedPageCount += 1
        transaction.allocatedPages.insert(page)
        system.nextEmptyPageHint = page + 1 < layout.allocatablePages.upperBound ? page + 1 : layout.allocatablePages.lowerBound
        return PageIndex(page)
    }

    /// Frees a page now when this transaction allocated it, else once the commit is durable.
    func releasePage(_ page: PageIndex) throws(VolumeError) {
        guard page.rawValue != 0 else { return }
        if transaction.allocatedPages.remove(page.rawValue) != nil {
            do { try bitmap.setUsed(page.rawValue, false) } catch { throw .store(error) }
            usedPageCount -= 1
            freePagesAreZero = false
        } else {
            transaction.pagesToFree.insert(page.rawValue)
        }
    }

    /// A subpage for a new metadata record.
    func allocateRecordSubpage() throws(VolumeError) -> SubpageIndex {
        if !checkedRecordHint {
            checkedRecordHint = true
            try adoptFreeSubpages(inHintPage: system.recordPageHint)
        }
        if !freeRecordSubpages.isEmpty {
            let subpage = freeRecordSubpages.removeFirst()
            transaction.allocatedSubpages.insert(subpage)
            return subpage
        }
        let page = try allocatePage()
        if !freePagesAreZero {
            // A reused page may hold old bytes that look like records; clear the magic of
            // the three subpages that stay free so they can never be taken for one.
            for slot in 1..<Geometry.subpagesPerPage {
                try write([0, 0, 0, 0], to: page, at: PageOffset(UInt32(slot * Geometry.subpageSize)))
            }
        }
        system.recordPageHint = page.rawValue
        for slot in 1..<Geometry.subpagesPerPage { addFreeRecordSubpage(page.subpage(slot)) }
        let subpage = page.subpage(0)
        transaction.allocatedSubpages.insert(subpage)
        return subpage
    }

    /// Takes the free subpages of the page records were last put in: all-zero headers, and
    /// tombstones whose name no longer leads to them.
    private func adoptFreeSubpages(inHintPage hint: UInt32) throws(VolumeError) {
        guard layout.allocatablePages.contains(hint), (try? bitmap.isUsed(hint)) == true else { return }
        let bytes: UnsafeRawBufferPointer
        do { bytes = try store.read(PageIndex(hint)) } catch { throw .store(error) }
        for slot in 0..<Geometry.subpagesPerPage {
            let subpage = PageIndex(hint).subpage(slot)
            let start = slot * Geometry.subpageSize
            let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + Geometry.subpageSize)])
            let magic = ByteReader.uint32(in: raw, at: FileRecord.Offset.magic) ?? 0
            if magic == 0 {
                addFreeRecordSubpage(subpage)
            } else if magic == FileRecord.tombstoneMagic,
                      let tombstone = try? FileRecord.decode(raw, subpage: subpage),
                      (try? trie.lookup(tombstone.name)) != subpage {
                addFreeRecordSubpage(subpage)
            }
        }
    }

    func write(_ bytes: [UInt8], to page: PageIndex, at offset: PageOffset = PageOffset(0)) throws(VolumeError) {
        do { try store.write(bytes, to: page, at: offset) } catch { throw .store(error) }
    }

    func write(_ bytes: UnsafeRawBufferPointer, to page: PageIndex, at offset: PageOffset = PageOffset(0)) throws(VolumeError) {
        do { try store.write(bytes, to: page, at: offset) } catch { throw .store(error) }
    }

    func readPage(_ page: PageIndex) throws(VolumeError) -> UnsafeRawBufferPointer {
        do { return try store.read(page) } catch { throw .store(error) }
    }

    // MARK: Transactions

    /// Runs `body` as one transaction: every change in it is committed together, or none.
    public func batch<R>(_ body: () throws(VolumeError) -> R) throws(VolumeError) -> R {
        guard !isReadOnly else { throw .readOnly }
        batchDepth += 1
        let result: R
        do {
            result = try body()
        } catch {
            batchDepth -= 1
            if batchDepth == 0 { abort() }
            throw error
        }
        batchDepth -= 1
        if batchDepth == 0 { try commitOrAbort() }
        return result
    }

    /// Runs one operation: commits at its end unless a batch is open.
    func mutate<R>(_ body: () throws(VolumeError) -> R) throws(VolumeError) -> R {
        guard !isReadOnly else { throw .readOnly }
        let result: R
        do {
            result = try body()
        } catch {
            if batchDepth == 0 { abort() }
            throw error
        }
        transaction.changed = true
        if batchDepth == 0 { try commitOrAbort() }
        return result
    }

    private func commitOrAbort() throws(VolumeError) {
        do { try commit() } catch {
            abort()
            throw error
        }
    }

    /// Commits the changes made so far inside an open batch, which stays open.
    public func commitPending() throws(VolumeError) {
        guard transaction.changed || trie.hasChanges else { return }
        try commitOrAbort()
    }

    /// Makes the current transaction durable (the five steps in the type's documentation).
    func commit() throws(VolumeError) {
        try writePendingRecords()
        guard transaction.changed || trie.hasChanges else { return }
        if let (error, _) = damagedPrimary { throw .format(error) }
        let generation = committed.generation + 1
        try releaseEmptiedRecordPages()
        let replacedTriePages = try trie.writeChangedPages(generation: generation) { () throws(VolumeError) -> PageIndex in
            try allocatePage()
        }
        for page in replacedTriePages { try releasePage(page) }
        system.triePages = trie.pageIndices
        system.trieRoot = trie.root
        system.generation = generation
        // Page 0 records the count the bitfield will have once step 5 has run.
        system.usedPageCount = usedPageCount - UInt32(transaction.pagesToFree.count)
        do {
            try bitmap.writeBack()
            try store.flush()
            try store.write(system.asCopy(.primary).encode(), to: PageIndex(0))
            try store.flush()
            try store.write(system.asCopy(.backup).encode(), to: layout.backupPage)
            try store.flush()
        } catch { throw .store(error) }
        committed = system
        trie.markCommitted()
        try finishCommit(generation: generation)
    }

    /// Step 5: tombstones and frees, after the commit is durable. Not flushed here.
    private func finishCommit(generation: UInt64) throws(VolumeError) {
        let finished = transaction
        transaction = Transaction()
        for (subpage, record) in finished.supersededRecords where !finished.pagesToFree.contains(subpage.page.rawValue) {
            var tombstone = record
            tombstone.isTombstone = true
            tombstone.generation = generation
            try writeRecord(tombstone, at: subpage)
        }
        for subpage in finished.supersededRecords.map(\.subpage) + finished.deletedRecordSubpages
        where !finished.pagesToFree.contains(subpage.page.rawValue) {
            addFreeRecordSubpage(subpage)
        }
        for page in finished.pagesToFree.sorted() {
            do { if try bitmap.setUsed(page, false) { usedPageCount -= 1 } } catch { throw .store(error) }
        }
        if !finished.pagesToFree.isEmpty { freePagesAreZero = false }
        do { try bitmap.writeBack() } catch { throw .store(error) }
    }

    /// Frees, as whole pages, the record pages whose four subpages this transaction leaves
    /// free. A subpage is free when the library knows it is, when this transaction frees it,
    /// when its header is zero, or when it holds a tombstone no name leads to.
    private func releaseEmptiedRecordPages() throws(VolumeError) {
        let freedNow = transaction.supersededRecords.map(\.subpage) + transaction.deletedRecordSubpages
            + transaction.freedOwnSubpages
        let touched = Set(freedNow.map(\.page.rawValue)).sorted()
        guard !touched.isEmpty else { return }
        let freedSet = Set(freedNow)
        for page in touched {
            var allFree = true
            for slot in 0..<Geometry.subpagesPerPage {
                let subpage = PageIndex(page).subpage(slot)
                if transaction.allocatedSubpages.contains(subpage) { allFree = false; break }
                if freedSet.contains(subpage) || freeRecordSubpages.contains(subpage) { continue }
                if !(try subpageHoldsNoRecord(subpage)) {
                    allFree = false
                    break
                }
            }
            guard allFree else { continue }
            freeRecordSubpages.removeAll { $0.page.rawValue == page }
            try releasePage(PageIndex(page))
        }
    }

    /// True when the subpage's header is zero or it holds a tombstone no name leads to.
    func subpageHoldsNoRecord(_ subpage: SubpageIndex) throws(VolumeError) -> Bool {
        let bytes = try readPage(subpage.page)
        let start = subpage.slot * Geometry.subpageSize
        let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + Geometry.subpageSize)])
        switch ByteReader.uint32(in: raw, at: FileRecord.Offset.magic) ?? 0 {
        case 0:
            return true
        case FileRecord.tombstoneMagic:
            guard let tombstone = try? FileRecord.decode(raw, subpage: subpage) else { return false }
            return (try? trie.lookup(tombstone.name)) != subpage
        default:
            return false
        }
    }

    /// Adds a subpage to the free list, keeping it sorted and without duplicates so that
    /// allocation is deterministic (byte-identical images need that).
    func addFreeRecordSubpage(_ subpage: SubpageIndex) {
        var low = 0, high = freeRecordSubpages.count
        while low < high {
            let mid = (low + high) / 2
            if freeRecordSubpages[mid] < subpage { low = mid + 1 } else { high = mid }
        }
        if low < freeRecordSubpages.count, freeRecordSubpages[low] == subpage { return }
        freeRecordSubpages.insert(subpage, at: low)
    }

    /// Forgets everything since the last commit and reloads the committed state.
    func abort() {
        batchDepth = 0
        // Put back the records of deletions that will now not happen; best effort, since
        // an abort often follows an I/O error (fsck finishes such deletions otherwise).
        for (subpage, original) in transaction.tombstonedRecords.reversed() { try? writeRecord(original, at: subpage) }
        transaction = Transaction()
        trie.discardChanges()
        system = committed
        openFiles.removeAll()
        pendingRecords.removeAll()
        linkGroupIndex = nil
        freeRecordSubpages.removeAll()
        checkedRecordHint = false
        // The bitmap in memory may hold bits of this transaction: reload it from disk.
        bitmap.discardChanges()
        usedPageCount = committed.usedPageCount
    }

    /// Makes every write durable (post-commit frees included). Call before closing.
    public func close() throws(VolumeError) {
        if batchDepth == 0, transaction.changed || !pendingRecords.isEmpty { try commitOrAbort() }
        guard !isReadOnly else { return }
        do { try store.flush() } catch { throw .store(error) }
    }
}
