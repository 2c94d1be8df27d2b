import Testing
import ArdakuFormat
@testable import ArdakuVolume
import TestSupport

@Suite struct VolumeBasicsTests {
    @Test func formatThenReopenIsEmpty() throws {
        let (store, volume) = try TestVolumes.make(pages: 64)
        #expect(volume.fileCount == 0)
        // page 0, one bitfield page, the backup, the trie page
        #expect(volume.committed.usedPageCount == 4)
        let reopened = try Volume(store: store)
        #expect(reopened.committed == volume.committed)
        #expect(try reopened.list().isEmpty)
        #expect(reopened.system.labelString == "test")
        #expect(reopened.system.generation == 1)
    }

    @Test func putGetListRemove() throws {
        let (store, volume) = try TestVolumes.make()
        let a = TestVolumes.name("/docs/a.txt"), b = TestVolumes.name("/docs/b.bin"), c = TestVolumes.name("/c")
        try volume.put(a, bytes: Array("hello".utf8))
        var rng = SeededGenerator(seed: 1)
        let big = rng.bytes(200_000)
        try volume.put(b, bytes: big)
        try volume.put(c, bytes: [])
        #expect(try volume.readAll(a) == Array("hello".utf8))
        #expect(try volume.readAll(b) == big)
        #expect(try volume.readAll(c).isEmpty)
        #expect(try volume.list().map(\.name) == ["/c", "/docs/a.txt", "/docs/b.bin"])
        #expect(try volume.list(prefix: Array("/docs/".utf8)).count == 2)
        #expect(try volume.stat(b).dataPageCount == 4)

        let reopened = try Volume(store: store)
        #expect(try reopened.readAll(b) == big)
        try reopened.remove(b)
        #expect(throws: VolumeError.notFound("/docs/b.bin")) { try reopened.readAll(b) }
        #expect(try Volume(store: store).list().map(\.name) == ["/c", "/docs/a.txt"])
        #expect(reopened.fileCount == 2)
    }

    /// Issue 14 #10: trie pages emptied by removing a directory are filled again (in this
    /// process and after reopening) instead of new pages being added after them.
    @Test func emptiedTriePagesAreReused() throws {
        let (store, first) = try TestVolumes.make(pages: 2048)
        // As `put -r` stores a tree: names in byte order.
        let many = (1...5000).map { "/many/file-with-a-longish-name-\($0).txt" }.sorted().map(TestVolumes.name)
        func putMany(_ volume: Volume) throws {
            try volume.batch { () throws(VolumeError) in for name in many { try volume.put(name, bytes: []) } }
        }
        func removeMany(_ volume: Volume) throws {
            try volume.batch { () throws(VolumeError) in for name in many { try volume.remove(name) } }
        }
        try putMany(first)
        try first.batch { () throws(VolumeError) in
            for index in 0..<300 { try first.put(TestVolumes.name("/zzz/\(index)"), bytes: []) }
        }
        /// Trie pages that hold no node.
        func emptyTriePages(_ volume: Volume) throws -> Int {
            try volume.system.triePages.filter { try TriePage.decode(try store.read($0), page: $0).slots.allSatisfy { $0 == nil } }.count
        }
        try removeMany(first)
        let afterFirstRemove = first.system.triePages.count
        #expect(try emptyTriePages(first) > 0)
        try putMany(first)
        // The emptied pages took the names again before any page was added.
        #expect(try emptyTriePages(first) == 0)
        let withMany = first.system.triePages.count
        try removeMany(first)
        #expect(first.system.triePages.count == afterFirstRemove)
        for _ in 0..<3 {
            let volume = try Volume(store: store)
            volume.clock = { 1_700_000_100 }
            try putMany(volume)
            #expect(try emptyTriePages(volume) == 0)
            #expect(volume.system.triePages.count == withMany)
            try removeMany(volume)
            #expect(volume.system.triePages.count == afterFirstRemove)
        }
        #expect(try Volume(store: store).list().count == 300)
    }

    /// Issue 14 #12: the largest file is what the record can list (FORMAT §10), not only what
    /// the extension pages hold: a length past 2048 × 8188 pages is refused only past that.
    @Test func largestFileCountsTheInlineEntries() throws {
        #expect(FileRecord.maxDataPages(nameLength: 2, tagCount: 0) == 16_770_031)
        let longest = FileRecord.maxDataPages(nameLength: 2, tagCount: 0)
        let layout = try Volume.entryLayout(pageCount: Int(longest), nameLength: 2, tagCount: 0, byteLength: longest << 16)
        #expect(layout.inline == 1007 && layout.extensionPages == 2048)
        #expect(throws: VolumeError.self) {
            _ = try Volume.entryLayout(pageCount: Int(longest) + 1, nameLength: 2, tagCount: 0, byteLength: (longest + 1) << 16)
        }
        /// Claims a length and data everywhere; the small volume fills long before the end.
        struct Endless: ContentSource {
            let byteLength: UInt64
            func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(VolumeError) {
                for index in buffer.indices { buffer[index] = 0xA5 }
            }
            func isZeroRange(at offset: UInt64, count: Int) -> Bool { false }
        }
        let (_, volume) = try TestVolumes.make(pages: 16)
        let pastExtensionPages = (Limits.maxFilePages + 1) << 16
        let full = Result { try volume.put(TestVolumes.name("/a"), from: Endless(byteLength: pastExtensionPages)) }
        guard case .failure(let error) = full, case .noSpace = error as? VolumeError else {
            Issue.record("expected no space, got \(full)")
            return
        }
        #expect(throws: VolumeError.fileTooLarge(byteLength: (longest + 1) << 16, limit: longest << 16)) {
            try volume.put(TestVolumes.name("/a"), from: Endless(byteLength: (longest + 1) << 16))
        }
    }

    @Test func pagesAreReusedAfterRemove() throws {
        let (_, volume) = try TestVolumes.make(pages: 32)
        var rng = SeededGenerator(seed: 2)
        // Fill most of the volume, free it, fill again: only possible if pages come back.
        for round in 0..<3 {
            let name = TestVolumes.name("/round\(round)")
            try volume.put(name, bytes: rng.bytes(20 * 65_536))
            try volume.remove(name)
        }
        #expect(volume.committed.usedPageCount == 4)
    }

    @Test func overwriteAppendTruncate() throws {
        let (store, volume) = try TestVolumes.make()
        let name = TestVolumes.name("/f")
        var model = [UInt8](repeating: 7, count: 70_000)
        try volume.put(name, bytes: model)
        try volume.write(name, at: 65_530, Array("0123456789".utf8))
        model.replaceSubrange(65_530..<65_540, with: Array("0123456789".utf8))
        #expect(try volume.readAll(name) == model)
        try volume.append(name, Array("tail".utf8))
        model += Array("tail".utf8)
        #expect(try volume.readAll(name) == model)
        try volume.truncate(name, to: 10)
        model.removeSubrange(10...)
        #expect(try volume.readAll(name) == model)
        try volume.truncate(name, to: 200_000)
        model += [UInt8](repeating: 0, count: 200_000 - 10)
        #expect(try volume.readAll(name) == model)
        try volume.write(name, at: 300_000, [1])
        model += [UInt8](repeating: 0, count: 100_000) + [1]
        #expect(try Volume(store: store).readAll(name) == model)
        // Holes take no pages: 10 bytes + zeros + one byte in the last page.
        #expect(try volume.stat(name).allocatedDataPageCount == 2)
    }

    @Test func renameAndMoveDirectory() throws {
        let (store, volume) = try TestVolumes.make()
        for path in ["/a/1", "/a/2", "/a/b/3", "/x"] {
            try volume.put(TestVolumes.name(path), bytes: Array(path.utf8))
        }
        let before = try volume.stat(TestVolumes.name("/x")).fileID
        try volume.move(Array("/x".utf8), to: Array("/y".utf8))
        #expect(try volume.stat(TestVolumes.name("/y")).fileID == before)
        try volume.move(Array("/a".utf8), to: Array("/z/a".utf8))
        let reopened = try Volume(store: store)
        #expect(try reopened.list().map(\.name) == ["/y", "/z/a/1", "/z/a/2", "/z/a/b/3"])
        #expect(try reopened.readAll(TestVolumes.name("/z/a/b/3")) == Array("/a/b/3".utf8))
    }

    @Test func namesThatConflictWithDirectoriesAreRefused() throws {
        let (_, volume) = try TestVolumes.make()
        try volume.put(TestVolumes.name("/a/b"), bytes: [1])
        #expect(throws: VolumeError.isADirectory("/a")) { try volume.put(TestVolumes.name("/a"), bytes: [2]) }
        #expect(throws: VolumeError.notADirectory(name: "/a/b/c", file: "/a/b")) {
            try volume.put(TestVolumes.name("/a/b/c"), bytes: [2])
        }
        #expect(throws: VolumeError.alreadyExists("/a/b")) { try volume.put(TestVolumes.name("/a/b"), bytes: [2]) }
    }

    @Test func noSpaceLeavesTheVolumeUnchanged() throws {
        let (store, volume) = try TestVolumes.make(pages: 8)
        var rng = SeededGenerator(seed: 3)
        let before = store.snapshot()
        #expect(throws: VolumeError.noSpace(neededPages: 1, freePages: 0)) {
            try volume.put(TestVolumes.name("/big"), bytes: rng.bytes(10 * 65_536))
        }
        let reopened = try Volume(store: store)
        #expect(try reopened.list().isEmpty)
        #expect(reopened.committed == (try Volume(store: MemoryPageStore(image: before))).committed)
        // The volume still works after the failed operation.
        try volume.put(TestVolumes.name("/small"), bytes: [1, 2, 3])
        #expect(try Volume(store: store).readAll(TestVolumes.name("/small")) == [1, 2, 3])
    }

    @Test func largeFileUsesExtensionPages() throws {
        let (store, volume) = try TestVolumes.make(pages: 4_200)
        // 4,100 pages: more than fit inline (about 2,000), so extension pages carry the rest.
        let pageCount = 4_100
        var content = [UInt8](repeating: 0, count: pageCount * 65_536 - 17)
        for page in 0..<pageCount { content[page * 65_536] = UInt8(truncatingIfNeeded: page) | 1 }
        try volume.put(TestVolumes.name("/large"), bytes: content)
        let status = try volume.stat(TestVolumes.name("/large"))
        #expect(status.extensionPages.count == 1)
        #expect(status.dataPageCount == UInt32(pageCount))
        #expect(try Volume(store: store).readAll(TestVolumes.name("/large")) == content)
        // An append touches the last page only; the extension page is rewritten, not duplicated.
        try volume.append(TestVolumes.name("/large"), [9, 9])
        content += [9, 9]
        #expect(try Volume(store: store).readAll(TestVolumes.name("/large")) == content)
    }

    @Test func corruptedDataPageIsReportedByPage() throws {
        let (store, volume) = try TestVolumes.make()
        let name = TestVolumes.name("/f")
        try volume.put(name, bytes: [UInt8](repeating: 5, count: 100_000))
        let status = try volume.stat(name)
        let record = try FileRecord.decode(UnsafeRawBufferPointer(rebasing: try store.read(status.subpage.page)[status.subpage.slot * 16_384..<(status.subpage.slot + 1) * 16_384]))
        let secondPage = record.inlineEntries[1].page
        try store.write([0xFF], to: secondPage, at: PageOffset(100))
        let reader = try Volume(store: store)
        // Reading the whole file names every damaged range.
        let whole = Result { () throws -> [UInt8] in try reader.readAll(name) }
        guard case .failure(let wholeError) = whole, case let .damaged(shown, ranges, marked)? = wholeError as? VolumeError else {
            Issue.record("a damaged page must not read back: \(whole)")
            return
        }
        #expect(shown == "/f")
        #expect(ranges == [65_536..<100_000])
        #expect(!marked)
        // Random access names the page itself.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1, alignment: 1)
        defer { buffer.deallocate() }
        let partial = Result { () throws -> Void in try reader.read(name, at: 70_000, into: buffer) }
        guard case .failure(let partialError) = partial,
              case let .dataChecksumMismatch(partialName, ordinal, page, _, _)? = partialError as? VolumeError else {
            Issue.record("a damaged page must not read back: \(partial)")
            return
        }
        #expect(partialName == "/f" && ordinal == 1 && page == secondPage)
        // Salvaging delivers every byte as stored and names the damaged range.
        #expect(try reader.damagedRanges(name) == [65_536..<100_000])
        let salvaged = try Self.salvage(reader, name)
        #expect(salvaged.ranges == [65_536..<100_000])
        #expect(salvaged.bytes.count == 100_000 && salvaged.bytes[65_536 + 100] == 0xFF && salvaged.bytes[65_536] == 5)
    }

    private static func salvage(_ volume: Volume, _ name: FileName) throws -> (bytes: [UInt8], ranges: [Range<UInt64>]) {
        var bytes: [UInt8] = []
        let ranges = try volume.readSalvaging(name) { (chunk: UnsafeRawBufferPointer) throws(VolumeError) in bytes.append(contentsOf: chunk) }
        return (bytes, ranges)
    }
}
