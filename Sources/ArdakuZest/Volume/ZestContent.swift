import ArdakuFormat
import ArdakuCodec

/// Why the content of one entry cannot be read back.
public enum ZestContentFailure: Error, Equatable, Sendable {
    /// The lengths contradict the codec or a limit (the detail says which).
    case inconsistentLengths(String)
    /// The codec byte is not one this library knows.
    case unknownCodec(UInt8)
    /// The file names a dictionary the volume does not hold.
    case missingDictionary(UInt16)
    /// The dictionary the file names is itself damaged.
    case damagedDictionary(UInt16)
    /// The stored bytes do not inflate to exactly the original length.
    case inflate(String)
    /// The content's CRC32 is not the one recorded.
    case checksumMismatch(stored: UInt32, computed: UInt32)

    public var reason: String {
        switch self {
        case let .inconsistentLengths(detail): return detail
        case let .unknownCodec(byte): return "unknown codec \(byte)"
        case let .missingDictionary(id): return "dictionary \(id) is not in the volume"
        case let .damagedDictionary(id): return "dictionary \(id) is damaged"
        case let .inflate(detail): return detail
        case let .checksumMismatch(stored, computed):
            return "content CRC32 \(Hex.format(computed, width: 8)) does not match the recorded \(Hex.format(stored, width: 8))"
        }
    }
}

/// Turns stored bytes back into a file's content, checking everything the entry claims.
///
/// Shared by the volume (reads) and the checker (verification), so that both judge a
/// file's content by the same rules.
struct ZestContentDecoder {
    private var inflater: FastRawInflater?
    /// zlib's streaming inflate, for content decoded in pieces.
    private var zlib: InflateStream?

    init() {}

    /// The problem with an entry's lengths and codec, judged before any byte is read.
    static func lengthProblem(_ entry: ZestEntry) -> ZestContentFailure? {
        guard entry.storedLength <= ZestLimits.maxFileBytes, entry.originalLength <= ZestLimits.maxFileBytes else {
            return .inconsistentLengths("length over the \(ZestLimits.maxFileBytes)-byte limit (stored \(entry.storedLength), original \(entry.originalLength))")
        }
        if entry.storedLength == 0 && entry.segmentStart != 0 {
            return .inconsistentLengths("empty content with segment start \(entry.segmentStart)")
        }
        switch entry.codec {
        case .stored:
            if entry.storedLength != entry.originalLength {
                return .inconsistentLengths("stored content of \(entry.storedLength) bytes for an original of \(entry.originalLength)")
            }
            if entry.dictionaryID != 0 && entry.kind == .file {
                return .inconsistentLengths("stored content names dictionary \(entry.dictionaryID)")
            }
        case .deflate:
            if entry.storedLength == 0 { return .inconsistentLengths("DEFLATE content of 0 bytes") }
            if UInt64(entry.originalLength) > ZestLimits.maxInflatedLength(storedLength: entry.storedLength) {
                return .inconsistentLengths("\(entry.storedLength) DEFLATE bytes cannot inflate to \(entry.originalLength)")
            }
        case nil:
            return .unknownCodec(entry.codecByte)
        }
        return nil
    }

    /// The original content of `entry` from its `stored` bytes.
    ///
    /// - Parameter dictionary: the bytes of the dictionary the entry names, or nil when
    ///   it names none (or, for a dictionary entry, always nil).
    mutating func decode(_ entry: ZestEntry, stored: UnsafeRawBufferPointer, dictionary: [UInt8]?) -> Result<[UInt8], ZestContentFailure> {
        if let problem = Self.lengthProblem(entry) { return .failure(problem) }
        precondition(stored.count == Int(entry.storedLength))
        let content: [UInt8]
        switch entry.codec {
        case .stored:
            content = Array(stored)
        case .deflate:
            if inflater == nil { inflater = FastRawInflater() }
            let usesDictionary = entry.kind == .file && entry.dictionaryID != 0
            switch inflater!.decompress(stored, originalLength: Int(entry.originalLength), dictionary: usesDictionary ? dictionary : nil) {
            case let .success(bytes): content = bytes
            case let .failure(failure): return .failure(.inflate(failure.reason))
            }
        case nil:
            return .failure(.unknownCodec(entry.codecByte))
        }
        let computed = CRC32.checksum(content)
        guard computed == entry.contentCRC else { return .failure(.checksumMismatch(stored: entry.contentCRC, computed: computed)) }
        return .success(content)
    }

    /// Content of at most this many bytes (stored plus original) is decoded whole, with the
    /// fast decoder; larger content is decoded in pieces (`stream`), so that no file is
    /// ever held whole in memory whatever its length.
    static let wholeContentBytes = 8 << 20
    /// Bytes of stored content read, and of content produced, at a time by `stream`.
    static let pieceBytes = 1 << 20

    /// Decodes `entry`'s content and hands it to `body` in pieces of at most `pieceBytes`
    /// (content of at most `wholeContentBytes` in one piece), reading its stored bytes
    /// through `readStored(offset in the content, into)`. The CRC32 is computed as the
    /// pieces pass; the lengths, the stream's end and the CRC are judged at the end.
    ///
    /// - Returns: nil when the content is intact, else why not. `body` may have been given
    ///   part of the content before a failure is found; the caller discards it.
    mutating func stream<E: Error>(_ entry: ZestEntry, dictionary: [UInt8]?,
                                   readStored: (_ offset: Int, _ into: UnsafeMutableRawBufferPointer) throws(E) -> Void,
                                   body: (UnsafeRawBufferPointer) throws(E) -> Void) throws(E) -> ZestContentFailure? {
        if let problem = Self.lengthProblem(entry) { return problem }
        let storedLength = Int(entry.storedLength), originalLength = Int(entry.originalLength)
        if storedLength + originalLength <= Self.wholeContentBytes {
            let stored = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, storedLength), alignment: 16)
            defer { stored.deallocate() }
            let bytes = UnsafeMutableRawBufferPointer(rebasing: stored[0..<storedLength])
            if storedLength > 0 { try readStored(0, bytes) }
            switch decode(entry, stored: UnsafeRawBufferPointer(bytes), dictionary: dictionary) {
            case let .success(content):
                var thrown: E?
                content.withUnsafeBytes { raw in
                    do throws(E) { try body(raw) } catch { thrown = error }
                }
                if let thrown { throw thrown }
                return nil
            case let .failure(failure):
                return failure
            }
        }
        var crc: UInt32 = 0
        switch entry.codec {
        case .stored:
            let piece = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.pieceBytes, alignment: 16)
            defer { piece.deallocate() }
            var offset = 0
            while offset < storedLength {
                let bytes = UnsafeMutableRawBufferPointer(rebasing: piece[0..<min(Self.pieceBytes, storedLength - offset)])
                try readStored(offset, bytes)
                crc = CRC32.checksum(UnsafeRawBufferPointer(bytes), continuing: crc)
                try body(UnsafeRawBufferPointer(bytes))
                offset += bytes.count
            }
        case .deflate:
            if zlib == nil {
                do throws(CodecError) { zlib = try InflateStream(framing: .raw) } catch { return .inflate(InflateFailure.outOfMemory.reason) }
            }
            let usesDictionary = entry.kind == .file && entry.dictionaryID != 0
            let failure = try zlib!.inflatePieces(storedLength: storedLength, originalLength: originalLength,
                                            dictionary: usesDictionary ? dictionary : nil,
                                            inputBytes: Self.pieceBytes, outputBytes: Self.pieceBytes,
                                            readStored: readStored) { (piece: UnsafeRawBufferPointer) throws(E) in
                crc = CRC32.checksum(piece, continuing: crc)
                try body(piece)
            }
            if let failure { return .inflate(failure.reason) }
        case nil:
            return .unknownCodec(entry.codecByte)
        }
        guard crc == entry.contentCRC else { return .checksumMismatch(stored: entry.contentCRC, computed: crc) }
        return nil
    }

    /// Checks `entry`'s content by `stream`, keeping nothing unless `keeping` (a
    /// dictionary's content, at most 32 KiB): the content, empty when not kept, or why it
    /// does not read back. Used by the checker and dumpfs, which judge without keeping.
    mutating func check<E: Error>(_ entry: ZestEntry, dictionary: [UInt8]?, keeping: Bool,
                                  readStored: (_ offset: Int, _ into: UnsafeMutableRawBufferPointer) throws(E) -> Void)
        throws(E) -> Result<[UInt8], ZestContentFailure> {
        var content: [UInt8] = []
        let failure = try stream(entry, dictionary: dictionary, readStored: readStored) { (piece: UnsafeRawBufferPointer) throws(E) in
            if keeping { content.append(contentsOf: piece) }
        }
        return failure.map { .failure($0) } ?? .success(content)
    }
}
