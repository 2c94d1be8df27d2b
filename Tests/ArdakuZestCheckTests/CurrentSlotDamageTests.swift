import Foundation
import Testing
import ArdakuCheck
import ArdakuFormat
import ArdakuZest
@testable import ArdakuCheckers
import TestSupport

/// "A damaged current slot is not an interrupted write" (FORMAT §Z4.1, §Z4.2): damage to the
/// current allocation-table slot of a standalone volume is an error (exit 4 from -fn), and
/// -fy then leaves every file readable byte for byte or reported lost by name.
@Suite struct CurrentSlotDamageTests {
    /// A standalone volume of 32 files of mixed sizes (empty, a few bytes, several segments),
    /// written in one commit, as `ardaku zest put -r` does (32-byte segments).
    static func sample() throws -> (bytes: [UInt8], files: [String: [UInt8]]) {
        let store = MemoryByteStore()
        let volume = try ZestVolume.create(in: store, options: .init(segmentSize: 32))
        var files: [String: [UInt8]] = [:]
        var rng = SeededGenerator(seed: 32)
        for index in 0..<32 {
            let size = [0, 1, 31, 32, 33, 100, 700, 5000][index % 8] + index
            let text = Array(String(repeating: "file \(index) of the sample volume. ", count: size / 30 + 1).utf8.prefix(size))
            let bytes = index % 3 == 0 ? (0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next()) } : text
            let name = "/dir\(index % 4)/file\(index).dat"
            try volume.insert(try FileName(name), bytes)
            files[name] = bytes
        }
        try volume.flush()
        return (store.bytes, files)
    }

    static func options(_ mode: RepairMode) -> CheckOptions {
        var options = CheckOptions(repair: mode, force: true)
        options.nestedCheckers = [ZestNestedChecker()]
        return options
    }

    /// The byte range of the head pair's current slot.
    static func currentSlot(_ bytes: [UInt8]) throws -> Range<Int> {
        let walk = try ZestWalk.walk(MemoryByteStore(bytes))
        let head = walk.fragments[0]
        let offset = Int(head.slots[try #require(head.currentSlot)].offset)
        return offset..<(offset + ZestLimits.fragmentSize)
    }

    /// -fn reports an error; -fy, then -fn is clean (information at most); every file reads
    /// back identical or a finding of the -fy run names it. Returns the files reported lost.
    @discardableResult
    static func expectDetectedAndRecovered(_ damaged: [UInt8], files: [String: [UInt8]],
                                           _ comment: Comment) throws -> [String] {
        let check = try #require(Checker.checkStandalone(MemoryByteStore(damaged), name: "v.zest", options: options(.none)))
        #expect(check.exitStatus == .errorsUncorrected, comment)
        #expect(check.findings.contains { $0.severity == .error }, "\(comment): \(check.findings.map(\.code.rawValue))")
        let store = MemoryByteStore(damaged)
        let repair = try #require(Checker.checkStandalone(store, name: "v.zest", options: options(.all)))
        let again = try #require(Checker.checkStandalone(store, name: "v.zest", options: options(.none)))
        #expect(again.exitStatus == .clean, "\(comment): after -fy \(again.findings.map(\.finding.description))")
        let volume = try ZestVolume.open(store)
        var lost: [String] = []
        for (name, bytes) in files {
            if (try? volume.read(try FileName(name))) == bytes { continue }
            let named = repair.findings.contains { finding in
                finding.severity == .error && (finding.finding.context.name == name || finding.finding.context.detail?.contains(name) == true)
            }
            #expect(named, "\(comment): \(name) neither reads back nor is reported lost")
            lost.append(name)
        }
        return lost
    }

    @Test("every sampled byte of the current slot flipped: an error, and every file survives")
    func flippedBytesOfTheCurrentSlot() throws {
        let (bytes, files) = try Self.sample()
        let slot = try Self.currentSlot(bytes)
        // Every 23rd byte and the trailer (generation, CRC): the whole sweep runs by hand
        // (docs/RELIABILITY.md, "Current-slot sweep").
        let sampled = Set(stride(from: slot.lowerBound, to: slot.upperBound, by: 23)).union((slot.upperBound - 8)..<slot.upperBound)
        for offset in sampled.sorted() {
            var damaged = bytes
            damaged[offset] ^= 0xFF
            let lost = try Self.expectDetectedAndRecovered(damaged, files: files, "flip at \(offset)")
            #expect(lost.isEmpty, "flip at \(offset): one byte is corrected by the slot CRC, nothing is lost")
        }
    }

    @Test("Z2008: a current slot damaged beyond correction is salvaged, not rolled back, when the seal names it")
    func sealProvesACommittedSlot() throws {
        let (bytes, files) = try Self.sample()
        let slot = try Self.currentSlot(bytes)
        var damaged = bytes
        damaged[slot.upperBound - 100] ^= 0x5A      // two bytes of the zero tail: no one-byte correction
        damaged[slot.upperBound - 300] ^= 0x33
        let findings = try ZestChecker.verify(MemoryByteStore(damaged))
        #expect(findings.map(\.code.rawValue).contains("Z2008"), "\(findings.map(\.description))")
        // A reader refuses the volume, naming the damaged slot, rather than read the older one.
        #expect { try ZestVolume.open(MemoryByteStore(damaged)) } throws: { error in
            "\(error)".contains(String(slot.lowerBound + ZestFragmentSlot.crcOffset, radix: 16))
        }
        #expect(!findings.map(\.code.rawValue).contains("Z2007"))
        let lost = try Self.expectDetectedAndRecovered(damaged, files: files, "two bytes of the tail")
        #expect(lost.isEmpty)
    }

    @Test("without a seal (a volume from before seals) a bad newer slot stays a torn write")
    func legacyVolumeKeepsTheOldJudgement() throws {
        let (bytes, _) = try Self.sample()
        var legacy = bytes
        for offset in ZestCommitSeal.copyOffsets { legacy.replaceSubrange(offset..<(offset + 32), with: [UInt8](repeating: 0, count: 32)) }
        #expect(try ZestChecker.verify(MemoryByteStore(legacy)).isEmpty, "a volume without a seal checks clean")
        let slot = try Self.currentSlot(bytes)
        legacy[slot.upperBound - 100] ^= 0x5A
        legacy[slot.upperBound - 300] ^= 0x33
        let codes = try ZestChecker.verify(MemoryByteStore(legacy)).map(\.code.rawValue)
        #expect(codes.contains("Z2007"), "\(codes)")
    }

    @Test("nested: a bad newer slot is damage even without a seal")
    func nestedVolumeHasNoTornSlots() throws {
        let (bytes, _) = try Self.sample()
        var damaged = bytes
        for offset in ZestCommitSeal.copyOffsets { damaged.replaceSubrange(offset..<(offset + 32), with: [UInt8](repeating: 0, count: 32)) }
        let slot = try Self.currentSlot(bytes)
        damaged[slot.upperBound - 100] ^= 0x5A
        damaged[slot.upperBound - 300] ^= 0x33
        let codes = try ZestChecker.verify(MemoryByteStore(damaged), isNested: true).map(\.code.rawValue)
        #expect(codes.contains("Z2008"), "\(codes)")
    }

    @Test("a damaged seal copy is a warning and is rewritten; the table is untouched")
    func damagedSealCopy() throws {
        let (bytes, files) = try Self.sample()
        var damaged = bytes
        damaged[ZestCommitSeal.copyOffsets[1] + 9] ^= 0x01
        let store = MemoryByteStore(damaged)
        #expect(try ZestChecker.verify(store).map(\.code.rawValue) == ["Z1008"])
        _ = try ZestChecker.repair(store)
        #expect(try ZestChecker.verify(store).isEmpty)
        #expect(try TestZest.files(of: store.bytes) == files)
    }

    @Test("the seal is written by every commit and describes the table")
    func everyCommitSeals() throws {
        let store = MemoryByteStore()
        let volume = try ZestVolume.create(in: store, options: .init(segmentSize: 64))
        for round in 0..<3 {
            try volume.insert(try FileName("/f\(round)"), Array("round \(round)".utf8))
            try volume.flush()
            let walk = try ZestWalk.walk(store)
            #expect(walk.sealDescribesTable)
            #expect(walk.seal?.commitCount == UInt64(round + 2))
        }
    }

    /// The full sweep, for docs/RELIABILITY.md; run by hand:
    /// `ZEST_SLOT_SWEEP=1 swift test --skip-build --filter fullCurrentSlotSweep`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["ZEST_SLOT_SWEEP"] != nil))
    func fullCurrentSlotSweep() throws {
        let (bytes, files) = try Self.sample()
        let slot = try Self.currentSlot(bytes)
        var detected = 0, recovered = 0, lostFiles = 0
        for offset in slot {
            var damaged = bytes
            damaged[offset] ^= 0xFF
            let check = try #require(Checker.checkStandalone(MemoryByteStore(damaged), name: "v.zest", options: Self.options(.none)))
            if check.findings.contains(where: { $0.severity == .error }) { detected += 1 }
            let lost = try Self.expectDetectedAndRecovered(damaged, files: files, "flip at \(offset)")
            if lost.isEmpty { recovered += 1 }
            lostFiles += lost.count
        }
        print("ZEST current-slot sweep: \(slot.count) flips, \(detected) detected as errors, \(recovered) with every file recovered, \(lostFiles) files reported lost")
    }
}
