import ArdakuFormat
import Testing
@testable import ArdakuZest
import ArdakuCodec

/// Content above `ZestContentDecoder.wholeContentBytes` is decoded in pieces of at most
/// `pieceBytes`, never whole, by get (`readContents`), the checker and dumpfs; it reads back
/// the same bytes and is judged by the same rules as content decoded whole.
@Suite struct StreamingReadTests {
    /// Text-like, compressible content (DEFLATE), and incompressible content (stored).
    static let compressible: [UInt8] = (0..<(9 << 20)).map { UInt8(truncatingIfNeeded: ($0 / 7) % 251) }
    static let incompressible: [UInt8] = {
        var state: UInt64 = 0x9E3779B97F4A7C15
        return (0..<(9 << 20)).map { _ in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }()

    static func volume() throws -> MemoryByteStore {
        let store = MemoryByteStore()
        let volume = try ZestVolume.create(in: store, options: .init(segmentSize: 4096))
        try volume.insert(name("/big.txt"), compressible)
        try volume.insert(name("/random.bin"), incompressible)
        try volume.insert(name("/small.txt"), Array("small\n".utf8))
        try volume.flush()
        return store
    }

    @Test func largeFilesAreHandedOverInBoundedPiecesAndReadBackExactly() throws {
        let volume = try ZestVolume.open(try Self.volume())
        #expect(try volume.stat(name("/big.txt")).codec == .deflate)
        #expect(try volume.stat(name("/random.bin")).codec == .stored)
        var seen: [String: (streamed: Bool, bytes: [UInt8], largestPiece: Int)] = [:]
        try volume.readContents(prefix: "/", order: .name) { file, content in
            let content = try content.get()
            var bytes: [UInt8] = [], largest = 0
            try content.write { piece in
                largest = max(largest, piece.count)
                bytes += piece
            }
            seen[file.string] = (content.isStreamed, bytes, largest)
        }
        #expect(seen["/big.txt"]?.streamed == true && seen["/big.txt"]?.bytes == Self.compressible)
        #expect(seen["/random.bin"]?.streamed == true && seen["/random.bin"]?.bytes == Self.incompressible)
        #expect(seen["/small.txt"]?.streamed == false && seen["/small.txt"]?.bytes == Array("small\n".utf8))
        for file in ["/big.txt", "/random.bin"] { #expect(seen[file]!.largestPiece <= ZestContentDecoder.pieceBytes) }
        // The whole-content readers still get every byte.
        #expect(try volume.read(name("/big.txt")) == Self.compressible)
        #expect(CheckerOutcome(try ZestChecker.verify(try Self.volume())).isClean)
    }

    /// A damaged byte in a large file's stored run: found by the streamed read (after
    /// pieces were handed over, which the caller discards), by `verify`, and by the checker,
    /// with the same finding a whole read gives.
    @Test(arguments: ["/big.txt", "/random.bin"])
    func damageInALargeFileIsFoundAtTheEnd(file: String) throws {
        let store = try Self.volume()
        let info = try ZestVolume.open(store).stat(name(file))
        var image = store.bytes
        image[Int(info.segments.start) * 4096 + Int(info.storedSize) / 2] ^= 0x10
        let damaged = MemoryByteStore(image)
        let volume = try ZestVolume.open(damaged)
        try volume.readContents([name(file)]) { _, content in
            let content = try content.get()
            #expect(content.isStreamed)
            #expect(throws: ZestError.self) { try content.verify() }
            #expect(throws: ZestError.self) { try content.write { _ in } }
        }
        let codes = try ZestChecker.verify(damaged).map(\.code.rawValue)
        // Stored content fails its CRC; a changed DEFLATE byte fails to inflate or its CRC.
        let expected: Set<String> = file == "/random.bin" ? ["Z5001"] : ["Z5001", "Z5002"]
        #expect(!expected.isDisjoint(with: codes), "\(codes)")
    }

    /// The streaming inflater judges a stream as the whole-buffer one does: ends early,
    /// runs long, leaves bytes unread.
    @Test func streamedInflateRefusesWhatTheWholeDecoderRefuses() throws {
        let deflater = try DeflateStream(level: 6, framing: .raw)
        let content = Self.compressible
        let stream = try #require(try content.withUnsafeBytes { try deflater.compressIfSmaller($0, dictionary: nil) })
        func inflate(_ stored: [UInt8], originalLength: Int) throws -> InflateFailure? {
            let inflater = try InflateStream(framing: .raw)
            var produced = 0
            return try stored.withUnsafeBytes { raw in
                try inflater.inflatePieces(storedLength: raw.count, originalLength: originalLength, dictionary: nil,
                                           inputBytes: 4096, outputBytes: 65536,
                                           readStored: { (offset, into) throws(ZestError) in
                                               into.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + into.count)]))
                                           }, output: { (piece: UnsafeRawBufferPointer) throws(ZestError) in produced += piece.count })
            }
        }
        #expect(try inflate(stream, originalLength: content.count) == nil)
        #expect(try inflate(stream, originalLength: content.count - 1) == .longerThanRecorded)
        #expect(try inflate(stream, originalLength: content.count + 1) == .shorterThanRecorded(produced: content.count))
        #expect(try inflate(stream + [0, 0, 0], originalLength: content.count) == .trailingBytes(3))
        if case .truncated? = try inflate(Array(stream.dropLast(10)), originalLength: content.count) {} else {
            Issue.record("a cut stream is not reported as truncated")
        }
    }
}

/// Whether the checker found nothing but information.
private struct CheckerOutcome {
    let isClean: Bool
    init(_ findings: [Finding]) { isClean = findings.allSatisfy { $0.severity == .info } }
}
