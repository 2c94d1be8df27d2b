import ArdakuFormat
import Testing
@testable import ArdakuZest

@Suite("ZEST batch reads and writes, partial opens, bulk import")
struct BatchTests {
    static func volume(files: Int, seed: UInt64, segmentSize: UInt32 = 32) throws -> (MemoryByteStore, ZestVolume, [(name: String, bytes: [UInt8])]) {
        let store = MemoryByteStore()
        let volume = try ZestVolume.create(in: store, options: .init(segmentSize: segmentSize))
        let corpus = TextCorpus.make(count: files, seed: seed)
        try volume.addDictionary(ZestDictionaryTrainer.train(samples: corpus.prefix(100).map(\.bytes), size: 8192))
        try volume.write(corpus.map { (name($0.name), $0.bytes) })
        try volume.flush()
        return (store, volume, corpus)
    }

    @Test("read(names) hands every file over in the order asked, missing and damaged ones as errors", arguments: [1, 2, 4])
    func readNamesInOrder(threads: Int) throws {
        let (store, _, corpus) = try Self.volume(files: 300, seed: 21)
        // Damage one file's content: its read fails, the others do not.
        let reopened = try ZestVolume.open(store)
        let victim = corpus[17]
        let info = try reopened.stat(name(victim.name))
        var image = store.bytes
        image[Int(info.segments.start) * 32 + 3] ^= 0x55
        let damaged = try ZestVolume.open(MemoryByteStore(image))
        var asked = corpus.reversed().map { name($0.name) }
        asked.insert(name("/not/there"), at: 5)
        var seen: [Int] = []
        try damaged.read(asked, threads: threads) { position, content in
            seen.append(position)
            let expected = position == 5 ? nil : corpus.first { $0.name == asked[position].string }
            switch content {
            case let .success(bytes):
                #expect(bytes == expected?.bytes, "\(asked[position].string)")
                #expect(asked[position].string != victim.name, "the damaged file reads back")
            case let .failure(error):
                if position == 5 {
                    #expect(error.kind == .fileNotFound("/not/there"))
                } else {
                    #expect(asked[position].string == victim.name, "\(asked[position].string): \(error)")
                    switch error.kind {
                    case .contentChecksumMismatch, .decompressionFailed: break
                    default: Issue.record("\(error)")
                    }
                }
            }
        }
        #expect(seen == Array(asked.indices))
    }

    @Test("read(prefix:) in name order and in storage order gives the same files as read")
    func readPrefixOrders() throws {
        let (_, volume, corpus) = try Self.volume(files: 250, seed: 22)
        for order in [ZestReadOrder.name, .storage] {
            var names: [FileName] = []
            var starts: [UInt32] = []
            try volume.read(prefix: "/", order: order, threads: 3) { fileName, content in
                names.append(fileName)
                starts.append(try volume.stat(fileName).segments.start)
                #expect(try content.get() == volume.read(fileName))
            }
            #expect(names.count == corpus.count)
            if order == .name { #expect(names == names.sorted()) } else { #expect(starts == starts.sorted()) }
        }
        let directory = String(corpus[0].name.split(separator: "/")[0])
        var below = 0
        try volume.read(prefix: "/\(directory)/", order: .name) { fileName, _ in
            #expect(fileName.string.hasPrefix("/\(directory)/"))
            below += 1
        }
        #expect(below == corpus.filter { $0.name.hasPrefix("/\(directory)/") }.count)
    }

    @Test("write(batch) on several threads stores exactly what one thread stores")
    func parallelWriteIsDeterministic() throws {
        let corpus = TextCorpus.make(count: 400, seed: 23)
        var images: [[UInt8]] = []
        for threads in [1, 2, 5] {
            let store = MemoryByteStore()
            let volume = try ZestVolume.create(in: store, options: .init(segmentSize: 32))
            try volume.addDictionary(ZestDictionaryTrainer.train(samples: corpus.prefix(80).map(\.bytes), size: 4096))
            try volume.write(corpus.map { (name($0.name), $0.bytes) }, threads: threads)
            try volume.flush()
            images.append(store.bytes)
            let reopened = try ZestVolume.open(store)
            for file in corpus { #expect(try reopened.read(name(file.name)) == file.bytes) }
            #expect(try ZestChecker.verify(store).isEmpty)
        }
        #expect(images[0] == images[1] && images[1] == images[2])
    }

    @Test("write(batch) checks every name before it writes anything")
    func batchChecksFirst() throws {
        let (store, volume, corpus) = try Self.volume(files: 60, seed: 24)
        let before = store.bytes
        let fresh = (name("/fresh/one"), Array("one".utf8))
        let cases: [([(name: FileName, contents: [UInt8])], Bool)] = [
            ([fresh, (name(corpus[3].name), [1])], false),                  // exists
            ([fresh, (name("/fresh/two"), [1]), (name("/fresh/two"), [2])], true),  // given twice
            ([fresh, (name("/fresh/one/below"), [1])], true),               // file and directory in the batch
            ([fresh, (name(corpus[3].name + "/below"), [1])], true),        // below an existing file
            ([fresh, (name("/" + corpus[3].name.split(separator: "/")[0]), [1])], true),  // an existing directory
        ]
        for (files, replace) in cases {
            #expect(throws: ZestError.self) { try volume.write(files, replaceExisting: replace) }
            #expect(!volume.contains(name("/fresh/one")))
            #expect(!volume.hasPendingChanges)
        }
        try volume.flush()
        #expect(store.bytes == before, "a refused batch wrote nothing")
        // With replaceExisting an existing file is updated.
        try volume.write([fresh, (name(corpus[3].name), Array("replaced".utf8))], replaceExisting: true)
        try volume.flush()
        #expect(try ZestVolume.open(store).read(name(corpus[3].name)) == Array("replaced".utf8))
    }

    @Test("a bulk import reaches the store in a few large writes, not one per file")
    func gatheredWrites() throws {
        let store = RecordingByteStore()
        let volume = try ZestVolume.create(in: store, options: .init(segmentSize: 32))
        store.clearLog()
        let corpus = TextCorpus.make(count: 500, seed: 25)
        try volume.write(corpus.map { (name($0.name), $0.bytes) })
        try volume.flush()
        let writes = store.writtenRanges
        let fragments = volume.fragments.count
        // Content: a write per MiB gathered; fragments: a new pair each, then the slot rewrites.
        #expect(writes.count <= fragments * 2 + Int(store.length >> 20) + 4, "\(writes.count) writes for \(fragments) fragments")
        #expect(writes.count < corpus.count / 4)
        for file in corpus { #expect(try ZestVolume.open(MemoryByteStore(store.bytes)).read(name(file.name)) == file.bytes) }
    }

    @Test("open(only:) decodes just the files asked for, reads them, and refuses every change")
    func partialOpen() throws {
        let (store, _, corpus) = try Self.volume(files: 300, seed: 26)
        let wanted = [corpus[7], corpus[150], corpus[299]].map { name($0.name) }
        let partial = try ZestVolume.open(store, only: wanted + [name("/absent")])
        #expect(partial.isPartial)
        #expect(partial.fileCount >= 3 && partial.fileCount < 20, "hash matches only, a few at most")
        #expect(partial.activeDictionaryID != nil, "dictionaries are always kept")
        for file in wanted { #expect(try partial.read(file) == corpus.first { $0.name == file.string }!.bytes) }
        #expect(throws: ZestError(.fileNotFound("/absent"))) { try partial.read(name("/absent")) }
        #expect(throws: ZestError(.readOnly)) { try partial.insert(name("/new"), [1]) }
        #expect(throws: ZestError(.readOnly)) { try partial.update(wanted[0], [1]) }
        #expect(throws: ZestError(.readOnly)) { try partial.delete(wanted[0]) }
        #expect(throws: ZestError(.readOnly)) { try partial.rename(wanted[0], to: name("/moved")) }
        #expect(throws: ZestError(.readOnly)) { try partial.write([(name("/new"), [1])]) }
        #expect(throws: ZestError(.readOnly)) { try partial.addDictionary([1, 2, 3]) }
        #expect(throws: ZestError(.readOnly)) { try partial.compact() }
        // A damaged table is refused by a partial open as by a full one.
        var image = store.bytes
        // Both slots of the head pair, two bytes each: one damaged byte would be corrected
        // by the slot's CRC (FORMAT §Z4.1).
        for offset in [4096 + 100, 4096 + 200, 4096 + 4096 + 100, 4096 + 4096 + 200] { image[offset] ^= 0x01 }
        #expect(throws: ZestError.self) { try ZestVolume.open(MemoryByteStore(image), only: wanted) }
    }

    @Test("ZestImport: sorted names, a trained dictionary when it pays, nothing durable before the flush")
    func bulkImport() throws {
        let corpus = TextCorpus.make(count: 600, seed: 27)
        let store = MemoryByteStore()
        let volume = try ZestVolume.create(in: store, options: .init(segmentSize: 32))
        let committed = store.bytes
        var importer = ZestImport()
        importer.batchBytes = 256 << 10
        var batches = 0
        importer.progress = { _, _ in batches += 1 }
        let sources = corpus.reversed().map { file in ZestImport.Source(name: name(file.name), size: UInt64(file.bytes.count)) { file.bytes } }
        let summary = try importer.run(sources, into: volume)
        #expect(summary.files == corpus.count)
        #expect(summary.bytes == UInt64(corpus.reduce(0) { $0 + $1.bytes.count }))
        #expect(summary.trainedDictionary == 1, "\(summary.dictionaryNote ?? "")")
        #expect(batches > 3)
        #expect(store.bytes.prefix(12288) == committed.prefix(12288), "the header and the head pair are untouched")
        #expect(try ZestVolume.open(MemoryByteStore(store.bytes)).fileCount == 0, "nothing committed before the flush")
        try volume.flush()
        let reopened = try ZestVolume.open(store)
        let byStorage = reopened.list().sorted { $0.segments.start < $1.segments.start }.map(\.name)
        #expect(byStorage == byStorage.sorted(), "the store holds the files in name order")
        for file in corpus { #expect(try reopened.read(name(file.name)) == file.bytes) }
        #expect(reopened.list().allSatisfy { $0.dictionaryID == 1 || $0.codec == .stored })
        // A second import into the same volume keeps its dictionary; names already there need replaceExisting.
        let again = [ZestImport.Source(name: name(corpus[0].name), size: 3) { [1, 2, 3] }]
        #expect(throws: ZestError.self) { try importer.run(again, into: volume) }
        importer.replaceExisting = true
        let second = try importer.run(again, into: volume)
        #expect(second.trainedDictionary == nil && second.dictionaryNote == "the volume has one already")
        try volume.flush()
        #expect(try ZestVolume.open(store).read(name(corpus[0].name)) == [1, 2, 3])
    }

    @Test("ZestImport trains no dictionary for a handful of files, or when told not to")
    func noDictionaryWhenItDoesNotPay() throws {
        let corpus = TextCorpus.make(count: 10, seed: 28)
        let sources = corpus.map { file in ZestImport.Source(name: name(file.name), size: UInt64(file.bytes.count)) { file.bytes } }
        let volume = try ZestVolume.create(in: MemoryByteStore(), options: .init(segmentSize: 32))
        let summary = try ZestImport().run(sources, into: volume)
        #expect(summary.trainedDictionary == nil)
        #expect(volume.dictionaryIDs.isEmpty)
        var never = ZestImport()
        never.dictionary = .never
        let big = TextCorpus.make(count: 200, seed: 29).map { file in
            ZestImport.Source(name: name("/big" + file.name), size: UInt64(file.bytes.count)) { file.bytes }
        }
        #expect(try never.run(big, into: volume).trainedDictionary == nil)
        #expect(volume.dictionaryIDs.isEmpty)
    }
}
