import ArdakuFormat

/// The content of one file as `ZestVolume.readContents` hands it over: decoded whole when it
/// is small, else decoded in pieces only when it is written (`ZestContentDecoder.stream`), so
/// that no file is held whole in memory, however long.
///
/// The CRC32 of streamed content is checked as its last piece passes: `write` may hand over
/// pieces of a damaged file and then throw the `ZestError` a whole read would have thrown,
/// and the caller discards what it was given (`verify` first, when it cannot).
public struct ZestFileContent {
    private let whole: [UInt8]
    private let streamed: (volume: ZestVolume, entry: ZestEntry)?
    /// Bytes of the file.
    public let count: Int

    init(whole: [UInt8]) {
        self.whole = whole
        streamed = nil
        count = whole.count
    }

    init(streaming entry: ZestEntry, of volume: ZestVolume) {
        whole = []
        streamed = (volume, entry)
        count = Int(entry.originalLength)
    }

    /// True when the content is decoded only as it is written.
    public var isStreamed: Bool { streamed != nil }

    /// Hands the content to `body` in order, in pieces of at most 1 MiB (whole when it was
    /// decoded whole). Throws a `ZestError` when the content is damaged, possibly after
    /// some pieces, or what `body` throws.
    public func write(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let streamed else { return try whole.withUnsafeBytes(body) }
        try streamed.volume.streamContent(streamed.entry, body)
    }

    /// Decodes the content and checks it, keeping nothing: throws what `write` would.
    public func verify() throws(ZestError) {
        guard let streamed else { return }
        do { try streamed.volume.streamContent(streamed.entry) { _ in } } catch let error as ZestError { throw error } catch {
            preconditionFailure("a body that throws nothing threw \(error)")
        }
    }

    /// The whole content (for callers that need it at once, and small files).
    public func bytes() throws(ZestError) -> [UInt8] {
        guard streamed != nil else { return whole }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        do { try write { bytes.append(contentsOf: $0) } } catch let error as ZestError { throw error } catch {
            preconditionFailure("a body that throws nothing threw \(error)")
        }
        return bytes
    }
}

extension ZestVolume {
    /// Hands the content of `name` to `body` in pieces (`ZestFileContent.write`): memory
    /// stays bounded whatever the file's length.
    public func read(_ name: FileName, pieces body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let id = nameIndex[NameKey(name.bytes)], let record = records[id] else { throw ZestError(.fileNotFound(name.string)) }
        try streamContent(record.entry, body)
    }

    /// Decodes `entry`'s content piece by piece into `body`, reading its stored bytes a
    /// piece at a time; throws the error `read` would for damaged content once it is found.
    func streamContent(_ entry: ZestEntry, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var dictionary: [UInt8]?
        if entry.kind == .file, entry.codec == .deflate, entry.dictionaryID != 0 {
            dictionary = try dictionaryBytes(entry.dictionaryID, for: String(decoding: entry.name, as: UTF8.self))
        }
        try writePending()
        let base = byteOffset(ofSegment: entry.segmentStart)
        let store = self.store
        // A decoder of its own: the volume's may be in use by the caller's read.
        var decoder = ZestContentDecoder()
        let failure = try decoder.stream(entry, dictionary: dictionary, readStored: { (offset, into) throws(any Error) in
            do throws(StoreError) { try store.read(at: base + UInt64(offset), into: into) } catch { throw ZestError(store: error) }
        }, body: { (piece: UnsafeRawBufferPointer) throws(any Error) in try body(piece) })
        if let failure { throw Self.error(failure, entry: entry, segmentSize: header.segmentSize) }
    }
}
