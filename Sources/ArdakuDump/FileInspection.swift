import ArdakuFormat

/// A file as its record and extension pages describe it, with every data page's CRC-32
/// computed again: what `--file` and `--record` show.
struct FileInspection {
    struct DataPage {
        var ordinal: Int
        var entry: PageEntry
        /// Where the entry itself is stored (in the record or an extension page).
        var entryAddress: UInt64
        /// Bytes of the file in this page (what the CRC covers).
        var byteCount: Int
        /// The CRC-32 of those bytes now; nil when the page cannot be read.
        var computed: UInt32?
        /// Why the page cannot be read or does not belong where it is.
        var problem: String?
        /// Whether the bitfield marks the page used (nil for a hole, or no bitfield page).
        var marked: Bool?

        var check: FieldCheck {
            if let problem { return .invalid(problem) }
            guard let computed else { return .invalid("not read") }
            return computed == entry.checksum ? .checksumOK(computed) : .checksumMismatch(stored: entry.checksum, computed: computed)
        }
    }

    var record: RecordContents
    var extensionPages: [ExtensionContents] = []
    var dataPages: [DataPage] = []
    var problems: [String] = []

    /// Reads the record at `subpage` and everything it lists.
    /// - Parameter expectedName: the name the trie files it under, when it came from the trie.
    init?(scan: VolumeScan, subpage: UInt32, expectedName: [UInt8]?) {
        guard let bytes = scan.image.subpage(subpage) else { return nil }
        record = RecordFields.record(bytes, subpage: subpage, scan: scan, expectedName: expectedName)
        if !scan.allocatablePages.contains(UInt64(subpage >> 2)) {
            problems.append("subpage \(subpage) lies in page \(subpage >> 2), outside the allocatable pages")
        }
        guard record.kind == .live || record.kind == .tombstone else { return }

        var entries = record.inlineEntries
        let inlineStart = record.view.field("inline_entries")?.offset ?? 0
        var addresses = (0..<entries.count).map { inlineStart + UInt64(8 * $0) }
        // Each page is listed once at most; a repeat is shown but not followed again.
        var seen: Set<UInt32> = []
        for (sequence, page) in record.extensionPages.enumerated() {
            guard seen.insert(page).inserted else {
                problems.append("extension page \(sequence) is page \(page), already listed before")
                continue
            }
            guard scan.allocatablePages.contains(UInt64(page)) else {
                problems.append("extension page \(sequence) is page \(page), outside the allocatable pages")
                continue
            }
            guard let pageBytes = scan.image.page(page) else {
                problems.append("extension page \(sequence) is page \(page), past the end of the image")
                continue
            }
            let contents = RecordFields.extensionPage(pageBytes, page: page, sequence: sequence, fileID: record.fileID)
            extensionPages.append(contents)
            entries += contents.entries
            addresses += (0..<contents.entries.count).map { (UInt64(page) << 16) + UInt64(ExtensionPage.headerSize + 8 * $0) }
        }
        if UInt64(entries.count) != record.dataPageCount {
            problems.append("the record and its extension pages list \(entries.count) data pages, data_page_count is \(record.dataPageCount)")
        }

        // A CRC is computed once per (page, length), however often a hostile list repeats it.
        var computedCRCs: [UInt64: UInt32] = [:]
        dataPages.reserveCapacity(entries.count)
        for (ordinal, entry) in entries.enumerated() {
            let count = PageEntry.bytesInPage(ordinal: UInt64(ordinal), byteLength: record.byteLength)
            var page = DataPage(ordinal: ordinal, entry: entry, entryAddress: addresses[ordinal], byteCount: count,
                                computed: nil, problem: nil, marked: entry.isHole ? nil : scan.isMarked(UInt64(entry.page.rawValue)))
            if entry.isHole {
                // Keyed past every page index: the CRC of `count` zeros.
                let key = UInt64(1) << 63 | UInt64(count)
                if let known = computedCRCs[key] {
                    page.computed = known
                } else {
                    let crc = CRC32.checksumOfZeros(count: count)
                    computedCRCs[key] = crc
                    page.computed = crc
                }
            } else if !scan.allocatablePages.contains(UInt64(entry.page.rawValue)) {
                page.problem = "page \(entry.page.rawValue) is outside the allocatable pages"
            } else if let bytes = scan.image.bytes(at: UInt64(entry.page.rawValue) << 16, count: count) {
                let key = UInt64(entry.page.rawValue) << 17 | UInt64(count)
                if let known = computedCRCs[key] {
                    page.computed = known
                } else {
                    let crc = CRC32.checksum(bytes)
                    computedCRCs[key] = crc
                    page.computed = crc
                }
            } else {
                page.problem = "page \(entry.page.rawValue) lies past the end of the image"
            }
            dataPages.append(page)
        }
    }

    var mismatchCount: Int { dataPages.filter { $0.check.isProblem }.count }
}
