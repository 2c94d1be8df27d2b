import ArdakuFormat

/// What `stat` and `list` tell about one file.
public struct ZestFileInfo: Equatable, Sendable {
    public var name: FileName
    /// Bytes of the file.
    public var size: UInt32
    /// Bytes its content takes in the segments.
    public var storedSize: UInt32
    public var codec: ZestCodec?
    public var contentCRC: UInt32
    /// The dictionary it was compressed with, 0 for none.
    public var dictionaryID: UInt16
    /// Its segments.
    public var segments: SegmentRun
}

extension ZestVolume {
    /// Number of files.
    public var fileCount: Int { nameIndex.count }

    public func contains(_ name: FileName) -> Bool { nameIndex[NameKey(name.bytes)] != nil }

    func info(_ record: Record) -> ZestFileInfo? {
        guard let name = try? FileName(bytes: record.entry.name) else { return nil }
        return ZestFileInfo(name: name, size: record.entry.originalLength, storedSize: record.entry.storedLength,
                            codec: record.entry.codec, contentCRC: record.entry.contentCRC,
                            dictionaryID: record.entry.dictionaryID, segments: record.run)
    }

    /// What the table says about `name`.
    public func stat(_ name: FileName) throws(ZestError) -> ZestFileInfo {
        guard let id = nameIndex[NameKey(name.bytes)], let record = records[id], let info = info(record) else {
            throw ZestError(.fileNotFound(name.string))
        }
        return info
    }

    /// Every file whose name starts with `prefix`, sorted by name. A prefix ending in "/"
    /// lists a directory and everything below it.
    ///
    /// - Complexity: O(n + m log m) for n files and m matches.
    public func list(prefix: String = "/") -> [ZestFileInfo] {
        let prefixBytes = Array(prefix.utf8)
        var result: [ZestFileInfo] = []
        for (name, id) in nameIndex where name.bytes.starts(with: prefixBytes) {
            if let record = records[id], let info = info(record) { result.append(info) }
        }
        result.sort { $0.name < $1.name }
        return result
    }

    /// The content of `name`, its CRC32 verified.
    ///
    /// - Throws: `.fileNotFound`; `.contentChecksumMismatch`, `.decompressionFailed`,
    ///   `.missingDictionary` or `.unsupportedEntry` when the stored content is damaged.
    public func read(_ name: FileName) throws(ZestError) -> [UInt8] {
        guard let id = nameIndex[NameKey(name.bytes)], let record = records[id] else { throw ZestError(.fileNotFound(name.string)) }
        let stored = try readStored(record.entry)
        return try decode(record.entry, stored: stored)
    }

    /// The stored bytes of `entry`, as they are in its segments.
    func readStored(_ entry: ZestEntry) throws(ZestError) -> [UInt8] {
        guard entry.storedLength <= ZestLimits.maxFileBytes else {
            throw ZestError(.unsupportedEntry(name: String(decoding: entry.name, as: UTF8.self), detail: "stored length over the limit"))
        }
        guard entry.storedLength > 0 else { return [] }
        return try storeRead(at: byteOffset(ofSegment: entry.segmentStart), count: Int(entry.storedLength))
    }

    func decode(_ entry: ZestEntry, stored: [UInt8]) throws(ZestError) -> [UInt8] {
        try stored.withZestBytes { raw throws(ZestError) in try decode(entry, stored: raw) }
    }

    func decode(_ entry: ZestEntry, stored: UnsafeRawBufferPointer) throws(ZestError) -> [UInt8] {
        var dictionary: [UInt8]?
        if entry.kind == .file, entry.codec == .deflate, entry.dictionaryID != 0 {
            dictionary = try dictionaryBytes(entry.dictionaryID, for: String(decoding: entry.name, as: UTF8.self))
        }
        return try contentDecoder.decode(entry, stored: stored, dictionary: dictionary)
            .mapError { failure in Self.error(failure, entry: entry, segmentSize: header.segmentSize) }.get()
    }

    /// The error a read reports for `failure` of `entry`'s content.
    static func error(_ failure: ZestContentFailure, entry: ZestEntry, segmentSize: UInt32) -> ZestError {
        let name = String(decoding: entry.name, as: UTF8.self)
        let offset = UInt64(entry.segmentStart) * UInt64(segmentSize)
        switch failure {
        case let .checksumMismatch(storedCRC, computed):
            return ZestError(.contentChecksumMismatch(name: name, stored: storedCRC, computed: computed), offset: offset)
        case let .inflate(reason):
            return ZestError(.decompressionFailed(name: name, reason: reason), offset: offset)
        case let .missingDictionary(id), let .damagedDictionary(id):
            return ZestError(.missingDictionary(name: name, id: id), offset: offset)
        case .unknownCodec, .inconsistentLengths:
            return ZestError(.unsupportedEntry(name: name, detail: failure.reason), offset: offset)
        }
    }
}
