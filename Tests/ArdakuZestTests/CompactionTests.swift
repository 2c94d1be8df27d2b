import ArdakuFormat
import Testing
@testable import ArdakuZest

/// `compact` in one run: the volume ends where its runs packed without holes end, the
/// bytes it copies stay near the bytes past the first hole, and a crash at any point
/// leaves every file readable with its content (§Z6: copy, commit, then free).
@Suite struct CompactionTests {
    /// 200 files, every other one removed: holes the size of files all through the volume.
    static func holedVolume(_ store: ByteStore) throws -> (ZestVolume, [(name: String, bytes: [UInt8])]) {
        let volume = try ZestVolume.create(in: store, options: .init(segmentSize: 32))
        var generator = SeededGenerator(seed: 14)
        var kept: [(name: String, bytes: [UInt8])] = []
        for index in 0..<200 {
            let bytes = generator.bytes(1000 + Int(generator.next() % 11_000))
            try volume.insert(name("/f\(index)"), bytes)
            if index % 2 == 1 { kept.append(("/f\(index)", bytes)) }
        }
        try volume.flush()
        for index in stride(from: 0, to: 200, by: 2) { try volume.delete(name("/f\(index)")) }
        try volume.flush()
        return (volume, kept)
    }

    /// Where the volume ends with its runs packed after the head pair, in bytes.
    static func packedEnd(_ volume: ZestVolume) -> UInt64 {
        let segments = volume.records.compactMap { $0?.run.count }.reduce(UInt64(0)) { $0 + UInt64($1) }
            + UInt64(volume.fragments.count - 1) * UInt64(volume.header.segmentsPerPair)
        return (UInt64(volume.header.firstDataSegment) + segments) * UInt64(volume.header.segmentSize)
    }

    @Test func oneRunLeavesNoHoleAndCopiesAboutWhatItKeeps() throws {
        let store = MemoryByteStore()
        let (volume, kept) = try Self.holedVolume(store)
        let keptBytes = UInt64(kept.reduce(0) { $0 + $1.bytes.count })
        let report = try volume.compact()
        #expect(store.length == Self.packedEnd(volume))
        #expect(volume.freeSegmentCount == 0)
        #expect(report.bytesCopied <= keptBytes + keptBytes / 4, "copied \(report.bytesCopied) for \(keptBytes) kept")
        #expect(report.filesMoved <= kept.count + report.runsStaged)
        for file in kept { #expect(try volume.read(name(file.name)) == file.bytes) }
        #expect(try ZestChecker.verify(store).isEmpty)
        // A second run finds nothing to do.
        let again = try volume.compact()
        #expect(again.filesMoved == 0 && again.bytesCopied == 0 && store.length == report.bytesAfter)
    }

    @Test func aCrashAtAnyPointOfCompactionKeepsEveryFile() throws {
        let store = RecordingByteStore()
        let (volume, kept) = try Self.holedVolume(store)
        let base = store.bytes
        store.clearLog()
        try volume.compact()
        var generator = SeededGenerator(seed: 141)
        let count = store.operations.count
        for point in stride(from: 0, through: count, by: max(1, count / 60)) {
            let crashed = MemoryByteStore(store.crashImage(base: base, afterOperations: point, using: &generator))
            let reopened = try ZestVolume.open(crashed)
            #expect(reopened.fileCount == kept.count, "crash at operation \(point)")
            for file in kept {
                #expect(try reopened.read(name(file.name)) == file.bytes, "\(file.name) after a crash at operation \(point)")
            }
        }
    }
}
