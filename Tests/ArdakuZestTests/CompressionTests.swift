import ArdakuFormat
import Foundation
import Testing
@testable import ArdakuZest
import ArdakuCodec

/// Sizes of one corpus stored in different ways.
struct CompressionFigures: CustomStringConvertible {
    var files = 0
    var rawBytes = 0
    /// Each file alone, raw DEFLATE level 6, no dictionary, no table: the lower bound of
    /// "compress each file alone".
    var perFileDeflate = 0
    /// The files concatenated in name order, cut into 128 KiB blocks, each block DEFLATE
    /// level 9: how squashfs with gzip stores data (its metadata comes on top).
    var solidBlocks = 0
    /// The whole ZEST volume, table and dictionary included.
    var volumeBytes: UInt64 = 0
    var volumeWithoutDictionary: UInt64 = 0

    var description: String {
        "\(files) files, \(rawBytes) raw bytes; per-file deflate \(perFileDeflate); 128 KiB solid blocks \(solidBlocks); "
            + "ZEST volume without dictionary \(volumeWithoutDictionary), with dictionary \(volumeBytes)"
    }

    static func measure(_ corpus: [(name: String, bytes: [UInt8])], segmentSize: UInt32, level: Int32 = 6) throws -> CompressionFigures {
        var figures = CompressionFigures()
        figures.files = corpus.count
        figures.rawBytes = corpus.reduce(0) { $0 + $1.bytes.count }
        let fast = try DeflateStream(level: 6, framing: .raw)
        for file in corpus {
            let compressed = try file.bytes.withUnsafeBytes { try fast.compressIfSmaller($0, dictionary: nil) }
            figures.perFileDeflate += compressed?.count ?? file.bytes.count
        }
        let best = try DeflateStream(level: 9, framing: .raw)
        var solid: [UInt8] = []
        for file in corpus.sorted(by: { $0.name < $1.name }) { solid += file.bytes }
        var start = 0
        while start < solid.count {
            let block = Array(solid[start..<min(start + 131_072, solid.count)])
            let compressed = try block.withUnsafeBytes { try best.compressIfSmaller($0, dictionary: nil) }
            figures.solidBlocks += compressed?.count ?? block.count
            start += 131_072
        }
        figures.volumeWithoutDictionary = try build(corpus, segmentSize: segmentSize, level: level, dictionary: false).length
        figures.volumeBytes = try build(corpus, segmentSize: segmentSize, level: level, dictionary: true).length
        return figures
    }

    /// A volume holding `corpus`, built the way a bulk import should: train a dictionary
    /// on a sample first, then insert every file with it.
    static func build(_ corpus: [(name: String, bytes: [UInt8])], segmentSize: UInt32, level: Int32, dictionary: Bool) throws -> MemoryByteStore {
        let store = MemoryByteStore()
        let volume = try ZestVolume.create(in: store, options: .init(segmentSize: segmentSize, compressionLevel: level))
        if dictionary {
            // Every fourth file, at most 2 MiB: enough to see what the files share.
            var samples: [[UInt8]] = []
            var taken = 0
            for (index, file) in corpus.enumerated() where index % 4 == 0 && taken < 2 << 20 {
                samples.append(file.bytes)
                taken += file.bytes.count
            }
            try volume.addDictionary(ZestDictionaryTrainer.train(samples: samples))
        }
        for file in corpus { try volume.insert(name(file.name), file.bytes) }
        try volume.flush()
        return store
    }
}

@Suite("ZEST compression")
struct CompressionTests {
    @Test("2,000 small text files: with its table, the volume is smaller than the files compressed alone")
    func smallFilesWithDictionary() throws {
        let corpus = TextCorpus.make(count: 2000, seed: 2024)
        let figures = try CompressionFigures.measure(corpus, segmentSize: 32)
        print("ZEST compression (2,000 files):", figures)
        #expect(figures.rawBytes > 3_000_000)
        // The dictionary must pay for itself and for the table: the whole volume is smaller
        // than the bare DEFLATE streams of the files compressed alone. (Against 128 KiB solid
        // blocks this corpus is still 19% larger: see docs/FORMAT.md §Z9.)
        #expect(Double(figures.volumeBytes) < 0.8 * Double(figures.volumeWithoutDictionary), "\(figures)")
        #expect(figures.volumeBytes < UInt64(figures.perFileDeflate), "\(figures)")
        // Each file stays readable alone.
        let store = try CompressionFigures.build(corpus, segmentSize: 32, level: 6, dictionary: true)
        let volume = try ZestVolume.open(store)
        for file in corpus.prefix(100) { #expect(try volume.read(name(file.name)) == file.bytes) }
    }

    @Test("one deflater switching dictionaries compresses exactly as fresh streams do")
    func primedDeflaterMatchesFreshStreams() throws {
        let corpus = TextCorpus.make(count: 40, seed: 31)
        let first = ZestDictionaryTrainer.train(samples: corpus.prefix(20).map(\.bytes), size: 4096)
        let second = Array(first.reversed())
        let reused = try DeflateStream(level: 6, framing: .raw)
        let inflater = try InflateStream(framing: .raw)
        for (index, file) in corpus.enumerated() {
            let dictionary: [UInt8]? = [first, second, nil, first, first][index % 5]
            let got = try file.bytes.withUnsafeBytes { try reused.compressIfSmaller($0, dictionary: dictionary) }
            let expected = try file.bytes.withUnsafeBytes { try DeflateStream(level: 6, framing: .raw).compressIfSmaller($0, dictionary: dictionary) }
            #expect(got == expected, "file \(index)")
            if let got {
                let back = got.withUnsafeBytes { inflater.decompress($0, originalLength: file.bytes.count, dictionary: dictionary) }
                #expect(try back.get() == file.bytes)
            }
        }
    }

    @Test("a new dictionary does not break files compressed with the old one; compaction can retire it")
    func dictionaryGenerations() throws {
        let corpus = TextCorpus.make(count: 120, seed: 8)
        let store = MemoryByteStore()
        var volume = try ZestVolume.create(in: store, options: .init(segmentSize: 64))
        let first = try volume.addDictionary(ZestDictionaryTrainer.train(samples: corpus.prefix(60).map(\.bytes), size: 8192))
        for file in corpus.prefix(60) { try volume.insert(name(file.name), file.bytes) }
        try volume.flush()
        let second = try volume.trainDictionary(dictionaryBytes: 16384)
        #expect(second == first + 1)
        #expect(volume.activeDictionaryID == second)
        for file in corpus.dropFirst(60) { try volume.insert(name(file.name), file.bytes) }
        try volume.flush()
        volume = try ZestVolume.open(store)
        #expect(volume.dictionaryIDs == [first, second!])
        let usesFirst = volume.list().filter { $0.dictionaryID == first }.count
        #expect(usesFirst > 0)
        for file in corpus { #expect(try volume.read(name(file.name)) == file.bytes) }
        let report = try volume.compact(recompress: true)
        #expect(report.filesRecompressed >= usesFirst)
        #expect(report.dictionariesRemoved == 1)
        volume = try ZestVolume.open(store)
        #expect(volume.dictionaryIDs == [second!])
        #expect(volume.list().allSatisfy { $0.dictionaryID == second || $0.codec == .stored })
        for file in corpus { #expect(try volume.read(name(file.name)) == file.bytes) }
        #expect(try ZestChecker.verify(store).isEmpty)
    }

    /// The release-build measurement: `ZEST_MEASURE_DIR=/tmp/x swift test -c release
    /// --filter CompressionTests/measurement` writes the 20,000-file corpus to that
    /// directory (for mksquashfs) and prints the figures. Skipped without the variable.
    @Test("20,000-file measurement for the benchmark",
          .enabled(if: ProcessInfo.processInfo.environment["ZEST_MEASURE_DIR"] != nil))
    func measurement() throws {
        let directory = ProcessInfo.processInfo.environment["ZEST_MEASURE_DIR"]!
        let count = Int(ProcessInfo.processInfo.environment["ZEST_MEASURE_COUNT"] ?? "20000") ?? 20000
        let profile: TextCorpus.Profile = ProcessInfo.processInfo.environment["ZEST_MEASURE_PROFILE"] == "redundant" ? .redundant : .benchmarkLike
        let corpus = TextCorpus.make(count: count, seed: 2024, profile: profile)
        for file in corpus {
            let url = URL(fileURLWithPath: directory + file.name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(file.bytes).write(to: url)
        }
        let sizes: [UInt32] = ProcessInfo.processInfo.environment["ZEST_MEASURE_QUICK"] != nil ? [32] : [16, 32, 64, 256, 4096]
        for segmentSize: UInt32 in sizes {
            let start = Date()
            let store = try CompressionFigures.build(corpus, segmentSize: segmentSize, level: 6, dictionary: true)
            let built = Date().timeIntervalSince(start)
            let volume = try ZestVolume.open(store)
            let readStart = Date()
            var total = 0
            try volume.forEachFile { _, content in total += content.count }
            let readAll = Date().timeIntervalSince(readStart)
            print("ZEST measure: segment \(segmentSize): volume \(store.length) bytes, build \(built) s, read all \(readAll) s (\(total) bytes)")
            if segmentSize == 32 { try Data(store.bytes).write(to: URL(fileURLWithPath: directory + ".zest")) }
        }
        let figures = try CompressionFigures.measure(corpus, segmentSize: 32)
        print("ZEST measure:", figures)
        let best = try CompressionFigures.build(corpus, segmentSize: 32, level: 9, dictionary: true)
        print("ZEST measure: level 9, segment 32: volume \(best.length) bytes")
        #expect(figures.volumeBytes < UInt64(figures.perFileDeflate))
    }
}
