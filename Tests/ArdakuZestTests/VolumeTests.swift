import ArdakuFormat
import Testing
@testable import ArdakuZest

@Suite("ZEST volume operations")
struct VolumeTests {
    @Test("a new volume is the header area plus the head pair, and opens empty")
    func emptyVolume() throws {
        let store = MemoryByteStore()
        let volume = try ZestVolume.create(in: store)
        #expect(store.length == 4096 + 8192)
        #expect(volume.fileCount == 0)
        let reopened = try ZestVolume.open(store)
        #expect(reopened.fileCount == 0 && reopened.segmentSize == 4096)
        #expect(try ZestChecker.verify(store).isEmpty)
    }

    @Test("insert, read, stat, list, update, rename, delete, reopen", arguments: [UInt32(16), 64, 512, 4096])
    func roundTrip(segmentSize: UInt32) throws {
        let store = MemoryByteStore()
        let volume = try ZestVolume.create(in: store, options: .init(segmentSize: segmentSize))
        let text = Array(String(repeating: "the quick brown fox jumps over the lazy dog. ", count: 40).utf8)
        var random = SeededGenerator(seed: 1)
        let noise = (0..<3000).map { _ in UInt8.random(in: 0...255, using: &random) }
        try volume.insert(name("/docs/a.txt"), text)
        try volume.insert(name("/docs/b.bin"), noise)
        try volume.insert(name("/empty"), [])
        try volume.flush()
        #expect(try volume.read(name("/docs/a.txt")) == text)
        #expect(try volume.read(name("/docs/b.bin")) == noise)
        #expect(try volume.read(name("/empty")) == [])
        #expect(try volume.stat(name("/docs/a.txt")).codec == .deflate)
        #expect(try volume.stat(name("/docs/a.txt")).storedSize < UInt32(text.count))
        #expect(try volume.stat(name("/docs/b.bin")).codec == .stored, "random bytes do not shrink: stored raw")
        #expect(volume.list(prefix: "/docs/").map(\.name.string) == ["/docs/a.txt", "/docs/b.bin"])
        try volume.update(name("/docs/a.txt"), Array("short now".utf8))
        try volume.rename(name("/docs/b.bin"), to: name("/other/b.bin"))
        try volume.delete(name("/empty"))
        try volume.flush()
        let reopened = try ZestVolume.open(store)
        #expect(reopened.list().map(\.name.string) == ["/docs/a.txt", "/other/b.bin"])
        #expect(try reopened.read(name("/docs/a.txt")) == Array("short now".utf8))
        #expect(try reopened.read(name("/other/b.bin")) == noise)
        #expect(try ZestChecker.verify(store).isEmpty)
    }

    @Test("errors: missing, existing, conflicting names and read-only stores")
    func operationErrors() throws {
        let store = MemoryByteStore()
        let volume = try ZestVolume.create(in: store)
        try volume.insert(name("/a/b"), [1, 2, 3])
        #expect(throws: ZestError(.fileExists("/a/b"))) { try volume.insert(name("/a/b"), []) }
        #expect(throws: ZestError(.fileNotFound("/x"))) { try volume.read(name("/x")) }
        #expect(throws: ZestError(.fileNotFound("/x"))) { try volume.update(name("/x"), []) }
        #expect(throws: ZestError(.fileNotFound("/x"))) { try volume.delete(name("/x")) }
        do {
            try volume.insert(name("/a"), [])
            Issue.record("/a inserted while /a/b exists")
        } catch {
            guard case .pathConflict = error.kind else { Issue.record("\(error)"); return }
        }
        do {
            try volume.insert(name("/a/b/c"), [])
            Issue.record("/a/b/c inserted while /a/b is a file")
        } catch {
            guard case .pathConflict = error.kind else { Issue.record("\(error)"); return }
        }
        // Renaming a file below its own old name is no conflict: the old name goes away.
        try volume.rename(name("/a/b"), to: name("/a/b/c"))
        try volume.flush()
        #expect(try volume.read(name("/a/b/c")) == [1, 2, 3])
        store.isReadOnly = true
        let readOnly = try ZestVolume.open(store)
        #expect(try readOnly.read(name("/a/b/c")) == [1, 2, 3])
        #expect(throws: ZestError(.readOnly)) {
            try readOnly.insert(name("/z"), Array(repeating: 7, count: 100))
            try readOnly.flush()
        }
        #expect(throws: ZestError.self) { try ZestVolume.create(in: MemoryByteStore(), options: .init(segmentSize: 100)) }
    }

    @Test("updating one file writes only its new segments and its own fragment pair")
    func updateWritesOnlyItsOwnBytes() throws {
        let store = RecordingByteStore()
        let volume = try ZestVolume.create(in: store, options: .init(segmentSize: 64))
        let corpus = TextCorpus.make(count: 400, seed: 7)
        for file in corpus { try volume.insert(name(file.name), file.bytes) }
        try volume.flush()
        #expect(volume.fragments.count > 3, "the files span several fragments")
        let target = corpus[250]
        let before = store.bytes
        let oldInfo = try volume.stat(name(target.name))
        let holder = volume.records[volume.nameIndex[NameKey(Array(target.name.utf8))]!]!.fragment
        store.clearLog()
        let newContent = Array(("updated " + String(repeating: "content ", count: 300)).utf8)
        try volume.update(name(target.name), newContent)
        try volume.flush()
        let newInfo = try volume.stat(name(target.name))
        let segment = UInt64(volume.segmentSize)
        let newSegments = UInt64(newInfo.segments.start) * segment..<newInfo.segments.end * segment
        let pair = UInt64(holder.pairSegment) * segment..<(UInt64(holder.pairSegment) * segment + 8192)
        // The commit seal (FORMAT §Z4.2) is part of every commit: its two 32-byte copies.
        let seals = ZestCommitSeal.copyOffsets.map { UInt64($0)..<UInt64($0 + ZestCommitSeal.encodedSize) }
        func inSeal(_ range: Range<UInt64>) -> Bool { seals.contains { $0.contains(range.lowerBound) && range.upperBound <= $0.upperBound } }
        #expect(!store.writtenRanges.isEmpty)
        for range in store.writtenRanges {
            #expect(newSegments.contains(range.lowerBound) && range.upperBound <= newSegments.upperBound
                    || pair.contains(range.lowerBound) && range.upperBound <= pair.upperBound || inSeal(range),
                    "write \(range) outside the file's segments \(newSegments), its fragment \(pair) and the seal")
        }
        #expect(!newInfo.segments.overlaps(oldInfo.segments), "content is copy-on-write")
        // Every byte outside those two ranges is unchanged.
        let after = store.bytes
        for index in 0..<min(before.count, after.count) where before[index] != after[index] {
            let offset = UInt64(index)
            #expect(newSegments.contains(offset) || pair.contains(offset) || inSeal(offset..<offset + 1), "byte \(offset) changed")
            if !(newSegments.contains(offset) || pair.contains(offset) || inSeal(offset..<offset + 1)) { break }
        }
        for file in corpus where file.name != target.name { #expect(try volume.read(name(file.name)) == file.bytes) }
    }

    @Test("segments of deleted and moved files are reused; compaction gives space back")
    func reuseAndCompaction() throws {
        let store = MemoryByteStore()
        let volume = try ZestVolume.create(in: store, options: .init(segmentSize: 256))
        let corpus = TextCorpus.make(count: 300, seed: 3)
        for file in corpus { try volume.insert(name(file.name), file.bytes) }
        try volume.flush()
        let fullLength = store.length
        for file in corpus.prefix(150) { try volume.delete(name(file.name)) }
        try volume.flush()
        #expect(volume.freeSegmentCount > 0)
        let before = store.length
        for file in corpus.prefix(100) { try volume.insert(name(file.name + ".again"), file.bytes) }
        try volume.flush()
        #expect(store.length <= before + 4096, "new files went into freed segments, not the end")
        let report = try volume.compact()
        #expect(report.filesMoved > 0)
        #expect(store.length < fullLength)
        #expect(volume.freeSegmentCount == 0)
        for file in corpus.dropFirst(150) { #expect(try volume.read(name(file.name)) == file.bytes) }
        for file in corpus.prefix(100) { #expect(try volume.read(name(file.name + ".again")) == file.bytes) }
        #expect(try ZestChecker.verify(store).isEmpty)
        let reopened = try ZestVolume.open(store)
        #expect(reopened.fileCount == 250)
    }

    @Test("compaction packs a sparse table into fewer fragments")
    func tablePacking() throws {
        let store = MemoryByteStore()
        let volume = try ZestVolume.create(in: store, options: .init(segmentSize: 64))
        for index in 0..<600 { try volume.insert(name("/f/\(index)-" + String(repeating: "n", count: 40)), [UInt8(index & 0xFF)]) }
        try volume.flush()
        let fragmentsBefore = volume.fragments.count
        for index in 0..<600 where index % 4 != 0 { try volume.delete(name("/f/\(index)-" + String(repeating: "n", count: 40))) }
        let report = try volume.compact()
        #expect(report.fragmentsAfter < fragmentsBefore)
        #expect(volume.fragments.count == volume.packedFragmentCount)
        let reopened = try ZestVolume.open(store)
        #expect(reopened.fileCount == 150)
        #expect(try reopened.read(name("/f/8-" + String(repeating: "n", count: 40))) == [8])
        #expect(try ZestChecker.verify(store).isEmpty)
    }

    @Test("a rename that does not fit its fragment moves the entry and copies the content")
    func renameAcrossFragments() throws {
        let store = MemoryByteStore()
        let volume = try ZestVolume.create(in: store, options: .init(segmentSize: 64))
        // Fill the head fragment exactly so no longer name fits there.
        var index = 0
        while volume.fragments.count == 1 {
            try volume.insert(name("/x/\(index)"), Array(repeating: UInt8(index & 0xFF), count: 10))
            index += 1
        }
        try volume.flush()
        let longName = "/y/" + String(repeating: "long", count: 200)
        try volume.rename(name("/x/0"), to: name(longName))
        try volume.flush()
        #expect(try volume.read(name(longName)) == Array(repeating: 0, count: 10))
        #expect(!volume.contains(name("/x/0")))
        let reopened = try ZestVolume.open(store)
        #expect(try reopened.read(name(longName)) == Array(repeating: 0, count: 10))
        #expect(try ZestChecker.verify(store).isEmpty)
    }

    @Test("forEachFile reads every file in segment order, like read does")
    func readAll() throws {
        let store = MemoryByteStore()
        let volume = try ZestVolume.create(in: store, options: .init(segmentSize: 64))
        let corpus = TextCorpus.make(count: 200, seed: 11)
        for file in corpus { try volume.insert(name(file.name), file.bytes) }
        try volume.flush()
        var seen: [String: [UInt8]] = [:]
        try volume.forEachFile { name, content in seen[name.string] = content }
        #expect(seen.count == corpus.count)
        for file in corpus { #expect(seen[file.name] == file.bytes) }
    }

    @Test("a crash at any point of a flush leaves each file old or new, and the rest intact")
    func crashAtEveryOperation() throws {
        let store = RecordingByteStore()
        let volume = try ZestVolume.create(in: store, options: .init(segmentSize: 64))
        let corpus = TextCorpus.make(count: 220, seed: 5)
        for file in corpus { try volume.insert(name(file.name), file.bytes) }
        try volume.flush()
        let base = store.bytes
        store.clearLog()
        // One batch: updates, deletes, inserts, renames, across several fragments.
        var expectedNew: [String: [UInt8]?] = [:]
        for file in corpus.prefix(30) {
            let content = Array(("new " + file.name).utf8) + file.bytes.prefix(500)
            try volume.update(name(file.name), content)
            expectedNew[file.name] = content
        }
        for file in corpus[30..<50] { try volume.delete(name(file.name)); expectedNew[file.name] = .some(nil) }
        for index in 0..<120 {
            let content = Array("inserted \(index)".utf8) + corpus[index].bytes.prefix(200)
            try volume.insert(name("/new/\(index)"), content)
            expectedNew["/new/\(index)"] = content
        }
        try volume.flush()
        let operationCount = store.operations.count
        var generator = SeededGenerator(seed: 99)
        let old = Dictionary(uniqueKeysWithValues: corpus.map { ($0.name, $0.bytes) })
        for point in 0...operationCount {
            for _ in 0..<3 {
                let image = store.crashImage(base: base, afterOperations: point, using: &generator)
                let crashed = MemoryByteStore(image)
                let reopened = try ZestVolume.open(crashed)
                for file in corpus {
                    let now = try? reopened.read(name(file.name))
                    let newer: [UInt8]?? = expectedNew[file.name]
                    let acceptable = now == file.bytes || (newer != nil && now == newer!)
                    #expect(acceptable, "\(file.name) after a crash at operation \(point)")
                }
                for index in 0..<120 {
                    let inserted = "/new/\(index)"
                    if reopened.contains(name(inserted)) {
                        #expect(try reopened.read(name(inserted)) == expectedNew[inserted]!!)
                    }
                }
                #expect(old.count == corpus.count)
            }
        }
    }
}
