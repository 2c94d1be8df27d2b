import ArdakuFormat

/// Which structure owns each page: the reverse of every reference from page 0 down
/// (debugfs `icheck` for the whole volume), compared with the bitfield.
struct OwnerMap {
    enum Owner: Equatable {
        case systemBlock(copy: Int)
        /// Bitfield page `index` (0-based), covering pages `first...last`.
        case bitfield(index: Int, first: UInt64, last: UInt64)
        case triePage(ordinal: Int)
        /// A page holding metadata records; `subpages` says what each of the four holds.
        case records
        case extensionPage(file: Int, sequence: Int)
        case dataPage(file: Int, ordinal: Int)
    }

    /// What one subpage of a record page holds.
    enum SubpageState: Equatable {
        /// The record of a file the trie names (index into `files`), and its magic's kind.
        case record(file: Int, kind: RecordContents.Kind)
        case free
        case tombstone(name: [UInt8])
        /// A live record nothing names: an orphan, or superseded.
        case unreferenced(name: [UInt8])
        case notARecord
        case pastEnd
    }

    struct PageOwners {
        /// The first owners found (at most `OwnerMap.ownersKept`).
        var owners: [Owner] = []
        /// Owners beyond those kept.
        var more = 0
        var total: Int { owners.count + more }
    }

    /// Owners kept per page; enough to show a conflict, bounded whatever the image claims.
    static let ownersKept = 4

    let scan: VolumeScan
    private(set) var files: [TrieFile] = []
    private(set) var pages: [UInt32: PageOwners] = [:]
    private(set) var subpages: [UInt32: SubpageState] = [:]
    private(set) var problems: [String] = []

    /// Builds the map: fixed structures, trie pages, then every file's record, extension
    /// pages and data pages. At most `entryBudget` page entries are followed in all.
    init(scan: VolumeScan) {
        self.scan = scan
        let walk = TrieWalk(scan: scan)
        let result = walk.run()
        files = result.files
        if result.problemCount > 0 { problems.append("the trie walk found \(result.problemCount) problems (see --trie)") }

        if scan.imagePages > 0 { claim(0, .systemBlock(copy: 0)) }
        for index in 0..<scan.bitfieldPageCount {
            let first = UInt64(index) * UInt64(Limits.pagesPerBitfieldPage)
            let last = min(scan.totalPageCount, first + UInt64(Limits.pagesPerBitfieldPage)) - 1
            claim(UInt64(1 + index), .bitfield(index: index, first: first, last: last))
        }
        if let backup = scan.lastPage, backup > UInt64(scan.bitfieldPageCount) { claim(backup, .systemBlock(copy: 1)) }
        for (ordinal, page) in walk.pages.pageIndices.enumerated() { claim(UInt64(page), .triePage(ordinal: ordinal)) }

        let entryBudget = max(1 << 26, 4 * Int(scan.totalPageCount))
        var budget = entryBudget
        var recordPages: Set<UInt32> = []
        for (index, file) in files.enumerated() {
            let page = file.subpage >> 2
            if recordPages.insert(page).inserted { claim(UInt64(page), .records) }
            guard let bytes = scan.image.subpage(file.subpage) else {
                setSubpage(file.subpage, .pastEnd)
                continue
            }
            let record = RecordFields.record(bytes, subpage: file.subpage, scan: scan, expectedName: file.name)
            if subpages[file.subpage] != nil {
                problems.append("subpage \(file.subpage) is the record of more than one name (\(TextFormat.escaped(file.name)))")
            }
            setSubpage(file.subpage, .record(file: index, kind: record.kind))
            guard record.kind == .live || record.kind == .tombstone else { continue }
            var ordinal = 0
            for entry in record.inlineEntries where budget > 0 {
                if !entry.isHole { claim(UInt64(entry.page.rawValue), .dataPage(file: index, ordinal: ordinal)) }
                ordinal += 1
                budget -= 1
            }
            // A page listed twice is claimed twice (and shown so), but followed once.
            var followed: Set<UInt32> = []
            for (sequence, page) in record.extensionPages.enumerated() where budget > 0 {
                claim(UInt64(page), .extensionPage(file: index, sequence: sequence))
                guard followed.insert(page).inserted, scan.allocatablePages.contains(UInt64(page)),
                      let pageBytes = scan.image.page(page) else { continue }
                let contents = RecordFields.extensionPage(pageBytes, page: page, sequence: sequence, fileID: record.fileID)
                for entry in contents.entries where budget > 0 {
                    if !entry.isHole { claim(UInt64(entry.page.rawValue), .dataPage(file: index, ordinal: ordinal)) }
                    ordinal += 1
                    budget -= 1
                }
            }
            if budget <= 0 {
                problems.append("stopped following page entries after \(entryBudget) of them")
                break
            }
        }
        // The other subpages of record pages: free, tombstones, or records nothing names.
        for page in recordPages {
            for slot in 0..<UInt32(Geometry.subpagesPerPage) where subpages[page << 2 | slot] == nil {
                let subpage = page << 2 | slot
                guard let bytes = scan.image.subpage(subpage) else { setSubpage(subpage, .pastEnd); continue }
                let magic = ByteReader.uint32(in: bytes, at: FileRecord.Offset.magic) ?? 0
                if magic == 0 {
                    setSubpage(subpage, .free)
                } else if magic == FileRecord.tombstoneMagic || magic == FileRecord.magic {
                    let name = RecordFields.record(bytes, subpage: subpage, scan: scan, expectedName: nil).name
                    setSubpage(subpage, magic == FileRecord.magic ? .unreferenced(name: name) : .tombstone(name: name))
                } else {
                    setSubpage(subpage, .notARecord)
                }
            }
        }
    }

    private mutating func claim(_ page: UInt64, _ owner: Owner) {
        guard page <= UInt64(UInt32.max) else { return }
        var entry = pages[UInt32(page)] ?? PageOwners()
        if entry.owners.count < Self.ownersKept { entry.owners.append(owner) } else { entry.more += 1 }
        pages[UInt32(page)] = entry
    }

    private mutating func setSubpage(_ subpage: UInt32, _ state: SubpageState) {
        subpages[subpage] = state
    }

    /// What owns `page`.
    func owners(of page: UInt64) -> PageOwners? {
        page <= UInt64(UInt32.max) ? pages[UInt32(page)] : nil
    }

    /// The name of file `index`, escaped for text.
    func name(_ index: Int) -> String { TextFormat.escaped(files[index].name, quoted: false) }
}
