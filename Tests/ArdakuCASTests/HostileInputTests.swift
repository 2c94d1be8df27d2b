import ArdakuFormat
import Testing
@testable import ArdakuCAS

/// Bytes from a store are hostile: every decoder, `open`, every read and the checker must
/// answer damage with an error or a finding, never a trap or a hang.
@Suite struct HostileInputTests {
    /// A small volume: a tagged tree with a compressed item, a chunk-free blob, an untagged
    /// blob, a tag; committed twice.
    static func smallVolume() throws -> (bytes: [UInt8], contents: [String: [UInt8]]) {
        let store = MemoryByteStore()
        let volume = try CASVolume.create(on: store)
        let text = TestData.text(300, seed: 1)
        let blob = try volume.putBlob(text)
        let tree = try volume.putTree([try volume.putItem(name: "a.txt", target: blob)])
        try volume.putBlob(TestData.random(40, seed: 2))
        try volume.setTag("t", to: tree)
        try volume.setTag("b", to: blob)
        try volume.commit()
        try volume.commit()
        return (store.bytes, ["b": text])
    }

    /// The byte ranges a checksum or the id covers.
    static func coveredRanges(_ bytes: [UInt8]) -> [Range<Int>] {
        var ranges = VolumeHeader.slotOffsets.map { Int($0)..<(Int($0) + VolumeHeader.encodedSize) }
        let window = StoreWindow(MemoryByteStore(bytes))
        for record in CASScan.walk(window, from: VolumeHeader.dataStart, to: UInt64(bytes.count)) {
            let start = Int(record.offset)
            switch record.content {
            case let .object(object): ranges.append(start..<(start + ObjectRecord.headerSize + object.object.count))
            case .pack:
                let stored = bytes.withUnsafeBytes { ByteReader.uint32(in: $0, at: start + 24) } ?? 0
                ranges.append(start..<(start + PackRecord.headerSize + Int(stored)))
            case let .index(index): ranges.append(start..<(start + IndexRecord.headerSize + 48 * index.entries.count))
            case let .tagTable(table):
                ranges.append(start..<(start + TagTableRecord.headerSize + table.entries.reduce(0) { $0 + 34 + $1.name.utf8.count }))
            case .free: ranges.append(start..<(start + FreeRecord.headerSize))
            case .unparseable: break
            }
        }
        return ranges
    }

    @Test func everySingleByteFlipIsAnErrorOrAFinding() throws {
        let (original, contents) = try Self.smallVolume()
        let baseline = CASChecker.verify(MemoryByteStore(original)).map(\.description)
        let covered = Self.coveredRanges(original)
        var checked = 0
        for offset in original.indices {
            let isCovered = covered.contains { $0.contains(offset) }
            // Unused bytes of the header slots are sampled, the rest flipped one by one.
            if !isCovered && offset < Int(VolumeHeader.dataStart) && offset % 97 != 0 { continue }
            var damaged = original
            damaged[offset] ^= UInt8(1 << (offset % 8))
            let store = MemoryByteStore(damaged)
            let findings = CASChecker.verify(store)
            if isCovered {
                #expect(findings.map(\.description) != baseline, "flip at \(offset) went unnoticed")
            }
            // Whatever opens must still give back only verified content.
            if let volume = try? CASVolume.open(store) {
                for (tag, bytes) in contents {
                    if let id = volume.tag(named: tag), let read = try? volume.content(id) { #expect(read == bytes, "flip at \(offset)") }
                }
                for id in volume.objectIDs { _ = try? volume.object(id) }
                _ = try? volume.info("t", depth: 5)
            }
            _ = CASChecker.walk(store)
            checked += 1
        }
        #expect(checked > 1000)
    }

    @Test func truncationsAreErrorsOrFindings() throws {
        let (original, _) = try Self.smallVolume()
        for length in stride(from: 0, to: original.count, by: 5) {
            let store = MemoryByteStore(Array(original.prefix(length)))
            let findings = CASChecker.verify(store)
            #expect(!findings.problems.isEmpty, "truncation to \(length) went unnoticed")
            if length < original.count - 8 { #expect(throws: CASError.self) { try CASVolume.open(store) } }
            _ = CASChecker.walk(store)
            _ = try? CASChecker.repair(MemoryByteStore(Array(original.prefix(length))))
        }
    }

    @Test func randomStoresAndRandomDataAreas() throws {
        let (original, _) = try Self.smallVolume()
        var rng = SeededGenerator(seed: 99)
        for round in 0..<40 {
            let length = Int.random(in: 0...20_000, using: &rng)
            var bytes = TestData.random(length, seed: UInt64(round))
            if round % 2 == 1 {
                // Valid headers in front of random records.
                bytes = Array(original.prefix(Int(VolumeHeader.dataStart))) + bytes
            }
            let store = MemoryByteStore(bytes)
            #expect(!CASChecker.verify(store).problems.isEmpty)
            #expect(throws: CASError.self) { try CASVolume.open(store) }
            _ = CASChecker.walk(store)
            _ = try? CASChecker.repair(store)
            _ = CASChecker.verify(store)
        }
    }

    @Test func decodersRejectHostileCountsAndLengths() {
        func prefix(_ magic: RecordPrefix.Kind, length: UInt64, extra: [UInt8]) -> [UInt8] {
            var w = ByteWriter()
            w.writeUInt32(magic.rawValue)
            w.writeUInt32(0)
            w.writeUInt64(length)
            w.writeBytes(extra)
            return w.bytes
        }
        let cases: [(String, [UInt8], (UnsafeRawBufferPointer) throws -> Void)] = [
            ("object length 2^32-1", prefix(.object, length: 64, extra: [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0] + [UInt8](repeating: 0, count: 40)),
             { _ = try ObjectRecord.decode($0, origin: 0) }),
            ("record length 2^64-8", prefix(.object, length: UInt64.max - 7, extra: [UInt8](repeating: 0, count: 48)),
             { _ = try ObjectRecord.decode($0, origin: 0) }),
            ("index count 2^32-1", prefix(.index, length: 32, extra: [0xFF, 0xFF, 0xFF, 0xFF, 48, 0, 0, 0] + [UInt8](repeating: 0, count: 8)),
             { _ = try IndexRecord.decode($0, origin: 0) }),
            ("index entry size 0", prefix(.index, length: 32, extra: [0, 0, 0, 0, 0, 0, 0, 0] + [UInt8](repeating: 0, count: 8)),
             { _ = try IndexRecord.decode($0, origin: 0) }),
            ("tag name length 0", prefix(.tagTable, length: 72, extra: [1, 0, 0, 0] + [UInt8](repeating: 0, count: 12) + [0, 0] + [UInt8](repeating: 0, count: 38)),
             { _ = try TagTableRecord.decode($0, origin: 0) }),
            ("tag count 2^32-1", prefix(.tagTable, length: 32, extra: [0xFF, 0xFF, 0xFF, 0xFF] + [UInt8](repeating: 0, count: 12)),
             { _ = try TagTableRecord.decode($0, origin: 0) }),
            ("unknown magic", [0x41, 0x41, 0x41, 0x41] + [UInt8](repeating: 0, count: 60), { _ = try ObjectRecord.decode($0, origin: 0) }),
            ("short prefix", [0x43, 0x4F, 0x42], { _ = try RecordPrefix.decode($0, origin: 0) }),
            ("misaligned length", prefix(.free, length: 17, extra: []), { _ = try FreeRecord.decode($0, origin: 0) }),
        ]
        for (name, bytes, decode) in cases {
            #expect(throws: FormatError.self, "\(name)") { try bytes.withUnsafeBytes { try decode($0) } }
        }
    }

    @Test func inflationIsBoundedByTheDeclaredLength() throws {
        // A zlib stream of 1 MiB of zeros declared as 10 bytes, and the reverse.
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        let stream = try #require(zeros.withUnsafeBytes { Zlib.compress($0, level: 9) })
        let short = stream.withUnsafeBytes { Zlib.uncompress($0, rawLength: 10) }
        #expect(throws: Zlib.ZlibFailure.self) { try short.get() }
        let long = stream.withUnsafeBytes { Zlib.uncompress($0, rawLength: (1 << 20) + 1) }
        #expect(throws: Zlib.ZlibFailure.self) { try long.get() }
        let over = stream.withUnsafeBytes { Zlib.uncompress($0, rawLength: CASLimits.maxPayloadBytes + 1) }
        #expect(throws: Zlib.ZlibFailure.tooLarge) { try over.get() }
        let exact = stream.withUnsafeBytes { Zlib.uncompress($0, rawLength: 1 << 20) }
        #expect(try exact.get() == zeros)
        let cut = stream.dropLast(3).withUnsafeBytes { Zlib.uncompress($0, rawLength: 1 << 20) }
        #expect(throws: Zlib.ZlibFailure.self) { try cut.get() }
        let trailing = (stream + [0]).withUnsafeBytes { Zlib.uncompress($0, rawLength: 1 << 20) }
        #expect(throws: Zlib.ZlibFailure.self) { try trailing.get() }
    }
}
