import ArdakuFormat

extension Checker {
    /// A trie page as pass 2 found it.
    struct TriePageInfo {
        var page: Int
        /// Nil when the page cannot be used (out of range, listed twice, undecodable).
        var bytes: UnsafeRawBufferPointer?
        var slotCount = 0
        /// The page's CRC-32 holds: its bytes are as a writer left them.
        var checksumHolds = false
    }

    /// Pass 2: the File Infix Tree (docs/FORMAT.md §6).
    ///
    /// Checks the trie page list, each page's header and checksum, then walks the trie
    /// depth-first from the root, reading each node in place. Every node is visited at most
    /// once (a bitmap over (ordinal, slot) catches loops and shared subtrees), a walk never
    /// goes deeper than a name can be long, and every name that ends at a value is checked
    /// as a file name and followed to its record: the record must be live, belong to this
    /// volume and bear the same name. A damaged trie page is salvaged when its nodes still
    /// decode (the names are then checked against the records), and marks the trie for a
    /// rebuild.
    func checkTrie() -> Bool {
        let ordinals = system.triePages.count
        var pages: [TriePageInfo] = []
        pages.reserveCapacity(ordinals)
        var totalSlots: UInt64 = 0
        for (ordinal, index) in system.triePages.enumerated() {
            let page = Int(index.rawValue)
            var info = TriePageInfo(page: page)
            defer { pages.append(info) }
            guard allocatable.contains(page) else {
                emit(ArdakuFindings.triePageOutOfRange, FindingContext(page: index.rawValue, detail: "ordinal \(ordinal)"))
                trieStructureBroken = true
                continue
            }
            guard listedTriePages.testAndInsert(page) else {
                let first = system.triePages.firstIndex(of: index) ?? 0
                emit(ArdakuFindings.triePageListedTwice, FindingContext(page: index.rawValue, detail: "ordinals \(first) and \(ordinal)"))
                trieStructureBroken = true
                continue
            }
            guard let bytes = pageBytes(page) else { continue }
            let header: TriePage.Header
            do {
                header = try TriePage.decodeHeader(bytes, page: index, verifyChecksum: false)
            } catch {
                emit(ArdakuFindings.triePageUnreadable,
                     FindingContext(page: index.rawValue, offset: error.address?.rawValue, actual: error.reason, detail: "ordinal \(ordinal)"))
                trieStructureBroken = true
                continue
            }
            if header.storedChecksum != header.computedChecksum {
                emit(ArdakuFindings.triePageChecksum,
                     FindingContext(page: index.rawValue, offset: index.firstByte.rawValue + 4,
                                    expected: Hex.format(header.computedChecksum, width: 8),
                                    actual: Hex.format(header.storedChecksum, width: 8), detail: "ordinal \(ordinal)"))
                trieStructureBroken = true
            }
            if Int(header.ordinal) != ordinal {
                emit(ArdakuFindings.triePageOrdinal, FindingContext(page: index.rawValue, offset: index.firstByte.rawValue + 8,
                                                                      expected: String(ordinal), actual: String(header.ordinal)))
                trieStructureBroken = true
            }
            if header.reserved != 0 {
                emit(ArdakuFindings.nodeReservedBits, FindingContext(page: index.rawValue, actual: Hex.format(header.reserved, width: 8),
                                                                       detail: "header of trie page \(ordinal)"))
                trieStructureBroken = true
            }
            info.bytes = bytes
            info.checksumHolds = header.storedChecksum == header.computedChecksum
            info.slotCount = header.slotOffsets.count
            totalSlots += UInt64(info.slotCount)
            metadataPages.insert(page)
        }
        for (ordinal, info) in pages.enumerated() { checkStrayBytes(info, ordinal: ordinal) }
        var walk = TrieWalk(checker: self, pages: pages, totalSlots: totalSlots)
        walk.run()
        currentStatistics.items = walk.nodesVisited
        if trieStructureBroken { trieDamaged = true }
        if report.findings.contains(where: { $0.pass == .trie && $0.severity == .error }) { trieDamaged = true }
        return true
    }
}

extension Checker {
    /// FORMAT §6.2: outside the header, the slot table and the nodes the slots point at,
    /// every byte of a trie page is zero. A byte there is no name, but a writer never puts
    /// it there: damage, or bytes a newer writer means something by.
    /// A page that fails its checksum is reported as such and rebuilt already.
    func checkStrayBytes(_ info: TriePageInfo, ordinal: Int) {
        guard let bytes = info.bytes, info.checksumHolds else { return }
        var used: [Range<Int>] = [0..<(TriePage.headerSize + 2 * info.slotCount)]
        for slot in 0..<info.slotCount {
            guard let offset = ByteReader.uint16(in: bytes, at: TriePage.headerSize + 2 * slot), offset != 0 else { continue }
            // A node that does not decode has no known end: the walk reports it.
            guard case .success(let node) = NodeView.read(bytes, at: Int(offset)) else { return }
            used.append(node.offset..<(node.labelStart + node.labelLength))
        }
        used.sort { $0.lowerBound < $1.lowerBound }
        var position = 0
        for range in used + [bytes.count..<bytes.count] {
            if range.lowerBound > position, let first = Zeros.firstNonZero(bytes, in: position..<range.lowerBound) {
                emit(ArdakuFindings.triePageStrayBytes,
                     FindingContext(page: UInt32(info.page), offset: UInt64(info.page) << 16 + UInt64(first),
                                    actual: Hex.format(bytes[first], width: 2), detail: String(ordinal)))
                trieStructureBroken = true
                return
            }
            position = max(position, range.upperBound)
        }
    }
}

/// The depth-first walk of pass 2, with its name buffer and visited-node bitmap.
struct TrieWalk {
    /// Strong: the walk is a local of `checkTrie`, so no cycle, and reading a strong `let`
    /// costs nothing where an unowned one costs a retain and a release per use.
    let checker: Checker
    let pages: [Checker.TriePageInfo]
    let totalSlots: UInt64
    /// The name spelled so far; 1020 bytes plus room for one more label.
    var name = [UInt8](repeating: 0, count: 2 * Limits.maxNameBytes + 8)
    let visited: Bitmap
    var nodesVisited: UInt64 = 0
    /// The batch of values being collected, and their names.
    var pending: [PendingValue] = []
    var pendingNames: [UInt8] = []
    /// The batch collected before it: hinted to the store, followed once `pending` is full.
    var hinted: [PendingValue] = []
    var hintedNames: [UInt8] = []

    struct Frame {
        var node: NodeView
        var reference: NodeReference
        var nameLength: Int
        var nextChild: Int
    }

    init(checker: Checker, pages: [Checker.TriePageInfo], totalSlots: UInt64) {
        self.checker = checker
        self.pages = pages
        self.totalSlots = totalSlots
        visited = Bitmap(count: max(1, pages.count) * Limits.maxSlotsPerTriePage)
    }

    mutating func run() {
        let rootReference = checker.system.trieRoot
        guard let root = resolve(rootReference, from: "the root reference in page 0") else {
            checker.emit(ArdakuFindings.rootInvalid, FindingContext(page: 0, offset: UInt64(SystemInformationBlock.Offset.trieRoot), actual: "it names no usable node",
                                                                    detail: rootReference.description))
            checker.trieStructureBroken = true
            return
        }
        visited.insert(index(rootReference))
        nodesVisited = 1
        if root.labelLength != 0 || root.hasValue {
            checker.emit(ArdakuFindings.rootInvalid,
                         FindingContext(page: UInt32(pages[rootReference.ordinal].page),
                                        actual: root.hasValue ? "it holds a value" : "it has a label of \(root.labelLength) bytes",
                                        detail: rootReference.description))
            checker.trieStructureBroken = true
        }
        checkNodeBits(root, rootReference)
        checkSorted(root, rootReference)
        var stack: [Frame] = [Frame(node: root, reference: rootReference, nameLength: 0, nextChild: 0)]
        while let top = stack.last {
            if nodesVisited & 0x3FF == 0 { checker.progress(nodesVisited, of: max(totalSlots, nodesVisited)) }
            guard top.nextChild < top.node.childCount else {
                stack.removeLast()
                continue
            }
            stack[stack.count - 1].nextChild += 1
            let childIndex = top.nextChild
            let childReference = top.node.childReference(childIndex)
            let filedUnder = top.node.childByte(childIndex)
            guard let child = resolve(childReference, from: "child \(childIndex) of node \(top.reference)") else {
                checker.trieStructureBroken = true
                continue
            }
            guard visited.testAndInsert(index(childReference)) else {
                checker.emit(ArdakuFindings.nodeReachedTwice, FindingContext(page: UInt32(pages[childReference.ordinal].page),
                                                                              detail: childReference.description))
                checker.trieStructureBroken = true
                continue
            }
            nodesVisited += 1
            let pageIndex = UInt32(pages[childReference.ordinal].page)
            if child.labelLength == 0 {
                checker.emit(ArdakuFindings.emptyLabel, FindingContext(page: pageIndex, detail: childReference.description))
                checker.trieStructureBroken = true
            } else if child.labelByte(0) != filedUnder {
                checker.emit(ArdakuFindings.childLabelMismatch,
                             FindingContext(page: pageIndex, expected: Hex.format(filedUnder, width: 2),
                                            actual: Hex.format(child.labelByte(0), width: 2), detail: childReference.description))
                checker.trieStructureBroken = true
            }
            checkNodeBits(child, childReference)
            let nameLength = top.nameLength + child.labelLength
            guard nameLength <= Limits.maxNameBytes, stack.count < Limits.maxTrieDepth else {
                checker.emit(ArdakuFindings.pathTooLong, FindingContext(page: pageIndex, detail: childReference.description))
                checker.trieStructureBroken = true
                continue
            }
            for offset in 0..<child.labelLength { name[top.nameLength + offset] = child.labelByte(offset) }
            checkSorted(child, childReference)
            if child.hasValue {
                enqueueValue(of: child, nameLength: nameLength)
            } else if child.childCount < 2 {
                checker.trieNonCanonical = true
                checker.emit(ArdakuFindings.nonCanonicalNode, FindingContext(page: pageIndex, actual: String(child.childCount),
                                                                              detail: childReference.description))
            }
            stack.append(Frame(node: child, reference: childReference, nameLength: nameLength, nextChild: 0))
        }
        rotateBatch()
        followHinted()
        // The last batch is left to the unmapping at the end: nothing runs alongside it now.
        checker.progress(nodesVisited, of: max(totalSlots, nodesVisited))
    }

    // MARK: Following values, in batches

    /// A name waiting to be followed to its record.
    struct PendingValue {
        var subpage: UInt32
        var nameStart: Int
        var nameLength: Int
        var filesUnderSlash: Bool
    }

    /// Values are followed in batches sorted by subpage, so that records are read in the
    /// order they lie on disk, not in the trie's: on a large volume that turns random page
    /// faults and cache misses into sequential ones. A batch holds at most 4096 names and
    /// 1 MiB of name bytes, and two batches are held at a time (the one collected and the
    /// one hinted before it), so memory stays bounded.
    static let batchValues = 4096
    static let batchNameBytes = 1 << 20

    private mutating func enqueueValue(of node: NodeView, nameLength: Int) {
        pending.append(PendingValue(subpage: node.value, nameStart: pendingNames.count, nameLength: nameLength,
                                    filesUnderSlash: hasChildFiledUnderSlash(node)))
        pendingNames.append(contentsOf: name[0..<nameLength])
        if pending.count >= Self.batchValues || pendingNames.count >= Self.batchNameBytes { rotateBatch() }
    }

    /// Sorts and hints the batch being collected, follows the batch hinted before it, and
    /// makes the new one the next to follow: the store fetches (cold) or maps (warm, with
    /// a prefetcher) the records of one batch while the walk checks those of the one before.
    private mutating func rotateBatch() {
        pending.sort { $0.subpage != $1.subpage ? $0.subpage < $1.subpage : $0.nameStart < $1.nameStart }
        checker.store.willRead(Checker.recordRanges(pending.lazy.map { Int($0.subpage) }))
        let done = Self.pageRuns(of: hinted, sparing: pending)
        followHinted()
        if done.count <= Self.maxDoneRuns {
            checker.store.doneReading(done.map { UInt64($0.lowerBound) << 16..<UInt64($0.upperBound) << 16 })
        }
        swap(&pending, &hinted)
        swap(&pendingNames, &hintedNames)
    }

    /// At most this many runs of pages are handed to `PageStore.doneReading` per batch: each
    /// is a system call that interrupts the walk's CPU (a TLB flush); a batch scattered over
    /// more is left to the unmapping at the end.
    static let maxDoneRuns = 64
    /// Pages between two of a batch's record pages are taken into one run up to this gap.
    static let doneRunGap = 4

    /// The record pages of `batch` (sorted by subpage) as runs of pages, merged across gaps
    /// of up to `doneRunGap` pages that hold no record of `next` (sorted by subpage): those
    /// are being fetched for the walk's next batch.
    static func pageRuns(of batch: [PendingValue], sparing next: [PendingValue]) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var nextIndex = 0
        for value in batch {
            let page = Int(value.subpage >> 2)
            // Skip the next batch's pages below this one; the first left is the one to spare.
            while nextIndex < next.count, Int(next[nextIndex].subpage >> 2) < page { nextIndex += 1 }
            if nextIndex < next.count, Int(next[nextIndex].subpage >> 2) == page { continue }
            if let last = runs.last, page < last.upperBound { continue }
            if let last = runs.last, page - last.upperBound <= doneRunGap,
               !(nextIndex > 0 && Int(next[nextIndex - 1].subpage >> 2) >= last.upperBound) {
                runs[runs.count - 1] = last.lowerBound..<(page + 1)
            } else {
                runs.append(page..<(page + 1))
                if runs.count > maxDoneRuns { return runs }
            }
        }
        return runs
    }

    private mutating func followHinted() {
        for value in hinted {
            hintedNames.withUnsafeBufferPointer { names in
                followValue(UnsafeBufferPointer(rebasing: names[value.nameStart..<(value.nameStart + value.nameLength)]),
                            subpage: value.subpage, filesUnderSlash: value.filesUnderSlash)
            }
        }
        hinted.removeAll(keepingCapacity: true)
        hintedNames.removeAll(keepingCapacity: true)
    }

    private func index(_ reference: NodeReference) -> Int { reference.ordinal * Limits.maxSlotsPerTriePage + reference.slot }

    /// The node a reference names, or nil (with a finding unless its page was already reported).
    /// `origin` is built only for a finding: building it for every node cost more than the check.
    private func resolve(_ reference: NodeReference, from origin: @autoclosure () -> String) -> NodeView? {
        guard reference.ordinal < pages.count else {
            checker.emit(ArdakuFindings.badNodeReference,
                         FindingContext(actual: reference.description, detail: "\(origin()); page 0 lists \(pages.count) trie pages"))
            return nil
        }
        let info = pages[reference.ordinal]
        guard let bytes = info.bytes else { return nil }
        guard reference.slot < info.slotCount,
              let offset = ByteReader.uint16(in: bytes, at: TriePage.headerSize + 2 * reference.slot), offset != 0 else {
            checker.emit(ArdakuFindings.badNodeReference,
                         FindingContext(page: UInt32(info.page), actual: reference.description, detail: "\(origin()); no node in that slot"))
            return nil
        }
        let firstNode = TriePage.headerSize + 2 * info.slotCount
        guard Int(offset) >= firstNode else {
            checker.emit(ArdakuFindings.nodeDamaged,
                         FindingContext(page: UInt32(info.page), offset: UInt64(info.page) << 16 + UInt64(offset),
                                        actual: "its offset \(Hex.format(offset, width: 4)) lies inside the slot table", detail: reference.description))
            return nil
        }
        switch NodeView.read(bytes, at: Int(offset)) {
        case .success(let node):
            return node
        case .failure(let problem):
            checker.emit(ArdakuFindings.nodeDamaged,
                         FindingContext(page: UInt32(info.page), offset: UInt64(info.page) << 16 + UInt64(offset),
                                        actual: problem.description, detail: reference.description))
            return nil
        }
    }

    private func checkNodeBits(_ node: NodeView, _ reference: NodeReference) {
        guard node.unknownBits != 0 else { return }
        checker.emit(ArdakuFindings.nodeReservedBits, FindingContext(page: UInt32(pages[reference.ordinal].page),
                                                                      actual: Hex.format(node.unknownBits, width: 8),
                                                                      detail: reference.description))
        checker.trieStructureBroken = true
    }

    private func checkSorted(_ node: NodeView, _ reference: NodeReference) {
        guard node.firstUnsortedChild != nil else { return }
        checker.emit(ArdakuFindings.childrenUnsorted, FindingContext(page: UInt32(pages[reference.ordinal].page),
                                                                      detail: reference.description))
        checker.trieStructureBroken = true
    }

    /// Follows `name`, whose node holds `value`, to its record.
    private func followValue(_ name: UnsafeBufferPointer<UInt8>, subpage value: UInt32, filesUnderSlash: Bool) {
        let checker = self.checker
        let subpage = Int(value)
        let page = subpage >> 2
        let nameLength = name.count
        func context(_ detail: String? = nil, actual: String? = nil) -> FindingContext {
            FindingContext(name: Checker.display(name), page: UInt32(truncatingIfNeeded: page),
                           subpage: value, offset: UInt64(value) << 14, actual: actual, detail: detail)
        }
        guard checker.allocatable.contains(page) else {
            checker.emit(ArdakuFindings.valueOutOfRange, context())
            return
        }
        checker.valuePages.insert(page)
        guard var bytes = checker.subpageBytes(subpage) else { return }
        if let repaired = checker.proveOneByteRepair(of: bytes, subpage: subpage, name: name) {
            checker.emit(ArdakuFindings.recordByteRepaired,
                         FindingContext(name: Checker.display(name), page: UInt32(truncatingIfNeeded: page), subpage: value,
                                        offset: UInt64(value) << 14 + UInt64(repaired.offset),
                                        expected: repaired.proven, actual: repaired.stored,
                                        detail: repaired.field))
            bytes = repaired.bytes
        } else if let rebuilt = checker.rebuildRecord(from: bytes, subpage: subpage, name: name) {
            checker.emit(ArdakuFindings.recordRebuilt, context(problemDescription(bytes)))
            checker.rebuilt.insert(subpage)
            bytes = rebuilt.bytes
        }
        let magic = ByteReader.uint32(in: bytes, at: TriePage.Offset.magic) ?? 0
        if magic == FileRecord.tombstoneMagic {
            checker.emit(ArdakuFindings.leadsToTombstone, context())
            return
        }
        guard magic == FileRecord.magic else {
            checker.emit(ArdakuFindings.leadsToNoRecord, context(magic == 0 ? "its header is zero" : "magic \(Hex.format(magic, width: 8))"))
            return
        }
        let record: RecordView
        switch RecordView.read(bytes) {
        case .success(let view): record = view
        case .failure(let problem):
            checker.emit(ArdakuFindings.recordUnreadable, context(problem.description))
            return
        }
        guard record.uuidMatches(checker.system.uuid) else {
            let uuid = VolumeUUID(bytes: Array(bytes[RecordView.uuidOffset..<(RecordView.uuidOffset + 16)]))
            checker.emit(ArdakuFindings.foreignRecord, context(actual: uuid.description))
            return
        }
        guard record.nameEquals(name, count: nameLength) else {
            checker.emit(ArdakuFindings.nameMismatch, context(actual: Checker.display(record.name)))
            checker.mismatchTargets.insert(subpage)
            return
        }
        guard checker.reached.testAndInsert(subpage) else {
            // The same name twice (duplicate child bytes, already reported): keep one.
            checker.trieStructureBroken = true
            return
        }
        checker.recordPages.insert(page)
        if record.extensionCount > 0 { checker.withExtensions.insert(subpage) }
        checker.checkRecordInPassing(subpage, record)
        if let problem = NameRules.firstProblem(in: name) {
            if let index = checker.emit(ArdakuFindings.invalidName, context(problem)) { checker.noteFindings[subpage] = index }
            checker.renames[subpage] = .invalidName
        } else if filesUnderSlash, !Checker.isDirectoryRecord(record) {
            if let index = checker.emit(ArdakuFindings.fileIsDirectory, context()) { checker.noteFindings[subpage] = index }
            checker.renames[subpage] = .fileIsDirectory
        }
    }

    /// What is wrong with a record that a trie name leads to, for a finding.
    private func problemDescription(_ bytes: UnsafeRawBufferPointer) -> String {
        switch RecordView.read(bytes) {
        case .failure(let problem): return problem.description
        case .success(let view):
            if !view.uuidMatches(checker.system.uuid) { return "it names another volume" }
            if view.magic != FileRecord.magic { return "magic \(Hex.format(view.magic, width: 8))" }
            return "its name copy differs from the trie's"
        }
    }

    private func hasChildFiledUnderSlash(_ node: NodeView) -> Bool {
        for index in 0..<node.childCount where node.childByte(index) == UInt8(ascii: "/") { return true }
        return false
    }
}
