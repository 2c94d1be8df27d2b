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
