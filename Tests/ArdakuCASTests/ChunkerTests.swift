import Testing
@testable import ArdakuCAS

@Suite struct ChunkerTests {
    static let content = TestData.text(3 << 20, seed: 42)

    @Test func cutsAreDeterministicAndWithinBounds() {
        let cuts = Chunker.cutPoints(Self.content)
        #expect(cuts == Chunker.cutPoints(Self.content))
        #expect(cuts.last == Self.content.count)
        var start = 0
        for (n, end) in cuts.enumerated() {
            let size = end - start
            #expect(size <= CASLimits.maxChunkBytes)
            if n < cuts.count - 1 { #expect(size >= CASLimits.minChunkBytes) }
            start = end
        }
        // The normalized cut keeps the average near the target.
        let average = Self.content.count / cuts.count
        #expect(average > CASLimits.averageChunkBytes / 2 && average < CASLimits.averageChunkBytes * 2)
    }

    @Test func smallAndEmptyInputs() {
        #expect(Chunker.cutPoints([]) == [])
        #expect(Chunker.cutPoints([1, 2, 3]) == [3])
        #expect(Chunker.cutPoints(TestData.random(CASLimits.minChunkBytes, seed: 3)) == [CASLimits.minChunkBytes])
        // Constant bytes have no content-defined cut: the maximum forces one.
        #expect(Chunker.cutPoints([UInt8](repeating: 7, count: 600_000)) == [262_144, 524_288, 600_000])
    }

    /// The worked example of docs/FORMAT.md §C2.7: the rolling hash starts at byte 16,384
    /// of the chunk with h = 0 and hashes nothing before, so the three bytes 01 2F 22 there
    /// make h = 0x00001FB06E814F70 (top 18 bits zero) at chunk length 16,387 whatever the
    /// first 16,384 bytes are; a hash over the chunk's last 64 bytes would not cut there.
    @Test func theRollingHashStartsAtByte16384OfTheChunk() {
        for filler: UInt8 in [0x00, 0x41] {
            let content = [UInt8](repeating: filler, count: 16_384) + [0x01, 0x2F, 0x22] + [UInt8](repeating: 0, count: 3_613)
            #expect(Chunker.cutPoints(content) == [16_387, 20_000])
        }
        let gear = Chunker.gear
        #expect((gear[0x01] << 2) &+ (gear[0x2F] << 1) &+ gear[0x22] == 0x0000_1FB0_6E81_4F70)
    }

    @Test func anInsertionMovesOnlyNearbyCuts() {
        var edited = Self.content
        edited.insert(contentsOf: Array("an insertion in the middle".utf8), at: Self.content.count / 2)
        let before = Set(chunkIDs(Self.content))
        let after = chunkIDs(edited)
        let shared = after.filter { before.contains($0) }.count
        // At most the chunk around the edit and the one after it change.
        #expect(after.count - shared <= 2)
        #expect(shared >= before.count - 2)
    }

    @Test func identicalContentInsideOtherContentDedupes() throws {
        let volume = try CASVolume.create(on: MemoryByteStoreFactory.make())
        let first = try volume.putContent(Self.content)
        let stored = volume.objectBytesWritten
        // The same content again costs nothing; with a prefix, only the chunks near it.
        #expect(try volume.putContent(Self.content) == first)
        #expect(volume.objectBytesWritten == stored)
        let prefixed = Array("a new first line\n".utf8) + Self.content
        let second = try volume.putContent(prefixed)
        #expect(volume.objectBytesWritten - stored < UInt64(3 * CASLimits.maxChunkBytes))
        #expect(try volume.content(second) == prefixed)
        #expect(try volume.content(first) == Self.content)
    }

    func chunkIDs(_ bytes: [UInt8]) -> [ObjectID] {
        var start = 0
        return Chunker.cutPoints(bytes).map { end in
            defer { start = end }
            return CASObject.blob(Array(bytes[start..<end])).id
        }
    }
}

import ArdakuFormat
enum MemoryByteStoreFactory {
    static func make() -> MemoryByteStore { MemoryByteStore() }
}
