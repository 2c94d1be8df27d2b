import Testing
import ArdakuFormat
@testable import ArdakuVolume
import TestSupport

/// `Volume.setAttributes`, what `ardaku chmod`, `chown` and `touch` do (issue 17): the
/// record is rewritten with the changed attributes in one transaction, the content stays.
@Suite struct SetAttributesTests {
    typealias Timestamp = FileAttributes.Timestamp

    static let attributes = FileAttributesTests.attributes

    @Test func changesAttributesAndKeepsContent() throws {
        let (store, volume) = try TestVolumes.make()
        let name = TestVolumes.name("/big")
        // Holes after a few bytes, so that the file needs extension pages (more than about
        // 2,000 entries) without filling the volume.
        try FileAttributesTests.put(volume, name, [1, 2, 3])
        try volume.write(name, at: 2_100 * 65_536, [4, 5])
        let before = try volume.stat(name)
        #expect(before.extensionPages.count >= 1)
        volume.clock = { 1_900_000_000 }
        let after = try volume.setAttributes(name) { $0.permissions = 0o4711; $0.owner = 7; $0.group = 8 }

        let reopened = try Volume(store: store)
        let status = try reopened.stat(name)
        #expect(status == after)
        var expected = before.storedAttributes?.file ?? Self.attributes
        expected.permissions = 0o4711
        expected.owner = 7
        expected.group = 8
        expected.changeTime = Timestamp(seconds: 1_900_000_000)
        #expect(status.storedAttributes == RecordAttributes(expected))
        // The content is what it was, in the same pages and extension pages.
        #expect(status.extensionPages == before.extensionPages)
        #expect(status.allocatedDataPageCount == before.allocatedDataPageCount)
        #expect(status.byteLength == before.byteLength && status.fileID == before.fileID)
        #expect(status.modificationTime == before.modificationTime)
        #expect(status.generation == before.generation + 1)
        let content = try reopened.readAll(name)
        #expect(content.prefix(3) == [1, 2, 3] && content.suffix(2) == [4, 5] && content.count == 2_100 * 65_536 + 2)
        let audit = try Audit.run(store)
        #expect(audit.isConsistent, "\(audit)")
    }

    /// A new mtime moves the header's modification_time with it (FORMAT §7.2); one before
    /// 1970 makes it 0.
    @Test func timesFollowTheHeader() throws {
        let (store, volume) = try TestVolumes.make()
        let name = TestVolumes.name("/t")
        try FileAttributesTests.put(volume, name, [1, 2, 3])
        try volume.setAttributes(name) { $0.modificationTime = Timestamp(seconds: 1_234_567_890, nanoseconds: 5) }
        #expect(try volume.stat(name).modificationTime == 1_234_567_890)
        try volume.setAttributes(name) { $0.modificationTime = Timestamp(seconds: -5) }
        let status = try Volume(store: store).stat(name)
        #expect(status.modificationTime == 0)
        #expect(status.attributes.file.modificationTime == Timestamp(seconds: -5))
        #expect(status.attributes.file.accessTime == Self.attributes.accessTime)
    }

    /// A record without an attribute area gets the defaults, changed, and page 0 announces
    /// the area in the same commit.
    @Test func aFileWithoutAttributesGetsTheDefaultsChanged() throws {
        let (store, volume) = try TestVolumes.make()
        let name = TestVolumes.name("/plain")
        var options = PutOptions()
        options.modificationTime = 77
        try volume.put(name, bytes: [9, 8, 7], options: options)
        #expect(!volume.committed.incompatFeatures.contains(.fileAttributes))
        volume.clock = { 100 }
        try volume.setAttributes(name) { $0.permissions = 0o600 }
        let reopened = try Volume(store: store)
        #expect(reopened.committed.incompatFeatures.contains(.fileAttributes))
        var expected = RecordAttributes.defaults(modificationTime: 77)
        expected.file.permissions = 0o600
        expected.file.changeTime = Timestamp(seconds: 100)
        #expect(try reopened.stat(name).storedAttributes == expected)
        #expect(try reopened.stat(name).modificationTime == 77)
        #expect(try reopened.readAll(name) == [9, 8, 7])
        let audit = try Audit.run(store)
        #expect(audit.isConsistent, "\(audit)")
    }

    /// A result that breaks a rule, or another kind, is refused and nothing is written.
    @Test func invalidResultsAreRefused() throws {
        let (store, volume) = try TestVolumes.make()
        let name = TestVolumes.name("/f")
        try FileAttributesTests.put(volume, name, [1])
        let generation = volume.committed.generation
        let refusals: [(inout FileAttributes) -> Void] = [
            { $0.permissions = 0o17777 },
            { $0.accessTime.nanoseconds = 1_000_000_000 },
            { $0.kind = .fifo },
            { $0.symbolicLinkTarget = [0x41] },
        ]
        for change in refusals {
            #expect(throws: VolumeError.self) { try volume.setAttributes(name, change) }
        }
        #expect(volume.committed.generation == generation)
        #expect(try Volume(store: store).stat(name).storedAttributes == RecordAttributes(Self.attributes))
        #expect(throws: VolumeError.self) { try volume.setAttributes(TestVolumes.name("/missing")) { _ in } }
    }

    /// In a batch, after a write: the change starts from what the write left, and both
    /// land in one commit.
    @Test func afterAWriteInOneBatch() throws {
        let (store, volume) = try TestVolumes.make()
        let name = TestVolumes.name("/w")
        try FileAttributesTests.put(volume, name, [1, 2, 3])
        volume.clock = { 1_950_000_000 }
        let generation = volume.committed.generation
        try volume.batch { () throws(VolumeError) in
            try volume.write(name, at: 3, [4, 5])
            try volume.setAttributes(name) { $0.owner = 99 }
        }
        #expect(volume.committed.generation == generation + 1)
        let status = try Volume(store: store).stat(name)
        #expect(status.attributes.file.owner == 99)
        #expect(status.attributes.file.modificationTime == Timestamp(seconds: 1_950_000_000))
        #expect(try Volume(store: store).readAll(name) == [1, 2, 3, 4, 5])
        let audit = try Audit.run(store)
        #expect(audit.isConsistent, "\(audit)")
    }
}
