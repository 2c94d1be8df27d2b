import ArdakuFormat
import Testing
@testable import ArdakuCAS
import ArdakuCodec

/// The ingest path: skipping incompressible regions, streaming large files, ids computed
/// without a volume, content read back in pieces.
@Suite struct IngestTests {
    /// Random bytes in the middle of text: the random run is stored (deflate level 0), the
    /// text compressed, all in one ordinary zlib stream that inflates back exactly.
    @Test func randomRegionsAreStoredAndTheStreamStaysStandard() throws {
        let text = TestData.text(40_000, seed: 1)
        let random = TestData.random(64 << 10, seed: 2)
        let mixed = text + random + text
        let runs = mixed.withUnsafeBytes { Incompressibility.runs($0) }
        #expect(runs.count == 3, "\(runs)")
        #expect(runs.map(\.isRandom) == [false, true, false])
        // The random run starts and ends within one region of the random bytes' edges.
        #expect(abs(runs[1].range.lowerBound - text.count) < Incompressibility.regionBytes)
        #expect(abs(runs[1].range.upperBound - (text.count + random.count)) < Incompressibility.regionBytes)
        let compressed = try #require(mixed.withUnsafeBytes { Zlib.compress($0, level: 4) })
        let textAlone = try #require(text.withUnsafeBytes { Zlib.compress($0, level: 4) })
        // Two compressed texts plus the random bytes stored, with a little framing.
        #expect(compressed.count < 2 * textAlone.count + random.count + 4096)
        let inflated = compressed.withUnsafeBytes { Zlib.uncompress($0, rawLength: mixed.count) }
        #expect(inflated == .success(mixed))
        // Nothing compressible at all: no stream.
        #expect(random.withUnsafeBytes { Zlib.compress($0, level: 4) } == nil)
        #expect(random.withUnsafeBytes { Incompressibility.runs($0) } == [.init(range: 0..<random.count, isRandom: true)])
    }

    /// Text, numbers and sparse records never look random.
    @Test func structuredDataIsNeverTakenForRandom() {
        let records = (0..<4096).flatMap { n -> [UInt8] in
            [UInt8(truncatingIfNeeded: n), UInt8(truncatingIfNeeded: n >> 8), 0, 0, UInt8(n % 7), 0, 0, 0]
        }
        for sample in [TestData.text(20_000, seed: 3), records, [UInt8](repeating: 0x41, count: 20_000),
                       Array((0..<20_000).map { UInt8(truncatingIfNeeded: $0) })] {
            let runs = sample.withUnsafeBytes { Incompressibility.runs($0) }
            #expect(runs.allSatisfy { !$0.isRandom })
        }
    }

    /// A file streamed in pieces gets the chunks and ids it gets whole, whatever the
    /// piece size (the chunker's cuts depend only on the bytes since the previous cut).
    @Test(arguments: [100_000, 262_144, 300_001])
    func streamedFilesGetTheirWholeIDs(pieceBytes: Int) throws {
        let big = TestData.text(700_000, seed: 4) + TestData.random(500_000, seed: 5)
        let source = MemoryDirectory(files: ["big": big, "small": TestData.text(5000, seed: 6),
                                             "exact": TestData.text(pieceBytes * 2, seed: 7)])
        let streamed = try CASVolume.create(on: MemoryByteStore())
        let report = try streamed.snapshot(source, pieceBytes: pieceBytes)
        #expect(source.piecesRead >= 2 + 2)
        let whole = try CASVolume.create(on: MemoryByteStore())
        #expect(try whole.snapshot(source, pieceBytes: Int.max).root == report.root)
        #expect(try streamed.putContent(big) == whole.putContent(big))
        let restored = MemoryDirectory()
        try streamed.restore(report.root, to: restored)
        #expect(restored.files == source.files)
        #expect(CASChecker.verify(streamed.store).problems.isEmpty)
    }

    /// `ContentHasher` gives the id `putContent` gives, for content handed over in pieces
    /// of any size, including empty content and content of exactly one chunk.
    @Test func contentHasherMatchesPutContent() throws {
        let volume = try CASVolume.create(on: MemoryByteStore())
        for (n, content) in [[], [7], TestData.text(16 << 10, seed: 8), TestData.text(16 << 10 + 1, seed: 9),
                             TestData.random(1_000_000, seed: 10)].enumerated() {
            let expected = try volume.putContent(content)
            for pieceBytes in [1 << 20, 65_536, 4097] {
                var hasher = ContentHasher()
                var start = 0
                while start < content.count {
                    hasher.update(Array(content[start..<min(content.count, start + pieceBytes)]))
                    start += pieceBytes
                }
                #expect(try hasher.finalize() == expected, "content \(n), pieces of \(pieceBytes)")
            }
        }
    }

    /// `putContent(reading:)` stores content delivered in pieces, reports what was reused,
    /// and `readContent` gives it back one chunk at a time.
    @Test func contentInPiecesRoundTrips() throws {
        let volume = try CASVolume.create(on: MemoryByteStore())
        let content = TestData.random(900_000, seed: 11)
        let first = try volume.putContent { (body: ([UInt8]) throws(CASError) -> Void) throws(CASError) in
            try body(Array(content[..<123_457]))
            try body(Array(content[123_457...]))
        }
        #expect(first.contentBytes == UInt64(content.count))
        #expect(first.reusedBytes == 0)
        #expect(first.chunkCount > 1)
        let again = try volume.putContent { (body: ([UInt8]) throws(CASError) -> Void) throws(CASError) in try body(content) }
        #expect(again.id == first.id)
        #expect(again.reusedBytes == UInt64(content.count))
        var pieces: [Int] = []
        var bytes: [UInt8] = []
        try volume.readContent(first.id) { (piece: UnsafeRawBufferPointer) throws(CASError) in
            pieces.append(piece.count)
            bytes.append(contentsOf: piece)
        }
        #expect(bytes == content)
        #expect(pieces.count == first.chunkCount)
        #expect(pieces.allSatisfy { $0 <= CASLimits.maxChunkBytes })
    }

    /// The progress callback sees every file and the announced total.
    @Test func snapshotReportsProgress() throws {
        let source = SnapshotTests.sampleTree()
        let volume = try CASVolume.create(on: MemoryByteStore())
        var seen: [SnapshotProgress] = []
        let report = try volume.snapshot(source, batchBytes: 100_000) { seen.append($0) }
        let total = source.files.values.reduce(UInt64(0)) { $0 + UInt64($1.count) }
        #expect(seen.count > 1)
        #expect(seen.last?.files == source.files.count)
        #expect(seen.last?.bytes == total && seen.last?.totalBytes == total)
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.files < $1.files })
        #expect(report.contentBytes == total)
    }
}
