import ArdakuFormat
import ArdakuVolume
import Dispatch

/// The check engine: runs the numbered passes over a volume's pages, reports findings and,
/// when asked, repairs.
///
/// ```swift
/// let checker = Checker(store: image, options: CheckOptions(repair: .all, force: true))
/// let report = checker.run()
/// exit(report.exitStatus.rawValue)
/// ```
///
/// The engine reads pages through `PageStore` only and never prints. It never trusts a
/// count read from disk: every loop is bounded by a limit of the format or by the size of
/// the volume, and what it learns is kept in bitmaps over pages and subpages, so memory
/// grows with the volume, not with the number of files.
///
/// A repair is one transaction that follows the volume library's commit order
/// (docs/FORMAT.md §12): everything new goes to pages that are free in every view, then the
/// bitfield (old bits plus the new ones), flush, page 0, flush, the backup, flush, and only
/// then tombstones of replaced records and the final bitfield. Before page 0 is written the
/// engine checks the state it is about to commit, and commits nothing if that check fails.
public final class Checker {
    public let store: PageStore
    public let options: CheckOptions
    public weak var observer: CheckObserver?
    public internal(set) var report: CheckReport

    // MARK: State learned by the passes

    /// The system information block the check uses (page 0, or the backup restored).
    var system: SystemInformationBlock
    var layout: VolumeLayout
    var pageCount = 0
    var subpageCount: Int { pageCount * Geometry.subpagesPerPage }
    var systemFix = SystemFix()

    /// Page 0, the bitfield pages, the backup, and every usable trie page.
    let metadataPages = Bitmap(count: 0)
    /// Every trie page listed in page 0 that lies in the volume, usable or not.
    let listedTriePages = Bitmap(count: 0)
    /// Pages holding at least one kept record.
    let recordPages = Bitmap(count: 0)
    let extensionPages = Bitmap(count: 0)
    /// Data pages claimed by kept files (valid references only).
    let dataPages = Bitmap(count: 0)
    /// Data pages claimed more than once.
    let sharedPages = Bitmap(count: 0)
    /// Pages of every in-range subpage a trie value names (valid or not).
    let valuePages = Bitmap(count: 0)

    /// Subpages of records validly reached from the trie.
    let reached = Bitmap(count: 0)
    let withExtensions = Bitmap(count: 0)
    /// Subpages a trie name leads to whose record bears another name.
    let mismatchTargets = Bitmap(count: 0)
    /// Records the repaired volume keeps: `reached` plus reattached orphans.
    let keep = Bitmap(count: 0)
    let orphans = Bitmap(count: 0)
    /// Records to rewrite (checksum, reserved bits, page lists, shared pages, new id, ...).
    let rewrite = Bitmap(count: 0)
    /// Records with a data page or hole whose CRC-32 does not match (pass 5).
    let crcBad = Bitmap(count: 0)
    /// Uncommitted and superseded records, tombstoned before the commit.
    let garbage = Bitmap(count: 0)
    /// Records that lose their file id to another file with the same id.
    let newIDNeeded = Bitmap(count: 0)

    /// Records failing their checksum that no single-byte repair proves: rewritten with
    /// `RecordFlags.unprovenAttributes` (A3001).
    /// A set, not a bitmap: such records are rare, and a bitmap costs a bit per subpage.
    var unproven = Set<Int>()
    /// Records whose attribute area breaks a rule (A3019): rewritten without it, marked
    /// `RecordFlags.unprovenAttributes`. Rare, so a set.
    var invalidAttributes = Set<Int>()
    /// Kept records marked `RecordFlags.damagedData`, with the ordinals of the entries that
    /// fail their CRC-32 (pass 5).
    var recordedDamage: [Int: [Int]] = [:]
    /// Records rebuilt from the trie's name and their proven page lists (A2026): rewritten
    /// with `RecordFlags.unprovenAttributes`. Found in pass 2, so kept when pass 3 starts over.
    var rebuilt = Set<Int>()
    /// Marked records whose pages all match again: rewritten without the mark.
    var damageCleared = Set<Int>()
    /// Copies of records and extension pages with one byte their CRC-32 proves damaged, put
    /// right (`ProvenRepairs`); every later read of that subpage or page sees the copy.
    var proven = ProvenRepairs()

    /// Records whose name must change, and why (A2015, A2016).
    var renames: [Int: RenameReason] = [:]
    /// Index in `report.findings` of the finding a repair note belongs to, by subpage.
    var noteFindings: [Int: Int] = [:]
    /// Pass 2 found damage in the trie's structure: the repair rebuilds it.
    var trieStructureBroken = false
    /// Pass 2 found nodes the library would have merged: a repair rebuilds the trie rather
    /// than patching it, so that the repaired trie is canonical.
    var trieNonCanonical = false
    /// Pass 2 found any error: lost records are restored under their names, not in /lost+found.
    var trieDamaged = false
    /// Link groups (FORMAT §7.3) by file id: the first record met with a link count above 1
    /// leads, records that agree with it join (they claim no pages of their own).
    var linkGroups: [UInt64: LinkGroup] = [:]
    /// The file id of the group each member record joined, by subpage (the repair asks per
    /// record: a lookup, not a walk of a group of up to 65,000 members).
    var linkMembers: [Int: UInt64] = [:]
    /// Records with a link count above 1 that disagree with the group of their file id
    /// (A3021): each becomes a file of its own.
    var linkOutsiders: [Int] = []
    /// The link count each record is rewritten with (A3020, A3021).
    var linkCountFixes: [Int: UInt32] = [:]
    var maxFileID: UInt64 = 0
    let fileIDHashSeen = Bitmap(count: 0)
    let fileIDHashCollided = Bitmap(count: 0)
    var dataPageTotal: UInt64 = 0
    /// Kept files holding nested volumes, by type name.
    var nestedTypeCount: [String: Int] = [:]
    /// The bitfield pages as the store maps them (the buffers show later writes).
    var bitfieldPages: [UnsafeRawBufferPointer?] = []
    var dataByteTotal: UInt64 = 0

    /// Pass 3's findings found while pass 2 checks records in passing, reported by pass 3.
    var heldRecordFindings: [(FindingKind, FindingContext)] = []
    var holdingRecordFindings = false
    static let recordFindingBuffer = 1024
    /// Pass 2 could not check records in passing with certainty: pass 3 checks them all.
    var recordsNeedOrderedPass = false

    var currentPass: CheckPass = .systemBlock
    var currentStatistics = PassStatistics(pass: .systemBlock)
    var passStart = ContinuousClock.now

    enum RenameReason: Sendable { case invalidName, fileIsDirectory }

    /// The records of one file's names: what they must all hold (`RecordView.linkDigest`),
    /// the subpages that hold it, and the longest name among them (the entries' layout).
    struct LinkGroup {
        var digest: UInt32
        var members: [Int]
        var longestName: Int
    }

    /// Repairs of the system information block pass 1 asks for.
    struct SystemFix {
        var restorePrimary = false
        var rewriteBackup = false
        var rewriteSystem = false
    }

    public init(store: PageStore, options: CheckOptions = CheckOptions(), observer: CheckObserver? = nil) {
        self.store = store
        self.options = options
        self.observer = observer
        report = CheckReport(options: CheckOptionsSummary(options))
        system = SystemInformationBlock(label: [], totalPageCount: Limits.minPageCount, uuid: .zero, creationTime: 0,
                                        triePages: [], trieRoot: NodeReference(rawValue: 0))
        layout = VolumeLayout(totalPageCount: Limits.minPageCount)!
    }

    // MARK: Running

    /// Runs every pass, repairs as `options.repair` allows, and returns the report.
    @discardableResult
    public func run() -> CheckReport {
        guard runPass(.systemBlock, checkSystemBlock) else { return finish() }
        if !options.force && isCleanFastPath {
            report.skippedAsClean = true
            return finish()
        }
        guard runCheckPasses(includeData: options.verifyData) else { return finish() }
        decideAndRepair()
        // Pass 7 runs when the volume holds a file a registered checker understands (pass 3
        // counted them), so a build's checkers do not change the report of a volume without any.
        let registered = Set(options.nestedCheckers.map(\.fileType.description))
        if !report.cancelled && nestedTypeCount.keys.contains(where: registered.contains) {
            _ = runPass(.nested, checkNestedVolumes)
        } else {
            countSkippedNestedVolumes()
        }
        return finish()
    }

    /// Passes 2 to 6; false when cancelled.
    func runCheckPasses(includeData: Bool) -> Bool {
        guard runPass(.trie, checkTrie), runPass(.records, checkRecords), runPass(.crossChecks, checkCrossReferences)
        else { return false }
        if includeData { guard runPass(.data, checkData) else { return false } }
        return runPass(.bitfield, checkBitfield)
    }

    /// Runs one pass with timing and observer events; false stops the run (fatal or cancelled).
    func runPass(_ pass: CheckPass, _ body: () -> Bool) -> Bool {
        if options.isCancelled() {
            report.cancelled = true
            return false
        }
        currentPass = pass
        currentStatistics = PassStatistics(pass: pass)
        passStart = ContinuousClock.now
        observer?.passStarted(pass)
        let proceed = body()
        let elapsed = ContinuousClock.now - passStart
        currentStatistics.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        report.passes.append(currentStatistics)
        observer?.passFinished(currentStatistics)
        if options.isCancelled() { report.cancelled = true }
        return proceed && !report.cancelled
    }

    private func finish() -> CheckReport {
        if report.fatal == nil {
            report.summary.label = String(decoding: system.label, as: UTF8.self)
            report.summary.uuid = system.uuid.description
            report.summary.generation = system.generation
            report.summary.totalPages = system.totalPageCount
            if report.skippedAsClean {
                report.summary.usedPages = system.usedPageCount
                report.summary.files = UInt64(system.fileCount)
            } else if !report.modified {
                report.summary.usedPages = system.usedPageCount
                report.summary.files = UInt64(keep.cardinality)
                report.summary.dataBytes = dataByteTotal
            }
        }
        return report
    }

    // MARK: Findings

    /// Records a finding of the current pass; returns its index in `report.findings`.
    @discardableResult
    func emit(_ kind: FindingKind, _ context: FindingContext) -> Int? {
        if holdingRecordFindings {
            if heldRecordFindings.count < Checker.recordFindingBuffer {
                heldRecordFindings.append((kind, context))
            } else {
                // Too many to hold: pass 3 will check every record again, in order.
                recordsNeedOrderedPass = true
            }
            return nil
        }
        let reported = ReportedFinding(Finding(kind, context), pass: currentPass)
        report.counts[kind.code, default: 0] += 1
        currentStatistics.findings += 1
        observer?.found(reported)
        guard report.findings.count < options.findingLimit else {
            report.findingsOmitted += 1
            return nil
        }
        report.findings.append(reported)
        return report.findings.count - 1
    }

    func progress(_ current: UInt64, of total: UInt64) {
        observer?.progress(currentPass, current: current, total: total)
    }

    // MARK: Reading

    /// The first `bytes` bytes of page `page` in the store (the whole page by default), for
    /// `PageStore.willRead`.
    static func pageRange(_ page: Int, bytes: Int = Geometry.pageSize) -> Range<UInt64> {
        let start = UInt64(max(0, page)) << 16
        return start..<(start + UInt64(max(0, min(bytes, Geometry.pageSize))))
    }

    /// The first bytes of each record in `subpages`, where its header, name and page list
    /// start, for `PageStore.willRead`: the rest of a record is read when it is needed.
    static func recordRanges<S: Sequence>(_ subpages: S) -> [Range<UInt64>] where S.Element == Int {
        subpages.map(recordRange)
    }

    static func recordRange(_ subpage: Int) -> Range<UInt64> {
        let start = UInt64(max(0, subpage)) << 14
        return start..<(start + UInt64(Geometry.sectorSize))
    }

    /// The 16 KiB of subpage `subpage`, or nil when its page cannot be read.
    func subpageBytes(_ subpage: Int) -> UnsafeRawBufferPointer? {
        if proven.hasSubpages, let repaired = proven.subpages[subpage] { return repaired.bytes }
        guard subpage >= 0, subpage < subpageCount, let page = try? store.read(PageIndex(UInt32(subpage >> 2))) else { return nil }
        let start = (subpage & 3) * Geometry.subpageSize
        return UnsafeRawBufferPointer(rebasing: page[start..<(start + Geometry.subpageSize)])
    }

    func pageBytes(_ page: Int) -> UnsafeRawBufferPointer? {
        guard page >= 0, page < pageCount else { return nil }
        if proven.hasPages, let repaired = proven.pages[page] { return repaired.bytes }
        return try? store.read(PageIndex(UInt32(page)))
    }

    /// The record in `subpage`, when it decodes.
    func recordView(_ subpage: Int) -> RecordView? {
        guard let bytes = subpageBytes(subpage), case .success(let view) = RecordView.read(bytes) else { return nil }
        return view
    }

    /// Bits `64 * index ..< 64 * index + 64` of the bitfield on disk.
    func bitfieldWord(_ index: Int) -> UInt64 {
        let bitfieldOrdinal = index >> 13   // 2^19 pages per bitfield page, 2^13 words
        guard index >= 0, bitfieldOrdinal < bitfieldPages.count, let bytes = bitfieldPages[bitfieldOrdinal] else { return 0 }
        return ByteReader.uint64(in: bytes, at: (index & 0x1FFF) * 8) ?? 0
    }

    func bitfieldMarksUsed(_ page: Int) -> Bool {
        bitfieldWord(page / 64) & (1 << UInt64(page % 64)) != 0
    }

    var allocatable: Range<Int> { Int(layout.allocatablePages.lowerBound)..<Int(layout.allocatablePages.upperBound) }

    /// A name as messages show it: invalid UTF-8 and control bytes escaped.
    static func display<C: Collection>(_ name: C) -> String where C.Element == UInt8 {
        QuotedName.quotedName(name)
    }

    /// Sets up the bitmaps once pass 1 knows the volume's size.
    func allocateState() {
        pageCount = Int(system.totalPageCount)
        layout = VolumeLayout(totalPageCount: system.totalPageCount)!
        for bitmap in [metadataPages, listedTriePages, recordPages, extensionPages, dataPages, sharedPages, valuePages] {
            bitmap.reset(count: pageCount)
        }
        for bitmap in [reached, withExtensions, mismatchTargets, keep, orphans, rewrite, crcBad, garbage, newIDNeeded] {
            bitmap.reset(count: subpageCount)
        }
        fileIDHashSeen.reset(count: Self.fileIDHashBits(subpageCount))
        fileIDHashCollided.reset(count: fileIDHashSeen.count)
        metadataPages.insert(0)
        // The pages every later pass reads whole, fetched ahead together.
        store.willRead((layout.bitfieldPages.map { Int($0) } + system.triePages.map { Int($0.rawValue) }
            + [Int(layout.backupPage.rawValue)]).filter { $0 < pageCount }.map { Checker.pageRange($0) })
        bitfieldPages = layout.bitfieldPages.map { try? store.read(PageIndex($0)) }
        for page in layout.bitfieldPages { metadataPages.insert(Int(page)) }
        metadataPages.insert(Int(layout.backupPage.rawValue))
    }

    /// Every page the checked volume uses: what the bitfield should mark.
    func reachablePages() -> Bitmap {
        let result = metadataPages.copy()
        result.formUnion(recordPages)
        result.formUnion(extensionPages)
        result.formUnion(dataPages)
        return result
    }

    // MARK: File ids

    /// Size of the hash bitmap that finds files sharing an id: four bits per subpage, a
    /// power of two (bitmaps only, so memory stays proportional to the volume).
    static func fileIDHashBits(_ subpages: Int) -> Int {
        var bits = 1 << 16
        while bits < subpages * 4 && bits < 1 << 34 { bits <<= 1 }
        return bits
    }

    /// The bit a file id sets in the id bitmap. The library hands out ids 1, 2, 3, ... so
    /// ids below next_file_id (up to one per hash bit) get a bit each and never collide;
    /// other ids are hashed into the rest. A collision only costs a rescan of the files
    /// whose bit collided.
    func fileIDHash(_ id: UInt64) -> Int {
        let direct = UInt64(fileIDHashSeen.count / 2)
        if id < min(system.nextFileID, direct) { return Int(id) }
        var z = id &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(direct) + Int(truncatingIfNeeded: (z ^ (z >> 31)) & (direct - 1))
    }

    func noteFileID(_ id: UInt64) {
        maxFileID = max(maxFileID, id)
        let hash = fileIDHash(id)
        if !fileIDHashSeen.testAndInsert(hash) { fileIDHashCollided.insert(hash) }
    }
}
