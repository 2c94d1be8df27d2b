/// The attribute area at the end of a file-metadata record (docs/FORMAT.md §7.2): what the
/// file is besides its name and content, present only in a volume whose page 0 has
/// `IncompatFeatures.fileAttributes`.
///
/// | offset | size | field             | meaning |
/// |--------|------|-------------------|---------|
/// | +0x00  | 4    | mode              | st_mode: the kind (S_IFMT bits) and permission bits 0o7777 |
/// | +0x04  | 4    | uid               | owner |
/// | +0x08  | 4    | gid               | group |
/// | +0x0C  | 4    | link_count        | names of the file: 1 (several names are a later feature) |
/// | +0x10  | 8    | mtime_seconds     | i64 seconds since the Unix epoch |
/// | +0x18  | 8    | atime_seconds     | i64 |
/// | +0x20  | 8    | ctime_seconds     | i64 |
/// | +0x28  | 4    | mtime_nanoseconds | 0...999,999,999 |
/// | +0x2C  | 4    | atime_nanoseconds | |
/// | +0x30  | 4    | ctime_nanoseconds | |
/// | +0x34  | 4    | device            | major << 20 \| minor, for a device; zero otherwise |
/// | +0x38  | 2    | target_length     | L, bytes of a symbolic link's target; 0 otherwise |
/// | +0x3A  | 2    | xattr_count       | X, extended attributes |
/// | +0x3C  | 4    | reserved          | zero |
/// | +0x40  | L    | target            | the link's target; then zeros to a multiple of 4 |
/// | ...    |      | xattrs            | X entries: u8 name_length, u8 zero, u16 value_length, name, value, zeros to a multiple of 4 |
public struct RecordAttributes: Equatable, Sendable {
    public static let structureName = "record attributes"

    public enum Offset {
        public static let mode = 0x00
        public static let uid = 0x04
        public static let gid = 0x08
        public static let linkCount = 0x0C
        public static let modificationSeconds = 0x10
        public static let accessSeconds = 0x18
        public static let changeSeconds = 0x20
        public static let modificationNanoseconds = 0x28
        public static let accessNanoseconds = 0x2C
        public static let changeNanoseconds = 0x30
        public static let device = 0x34
        public static let targetLength = 0x38
        public static let extendedAttributeCount = 0x3A
        public static let reserved = 0x3C
        public static let target = 0x40
    }

    public static let layout: [FieldLayout] = [
        FieldLayout("mode", Offset.mode, 4, "kind (S_IFMT bits) and permission bits"),
        FieldLayout("uid", Offset.uid, 4, "owner"),
        FieldLayout("gid", Offset.gid, 4, "group"),
        FieldLayout("link_count", Offset.linkCount, 4, "names of the file"),
        FieldLayout("mtime_seconds", Offset.modificationSeconds, 8, "modification time, i64 seconds"),
        FieldLayout("atime_seconds", Offset.accessSeconds, 8, "access time, i64 seconds"),
        FieldLayout("ctime_seconds", Offset.changeSeconds, 8, "change time, i64 seconds"),
        FieldLayout("mtime_nanoseconds", Offset.modificationNanoseconds, 4, "0...999,999,999"),
        FieldLayout("atime_nanoseconds", Offset.accessNanoseconds, 4, "0...999,999,999"),
        FieldLayout("ctime_nanoseconds", Offset.changeNanoseconds, 4, "0...999,999,999"),
        FieldLayout("device", Offset.device, 4, "major << 20 | minor; zero unless a device"),
        FieldLayout("target_length", Offset.targetLength, 2, "L, bytes of a link's target"),
        FieldLayout("xattr_count", Offset.extendedAttributeCount, 2, "X, extended attributes"),
        FieldLayout("reserved", Offset.reserved, 4, "zero"),
        FieldLayout("target", Offset.target, 0, "L bytes, zeros to a multiple of 4; then the X extended attributes"),
    ]

    /// Bytes of the fixed part.
    public static let fixedSize = Offset.target
    /// Bytes before an extended attribute's name.
    public static let extendedAttributeHeaderSize = 4
    /// Every length an attribute area can have: the fixed part, up to the largest target
    /// and extended attributes the limits allow, each padded.
    public static let encodedSizes: ClosedRange<Int> = {
        typealias L = FileAttributes.Limits
        let entries = L.maxExtendedAttributes * (extendedAttributeHeaderSize + 3) + L.maxExtendedAttributeBytes
        return fixedSize...(fixedSize + align4(L.maxSymbolicLinkTargetBytes) + entries)
    }()

    public var file: FileAttributes
    /// Names the file has (hard links): 1 for a file with one name.
    public var linkCount: UInt32
    /// Nonzero reserved or padding bytes, or a device number on a kind without one, as found
    /// (0 or 1): the checker judges them; writers write zeros.
    public var reservedBits: UInt32 = 0

    public init(_ file: FileAttributes, linkCount: UInt32 = 1) {
        self.file = file
        self.linkCount = linkCount
    }

    /// What a record without an attribute area stands for (§7.2): a regular file, mode
    /// 0644, owned by root, every time `modificationTime`, one name.
    public static func defaults(modificationTime: UInt64) -> RecordAttributes {
        let time = FileAttributes.Timestamp(seconds: Int64(clamping: modificationTime))
        return RecordAttributes(FileAttributes(kind: .regular, permissions: 0o644, modificationTime: time))
    }

    static func align4(_ n: Int) -> Int { FileRecord.align4(n) }

    /// The attributes after the content changed at `seconds`: mtime and ctime then, as a
    /// write(2) sets them.
    public func changed(at seconds: UInt64) -> RecordAttributes {
        var copy = self
        copy.file.modificationTime = .init(seconds: Int64(clamping: seconds))
        copy.file.changeTime = copy.file.modificationTime
        return copy
    }

    public var encodedSize: Int {
        Self.fixedSize + Self.align4(file.symbolicLinkTarget.count)
            + file.extendedAttributes.reduce(0) { $0 + Self.align4(Self.extendedAttributeHeaderSize + $1.name.count + $1.value.count) }
    }

    /// modification_time in the record header: the whole seconds of mtime, 0 before 1970.
    public var headerModificationTime: UInt64 { UInt64(max(0, file.modificationTime.seconds)) }

    // MARK: Decoding

    /// Decodes an attribute area of exactly `bytes` (offsets in errors count from its start).
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(FormatError) -> RecordAttributes {
        var reader = ByteReader(bytes, structure: structureName)
        return try decode(&reader, length: bytes.count)
    }

    /// Decodes the `length` bytes at the reader's position. Rejects what cannot be read
    /// (a mode whose kind bits name no kind, lengths that overrun or do not add up to
    /// `length`); what reads but breaks a rule (order of names, nanoseconds, a kind's parts)
    /// is the checker's to judge through `FileAttributes.problem`.
    static func decode(_ reader: inout ByteReader, length: Int) throws(FormatError) -> RecordAttributes {
        let start = reader.position
        let mode = try reader.readUInt32()
        guard let kind = FileAttributes.Kind(modeBits: mode), mode & ~0o177777 == 0 else {
            throw reader.error(.inconsistent("mode 0o\(String(mode, radix: 8)) names no kind of file (or has bits beyond 0o177777)"), at: start + Offset.mode)
        }
        let uid = try reader.readUInt32()
        let gid = try reader.readUInt32()
        let linkCount = try reader.readUInt32()
        let seconds = (try reader.readUInt64(), try reader.readUInt64(), try reader.readUInt64())
        let nanoseconds = (try reader.readUInt32(), try reader.readUInt32(), try reader.readUInt32())
        let device = try reader.readUInt32()
        let targetLength = Int(try reader.readUInt16())
        let count = Int(try reader.readUInt16())
        let reserved = try reader.readUInt32()
        guard targetLength <= FileAttributes.Limits.maxSymbolicLinkTargetBytes else {
            throw reader.error(.fieldOutOfRange(field: "target_length", value: UInt64(targetLength),
                                                allowed: 0...UInt64(FileAttributes.Limits.maxSymbolicLinkTargetBytes)), at: start + Offset.targetLength)
        }
        guard count <= FileAttributes.Limits.maxExtendedAttributes else {
            throw reader.error(.fieldOutOfRange(field: "xattr_count", value: UInt64(count),
                                                allowed: 0...UInt64(FileAttributes.Limits.maxExtendedAttributes)), at: start + Offset.extendedAttributeCount)
        }
        func overruns(_ end: Int) -> Bool { end > start + length }
        guard !overruns(start + fixedSize + align4(targetLength)) else {
            throw reader.error(.inconsistent("target_length \(targetLength) overruns attribute_length \(length)"), at: start + Offset.targetLength)
        }
        let target = try reader.readArray(targetLength)
        // Padding and the byte after each name length are zero; anything else is kept as
        // `reservedBits` for the checker to judge, as the fixed part's reserved field is.
        var paddingNonZero = try reader.readArray(align4(targetLength) - targetLength).contains { $0 != 0 }
        var extendedAttributes: [FileAttributes.ExtendedAttribute] = []
        extendedAttributes.reserveCapacity(count)
        for number in 0..<count {
            let entry = reader.position
            guard !overruns(entry + extendedAttributeHeaderSize) else {
                throw reader.error(.inconsistent("extended attribute \(number) starts past attribute_length \(length)"), at: entry)
            }
            let nameLength = Int(try reader.readUInt8())
            if try reader.readUInt8() != 0 { paddingNonZero = true }
            let valueLength = Int(try reader.readUInt16())
            guard valueLength <= FileAttributes.Limits.maxExtendedAttributeValueBytes,
                  !overruns(entry + align4(extendedAttributeHeaderSize + nameLength + valueLength)) else {
                throw reader.error(.inconsistent("extended attribute \(number) (\(nameLength)-byte name, \(valueLength)-byte value) overruns attribute_length \(length)"), at: entry)
            }
            let name = try reader.readArray(nameLength)
            let value = try reader.readArray(valueLength)
            let padding = align4(extendedAttributeHeaderSize + nameLength + valueLength) - (extendedAttributeHeaderSize + nameLength + valueLength)
            if try reader.readArray(padding).contains(where: { $0 != 0 }) { paddingNonZero = true }
            extendedAttributes.append(.init(name: name, value: value))
        }
        guard reader.position == start + length else {
            throw reader.error(.inconsistent("the attribute area's parts end at \(reader.position - start), attribute_length is \(length)"), at: start)
        }
        func time(_ seconds: UInt64, _ nanoseconds: UInt32) -> FileAttributes.Timestamp {
            .init(seconds: Int64(bitPattern: seconds), nanoseconds: nanoseconds)
        }
        let isDevice = kind == .characterDevice || kind == .blockDevice
        let file = FileAttributes(
            kind: kind, permissions: UInt16(mode & 0o7777), owner: uid, group: gid,
            modificationTime: time(seconds.0, nanoseconds.0), accessTime: time(seconds.1, nanoseconds.1),
            changeTime: time(seconds.2, nanoseconds.2),
            device: isDevice ? .init(major: device >> 20, minor: device & 0xFFFFF) : nil,
            symbolicLinkTarget: target, extendedAttributes: extendedAttributes)
        var attributes = RecordAttributes(file, linkCount: linkCount)
        // A device field on another kind has nowhere to go in the model: kept as damage.
        attributes.reservedBits = (reserved != 0 || paddingNonZero || (!isDevice && device != 0)) ? 1 : 0
        return attributes
    }

    // MARK: Encoding

    func encode(into writer: inout ByteWriter) {
        let start = writer.count
        writer.writeUInt32(file.mode)
        writer.writeUInt32(file.owner)
        writer.writeUInt32(file.group)
        writer.writeUInt32(linkCount)
        for time in [file.modificationTime, file.accessTime, file.changeTime] { writer.writeUInt64(UInt64(bitPattern: time.seconds)) }
        for time in [file.modificationTime, file.accessTime, file.changeTime] { writer.writeUInt32(time.nanoseconds) }
        writer.writeUInt32(file.device.map { $0.major << 20 | $0.minor } ?? 0)
        writer.writeUInt16(UInt16(file.symbolicLinkTarget.count))
        writer.writeUInt16(UInt16(file.extendedAttributes.count))
        writer.writeUInt32(0)
        writer.writeBytes(file.symbolicLinkTarget)
        writer.pad(to: start + Self.fixedSize + Self.align4(file.symbolicLinkTarget.count))
        for attribute in file.extendedAttributes {
            let entry = writer.count
            writer.writeUInt8(UInt8(attribute.name.count))
            writer.writeUInt8(0)
            writer.writeUInt16(UInt16(attribute.value.count))
            writer.writeBytes(attribute.name)
            writer.writeBytes(attribute.value)
            writer.pad(to: entry + Self.align4(Self.extendedAttributeHeaderSize + attribute.name.count + attribute.value.count))
        }
    }
}
