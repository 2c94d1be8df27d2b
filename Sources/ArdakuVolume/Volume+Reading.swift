import ArdakuFormat

/// What `stat` and `list` report about a file.
public struct FileStatus: Equatable, Sendable {
    public let name: String
    public let nameBytes: [UInt8]
    /// Where the file's metadata record is.
    public let subpage: SubpageIndex
    public let fileID: UInt64
    public let byteLength: UInt64
    public let type: FileType
    public let modificationTime: UInt64
    public let tags: [UInt32]
    /// Data pages, holes included.
    public let dataPageCount: UInt32
    /// Data pages that hold bytes (holes excluded).
    public let allocatedDataPageCount: UInt32
    public let extensionPages: [PageIndex]
    /// The commit that last wrote the record.
    public let generation: UInt64
    /// Damage fsck recorded (empty for a sound file).
    public var flags: RecordFlags = []
    /// The attributes the record stores; nil when it stores none (`attributes` then gives
    /// the defaults such a file has).
    public var storedAttributes: RecordAttributes?

    /// The file's attributes: those stored, or a record's defaults (docs/FORMAT.md §7.2).
    public var attributes: RecordAttributes { storedAttributes ?? .defaults(modificationTime: modificationTime) }
}

/// A file decoded once: its record and the full list of its data pages.
struct OpenFile {
    var subpage: SubpageIndex
    var record: FileRecord
    var entries: [PageEntry]
    /// The entries each extension page holds, to rewrite only those that change.
    var extensionEntries: [[PageEntry]]

    /// What the file is: regular unless its attribute area says otherwise (FORMAT §7.2).
    var kind: FileAttributes.Kind { record.attributes?.file.kind ?? .regular }

    var status: FileStatus {
        FileStatus(name: String(decoding: record.name, as: UTF8.self), nameBytes: record.name, subpage: subpage,
                   fileID: record.fileID, byteLength: record.byteLength, type: record.type,
                   modificationTime: record.modificationTime, tags: record.tags,
                   dataPageCount: record.dataPageCount,
                   allocatedDataPageCount: UInt32(entries.lazy.filter { !$0.isHole }.count),
                   extensionPages: record.extensionPages, generation: record.generation, flags: record.flags,
                   storedAttributes: record.attributes)
    }
}

extension Volume {
    // MARK: Looking up files

    /// Parses `name` as a file name.
    public static func fileName(_ name: String) throws(VolumeError) -> FileName {
        do { return try FileName(name) } catch { throw .invalidName(name, error) }
    }

    /// The status of the file called `name`.
    public func stat(_ name: FileName) throws(VolumeError) -> FileStatus {
        try openFile(name).status
    }

    /// True when a file called `name` exists.
    public func exists(_ name: FileName) throws(VolumeError) -> Bool {
        try trie.lookup(name.bytes) != nil
    }

    /// True when `directory` is a directory: the root, a directory record (FORMAT §9), or a
    /// name other names start with, followed by '/'.
    public func isDirectory(_ directory: [UInt8]) throws(VolumeError) -> Bool {
        if directory == [UInt8(ascii: "/")] { return true }
        if try trie.lookup(directory) != nil, let name = try? FileName(bytes: directory) {
            return try openFile(name).kind == .directory
        }
        return try trie.hasEntries(withPrefix: directory + [UInt8(ascii: "/")])
    }

    /// True when the record of `name` is a directory record.
    public func isDirectoryRecord(_ name: FileName) throws(VolumeError) -> Bool {
        guard try trie.lookup(name.bytes) != nil else { return false }
        return try openFile(name).kind == .directory
    }

    /// Every file whose name starts with the bytes `prefix`, in byte order.
    public func list(prefix: [UInt8] = []) throws(VolumeError) -> [FileStatus] {
        var result: [FileStatus] = []
        try forEachFile(prefix: prefix) { (status: FileStatus) throws(VolumeError) -> Bool in
            result.append(status)
            return true
        }
        return result
    }

    /// Every name under `prefix` with its record subpage, in byte order: collected first,
    /// so that records are read after the trie walk, not inside it.
    func values(prefix: [UInt8]) throws(VolumeError) -> [([UInt8], SubpageIndex)] {
        var pending: [([UInt8], SubpageIndex)] = []
        try trie.forEach(prefix: prefix) { name, subpage in
            pending.append((name, subpage))
            return true
        }
        return pending
    }

    /// A file the trie names whose record or extension pages cannot be read, and why.
    public struct UnreadableFile: Sendable {
        public let name: [UInt8]
        public let error: VolumeError
    }

    /// Every file under `prefix` that can be read, and every one that cannot (a record
    /// that fails its checksum, a damaged extension page), so that one damaged file does
    /// not hide the others. Only damage to the trie itself makes the whole listing fail.
    public func listReadable(prefix: [UInt8] = []) throws(VolumeError) -> (files: [FileStatus], unreadable: [UnreadableFile]) {
        var files: [FileStatus] = [], unreadable: [UnreadableFile] = []
        for (name, subpage) in try values(prefix: prefix) {
            do { files.append(try loadFile(name: name, subpage: subpage).status) }
            catch { unreadable.append(UnreadableFile(name: name, error: error)) }
        }
        return (files, unreadable)
    }

    /// Calls `body` with each file whose name starts with `prefix`, in byte order.
    public func forEachFile(prefix: [UInt8] = [], _ body: (FileStatus) throws(VolumeError) -> Bool) throws(VolumeError) {
        for (name, subpage) in try values(prefix: prefix) {
            let file = try loadFile(name: name, subpage: subpage)
            guard try body(file.status) else { return }
        }
    }

    /// The file's data pages in order (a hole has page 0), as its record and extension
    /// pages list them.
    public func pageEntries(_ name: FileName) throws(VolumeError) -> [PageEntry] {
        try openFile(name).entries
    }

    /// Names (without status) under `prefix`; cheaper than `list` for large trees.
    public func names(prefix: [UInt8] = []) throws(VolumeError) -> [[UInt8]] {
        var result: [[UInt8]] = []
        try trie.forEach(prefix: prefix) { name, _ in result.append(name); return true }
        return result
    }

    func openFile(_ name: FileName) throws(VolumeError) -> OpenFile {
        if let cached = openFiles[name.bytes] { return cached }
        guard let subpage = try trie.lookup(name.bytes) else { throw .notFound(name.string) }
        let file = try loadFile(name: name.bytes, subpage: subpage)
        openFiles[name.bytes] = file
        return file
    }

    /// Decodes and cross-checks the record at `subpage` and its extension pages.
    func loadFile(name: [UInt8], subpage: SubpageIndex) throws(VolumeError) -> OpenFile {
        let record = try readRecord(at: subpage)
        let shownName = String(decoding: name, as: UTF8.self)
        guard !record.isTombstone else {
            throw .corrupt("\(shownName): its record at subpage \(subpage.rawValue) is a tombstone (an interrupted deletion)", address: subpage.firstByte)
        }
        guard record.name == name else {
            throw .corrupt("\(shownName): the trie leads to subpage \(subpage.rawValue), whose record is named \(String(decoding: record.name, as: UTF8.self))", address: subpage.firstByte)
        }
        guard record.volumeUUID == system.uuid else {
            throw .corrupt("\(shownName): record at subpage \(subpage.rawValue) belongs to volume \(record.volumeUUID)", address: subpage.firstByte.advanced(by: 0x10))
        }
        guard UInt64(record.dataPageCount) == PageEntry.pageCount(forLength: record.byteLength) else {
            throw .corrupt("\(shownName): data_page_count \(record.dataPageCount) does not fit byte_length \(record.byteLength)", address: subpage.firstByte.advanced(by: 0x40))
        }
        var entries = record.inlineEntries
        var extensionEntries: [[PageEntry]] = []
        for (sequence, page) in record.extensionPages.enumerated() {
            guard layout.allocatablePages.contains(page.rawValue) else {
                throw .corrupt("\(shownName): extension page \(sequence) is page \(page.rawValue), outside the volume's data pages", address: subpage.firstByte)
            }
            let extensionPage: ExtensionPage
            do { extensionPage = try ExtensionPage.decode(try store.read(page), page: page) }
            catch let error as FormatError { throw .format(error) }
            catch let error as StoreError { throw .store(error) }
            catch { throw .corrupt("\(error)", address: page.firstByte) }
            guard extensionPage.fileID == record.fileID, extensionPage.sequence == UInt32(sequence) else {
                throw .corrupt("\(shownName): extension page \(page.rawValue) belongs to file id \(extensionPage.fileID) as number \(extensionPage.sequence), expected file id \(record.fileID) number \(sequence)", address: page.firstByte)
            }
            guard entries.count + extensionPage.entries.count <= Int(record.dataPageCount) else {
                throw .corrupt("\(shownName): extension pages list more than \(record.dataPageCount) data pages", address: page.firstByte)
            }
            entries += extensionPage.entries
            extensionEntries.append(extensionPage.entries)
        }
        guard entries.count == Int(record.dataPageCount) else {
            throw .corrupt("\(shownName): lists \(entries.count) data pages, data_page_count is \(record.dataPageCount)", address: subpage.firstByte)
        }
        for (ordinal, entry) in entries.enumerated() where !entry.isHole && !layout.allocatablePages.contains(entry.page.rawValue) {
            throw .corrupt("\(shownName): data page \(ordinal) is page \(entry.page.rawValue), outside the volume's data pages", address: subpage.firstByte)
        }
        return OpenFile(subpage: subpage, record: record, entries: entries, extensionEntries: extensionEntries)
    }

    func readRecord(at subpage: SubpageIndex) throws(VolumeError) -> FileRecord {
        guard layout.allocatablePages.contains(subpage.page.rawValue) else {
            throw .corrupt("metadata record reference \(subpage.rawValue) lies outside the volume's data pages", address: nil)
        }
        let page = try readPage(subpage.page)
        let start = subpage.slot * Geometry.subpageSize
        do {
            return try FileRecord.decode(UnsafeRawBufferPointer(rebasing: page[start..<(start + Geometry.subpageSize)]), subpage: subpage)
        } catch { throw .format(error) }
    }

    // MARK: Reading content

    /// Streams the file's content to `sink` one page at a time, verifying every page's CRC-32.
    ///
    /// - Parameter sink: receives the bytes of each page in order (the file's bytes only);
    ///   a hole arrives as zeros.
    /// - Throws: `.dataChecksumMismatch` naming the page whose content does not match.
    /// - Throws: `.damaged` naming every byte range whose page does not match its CRC-32.
    public func read(_ name: FileName, _ sink: (UnsafeRawBufferPointer) throws(VolumeError) -> Void) throws(VolumeError) {
        let file = try openFile(name)
        for (ordinal, entry) in file.entries.enumerated() {
            let count = PageEntry.bytesInPage(ordinal: UInt64(ordinal), byteLength: file.record.byteLength)
            let bytes: UnsafeRawBufferPointer
            do { bytes = try verifiedBytes(of: file, ordinal: ordinal, entry: entry, count: count) } catch {
                guard case .dataChecksumMismatch = error else { throw error }
                throw .damaged(name: String(decoding: file.record.name, as: UTF8.self), ranges: try damagedRanges(of: file),
                               marked: file.record.flags.contains(.damagedData))
            }
            try sink(bytes)
        }
    }

    /// Streams the whole file to `sink` as it is on disk, pages that fail their CRC-32
    /// included, and returns the byte ranges of those pages (`ardaku get --salvage`).
    public func readSalvaging(_ name: FileName, _ sink: (UnsafeRawBufferPointer) throws(VolumeError) -> Void) throws(VolumeError) -> [Range<UInt64>] {
        let file = try openFile(name)
        var damaged: [Range<UInt64>] = []
        for (ordinal, entry) in file.entries.enumerated() {
            let count = PageEntry.bytesInPage(ordinal: UInt64(ordinal), byteLength: file.record.byteLength)
            let (bytes, matches) = try pageBytes(entry, count: count)
            if !matches { Self.append(Self.byteRange(ordinal: ordinal, count: count), to: &damaged) }
            try sink(bytes)
        }
        return damaged
    }

    /// The byte ranges of the file whose pages do not match their CRC-32, adjacent ones merged.
    public func damagedRanges(_ name: FileName) throws(VolumeError) -> [Range<UInt64>] {
        try damagedRanges(of: try openFile(name))
    }

    private func damagedRanges(of file: OpenFile) throws(VolumeError) -> [Range<UInt64>] {
        var damaged: [Range<UInt64>] = []
        for (ordinal, entry) in file.entries.enumerated() {
            let count = PageEntry.bytesInPage(ordinal: UInt64(ordinal), byteLength: file.record.byteLength)
            if try !pageBytes(entry, count: count).matches { Self.append(Self.byteRange(ordinal: ordinal, count: count), to: &damaged) }
        }
        return damaged
    }

    private static func byteRange(ordinal: Int, count: Int) -> Range<UInt64> {
        let start = UInt64(ordinal) << 16
        return start..<(start + UInt64(count))
    }

    private static func append(_ range: Range<UInt64>, to ranges: inout [Range<UInt64>]) {
        if let last = ranges.last, last.upperBound == range.lowerBound {
            ranges[ranges.count - 1] = last.lowerBound..<range.upperBound
        } else {
            ranges.append(range)
        }
    }

    /// A page's bytes of the file (zeros for a hole) and whether they match the entry's CRC-32.
    private func pageBytes(_ entry: PageEntry, count: Int) throws(VolumeError) -> (bytes: UnsafeRawBufferPointer, matches: Bool) {
        if entry.isHole {
            return (UnsafeRawBufferPointer(rebasing: Zeros.page[0..<count]), CRC32.checksumOfZeros(count: count) == entry.checksum)
        }
        let bytes = UnsafeRawBufferPointer(rebasing: try readPage(entry.page)[0..<count])
        return (bytes, CRC32.checksum(bytes) == entry.checksum)
    }

    /// The whole file, verified.
    public func readAll(_ name: FileName) throws(VolumeError) -> [UInt8] {
        var result: [UInt8] = []
        try read(name) { (bytes: UnsafeRawBufferPointer) throws(VolumeError) in result.append(contentsOf: bytes) }
        return result
    }

    /// `buffer.count` bytes of the file from `offset`, verified; the range must lie in the file.
    public func read(_ name: FileName, at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(VolumeError) {
        let file = try openFile(name)
        let length = file.record.byteLength
        guard offset <= length, UInt64(buffer.count) <= length - offset else {
            throw .store(.outOfRange(offset: offset, count: UInt64(buffer.count), size: length))
        }
        var done = 0
        while done < buffer.count {
            let position = offset + UInt64(done)
            let ordinal = Int(position >> 16)
            let within = Int(position & 0xFFFF)
            let count = PageEntry.bytesInPage(ordinal: UInt64(ordinal), byteLength: length)
            let bytes = try verifiedBytes(of: file, ordinal: ordinal, entry: file.entries[ordinal], count: count)
            let take = min(buffer.count - done, count - within)
            UnsafeMutableRawBufferPointer(rebasing: buffer[done..<(done + take)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[within..<(within + take)]))
            done += take
        }
    }

    private func verifiedBytes(of file: OpenFile, ordinal: Int, entry: PageEntry, count: Int) throws(VolumeError) -> UnsafeRawBufferPointer {
        let bytes: UnsafeRawBufferPointer
        if entry.isHole {
            bytes = UnsafeRawBufferPointer(rebasing: Zeros.page[0..<count])
        } else {
            bytes = UnsafeRawBufferPointer(rebasing: try readPage(entry.page)[0..<count])
        }
        let computed = entry.isHole ? CRC32.checksumOfZeros(count: count) : CRC32.checksum(bytes)
        guard computed == entry.checksum else {
            throw .dataChecksumMismatch(name: String(decoding: file.record.name, as: UTF8.self), pageOrdinal: UInt64(ordinal),
                                        page: entry.page, stored: entry.checksum, computed: computed)
        }
        return bytes
    }
}
