import ArdakuFormat
import Testing
@testable import ArdakuCAS

/// A damaged compressed pack keeps the members before the damage (FORMAT §C3.6.1).
@Suite struct PackSalvageTests {
    @Test("a byte flipped in a compressed pack: the members before it are salvaged, the rest reported by id")
    func membersBeforeTheDamageAreKept() throws {
        let (bytes, _) = try HeaderDamageTests.sample()
        let volume = try CASVolume.open(MemoryByteStore(bytes))
        // The largest compressed pack and the ids of its members, in member order.
        var packs: [UInt64: [(member: UInt16, id: ObjectID)]] = [:]
        for (id, entry) in volume.index { if let member = entry.member { packs[entry.offset, default: []].append((member, id)) } }
        let (offset, members) = try #require(packs.max { $0.value.count < $1.value.count })
        #expect(members.count >= 8)
        let ordered = members.sorted { $0.member < $1.member }.map(\.id)
        let record = try CASVolume.readRecord(MemoryByteStore(bytes), at: offset, length: UInt64(volume.index[ordered[0]]!.recordLength),
                                              PackRecord.decode)
        #expect(record.isCompressed)
        // A byte two thirds into the body.
        let stored = Int(bytes.withUnsafeBytes { ByteReader.uint32(in: $0, at: Int(offset) + 24) }!)
        var damaged = bytes
        damaged[Int(offset) + PackRecord.headerSize + stored * 2 / 3] ^= 0x55
        let store = MemoryByteStore(damaged)
        let findings = CASChecker.verify(store)
        let salvaged = Set(findings.filter { $0.code.rawValue == "C2007" }.compactMap(\.context.name))
        let lost = Set(findings.filter { ["C2003", "C3002", "C3001"].contains($0.code.rawValue) }.compactMap(\.context.name))
        #expect(!salvaged.isEmpty, "members before the damage are salvaged: \(findings.map(\.description))")
        #expect(salvaged.union(lost) == Set(ordered.map(\.hex)), "every member is salvaged or reported lost by id")
        // The members before the damage are all salvaged (later ones may be too, when the
        // stream decodes past the damage: a changed literal costs only its own member).
        let lostPosition = try #require(ordered.firstIndex { lost.contains($0.hex) })
        #expect(ordered[..<lostPosition].allSatisfy { salvaged.contains($0.hex) })
        try CASChecker.repair(store)
        #expect(CASChecker.verify(store).filter { $0.severity >= .warning }.isEmpty, "\(CASChecker.verify(store).map(\.description))")
        let repaired = try CASVolume.open(store)
        for id in ordered {
            if salvaged.contains(id.hex) {
                #expect((try? repaired.object(id))?.id == id, "salvaged \(id) reads back")
            } else {
                #expect(repaired.tag(named: LostMarker.name(for: id)) != nil || repaired.location(of: id) == nil)
            }
        }
    }
}
