import ArdakuFormat
import Testing
@testable import ArdakuCAS

/// Small objects are stored together in pack records (docs/FORMAT.md §C3.7).
@Suite struct PackTests {
    @Test func packRecordGoldenBytes() throws {
        let pack = PackRecord(members: [.init(typeByte: 0x01, payload: Array("hi".utf8)), .init(typeByte: 0x03, payload: [])],
                              isCompressed: false, recordLength: 48)
        let bytes = pack.encoded()
        // 32 header + member area (4+1+2) + (4+1) = 44 -> 48; under 33 bytes, so raw.
        #expect(bytes.count == 48)
        #expect(Array(bytes[0..<4]) == Array("CPAK".utf8))
        #expect(Array(bytes[8..<32]) == [48, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 12, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(bytes[32..<44]) == [3, 0, 0, 0, 0x01, 0x68, 0x69, 1, 0, 0, 0, 0x03])
        var w = ByteWriter()
        w.writeUInt32(CRC32.checksum(bytes[8..<44]))
        #expect(Array(bytes[4..<8]) == w.bytes)
        #expect(try bytes.withUnsafeBytes { try PackRecord.decode($0, origin: 0) } == pack)
        #expect(pack.members[0].id == CASObject.blob(Array("hi".utf8)).id)
    }

    @Test func aLargerMemberAreaIsCompressedAndSplitBack() throws {
        let members = (0..<50).map { PackRecord.Member(typeByte: 0x01, payload: TestData.text(300, seed: UInt64($0))) }
        let bytes = PackRecord(members: members, isCompressed: true, recordLength: 0).encoded(level: 6)
        let decoded = try bytes.withUnsafeBytes { try PackRecord.decode($0, origin: 0) }
        #expect(decoded.isCompressed)
        #expect(decoded.members == members)
        #expect(bytes.count < 50 * 300 / 2)
        // A member length that runs past the area is refused.
        var raw = PackRecord(members: [members[0]], isCompressed: false, recordLength: 0).encoded(level: 0)
        raw[32] = 0xFF
        var w = ByteWriter()
        w.writeBytes(raw)
        w.patchUInt32(CRC32.checksum(raw[8..<(32 + 305)]), at: 4)
        #expect(throws: FormatError.self) { try w.bytes.withUnsafeBytes { try PackRecord.decode($0, origin: 0) } }
    }

    @Test func manySmallObjectsShareFewPacksAndCompressTogether() throws {
        let volume = try CASVolume.create(on: MemoryByteStore())
        let blobs = (0..<400).map { CASObject.blob(TestData.text(1000 + $0, seed: UInt64($0))) }
        let ids = try volume.put(blobs)
        let packs = Set(ids.compactMap { volume.location(of: $0)?.offset })
        #expect(packs.count <= 3)
        #expect(ids.allSatisfy { volume.packMember(of: $0) != nil })
        let raw = blobs.reduce(0) { $0 + $1.payload.count }
        #expect(volume.objectBytesWritten < UInt64(raw / 2))
        // Compressed one by one (each in its own object record) they would take far more.
        let alone = blobs.reduce(0) { $0 + PreparedObject($1, level: volume.options.compressionLevel).record.count }
        #expect(volume.objectBytesWritten < UInt64(alone) * 3 / 4, "packed \(volume.objectBytesWritten), alone \(alone)")
        for (blob, id) in zip(blobs, ids) { #expect(try volume.object(id) == blob) }
    }

    @Test func collectionRepacksLiveMembersAndFreesThePack() throws {
        let store = MemoryByteStore()
        let volume = try CASVolume.create(on: store)
        let blobs = (0..<100).map { CASObject.blob(TestData.text(2000, seed: UInt64($0))) }
        let ids = try volume.put(blobs)
        for n in stride(from: 0, to: 100, by: 10) { try volume.setTag("keep\(n)", to: ids[n]) }
        try volume.commit()
        let before = Set(ids.compactMap { volume.location(of: $0)?.offset })
        let report = try volume.collectGarbage()
        #expect(report.removedObjects == 90)
        let after = Set(stride(from: 0, to: 100, by: 10).compactMap { volume.location(of: ids[$0])?.offset })
        #expect(after.isDisjoint(with: before))
        #expect(after.count == 1)
        #expect(report.freedBytes > 0)
        try volume.commit()
        for n in stride(from: 0, to: 100, by: 10) { #expect(try CASVolume.open(store).object(ids[n]) == blobs[n]) }
        #expect(CASChecker.verify(store).isEmpty)
    }

    @Test func damageInsidePacksIsFoundAndRepaired() throws {
        // A CRC-only fault is resealed; a damaged byte of an uncompressed body costs
        // exactly the member it is in (C3001), the others are resealed (C2004).
        for (what, expected) in [("crc", "C2004"), ("body", "C3001")] {
            let store = MemoryByteStore()
            let volume = try CASVolume.create(on: store)
            let kept = try volume.putBlob(TestData.text(3000, seed: 1))
            try volume.setTag("kept", to: kept)
            let victims = try volume.put((0..<5).map { .blob(TestData.random(600, seed: UInt64(10 + $0))) })
            try volume.commit()
            let offset = try #require(volume.location(of: victims[0])).offset
            var byte = try store.read(at: what == "crc" ? offset + 5 : offset + 200, count: 1)
            byte[0] ^= 0x10
            try store.write(at: what == "crc" ? offset + 5 : offset + 200, byte)
            let findings = CASChecker.verify(store)
            #expect(findings.codes.contains(expected), "\(what): \(findings)")
            try CASChecker.repair(store)
            let after = CASChecker.verify(store)
            #expect(after.problems.isEmpty, "\(what): \(after)")
            let reopened = try CASVolume.open(store)
            #expect(try reopened.content(kept) == TestData.text(3000, seed: 1))
            #expect(reopened.contains(victims[0]) == (what == "crc"))
            #expect(victims.dropFirst().allSatisfy { reopened.contains($0) })
        }
    }

    @Test func aDamagedMemberIsAHashMismatch() throws {
        let store = MemoryByteStore()
        let volume = try CASVolume.create(on: store)
        let ids = try volume.put((0..<3).map { .blob(TestData.random(60, seed: UInt64($0))) })
        try volume.commit()
        let (offset, length) = try #require(volume.location(of: ids[1]))
        var record = try store.read(at: offset, count: Int(length))
        let pack = try record.withUnsafeBytes { try PackRecord.decode($0, origin: offset) }
        #expect(!pack.isCompressed)
        // Change a byte of member 1's payload and reseal the pack.
        record[32 + (5 + pack.members[0].payload.count) + 5 + 3] ^= 0x01
        var w = ByteWriter()
        w.writeBytes(record)
        let stored = Int(ByteReader.decodeStored(record))
        w.patchUInt32(CRC32.checksum(record[8..<(32 + stored)]), at: 4)
        try store.write(at: offset, w.bytes)
        #expect(throws: CASError.self) { try CASVolume.open(store).object(ids[1]) }
        #expect(try CASVolume.open(store).object(ids[0]).payload == pack.members[0].payload)
        let findings = CASChecker.verify(store)
        #expect(findings.filter { $0.code.rawValue == "C3001" }.map(\.context.name) == [ids[1].hex])
    }
}

extension ByteReader {
    /// The stored length field of a pack record.
    static func decodeStored(_ record: [UInt8]) -> UInt32 { record.withUnsafeBytes { uint32(in: $0, at: 24) ?? 0 } }
}
