import Testing
import ArdakuFormat
@testable import ArdakuVolume
import TestSupport

/// Several names of one file (issue 17, docs/FORMAT.md §7.3): records sharing a file id and
/// every page, kept whole by every operation.
@Suite struct HardLinkTests {
    static let attributes = FileAttributesTests.attributes

    /// The records of a group agree in every byte FORMAT §7.3 lists.
    static func expectGroup(_ volume: Volume, _ names: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let statuses = try names.map { try volume.stat(TestVolumes.name($0)) }
        for status in statuses {
            #expect(status.fileID == statuses[0].fileID, sourceLocation: sourceLocation)
            #expect(status.attributes.linkCount == UInt32(names.count), "\(status.name)", sourceLocation: sourceLocation)
            #expect(status.storedAttributes == statuses[0].storedAttributes, sourceLocation: sourceLocation)
            #expect(status.extensionPages == statuses[0].extensionPages, sourceLocation: sourceLocation)
            #expect(try volume.pageEntries(TestVolumes.name(status.name)) == volume.pageEntries(TestVolumes.name(names[0])),
                    sourceLocation: sourceLocation)
            #expect(status.byteLength == statuses[0].byteLength, sourceLocation: sourceLocation)
        }
    }

    @Test func linksShareContentAndAttributes() throws {
        let (store, volume) = try TestVolumes.make()
        try FileAttributesTests.put(volume, TestVolumes.name("/a"), Array(repeating: 7, count: 100_000))
        let before = try volume.stat(TestVolumes.name("/a"))
        volume.clock = { 1_800_000_000 }
        try volume.link(TestVolumes.name("/a"), as: TestVolumes.name("/dir/b"))
        try volume.link(TestVolumes.name("/dir/b"), as: TestVolumes.name("/c"))
        let reopened = try Volume(store: store)
        #expect(reopened.committed.incompatFeatures.contains(.hardLinks))
        try Self.expectGroup(reopened, ["/a", "/dir/b", "/c"])
        #expect(try reopened.readAll(TestVolumes.name("/c")) == Array(repeating: 7, count: 100_000))
        #expect(try reopened.stat(TestVolumes.name("/c")).attributes.file.changeTime == .init(seconds: 1_800_000_000))
        #expect(reopened.fileCount == 3)
        // The pages are used once: as many as one file needs.
        #expect(try reopened.stat(TestVolumes.name("/a")).allocatedDataPageCount == before.allocatedDataPageCount)
        #expect(try Audit.run(store).isConsistent)
    }

    @Test func writesThroughOneNameReachEvery() throws {
        let (store, volume) = try TestVolumes.make()
        try FileAttributesTests.put(volume, TestVolumes.name("/a"), [1, 2, 3])
        try volume.link(TestVolumes.name("/a"), as: TestVolumes.name("/b"))
        try volume.write(TestVolumes.name("/b"), at: 1, [9])
        try volume.append(TestVolumes.name("/a"), [4])
        try volume.batch { () throws(VolumeError) in
            // Two writes through two names in one transaction see each other.
            try volume.write(TestVolumes.name("/a"), at: 0, [5])
            try volume.write(TestVolumes.name("/b"), at: 3, [6])
        }
        let reopened = try Volume(store: store)
        #expect(try reopened.readAll(TestVolumes.name("/a")) == [5, 9, 3, 6])
        #expect(try reopened.readAll(TestVolumes.name("/b")) == [5, 9, 3, 6])
        try reopened.truncate(TestVolumes.name("/a"), to: 2)
        try reopened.setAttributes(TestVolumes.name("/b")) { $0.permissions = 0o600 }
        try Self.expectGroup(reopened, ["/a", "/b"])
        #expect(try reopened.stat(TestVolumes.name("/a")).attributes.file.permissions == 0o600)
        #expect(try reopened.readAll(TestVolumes.name("/a")) == [5, 9])
        #expect(try Audit.run(store).isConsistent)
    }

    /// A large file (extension pages) linked under names of different lengths: every record
    /// lists the same extension pages, laid out for the longest name.
    @Test func extensionPagesAreSharedAcrossNameLengths() throws {
        let (store, volume) = try TestVolumes.make(pages: 512)
        let short = TestVolumes.name("/s")
        try FileAttributesTests.put(volume, short, [1])
        try volume.write(short, at: 2_100 * 65_536, [2])
        #expect(try volume.stat(short).extensionPages.count == 1)
        let long = "/" + String(repeating: "n", count: 1_000)
        try volume.link(short, as: TestVolumes.name(long))
        try Self.expectGroup(volume, ["/s", long])
        try volume.write(TestVolumes.name(long), at: 3_000 * 65_536, [3])
        try Self.expectGroup(volume, ["/s", long])
        try volume.remove(TestVolumes.name(long))
        #expect(try volume.stat(short).attributes.linkCount == 1)
        #expect(try volume.readAll(short).last == 3)
        #expect(try Audit.run(store).isConsistent)
    }

    @Test func removingNamesKeepsTheFileUntilTheLast() throws {
        let (store, volume) = try TestVolumes.make()
        try FileAttributesTests.put(volume, TestVolumes.name("/a"), Array(repeating: 1, count: 70_000))
        let used = volume.freePageCount
        try volume.link(TestVolumes.name("/a"), as: TestVolumes.name("/b"))
        try volume.link(TestVolumes.name("/a"), as: TestVolumes.name("/c"))
        try volume.remove(TestVolumes.name("/a"))
        try Self.expectGroup(volume, ["/b", "/c"])
        #expect(try volume.readAll(TestVolumes.name("/c")).count == 70_000)
        try volume.remove(TestVolumes.name("/b"))
        #expect(try volume.stat(TestVolumes.name("/c")).attributes.linkCount == 1)
        #expect(try Audit.run(store).isConsistent)
        try volume.remove(TestVolumes.name("/c"))
        #expect(volume.freePageCount > used)
        #expect(volume.fileCount == 0)
        #expect(try Audit.run(store).isConsistent)
    }

    /// Renaming one name leaves the others; renaming over another name of the same file does
    /// nothing (rename(2)); renaming over another file replaces that file only.
    @Test func renamesAndReplacements() throws {
        let (store, volume) = try TestVolumes.make()
        try FileAttributesTests.put(volume, TestVolumes.name("/a"), [1])
        try volume.link(TestVolumes.name("/a"), as: TestVolumes.name("/b"))
        try volume.move(Array("/b".utf8), to: Array("/moved/with/a/much/longer/name".utf8))
        try Self.expectGroup(volume, ["/a", "/moved/with/a/much/longer/name"])
        try volume.move(Array("/a".utf8), to: Array("/moved/with/a/much/longer/name".utf8), replaceExisting: true)
        try Self.expectGroup(volume, ["/a", "/moved/with/a/much/longer/name"])

        try FileAttributesTests.put(volume, TestVolumes.name("/other"), [2])
        try volume.move(Array("/other".utf8), to: Array("/a".utf8), replaceExisting: true)
        #expect(try volume.readAll(TestVolumes.name("/a")) == [2])
        #expect(try volume.stat(TestVolumes.name("/a")).attributes.linkCount == 1)
        #expect(try volume.stat(TestVolumes.name("/moved/with/a/much/longer/name")).attributes.linkCount == 1)
        #expect(try volume.readAll(TestVolumes.name("/moved/with/a/much/longer/name")) == [1])

        // A put over one name takes that name out of the group (tar's unlink first).
        try volume.link(TestVolumes.name("/a"), as: TestVolumes.name("/a2"))
        var replace = PutOptions()
        replace.replaceExisting = true
        try volume.put(TestVolumes.name("/a2"), bytes: [3], options: replace)
        #expect(try volume.readAll(TestVolumes.name("/a")) == [2])
        #expect(try volume.stat(TestVolumes.name("/a")).attributes.linkCount == 1)
        #expect(try volume.stat(TestVolumes.name("/a2")).fileID != volume.stat(TestVolumes.name("/a")).fileID)
        let reopened = try Volume(store: store)
        #expect(reopened.fileCount == 3)
        #expect(try Audit.run(store).isConsistent)
    }

    @Test func refusals() throws {
        let (_, volume) = try TestVolumes.make()
        try volume.makeNode(TestVolumes.name("/d"), attributes: NodeTests.attributes(.directory))
        try FileAttributesTests.put(volume, TestVolumes.name("/f"), [1])
        #expect(throws: VolumeError.isADirectory("/d")) { try volume.link(TestVolumes.name("/d"), as: TestVolumes.name("/e")) }
        #expect(throws: VolumeError.alreadyExists("/d")) { try volume.link(TestVolumes.name("/f"), as: TestVolumes.name("/d")) }
        #expect(throws: VolumeError.notFound("/g")) { try volume.link(TestVolumes.name("/g"), as: TestVolumes.name("/h")) }
        #expect(throws: VolumeError.notADirectory(name: "/f/x", file: "/f")) {
            try volume.link(TestVolumes.name("/f"), as: TestVolumes.name("/f/x"))
        }
        // Links to links and nodes are links to them (as link(2) makes them).
        try volume.makeNode(TestVolumes.name("/l"), attributes: NodeTests.attributes(.symbolicLink))
        try volume.link(TestVolumes.name("/l"), as: TestVolumes.name("/l2"))
        #expect(try volume.stat(TestVolumes.name("/l2")).attributes.file.symbolicLinkTarget == NodeTests.attributes(.symbolicLink).symbolicLinkTarget)
    }

    /// The volume UUID's change rewrites every record: a group stays whole.
    @Test func uuidChangeKeepsGroups() throws {
        let (store, volume) = try TestVolumes.make(pages: 512)
        let short = TestVolumes.name("/s")
        try FileAttributesTests.put(volume, short, [1])
        try volume.write(short, at: 2_100 * 65_536, [2])
        try volume.link(short, as: TestVolumes.name("/a-much-longer-name-than-the-first"))
        try volume.setUUID(VolumeUUID(bytes: Array(repeating: 0x42, count: 16)))
        let reopened = try Volume(store: store)
        try Self.expectGroup(reopened, ["/s", "/a-much-longer-name-than-the-first"])
        #expect(try Audit.run(store).isConsistent)
    }
}
