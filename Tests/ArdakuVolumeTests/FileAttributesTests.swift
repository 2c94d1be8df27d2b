import Testing
import ArdakuFormat
@testable import ArdakuVolume
import TestSupport

/// The volume library keeps a file's attributes (docs/FORMAT.md §7.2) through everything
/// it does to the file, and announces them in page 0.
@Suite struct FileAttributesTests {
    typealias Timestamp = FileAttributes.Timestamp

    static let attributes = FileAttributes(
        kind: .regular, permissions: 0o2750, owner: 1001, group: 50,
        modificationTime: Timestamp(seconds: 1_600_000_000, nanoseconds: 42),
        accessTime: Timestamp(seconds: 1_600_000_100, nanoseconds: 7), changeTime: Timestamp(seconds: 1_600_000_200, nanoseconds: 9),
        extendedAttributes: [.init(name: Array("user.note".utf8), value: Array("kept".utf8))])

    static func put(_ volume: Volume, _ name: FileName, _ bytes: [UInt8], _ attributes: FileAttributes? = Self.attributes) throws {
        var options = PutOptions()
        options.attributes = attributes
        options.replaceExisting = true
        try volume.put(name, bytes: bytes, options: options)
    }

    @Test func storedReadBackAndAnnounced() throws {
        let (store, volume) = try TestVolumes.make()
        let name = TestVolumes.name("/bin/tool")
        #expect(!volume.system.incompatFeatures.contains(.fileAttributes))
        try Self.put(volume, name, Array("#!/bin/sh\n".utf8))
        let reopened = try Volume(store: store)
        let status = try reopened.stat(name)
        #expect(status.storedAttributes == RecordAttributes(Self.attributes))
        #expect(status.modificationTime == 1_600_000_000)
        #expect(reopened.committed.incompatFeatures.contains(.fileAttributes))
        #expect(try reopened.readAll(name) == Array("#!/bin/sh\n".utf8))
        let audit = try Audit.run(store)
        #expect(audit.isConsistent, "\(audit)")
    }

    @Test func aFileWithoutThemHasTheDefaults() throws {
        let (_, volume) = try TestVolumes.make()
        let name = TestVolumes.name("/plain")
        var options = PutOptions()
        options.modificationTime = 77
        try volume.put(name, bytes: [1], options: options)
        let status = try volume.stat(name)
        #expect(status.storedAttributes == nil)
        #expect(status.attributes == .defaults(modificationTime: 77))
        #expect(status.attributes.file.mode == 0o100644)
        #expect(!volume.system.incompatFeatures.contains(.fileAttributes))
    }

    /// Rename, partial writes, truncation, a new UUID and a replacing put without
    /// attributes keep them; content changes move mtime and ctime (as write(2) does).
    @Test func keptThroughEveryChange() throws {
        let (store, volume) = try TestVolumes.make()
        let name = TestVolumes.name("/a"), moved = TestVolumes.name("/d/b")
        try Self.put(volume, name, [UInt8](repeating: 3, count: 70_000))
        try volume.move(name.bytes, to: moved.bytes)
        #expect(try volume.stat(moved).storedAttributes == RecordAttributes(Self.attributes))

        volume.clock = { 1_700_000_000 }
        try volume.write(moved, at: 10, [9, 9])
        var expected = RecordAttributes(Self.attributes).changed(at: 1_700_000_000)
        #expect(try Volume(store: store).stat(moved).storedAttributes == expected)
        try volume.truncate(moved, to: 5)
        #expect(try Volume(store: store).stat(moved).storedAttributes == expected)

        try volume.setUUID(VolumeUUID(bytes: Array(200...215)))
        #expect(try Volume(store: store).stat(moved).storedAttributes == expected)

        volume.clock = { 1_800_000_000 }
        try Self.put(volume, moved, [1, 2, 3], nil)
        expected = expected.changed(at: 1_800_000_000)
        let status = try Volume(store: store).stat(moved)
        #expect(status.storedAttributes == expected && status.modificationTime == 1_800_000_000)
        let audit = try Audit.run(store)
        #expect(audit.isConsistent, "\(audit)")
    }

    @Test func refusedWhenTheyCannotBeStored() throws {
        let (_, volume) = try TestVolumes.make()
        var link = Self.attributes
        link.kind = .symbolicLink
        link.symbolicLinkTarget = Array("target".utf8)
        #expect(throws: VolumeError.self) { try Self.put(volume, TestVolumes.name("/l"), [], link) }
        var broken = Self.attributes
        broken.extendedAttributes = [.init(name: Array("user.z".utf8), value: []), .init(name: Array("user.a".utf8), value: [])]
        #expect(throws: VolumeError.self) { try Self.put(volume, TestVolumes.name("/x"), [], broken) }
        #expect(try volume.list().isEmpty)
    }

    /// A large area leaves less room for page entries: the limit on a file's size follows.
    @Test func aLargeAreaLowersTheSizeLimit() throws {
        var big = Self.attributes
        big.extendedAttributes = (0..<2).map { .init(name: Array("user.v\($0)".utf8), value: [UInt8](repeating: 1, count: 4000)) }
        let plain = FileRecord.maxDataPages(nameLength: 2, tagCount: 0)
        let limited = FileRecord.maxDataPages(nameLength: 2, tagCount: 0, attributeLength: RecordAttributes(big).encodedSize)
        #expect(limited < plain)
        // A file that needs extension pages still stores and reads back with the area.
        let (store, volume) = try TestVolumes.make(pages: 2048)
        var rng = SeededGenerator(seed: 5)
        let bytes = rng.bytes(1100 * 65_536 + 17)
        try Self.put(volume, TestVolumes.name("/big"), bytes, big)
        let reopened = try Volume(store: store)
        #expect(try reopened.readAll(TestVolumes.name("/big")) == bytes)
        #expect(try reopened.stat(TestVolumes.name("/big")).extensionPages.count >= 1)
        let audit = try Audit.run(store)
        #expect(audit.isConsistent, "\(audit)")
    }
}
