import ArdakuFormat
import ArdakuCodec

extension ZestVolume {
    /// Content ready to be written: the bytes for the segments and the entry fields.
    struct PreparedContent {
        var stored: [UInt8]
        var originalLength: UInt32
        var contentCRC: UInt32
        var codec: ZestCodec
        var dictionaryID: UInt16
    }

    /// Compresses `contents` with the active dictionary, or keeps it as it is when
    /// compression does not make it smaller.
    func prepare(_ contents: [UInt8], useDictionary: Bool = true) throws(ZestError) -> PreparedContent {
        if deflater == nil { deflater = try DeflateStream.zest(level: compressionLevel) }
        let dictionaryID = useDictionary ? activeDictionaryID : nil
        let dictionary = try dictionaryID.map { id throws(ZestError) in try dictionaryBytes(id) }
        return try Self.encode(contents, deflater: deflater!, dictionary: dictionary, dictionaryID: dictionaryID ?? 0)
    }

    /// The stored form of `contents`: DEFLATE with `dictionary` (whose id is
    /// `dictionaryID`) when that is smaller, else the bytes as they are. Touches nothing
    /// but `deflater`, so workers can run it side by side, each with its own deflater.
    static func encode(_ contents: [UInt8], deflater: DeflateStream, dictionary: [UInt8]?, dictionaryID: UInt16) throws(ZestError) -> PreparedContent {
        guard contents.count <= Int(ZestLimits.maxFileBytes) else {
            throw ZestError(.fileTooLarge(bytes: contents.count, limit: ZestLimits.maxFileBytes))
        }
        let crc = CRC32.checksum(contents)
        let compressed = try contents.withZestBytes { raw throws(ZestError) in
            try deflater.zestCompress(raw, dictionary: dictionary)
        }
        if let compressed {
            return PreparedContent(stored: compressed, originalLength: UInt32(contents.count), contentCRC: crc,
                                   codec: .deflate, dictionaryID: dictionary == nil ? 0 : dictionaryID)
        }
        return PreparedContent(stored: contents, originalLength: UInt32(contents.count), contentCRC: crc,
                               codec: .stored, dictionaryID: 0)
    }

    /// Writes stored bytes into newly taken free segments, padded to whole segments.
    func writeContent(_ stored: [UInt8]) throws(ZestError) -> SegmentRun {
        let count = segmentCount(forBytes: stored.count)
        guard count > 0 else { return SegmentRun(start: 0, count: 0) }
        let run = try allocate(count)
        var padded = stored
        padded.append(contentsOf: repeatElement(0, count: Int(count) * Int(header.segmentSize) - stored.count))
        try storeWrite(padded, at: byteOffset(ofSegment: run.start))
        needsBarrier = true
        return run
    }

    // MARK: Public operations

    /// Adds a new file.
    ///
    /// - Throws: `.fileExists`, `.pathConflict`, `.fileTooLarge`, store errors.
    public func insert(_ name: FileName, _ contents: [UInt8]) throws(ZestError) {
        try requireComplete()
        guard nameIndex[NameKey(name.bytes)] == nil else { throw ZestError(.fileExists(name.string)) }
        try checkPathConflict(name.bytes, ignoring: nil)
        try insert(name, prepared: try prepare(contents))
    }

    /// Adds a new file whose name was checked and whose content is prepared.
    func insert(_ name: FileName, prepared: PreparedContent) throws(ZestError) {
        let run = try writeContent(prepared.stored)
        let entry = ZestEntry(name: name.bytes, segmentStart: run.start, storedLength: UInt32(prepared.stored.count),
                              originalLength: prepared.originalLength, contentCRC: prepared.contentCRC,
                              codec: prepared.codec, kind: .file, dictionaryID: prepared.dictionaryID)
        let id = try addRecord(entry, run: run)
        nameIndex[NameKey(name.bytes)] = id
        adjustDirectoryCounts(name.bytes, by: 1)
    }

    /// Replaces the content of an existing file. The new content goes to free segments
    /// (possibly ones freed by earlier changes); the entry keeps its place in its fragment.
    ///
    /// - Throws: `.fileNotFound`, `.fileTooLarge`, store errors.
    public func update(_ name: FileName, _ contents: [UInt8]) throws(ZestError) {
        try requireComplete()
        guard nameIndex[NameKey(name.bytes)] != nil else { throw ZestError(.fileNotFound(name.string)) }
        try update(name, prepared: try prepare(contents))
    }

    /// Replaces the content of an existing file with prepared content.
    func update(_ name: FileName, prepared: PreparedContent) throws(ZestError) {
        guard let id = nameIndex[NameKey(name.bytes)], var record = records[id] else { throw ZestError(.fileNotFound(name.string)) }
        let run = try writeContent(prepared.stored)
        release(record.run)
        record.entry.segmentStart = run.start
        record.entry.storedLength = UInt32(prepared.stored.count)
        record.entry.originalLength = prepared.originalLength
        record.entry.contentCRC = prepared.contentCRC
        record.entry.codecByte = prepared.codec.rawValue
        record.entry.dictionaryID = prepared.dictionaryID
        record.run = run
        record.fragment.isDirty = true
        records[id] = record
    }

    /// Inserts or updates.
    public func write(_ name: FileName, _ contents: [UInt8]) throws(ZestError) {
        if nameIndex[NameKey(name.bytes)] != nil { try update(name, contents) } else { try insert(name, contents) }
    }

    /// Removes a file; its segments become free after the next commit.
    public func delete(_ name: FileName) throws(ZestError) {
        try requireComplete()
        guard let id = nameIndex[NameKey(name.bytes)] else { throw ZestError(.fileNotFound(name.string)) }
        removeRecord(id)
        nameIndex[NameKey(name.bytes)] = nil
        adjustDirectoryCounts(name.bytes, by: -1)
    }

    /// Gives a file a new name. The content is not rewritten when the new entry fits the
    /// fragment of the old one; otherwise the content is copied, the new name committed,
    /// then the old name removed, so that a crash leaves the file under one name or both.
    ///
    /// - Throws: `.fileNotFound`, `.fileExists`, `.pathConflict`, store errors.
    public func rename(_ source: FileName, to target: FileName) throws(ZestError) {
        try requireComplete()
        guard let id = nameIndex[NameKey(source.bytes)], var record = records[id] else { throw ZestError(.fileNotFound(source.string)) }
        guard source != target else { return }
        guard nameIndex[NameKey(target.bytes)] == nil else { throw ZestError(.fileExists(target.string)) }
        try checkPathConflict(target.bytes, ignoring: source.bytes)
        // A name removed in this batch may come back only in the fragment it left.
        if let left = pendingRemovals[NameKey(target.bytes)], left !== record.fragment { try flush() }
        let fragment = record.fragment
        let growth = target.bytes.count - source.bytes.count
        if growth <= fragment.room {
            record.entry.name = target.bytes
            records[id] = record
            fragment.entryBytes += growth
            fragment.isDirty = true
            if pendingRemovals[NameKey(source.bytes)] == nil { pendingRemovals[NameKey(source.bytes)] = fragment }
            nameIndex[NameKey(source.bytes)] = nil
            nameIndex[NameKey(target.bytes)] = id
            adjustDirectoryCounts(source.bytes, by: -1)
            adjustDirectoryCounts(target.bytes, by: 1)
            return
        }
        // The new entry goes to another fragment: give it its own copy of the content so
        // that the two entries never share segments, commit it, then drop the old name.
        let stored = try readStored(record.entry)
        let run = try writeContent(stored)
        var entry = record.entry
        entry.name = target.bytes
        entry.segmentStart = run.start
        let newID = try addRecord(entry, run: run, avoiding: fragment)
        nameIndex[NameKey(target.bytes)] = newID
        adjustDirectoryCounts(target.bytes, by: 1)
        try flush()
        removeRecord(id)
        nameIndex[NameKey(source.bytes)] = nil
        adjustDirectoryCounts(source.bytes, by: -1)
    }

    // MARK: Table bookkeeping

    /// Puts `entry` into a fragment with room and returns its record id.
    @discardableResult
    func addRecord(_ entry: ZestEntry, run: SegmentRun, avoiding: FragmentState? = nil) throws(ZestError) -> Int {
        let fragment = try fragmentForNewEntry(name: entry.name, size: entry.encodedSize, avoiding: avoiding)
        let id = newRecordID()
        records[id] = Record(entry: entry, fragment: fragment, run: run)
        fragment.recordIDs.append(id)
        fragment.entryBytes += entry.encodedSize
        fragment.isDirty = true
        lastPlacement = fragment
        return id
    }

    func removeRecord(_ id: Int) {
        guard let record = records[id] else { return }
        let fragment = record.fragment
        if let position = fragment.recordIDs.firstIndex(of: id) { fragment.recordIDs.remove(at: position) }
        fragment.entryBytes -= record.entry.encodedSize
        fragment.isDirty = true
        if pendingRemovals[NameKey(record.entry.name)] == nil { pendingRemovals[NameKey(record.entry.name)] = fragment }
        release(record.run)
        records[id] = nil
        freeRecordIDs.append(id)
    }

    /// The fragment a new entry goes to: the one its name left in this batch if any (§Z6),
    /// else the last one used, else the first with room, else a new pair at the chain's end.
    func fragmentForNewEntry(name: [UInt8], size: Int, avoiding: FragmentState?) throws(ZestError) -> FragmentState {
        if let left = pendingRemovals[NameKey(name)] {
            if left.room >= size && left !== avoiding { return left }
            try flush()
        }
        if let last = lastPlacement, last.room >= size, last !== avoiding, fragments.contains(where: { $0 === last }) {
            return last
        }
        if let fitting = fragments.first(where: { $0.room >= size && $0 !== avoiding }) { return fitting }
        let pair = try allocate(header.segmentsPerPair)
        let fragment = FragmentState(pairSegment: pair.start, generation: 0, currentSlot: 1, recordIDs: [], entryBytes: 0)
        fragment.isNew = true
        fragment.isDirty = true
        fragments.last?.isDirty = true
        fragments.append(fragment)
        needsBarrier = true
        return fragment
    }

    // MARK: Implicit directories

    /// Throws when `name` would be a file and a directory at once.
    func checkPathConflict(_ name: [UInt8], ignoring: [UInt8]?) throws(ZestError) {
        for index in name.indices where name[index] == UInt8(ascii: "/") && index > 0 {
            let prefix = Array(name[..<index])
            if prefix != ignoring, nameIndex[NameKey(prefix)] != nil {
                throw ZestError(.pathConflict(name: String(decoding: name, as: UTF8.self), existing: String(decoding: prefix, as: UTF8.self)))
            }
        }
        if directoryCounts == nil { buildDirectoryCounts() }
        var below = directoryCounts?[NameKey(name)] ?? 0
        if let ignoring, ignoring.starts(with: name), ignoring.count > name.count, ignoring[name.count] == UInt8(ascii: "/") { below -= 1 }
        if below > 0 {
            throw ZestError(.pathConflict(name: String(decoding: name, as: UTF8.self), existing: String(decoding: name, as: UTF8.self) + "/…"))
        }
    }

    func buildDirectoryCounts() {
        var counts: [NameKey: Int] = [:]
        for key in nameIndex.keys {
            let name = key.bytes
            for index in name.indices where name[index] == UInt8(ascii: "/") && index > 0 {
                counts[NameKey(Array(name[..<index])), default: 0] += 1
            }
        }
        directoryCounts = counts
    }

    func adjustDirectoryCounts(_ name: [UInt8], by delta: Int) {
        guard directoryCounts != nil else { return }
        for index in name.indices where name[index] == UInt8(ascii: "/") && index > 0 {
            let prefix = NameKey(Array(name[..<index]))
            let count = (directoryCounts![prefix] ?? 0) + delta
            directoryCounts![prefix] = count > 0 ? count : nil
        }
    }
}
