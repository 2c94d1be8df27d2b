import Testing
import ArdakuFormat

/// The attribute area of a record (docs/FORMAT.md §7.2): every field where the table puts
/// it, round trips of every kind, and what the decoder rejects.
@Suite struct RecordAttributesTests {
    typealias Timestamp = FileAttributes.Timestamp

    static let uuid = VolumeUUID(bytes: Array(1...16))

    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { LayoutTests.le(value) }

    static let sample = FileAttributes(
        kind: .regular, permissions: 0o4755, owner: 1000, group: 100,
        modificationTime: Timestamp(seconds: 1_700_000_000, nanoseconds: 123_456_789),
        accessTime: Timestamp(seconds: -5, nanoseconds: 1), changeTime: Timestamp(seconds: 1_700_000_001, nanoseconds: 999_999_999),
        extendedAttributes: [.init(name: Array("security.selinux".utf8), value: Array("system_u:object_r:bin_t:s0\u{0}".utf8)),
                             .init(name: Array("user.a".utf8), value: [])])

    static func record(_ attributes: FileAttributes, pages: Int = 1) -> FileRecord {
        var record = FileRecord(volumeUUID: uuid, generation: 3, fileID: 9, name: Array("/bin/x".utf8),
                                byteLength: attributes.kind == .regular ? UInt64(pages) * 65_536 : 0,
                                modificationTime: UInt64(max(0, attributes.modificationTime.seconds)),
                                dataPageCount: attributes.kind == .regular ? UInt32(pages) : 0,
                                inlineEntries: attributes.kind == .regular ? (0..<pages).map { PageEntry(page: PageIndex(UInt32(10 + $0)), checksum: 7) } : [])
        record.attributes = RecordAttributes(attributes)
        return record
    }

    @Test func everyFieldAtItsOffset() throws {
        let record = Self.record(Self.sample)
        let bytes = record.encode()
        let area = Array(bytes[record.attributesOffset...])
        #expect(bytes.count == record.usedLength && record.usedLength == record.attributesOffset + area.count)
        #expect(Array(bytes[0x78..<0x80]) == Self.le(UInt16(area.count)) + [0, 0, 0, 0, 0, 0])
        let layout = RecordAttributes.layout
        func field(_ name: String) -> [UInt8] { LayoutTests.field(name, layout, in: area) }
        #expect(field("mode") == Self.le(UInt32(0o104755)))
        #expect(field("uid") == Self.le(UInt32(1000)) && field("gid") == Self.le(UInt32(100)))
        #expect(field("link_count") == Self.le(UInt32(1)))
        #expect(field("mtime_seconds") == Self.le(Int64(1_700_000_000)))
        #expect(field("atime_seconds") == Self.le(Int64(-5)))
        #expect(field("ctime_seconds") == Self.le(Int64(1_700_000_001)))
        #expect(field("mtime_nanoseconds") == Self.le(UInt32(123_456_789)))
        #expect(field("atime_nanoseconds") == Self.le(UInt32(1)))
        #expect(field("ctime_nanoseconds") == Self.le(UInt32(999_999_999)))
        #expect(field("device") == [0, 0, 0, 0] && field("target_length") == [0, 0] && field("reserved") == [0, 0, 0, 0])
        #expect(field("xattr_count") == Self.le(UInt16(2)))
        // The first extended attribute: name length, zero, value length, name, value, padding.
        let selinux = Array("security.selinux".utf8), label = Array("system_u:object_r:bin_t:s0\u{0}".utf8)
        #expect(Array(area[0x40..<0x44]) == [UInt8(selinux.count), 0] + Self.le(UInt16(label.count)))
        #expect(Array(area[0x44..<(0x44 + selinux.count + label.count)]) == selinux + label)
        let second = 0x40 + ((4 + selinux.count + label.count + 3) & ~3)
        #expect(Array(area[second..<(second + 10)]) == [6, 0, 0, 0] + Array("user.a".utf8))
        #expect(area.count == second + 12)
        let decoded = try Self.decode(bytes)
        #expect(decoded == record)
    }

    @Test(arguments: FileAttributes.Kind.allCases)
    func everyKindRoundTrips(kind: FileAttributes.Kind) throws {
        var attributes = FileAttributes(kind: kind, permissions: kind == .symbolicLink ? 0o777 : 0o1750, owner: 7, group: 8,
                                        modificationTime: Timestamp(seconds: 86_400, nanoseconds: 5))
        if kind == .symbolicLink { attributes.symbolicLinkTarget = Array("../../etc/passwd".utf8) }
        if kind == .characterDevice || kind == .blockDevice {
            attributes.device = .init(major: FileAttributes.Limits.maxDeviceMajor, minor: FileAttributes.Limits.maxDeviceMinor)
        }
        #expect(attributes.problem == nil)
        let record = Self.record(attributes, pages: 0)
        let bytes = record.encode()
        let decoded = try Self.decode(bytes)
        #expect(decoded == record)
        #expect(decoded.attributes?.file.mode == kind.modeBits | UInt32(attributes.permissions))
    }

    /// The largest area the limits allow fits a record with the longest name, and is the
    /// upper end of `encodedSizes`.
    @Test func largestAreaFits() throws {
        typealias L = FileAttributes.Limits
        var attributes = FileAttributes(kind: .symbolicLink, permissions: 0o777, modificationTime: Timestamp(seconds: 0))
        attributes.symbolicLinkTarget = [UInt8](repeating: 0x61, count: L.maxSymbolicLinkTargetBytes)
        let valueBytes = L.maxExtendedAttributeBytes / L.maxExtendedAttributes - 9
        attributes.extendedAttributes = (0..<L.maxExtendedAttributes).map { number in
            .init(name: Array("user.\(String(number + 100))".utf8) + [UInt8(ascii: "x")], value: [UInt8](repeating: 1, count: valueBytes))
        }
        #expect(attributes.problem == nil)
        var record = Self.record(attributes, pages: 0)
        record.name = Array("/".utf8) + [UInt8](repeating: 0x62, count: Limits.maxNameBytes - 1)
        #expect(record.usedLength <= Geometry.subpageSize)
        #expect(RecordAttributes.encodedSizes.contains(record.attributeLength))
        #expect(try Self.decode(record.encode()) == record)
        #expect(RecordAttributes.encodedSizes == 64...12_800)
    }

    /// Room for data shrinks with the area: the layout rule and the limit agree.
    @Test func areaTakesRoomFromEntries() throws {
        let plain = FileRecord.maxDataPages(nameLength: 2, tagCount: 0)
        #expect(plain == 16_770_031)
        let withArea = FileRecord.maxDataPages(nameLength: 2, tagCount: 0, attributeLength: 12_800)
        #expect(withArea < plain)
        let layout = try #require(FileRecord.entryLayout(pageCount: Int(withArea), nameLength: 2, tagCount: 0, attributeLength: 12_800))
        #expect(FileRecord.entryLayout(pageCount: Int(withArea) + 1, nameLength: 2, tagCount: 0, attributeLength: 12_800) == nil)
        #expect(layout.inline + layout.extensionPages * Limits.entriesPerExtensionPage >= Int(withArea))
        #expect(FileRecord.inlineCapacity(nameLength: 2, tagCount: 0, extensionPageCount: 0, attributeLength: 64)
                == FileRecord.inlineCapacity(nameLength: 2, tagCount: 0, extensionPageCount: 0) - 8)
    }

    static func decode(_ bytes: [UInt8]) throws -> FileRecord {
        var subpage = bytes
        subpage += [UInt8](repeating: 0, count: Geometry.subpageSize - bytes.count)
        return try subpage.withUnsafeBytes { try FileRecord.decode($0) }
    }

    /// Patches `bytes` at the area's offset `at` and fixes the record's checksum.
    static func patched(_ record: FileRecord, at offset: Int, _ replacement: [UInt8]) -> [UInt8] {
        var bytes = record.encode()
        bytes.replaceSubrange((record.attributesOffset + offset)..<(record.attributesOffset + offset + replacement.count), with: replacement)
        let usedLength = bytes.count
        let crc: UInt32 = bytes.withUnsafeBytes { FileRecord.checksum($0, usedLength: usedLength) }
        bytes.replaceSubrange(4..<8, with: le(crc))
        return bytes
    }

    @Test func decoderRejectsWhatCannotBeRead() throws {
        let record = Self.record(Self.sample)
        // A mode whose kind bits name no kind (a socket, 0xC000), or bits past 0o177777.
        let modes: [UInt32] = [0o140644, 0o100644 | 0x10000]
        for mode in modes {
            let bytes = Self.patched(record, at: 0, Self.le(mode))
            #expect(throws: FormatError.self) { try Self.decode(bytes) }
        }
        // A target longer than the limit, or one that runs past the area.
        #expect(throws: FormatError.self) { try Self.decode(Self.patched(record, at: 0x38, Self.le(UInt16(4096)))) }
        #expect(throws: FormatError.self) { try Self.decode(Self.patched(record, at: 0x38, Self.le(UInt16(200)))) }
        // More extended attributes than the area holds, or than the limit.
        #expect(throws: FormatError.self) { try Self.decode(Self.patched(record, at: 0x3A, Self.le(UInt16(3)))) }
        #expect(throws: FormatError.self) { try Self.decode(Self.patched(record, at: 0x3A, Self.le(UInt16(65)))) }
        // Fewer: the parts end before attribute_length.
        #expect(throws: FormatError.self) { try Self.decode(Self.patched(record, at: 0x3A, Self.le(UInt16(1)))) }
        // An attribute_length that is not a multiple of 4, or below the fixed part.
        var bytes = record.encode()
        for length in [UInt16(62), 30] {
            bytes.replaceSubrange(0x78..<0x7A, with: Self.le(length))
            #expect(throws: FormatError.self) { try Self.decode(bytes) }
        }
        // fsck's repair reads such a record without its area.
        let broken = Self.patched(record, at: 0, Self.le(UInt32(0o140644)))
        let padded = broken + [UInt8](repeating: 0, count: Geometry.subpageSize - broken.count)
        let lenient = try padded.withUnsafeBytes { try FileRecord.decode($0, undecodableAttributes: .drop) }
        #expect(lenient.attributes == nil && lenient.name == record.name)
    }

    /// Reserved and padding bytes decode, and are kept as `reservedBits` for the checker.
    @Test func nonzeroReservedAndPaddingBytesAreKept() throws {
        let record = Self.record(Self.sample)
        #expect(try Self.decode(record.encode()).attributes?.reservedBits == 0)
        // The reserved field, the byte after the first name length, the first entry's padding.
        let selinux = Array("security.selinux".utf8).count, label = Array("system_u:object_r:bin_t:s0\u{0}".utf8).count
        let padding = 0x40 + 4 + selinux + label
        #expect((4 + selinux + label) % 4 != 0)
        for (offset, bytes) in [(0x3C, [UInt8(1)]), (0x41, [7]), (padding, [9])] {
            let decoded = try Self.decode(Self.patched(record, at: offset, bytes))
            #expect(decoded.attributes?.reservedBits == 1, "byte at +\(offset)")
        }
    }

    /// What decodes but breaks a rule is `FileAttributes.problem`'s to say.
    @Test func problemsTheCheckerJudges() {
        var attributes = Self.sample
        #expect(attributes.problem == nil)
        attributes.extendedAttributes.reverse()
        #expect(attributes.problem?.contains("ascending") == true)
        attributes = Self.sample
        attributes.modificationTime.nanoseconds = 1_000_000_000
        #expect(attributes.problem?.contains("nanoseconds") == true)
        attributes = Self.sample
        attributes.symbolicLinkTarget = [0x61]
        #expect(attributes.problem != nil)
        attributes = Self.sample
        attributes.kind = .blockDevice
        #expect(attributes.problem?.contains("device number") == true)
        attributes.device = .init(major: 4096, minor: 0)
        #expect(attributes.problem?.contains("12-bit") == true)
        attributes = Self.sample
        attributes.extendedAttributes = [.init(name: [], value: [1])]
        #expect(attributes.problem != nil)
        attributes.extendedAttributes = [.init(name: Array("user.big".utf8), value: [UInt8](repeating: 0, count: 4097))]
        #expect(attributes.problem != nil)
    }

    @Test func defaultsOfARecordWithoutArea() {
        let defaults = RecordAttributes.defaults(modificationTime: 1234)
        #expect(defaults.file.mode == 0o100644 && defaults.file.owner == 0 && defaults.file.group == 0 && defaults.linkCount == 1)
        #expect(defaults.file.modificationTime == Timestamp(seconds: 1234) && defaults.file.accessTime == defaults.file.modificationTime)
    }
}
