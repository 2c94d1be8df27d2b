import ArdakuFormat

/// How a file's content is stored in its segments.
public enum ZestCodec: UInt8, Sendable, CaseIterable {
    /// The original bytes as they are.
    case stored = 0
    /// Raw DEFLATE (RFC 1951, no zlib or gzip wrapper, 32 KiB window), optionally primed
    /// with a preset dictionary held in the same volume.
    case deflate = 1
}

/// What an entry describes.
public enum ZestEntryKind: UInt8, Sendable, CaseIterable {
    /// A file: the name is its absolute path.
    case file = 0
    /// A zlib preset dictionary; its name is always "/" and `dictionaryID` is its own id.
    case dictionary = 1
}

/// One ZAT entry: a name and where and how its content is stored.
///
/// Entries follow one another in a fragment's entry area. `SZ` comes first, as in the
/// seed; an `SZ` of 0 ends the entries. Offsets are from the start of the entry:
///
/// | offset  | size | field          | meaning                                                |
/// |---------|------|----------------|--------------------------------------------------------|
/// | +0      | 2    | nameLength (SZ)| bytes of the name, 1...1020; 0 ends the entries        |
/// | +2      | SZ   | name           | UTF-8 absolute path (a dictionary: "/")                |
/// | +2+SZ   | 4    | segmentStart   | first segment of the content; 0 when storedLength is 0 |
/// | +6+SZ   | 4    | storedLength   | bytes of content in the segments                       |
/// | +10+SZ  | 4    | originalLength | bytes of the file                                      |
/// | +14+SZ  | 4    | contentCRC     | CRC32 of the original bytes                            |
/// | +18+SZ  | 1    | codec          | 0 stored, 1 raw DEFLATE                                |
/// | +19+SZ  | 1    | kind           | 0 file, 1 dictionary                                   |
/// | +20+SZ  | 2    | dictionaryID   | file: dictionary used (0 = none); dictionary: its id   |
/// | +22+SZ  | 4    | entryCRC       | CRC32 of bytes +0..<+22+SZ                             |
///
/// The entry is SZ + 26 bytes. The content occupies ceil(storedLength / segmentSize)
/// whole segments from `segmentStart`. Decoding does not judge the values (a name that is
/// not valid UTF-8, an unknown codec): that is the checker's job.
public struct ZestEntry: Equatable, Sendable {
    public var name: [UInt8]
    public var segmentStart: UInt32
    public var storedLength: UInt32
    public var originalLength: UInt32
    public var contentCRC: UInt32
    public var codecByte: UInt8
    public var kindByte: UInt8
    public var dictionaryID: UInt16

    /// Offsets of the fields, from the start of the entry (`nameLength`, `name`) or, for
    /// the fields after the name, from `fieldsOffset(nameLength:)`. The table above, once.
    public enum Field {
        public static let nameLength = 0
        public static let name = 2
        public static let segmentStart = 0
        public static let storedLength = 4
        public static let originalLength = 8
        public static let contentCRC = 12
        public static let codec = 16
        public static let kind = 17
        public static let dictionaryID = 18
        public static let entryCRC = 20
    }

    /// Offset of `segmentStart` from the start of an entry with an `nameLength`-byte name.
    public static func fieldsOffset(nameLength: Int) -> Int { Field.name + nameLength }
    /// Offset of the entry CRC.
    public static func crcOffset(nameLength: Int) -> Int { fieldsOffset(nameLength: nameLength) + Field.entryCRC }
    /// The name of every dictionary entry.
    public static let dictionaryName: [UInt8] = [UInt8(ascii: "/")]

    public init(name: [UInt8], segmentStart: UInt32, storedLength: UInt32, originalLength: UInt32,
                contentCRC: UInt32, codec: ZestCodec, kind: ZestEntryKind = .file, dictionaryID: UInt16 = 0) {
        self.name = name
        self.segmentStart = segmentStart
        self.storedLength = storedLength
        self.originalLength = originalLength
        self.contentCRC = contentCRC
        self.codecByte = codec.rawValue
        self.kindByte = kind.rawValue
        self.dictionaryID = dictionaryID
    }

    public var codec: ZestCodec? { ZestCodec(rawValue: codecByte) }
    public var kind: ZestEntryKind? { ZestEntryKind(rawValue: kindByte) }
    /// Bytes this entry takes in a fragment.
    public var encodedSize: Int { name.count + ZestLimits.entryOverhead }
    public static func encodedSize(nameLength: Int) -> Int { nameLength + ZestLimits.entryOverhead }

    /// Segments the content occupies with `segmentSize`-byte segments.
    public func segmentCount(segmentSize: UInt32) -> UInt32 {
        // Rounded up without overflow: storedLength ≤ UInt32.max and segmentSize ≥ 16.
        storedLength / segmentSize + (storedLength % segmentSize == 0 ? 0 : 1)
    }

    /// Appends the encoded entry, its CRC last.
    public func encode(into writer: inout ByteWriter) {
        precondition(!name.isEmpty && name.count <= ZestLimits.maxNameBytes, "entry name length \(name.count)")
        let start = writer.count
        writer.writeUInt16(UInt16(name.count))
        writer.writeBytes(name)
        writer.writeUInt32(segmentStart)
        writer.writeUInt32(storedLength)
        writer.writeUInt32(originalLength)
        writer.writeUInt32(contentCRC)
        writer.writeUInt8(codecByte)
        writer.writeUInt8(kindByte)
        writer.writeUInt16(dictionaryID)
        writer.writeUInt32(CRC32.checksum(writer.bytes[start...]))
    }

    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: encodedSize)
        encode(into: &writer)
        return writer.bytes
    }
}

/// An entry as decoded from its bytes, with the CRC it carries and the CRC of its bytes.
public struct ZestDecodedEntry: Sendable {
    public var entry: ZestEntry
    public var storedCRC: UInt32
    public var computedCRC: UInt32
    public var isChecksumValid: Bool { storedCRC == computedCRC }
}

extension ZestEntry {
    /// Why an SZ of `nameLength` cannot start an entry `available` bytes before the end of
    /// the entry area (it exceeds the name limit, or the entry would run past the area);
    /// nil when it can. The entries that follow cannot be found then.
    public static func sizeProblem(nameLength: Int, available: Int) -> FormatError.Kind? {
        if nameLength > ZestLimits.maxNameBytes {
            return .fieldOutOfRange(field: "entry SZ", value: UInt64(nameLength), allowed: 1...UInt64(ZestLimits.maxNameBytes))
        }
        if encodedSize(nameLength: nameLength) > available {
            return .inconsistent("entry of SZ \(nameLength) runs past the end of the entry area")
        }
        return nil
    }

    /// Decodes the entry that `bytes` holds exactly, SZ through entry CRC (`sizeProblem`
    /// found nothing wrong with its SZ). `computedCRC`, when the caller has it, is the CRC
    /// of all but the last four bytes. The one decoder of an entry: the volume, the checker
    /// and dumpfs all read entries through it.
    public static func decode(entryBytes bytes: UnsafeRawBufferPointer, computedCRC: UInt32? = nil,
                              origin: ByteAddress? = nil) throws(FormatError) -> ZestDecodedEntry {
        var reader = ByteReader(bytes, structure: "ZAT entry", origin: origin)
        let nameLength = Int(try reader.readUInt16())
        guard nameLength > 0, encodedSize(nameLength: nameLength) == bytes.count else {
            throw reader.error(.inconsistent("entry of SZ \(nameLength) does not fill its \(bytes.count) bytes"), at: Field.nameLength)
        }
        let name = try reader.readArray(nameLength)
        let segmentStart = try reader.readUInt32()
        let storedLength = try reader.readUInt32()
        let originalLength = try reader.readUInt32()
        let contentCRC = try reader.readUInt32()
        let codecByte = try reader.readUInt8()
        let kindByte = try reader.readUInt8()
        let dictionaryID = try reader.readUInt16()
        let crcOffset = reader.position
        let storedCRC = try reader.readUInt32()
        var entry = ZestEntry(name: name, segmentStart: segmentStart, storedLength: storedLength,
                              originalLength: originalLength, contentCRC: contentCRC, codec: .stored, kind: .file,
                              dictionaryID: dictionaryID)
        entry.codecByte = codecByte
        entry.kindByte = kindByte
        return ZestDecodedEntry(entry: entry, storedCRC: storedCRC,
                                computedCRC: computedCRC ?? CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[..<crcOffset])))
    }

    /// Decodes the entry at the reader's position, or returns nil at the terminator (an
    /// `SZ` of 0, or fewer than two bytes left in the entry area).
    ///
    /// - Parameter areaEnd: the offset, in the reader's bytes, where the entry area ends.
    /// - Throws: `FormatError` when `SZ` exceeds the name limit or the entry runs past
    ///   `areaEnd` (`sizeProblem`).
    public static func decode(from reader: inout ByteReader, areaEnd: Int) throws(FormatError) -> ZestDecodedEntry? {
        let start = reader.position
        guard start <= areaEnd - 2 else { return nil }
        let nameLength = Int(try reader.readUInt16())
        if nameLength == 0 { return nil }
        if let problem = sizeProblem(nameLength: nameLength, available: areaEnd - start) { throw reader.error(problem, at: start) }
        try reader.seek(to: start)
        let bytes = try reader.readBytes(encodedSize(nameLength: nameLength))
        return try decode(entryBytes: bytes, origin: reader.origin.flatMap { $0.advanced(by: UInt64(start)) })
    }
}
