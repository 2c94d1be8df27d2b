import ArdakuFormat
import Testing
@testable import ArdakuZest
import ArdakuCodec

@Suite("ZEST hostile input: errors and findings, never a trap or a hang")
struct HostileInputTests {
    /// A small volume: three files (one stored, one deflated with a dictionary, one empty).
    static func smallVolume() throws -> (bytes: [UInt8], files: [String: [UInt8]]) {
        let store = MemoryByteStore()
        let volume = try ZestVolume.create(in: store, options: .init(segmentSize: 16))
        let text = Array(String(repeating: "hostile bytes are just bytes; ", count: 12).utf8)
        try volume.addDictionary(Array("hostile bytes are just bytes; zest".utf8))
        let files: [String: [UInt8]] = ["/t/a.txt": text, "/b": [1, 2, 3, 4, 5, 6, 7], "/e": []]
        for (file, content) in files { try volume.insert(name(file), content) }
        try volume.flush()
        return (store.bytes, files)
    }

    /// Everything the tools would do with a damaged volume: open and read each file,
    /// walk, verify. None may trap; a flip either shows up or changes no file.
    static func exercise(_ image: [UInt8], files: [String: [UInt8]]) throws -> (detected: Bool, harmless: Bool) {
        let store = MemoryByteStore(image)
        var detected = false
        var harmless = true
        do {
            let volume = try ZestVolume.open(store)
            for (file, content) in files {
                do {
                    if try volume.read(name(file)) != content { harmless = false }
                } catch { detected = true }
            }
            if volume.fileCount != files.count { harmless = false }
        } catch {
            detected = true
        }
        // The batch read and the partial open judge every file as read does.
        let names = files.keys.sorted().map { name($0) }
        if let partial = try? ZestVolume.open(store, only: names) {
            try partial.read(names) { position, content in
                switch content {
                case let .success(bytes): if bytes != files[names[position].string] { harmless = false }
                case .failure: detected = true
                }
            }
        } else {
            detected = true
        }
        _ = try ZestWalk.walk(store)
        let findings = try ZestChecker.verify(store)
        if !findings.isEmpty { detected = true }
        return (detected, harmless)
    }

    @Test("every single-byte flip of a small volume is detected or harmless")
    func everyByteFlip() throws {
        let (bytes, files) = try Self.smallVolume()
        #expect(bytes.count < 13_000)
        var detectedCount = 0
        for offset in bytes.indices {
            var image = bytes
            image[offset] ^= 0xFF
            let outcome = try Self.exercise(image, files: files)
            #expect(outcome.detected || outcome.harmless, "flip at \(offset) changed a file unnoticed")
            if outcome.detected { detectedCount += 1 }
        }
        // Header, head pair and content are all guarded; only padding is not.
        #expect(detectedCount > 4096 + 64)
    }

    @Test("every truncation of a small volume gives an error or findings")
    func truncations() throws {
        let (bytes, files) = try Self.smallVolume()
        for length in stride(from: 0, to: bytes.count, by: 7) {
            let outcome = try Self.exercise(Array(bytes.prefix(length)), files: files)
            #expect(outcome.detected, "truncation to \(length) bytes went unnoticed")
        }
    }

    @Test("repair of every single-byte flip leaves a volume that verifies clean")
    func repairAfterFlips() throws {
        let (bytes, _) = try Self.smallVolume()
        var generator = SeededGenerator(seed: 17)
        // A sample of offsets over the whole image, and every byte of the head pair's entries.
        var offsets = (0..<300).map { _ in Int.random(in: 0..<bytes.count, using: &generator) }
        offsets += Array(4096..<4400)
        for offset in offsets {
            var image = bytes
            image[offset] ^= 0xFF
            let store = MemoryByteStore(image)
            let report = try ZestChecker.repair(store)
            #expect(try ZestChecker.verify(store).isEmpty, "flip at \(offset), repaired: \(report.findings)")
            _ = try ZestVolume.open(store)
        }
    }

    @Test("an SZ of 65535 is refused, with the entry's offset")
    func hugeNameLength() throws {
        let store = MemoryByteStore()
        _ = try ZestVolume.create(in: store)
        var slot = ZestFragmentSlot(next: 0, generation: 5, entries: []).encoded()
        slot[4] = 0xFF; slot[5] = 0xFF
        let crc = CRC32.checksum(slot[0..<0xFFC])
        slot.replaceSubrange(0xFFC..<0x1000, with: [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)])
        try store.write(at: 4096, slot)
        do {
            _ = try ZestVolume.open(store)
            Issue.record("opened")
        } catch {
            #expect(error.offset == 4096 + 4)
        }
        #expect(try ZestChecker.verify(store).map(\.code.rawValue).contains("Z2004"))
    }

    @Test("a fragment that links to itself is a loop, not a hang")
    func selfLoop() throws {
        let store = MemoryByteStore()
        let volume = try ZestVolume.create(in: store, options: .init(segmentSize: 4096))
        for index in 0..<200 { try volume.insert(name("/n/" + String(repeating: "x", count: 60) + "\(index)"), [UInt8(index)]) }
        try volume.flush()
        let walk = try ZestWalk.walk(store)
        let second = walk.fragments[1]
        let slot = ZestFragmentSlot(next: second.pairSegment, generation: second.slots[second.currentSlot!].trailer!.generation + 1,
                                    entries: second.entries.map(\.entry))
        try store.write(at: second.slots[1 - second.currentSlot!].offset, slot.encoded())
        #expect(throws: ZestError.self) { try ZestVolume.open(store) }
        #expect(try ZestWalk.walk(store).chainEnd == .loop(from: 1, target: second.pairSegment))
        #expect(try ZestChecker.verify(store).map(\.code.rawValue).contains("Z2002"))
    }

    @Test("lengths from disk are bounded: a huge original length is refused before inflating")
    func hugeOriginalLength() throws {
        let store = MemoryByteStore()
        let volume = try ZestVolume.create(in: store, options: .init(segmentSize: 16))
        try volume.insert(name("/z"), Array(repeating: 65, count: 5000))
        try volume.flush()
        let walk = try ZestWalk.walk(store)
        var entries = walk.fragments[0].entries.map(\.entry)
        entries[0].originalLength = 0xFFFF_FFF0
        let current = walk.fragments[0].currentSlot!
        try store.write(at: walk.fragments[0].slots[current].offset,
                        ZestFragmentSlot(next: 0, generation: walk.fragments[0].slots[current].trailer!.generation, entries: entries).encoded())
        let reopened = try ZestVolume.open(store)
        #expect(throws: ZestError.self) { try reopened.read(name("/z")) }
        let codes = try ZestChecker.verify(store).map(\.code.rawValue)
        #expect(codes == ["Z4003"], "\(codes)")
    }

    @Test("inflating never goes past the recorded original length")
    func inflateBounded() throws {
        let deflater = try DeflateStream(level: 6, framing: .raw)
        let original = Array(repeating: UInt8(7), count: 10_000)
        let compressed = try original.withUnsafeBytes { try deflater.compressIfSmaller($0, dictionary: nil) }!
        let inflater = try InflateStream(framing: .raw)
        let short = compressed.withUnsafeBytes { inflater.decompress($0, originalLength: 9_999, dictionary: nil) }
        #expect(short == .failure(.longerThanRecorded))
        let long = compressed.withUnsafeBytes { inflater.decompress($0, originalLength: 10_001, dictionary: nil) }
        #expect(long == .failure(.shorterThanRecorded(produced: 10_000)))
        let truncated = Array(compressed.prefix(compressed.count / 2)).withUnsafeBytes { inflater.decompress($0, originalLength: 10_000, dictionary: nil) }
        guard case .failure = truncated else { Issue.record("a truncated stream inflated"); return }
        let exact = compressed.withUnsafeBytes { inflater.decompress($0, originalLength: 10_000, dictionary: nil) }
        #expect(exact == .success(original))
    }
}
