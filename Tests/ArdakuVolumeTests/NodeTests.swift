import Testing
import ArdakuFormat
@testable import ArdakuVolume
import TestSupport

/// Files without content (issue 17, docs/FORMAT.md §7.2 and §9): directory records, symbolic
/// links, FIFOs and devices, made by `makeNode`, and the directory rules every operation keeps.
@Suite struct NodeTests {
    typealias Timestamp = FileAttributes.Timestamp

    static func attributes(_ kind: FileAttributes.Kind, permissions: UInt16 = 0o755) -> FileAttributes {
        var attributes = FileAttributes(kind: kind, permissions: permissions, owner: 1000, group: 100,
                                        modificationTime: Timestamp(seconds: 1_700_000_000, nanoseconds: 123),
                                        accessTime: Timestamp(seconds: 1_700_000_001, nanoseconds: 4))
        switch kind {
        case .symbolicLink: attributes.symbolicLinkTarget = Array("../target with space".utf8)
        case .characterDevice, .blockDevice: attributes.device = .init(major: 8, minor: 17)
        default: break
        }
        return attributes
    }

    @Test(arguments: [FileAttributes.Kind.directory, .symbolicLink, .fifo, .characterDevice, .blockDevice])
    func everyKindIsStoredAndReadBack(kind: FileAttributes.Kind) throws {
        let (store, volume) = try TestVolumes.make()
        let name = TestVolumes.name("/entry")
        let made = try volume.makeNode(name, attributes: Self.attributes(kind))
        let reopened = try Volume(store: store)
        #expect(reopened.committed.incompatFeatures.contains(.fileAttributes))
        let status = try reopened.stat(name)
        #expect(status == made)
        #expect(status.attributes.file == Self.attributes(kind))
        #expect(status.byteLength == 0 && status.dataPageCount == 0)
        #expect(status.modificationTime == 1_700_000_000)
        #expect(try reopened.readAll(name).isEmpty)
        #expect(try reopened.isDirectoryRecord(name) == (kind == .directory))
        #expect(try reopened.isDirectory(name.bytes) == (kind == .directory))
        #expect(try Audit.run(store).isConsistent)
    }

    @Test func regularFilesAndBrokenAttributesAreRefused() throws {
        let (_, volume) = try TestVolumes.make()
        let name = TestVolumes.name("/x")
        #expect(throws: VolumeError.self) { try volume.makeNode(name, attributes: Self.attributes(.regular)) }
        var device = Self.attributes(.blockDevice)
        device.device = nil
        #expect(throws: VolumeError.self) { try volume.makeNode(name, attributes: device) }
        #expect(try !volume.exists(name))
        #expect(volume.fileCount == 0)
    }

    /// An empty directory exists by its record; names below it are its entries; it is removed
    /// only when empty.
    @Test func directoryRecordsHoldNamesBelowThem() throws {
        let (store, volume) = try TestVolumes.make()
        let directory = TestVolumes.name("/d")
        try volume.makeNode(directory, attributes: Self.attributes(.directory, permissions: 0o700))
        #expect(try volume.isDirectory(directory.bytes))
        try volume.put(TestVolumes.name("/d/file"), bytes: [1, 2, 3])
        try volume.makeNode(TestVolumes.name("/d/sub"), attributes: Self.attributes(.directory))
        try volume.put(TestVolumes.name("/d/sub/deep"), bytes: [4])
        #expect(try volume.names(prefix: Array("/d".utf8)).count == 4)

        // A file where the directory is, or a directory over a file, is refused.
        #expect(throws: VolumeError.isADirectory("/d")) { try volume.put(directory, bytes: [9]) }
        var replace = PutOptions()
        replace.replaceExisting = true
        #expect(throws: VolumeError.isADirectory("/d")) { try volume.put(directory, bytes: [9], options: replace) }
        #expect(throws: VolumeError.isADirectory("/d")) {
            try volume.makeNode(directory, attributes: Self.attributes(.fifo), replaceExisting: true)
        }
        #expect(throws: VolumeError.alreadyExists("/d/file")) {
            try volume.makeNode(TestVolumes.name("/d/file"), attributes: Self.attributes(.directory), replaceExisting: true)
        }
        // Again with replaceExisting: the directory takes the new attributes, keeps its entries.
        try volume.makeNode(directory, attributes: Self.attributes(.directory, permissions: 0o750), replaceExisting: true)
        #expect(try volume.stat(directory).attributes.file.permissions == 0o750)
        #expect(throws: VolumeError.alreadyExists("/d")) { try volume.makeNode(directory, attributes: Self.attributes(.directory)) }

        #expect(throws: VolumeError.directoryNotEmpty("/d")) { try volume.remove(directory) }
        #expect(throws: VolumeError.directoryNotEmpty("/d")) { try volume.removeDirectory(directory) }
        #expect(throws: VolumeError.notADirectory(name: "/d/file", file: "/d/file")) {
            try volume.removeDirectory(TestVolumes.name("/d/file"))
        }
        #expect(throws: VolumeError.notFound("/nothing")) { try volume.removeDirectory(TestVolumes.name("/nothing")) }
        try volume.remove(TestVolumes.name("/d/sub/deep"))
        try volume.removeDirectory(TestVolumes.name("/d/sub"))
        try volume.remove(TestVolumes.name("/d/file"))
        // Empty now, and still there by its record.
        #expect(try volume.isDirectory(directory.bytes))
        #expect(try volume.list(prefix: Array("/d/".utf8)).isEmpty)
        try volume.removeDirectory(directory)
        #expect(try !volume.isDirectory(directory.bytes))
        #expect(volume.fileCount == 0)
        #expect(try Audit.run(store).isConsistent)
    }

    /// An implicit directory gains a record without losing its names; it is never empty.
    @Test func anImplicitDirectoryGainsARecord() throws {
        let (store, volume) = try TestVolumes.make()
        try volume.put(TestVolumes.name("/a/b/c"), bytes: [1])
        #expect(throws: VolumeError.directoryNotEmpty("/a")) { try volume.removeDirectory(TestVolumes.name("/a")) }
        try volume.makeNode(TestVolumes.name("/a/b"), attributes: Self.attributes(.directory))
        try volume.makeNode(TestVolumes.name("/a"), attributes: Self.attributes(.directory))
        let reopened = try Volume(store: store)
        #expect(try reopened.names(prefix: Array("/a".utf8)).map { String(decoding: $0, as: UTF8.self) } == ["/a", "/a/b", "/a/b/c"])
        #expect(try reopened.readAll(TestVolumes.name("/a/b/c")) == [1])
    }

    /// Nothing can be below a file of another kind: a symbolic link is not a directory here
    /// (the volume never follows it).
    @Test func nothingGoesBelowALinkOrNode() throws {
        let (_, volume) = try TestVolumes.make()
        try volume.makeNode(TestVolumes.name("/link"), attributes: Self.attributes(.symbolicLink))
        try volume.makeNode(TestVolumes.name("/fifo"), attributes: Self.attributes(.fifo))
        #expect(throws: VolumeError.notADirectory(name: "/link/x", file: "/link")) {
            try volume.put(TestVolumes.name("/link/x"), bytes: [1])
        }
        #expect(throws: VolumeError.notADirectory(name: "/fifo/d", file: "/fifo")) {
            try volume.makeNode(TestVolumes.name("/fifo/d"), attributes: Self.attributes(.directory))
        }
        #expect(try !volume.isDirectory(Array("/link".utf8)))
    }

    /// Content operations need a regular file.
    @Test func contentOperationsRefuseOtherKinds() throws {
        let (_, volume) = try TestVolumes.make()
        let link = TestVolumes.name("/link")
        let directory = TestVolumes.name("/dir")
        try volume.makeNode(link, attributes: Self.attributes(.symbolicLink))
        try volume.makeNode(directory, attributes: Self.attributes(.directory))
        #expect(throws: VolumeError.notARegularFile("/link", .symbolicLink)) { try volume.write(link, at: 0, [1]) }
        #expect(throws: VolumeError.notARegularFile("/link", .symbolicLink)) { try volume.truncate(link, to: 10) }
        #expect(throws: VolumeError.isADirectory("/dir")) { try volume.append(directory, [1]) }
        // Replacing a link by a regular file is put's ordinary replace.
        var replace = PutOptions()
        replace.replaceExisting = true
        try volume.put(link, bytes: [7], options: replace)
        #expect(try volume.readAll(link) == [7])
        #expect(try volume.stat(link).attributes.file.kind == .regular)
    }

    /// Renaming a directory record renames everything below it, in one commit; the record
    /// keeps its attributes and file id.
    @Test func renamingADirectoryRecordMovesItsEntries() throws {
        let (store, volume) = try TestVolumes.make()
        let source = TestVolumes.name("/src")
        let made = try volume.makeNode(source, attributes: Self.attributes(.directory, permissions: 0o711))
        try volume.put(TestVolumes.name("/src/a"), bytes: [1])
        try volume.makeNode(TestVolumes.name("/src/empty"), attributes: Self.attributes(.directory))
        try volume.makeNode(TestVolumes.name("/src-sibling"), attributes: Self.attributes(.fifo))
        try volume.move(source.bytes, to: Array("/dst".utf8))
        let reopened = try Volume(store: store)
        let names = try reopened.names().map { String(decoding: $0, as: UTF8.self) }
        #expect(names == ["/dst", "/dst/a", "/dst/empty", "/src-sibling"])
        let moved = try reopened.stat(TestVolumes.name("/dst"))
        #expect(moved.fileID == made.fileID && moved.attributes.file.permissions == 0o711)
        // An empty directory record moves too.
        try reopened.move(Array("/dst/empty".utf8), to: Array("/dst/full".utf8))
        #expect(try reopened.isDirectoryRecord(TestVolumes.name("/dst/full")))
        #expect(throws: VolumeError.self) { try reopened.move(Array("/dst".utf8), to: Array("/dst/inside".utf8)) }
        #expect(try Audit.run(store).isConsistent)
    }
}
