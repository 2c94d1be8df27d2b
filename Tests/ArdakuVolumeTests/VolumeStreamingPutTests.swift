import Testing
import ArdakuFormat
@testable import ArdakuVolume
import TestSupport

/// `Volume.put(_:streaming:)`: content of a length known only at its end (standard input).
@Suite struct VolumeStreamingPutTests {
    /// Hands out `bytes` in reads of at most `step` bytes, as a pipe does, filling each
    /// buffer fully unless the content ends (the `ContentStream` contract); counts reads.
    final class Chunks: ContentStream {
        let bytes: [UInt8]
        private(set) var offset = 0
        private(set) var reads = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        func read(into buffer: UnsafeMutableRawBufferPointer) throws(VolumeError) -> Int {
            reads += 1
            let count = min(buffer.count, bytes.count - offset)
            bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + count)])) }
            offset += count
            return count
        }
    }

    @Test(arguments: [0, 1, 65_535, 65_536, 65_537, 200_000])
    func storesWhatTheStreamYields(length: Int) throws {
        let (store, volume) = try TestVolumes.make()
        var rng = SeededGenerator(seed: UInt64(length))
        var content = rng.bytes(length)
        // A zero page in the middle becomes a hole, as in put(_:from:).
        if length > 3 * 65_536 / 2 { for index in 65_536..<(2 * 65_536) where index < length { content[index] = 0 } }
        let name = TestVolumes.name("/s")
        let status = try volume.put(name, streaming: Chunks(content))
        #expect(status.byteLength == UInt64(length))
        #expect(try Volume(store: store).readAll(name) == content)
    }

    @Test func tooMuchForTheVolumeCommitsNothingAndReadsNoFurther() throws {
        let (store, volume) = try TestVolumes.make(pages: 8)
        var rng = SeededGenerator(seed: 9)
        let stream = Chunks(rng.bytes(20 * 65_536))
        #expect(throws: VolumeError.self) { try volume.put(TestVolumes.name("/big"), streaming: stream) }
        #expect(stream.offset < 20 * 65_536, "reading stops at the failure")
        #expect(try Volume(store: store).list().isEmpty)
        try volume.put(TestVolumes.name("/small"), streaming: Chunks([1, 2, 3]))
        #expect(try Volume(store: store).readAll(TestVolumes.name("/small")) == [1, 2, 3])
    }

    @Test func aFailingStreamCommitsNothing() throws {
        struct Broken: ContentStream {
            func read(into buffer: UnsafeMutableRawBufferPointer) throws(VolumeError) -> Int { throw .source("stdin: gone") }
        }
        let (store, volume) = try TestVolumes.make()
        #expect(throws: VolumeError.source("stdin: gone")) { try volume.put(TestVolumes.name("/x"), streaming: Broken()) }
        #expect(try Volume(store: store).list().isEmpty)
    }
}
