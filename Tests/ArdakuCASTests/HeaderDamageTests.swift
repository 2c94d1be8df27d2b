import Foundation
import ArdakuFormat
import Testing
@testable import ArdakuCAS

/// "A damaged current slot is not an interrupted write", for CAS (FORMAT §C3.1.1, §C3.1.2,
/// §C5.1): damage to the current header slot is an error, never a quiet rollback, and the
/// repair keeps every file of the last commit.
@Suite struct HeaderDamageTests {
    /// A standalone volume holding a snapshot of 32 files of mixed sizes under the tag "v1",
    /// as `ardaku cas put -r` leaves it (one snapshot, one commit).
    static func sample() throws -> (bytes: [UInt8], source: MemoryDirectory) {
        let source = MemoryDirectory()
        for index in 0..<32 {
            let size = [0, 1, 40, 300, 2000, 17_000, 70_000, 5][index % 8] + index
            source.addFile("dir\(index % 4)/file\(index).dat", index % 3 == 0 ? TestData.random(size, seed: UInt64(index))
                                                                                 : TestData.text(size, seed: UInt64(index)))
        }
        let store = MemoryByteStore()
        let volume = try CASVolume.create(on: store)
        let report = try volume.snapshot(source)
        try volume.setTag("v1", to: report.root)
        try volume.commit()
        return (store.bytes, source)
    }

    /// verify reports an error; repair; verify has nothing at warning or error level; "v1"
    /// restores byte-identical.
    static func expectDetectedAndRecovered(_ damaged: [UInt8], source: MemoryDirectory, _ comment: Comment) throws {
        let store = MemoryByteStore(damaged)
        let findings = CASChecker.verify(store)
        #expect(findings.contains { $0.severity == .error }, "\(comment): \(findings.map(\.description))")
        #expect(!findings.contains { $0.code.rawValue == "C1004" }, "\(comment): damage, not an unsupported version")
        try CASChecker.repair(store)
        let again = CASChecker.verify(store).filter { $0.severity >= .warning }
        #expect(again.isEmpty, "\(comment): after repair \(again.map(\.description))")
        let volume = try CASVolume.open(store)
        let restored = MemoryDirectory()
        try volume.restore(try #require(volume.tag(named: "v1"), "\(comment): tag v1 lost"), to: restored)
        #expect(restored == source, "\(comment): the files differ")
    }

    static func currentSlot(_ bytes: [UInt8]) throws -> UInt64 {
        VolumeHeader.slotOffsets[try CASVolume.readHeader(MemoryByteStore(bytes)).slot]
    }

    @Test("every byte of the current header flipped: an error, and every file survives")
    func flippedBytesOfTheCurrentHeader() throws {
        let (bytes, source) = try Self.sample()
        let slot = Int(try Self.currentSlot(bytes))
        for offset in slot..<(slot + VolumeHeader.encodedSize) {
            var damaged = bytes
            damaged[offset] ^= 0xFF
            try Self.expectDetectedAndRecovered(damaged, source: source, "flip at \(offset)")
        }
    }

    @Test("a flipped version byte is damage of that slot (C1005), not an unsupported version")
    func flippedVersionByte() throws {
        let (bytes, source) = try Self.sample()
        var damaged = bytes
        damaged[Int(try Self.currentSlot(bytes)) + 4] = 2
        #expect(CASChecker.verify(MemoryByteStore(damaged)).map(\.code.rawValue).contains("C1005"))
        try Self.expectDetectedAndRecovered(damaged, source: source, "version byte")
    }

    @Test("a header slot of a later version with a valid CRC is still refused (C1004)")
    func laterVersionIsRefused() throws {
        let (bytes, _) = try Self.sample()
        var later = bytes
        let slot = Int(try Self.currentSlot(bytes))
        later[slot + 4] = 2
        let crc = CRC32.checksum(later[slot..<(slot + VolumeHeader.checksumOffset)])
        for k in 0..<4 { later[slot + VolumeHeader.checksumOffset + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k))) }
        #expect(CASChecker.verify(MemoryByteStore(later)).map(\.code.rawValue).contains("C1004"))
        // A reader refuses it too, as unsupported, and never falls back to the older slot
        // (with the commit seal copies zeroed, nothing else would stop it).
        for copy in CommitSeal.copyOffsets { later.replaceSubrange(Int(copy)..<(Int(copy) + 32), with: [UInt8](repeating: 0, count: 32)) }
        #expect {
            _ = try CASVolume.open(MemoryByteStore(later))
        } throws: { error in
            guard let error = error as? CASError, case let .format(format) = error.kind, case .unsupportedVersion = format.kind else { return false }
            return true
        }
    }

    @Test("C1005: a current header damaged beyond correction is rebuilt from its records when the seal names it")
    func sealProvesTheDamagedGeneration() throws {
        let (bytes, source) = try Self.sample()
        var damaged = bytes
        let slot = Int(try Self.currentSlot(bytes))
        damaged[slot + 33] ^= 0x10      // index offset and tag table offset: two bytes, no one-byte correction
        damaged[slot + 57] ^= 0x01
        let findings = CASChecker.verify(MemoryByteStore(damaged))
        #expect(findings.map(\.code.rawValue).contains("C1005"), "\(findings.map(\.description))")
        #expect(CASChecker.verify(MemoryByteStore(damaged), isNested: true).map(\.code.rawValue).contains("C1005"))
        #expect(throws: CASError.self) { try CASVolume.open(MemoryByteStore(damaged)) }
        try Self.expectDetectedAndRecovered(damaged, source: source, "two bytes")
    }

    @Test("the last byte of the store cut (tag table padding): tag v1 is kept")
    func cutPadding() throws {
        let (bytes, source) = try Self.sample()
        try Self.expectDetectedAndRecovered(Array(bytes.dropLast()), source: source, "last byte cut")
    }

    @Test("a damaged seal copy is a warning, rewritten by repair")
    func damagedSealCopy() throws {
        let (bytes, source) = try Self.sample()
        var damaged = bytes
        damaged[Int(CommitSeal.copyOffsets[0]) + 9] ^= 0x01
        let store = MemoryByteStore(damaged)
        #expect(CASChecker.verify(store).map(\.code.rawValue) == ["C1006"])
        try CASChecker.repair(store)
        #expect(CASChecker.verify(store).isEmpty)
        let restored = MemoryDirectory()
        let volume = try CASVolume.open(store)
        try volume.restore(try #require(volume.tag(named: "v1")), to: restored)
        #expect(restored == source)
    }

    @Test("a volume without a seal (written before seals) opens and checks clean")
    func volumeWithoutSeal() throws {
        let (bytes, _) = try Self.sample()
        var legacy = bytes
        for offset in CommitSeal.copyOffsets { legacy.replaceSubrange(Int(offset)..<(Int(offset) + 32), with: [UInt8](repeating: 0, count: 32)) }
        #expect(CASChecker.verify(MemoryByteStore(legacy)).isEmpty)
        #expect(try CASVolume.open(MemoryByteStore(legacy)).tag(named: "v1") != nil)
    }

    /// The full sweep of the current slot's 4096 bytes, for docs/RELIABILITY.md; run by hand:
    /// `CAS_SLOT_SWEEP=1 swift test --skip-build --filter fullCurrentSlotSweep`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CAS_SLOT_SWEEP"] != nil))
    func fullCurrentSlotSweep() throws {
        let (bytes, source) = try Self.sample()
        let slot = Int(try Self.currentSlot(bytes))
        var errors = 0, information = 0, unchanged = 0, recovered = 0, silent = 0
        for offset in slot..<(slot + VolumeHeader.slotSize) {
            var damaged = bytes
            damaged[offset] ^= 0xFF
            let store = MemoryByteStore(damaged)
            let findings = CASChecker.verify(store)
            if findings.contains(where: { $0.severity == .error }) { errors += 1 }
            else if findings.isEmpty { unchanged += 1 }
            else { information += 1 }
            try CASChecker.repair(store)
            let volume = try CASVolume.open(store)
            let restored = MemoryDirectory()
            if let root = volume.tag(named: "v1"), (try? volume.restore(root, to: restored)) != nil, restored == source {
                recovered += 1
            } else {
                silent += 1
            }
            #expect(CASChecker.verify(store).filter { $0.severity >= .warning }.isEmpty, "flip at \(offset)")
        }
        print("CAS current-slot sweep: \(VolumeHeader.slotSize) flips, \(errors) errors, \(information) information only, \(unchanged) no finding, \(recovered) with every file recovered, \(silent) not recovered")
        #expect(silent == 0)
    }
}
