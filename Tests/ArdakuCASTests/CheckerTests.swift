import Foundation
import ArdakuFormat
import Testing
@testable import ArdakuCAS

/// One volume per test: a tagged tree (item, text blob: small, so in pack records), a
/// tagged chunked file, and two untagged blobs in object records (one incompressible, one
/// compressed); committed twice so that both
/// header slots carry the same tags.
struct Fixture {
    let store = MemoryByteStore()
    var blob: ObjectID, item: ObjectID, tree: ObjectID, big: ObjectID, loose: ObjectID, looseText: ObjectID
    static let bigContent = TestData.text(300_000, seed: 77)

    init() throws {
        let volume = try CASVolume.create(on: store)
        blob = try volume.putBlob(TestData.text(2000, seed: 1))
        item = try volume.putItem(name: "file", target: blob)
        tree = try volume.putTree([item])
        big = try volume.putContent(Self.bigContent)
        // Both are over the pack threshold, so each has its own object record.
        loose = try volume.putBlob(TestData.random(20_000, seed: 2))
        looseText = try volume.putBlob(TestData.text(30_000, seed: 3))
        try volume.setTag("tree", to: tree)
        try volume.setTag("big", to: big)
        try volume.commit()
        try volume.commit()
    }

    func volume() throws -> CASVolume { try CASVolume.open(store) }

    func location(_ id: ObjectID) throws -> (offset: UInt64, recordLength: UInt32) {
        try #require(try volume().location(of: id))
    }

    func header() throws -> VolumeHeader { try CASVolume.readHeader(store) }

    func flip(_ offset: UInt64, _ mask: UInt8 = 0x40) throws {
        var byte = try store.read(at: offset, count: 1)
        byte[0] ^= mask
        try store.write(at: offset, byte)
    }

    /// Changes the object bytes of `id`'s record and reseals the CRC, so only the checks
    /// behind the CRC can see the change.
    func rewriteObject(_ id: ObjectID, _ change: (inout [UInt8]) -> Void) throws {
        let (offset, length) = try location(id)
        let bytes = try store.read(at: offset, count: Int(length))
        let record = try bytes.withUnsafeBytes { try ObjectRecord.decode($0, origin: offset) }
        var object = record.object
        change(&object)
        try store.write(at: offset, ObjectRecord(id: id, object: object, rawLength: record.rawLength).encoded())
    }

    /// Replaces the committed index with `transform(entries)` written at the end of the
    /// store, and rewrites the current header slot to name it.
    func craftIndex(counts: Int = 0, _ transform: ([IndexRecord.Entry]) -> [IndexRecord.Entry]) throws {
        var header = try header()
        let index = try CASVolume.readRecord(store, at: header.indexOffset, length: header.indexLength, IndexRecord.decode)
        let entries = transform(index.entries)
        let bytes = IndexRecord(generation: header.generation, entries: entries).encoded()
        let offset = store.length
        try store.write(at: offset, bytes)
        header.indexOffset = offset
        header.indexLength = UInt64(bytes.count)
        header.objectCount = UInt32(entries.count + counts)
        header.dataEnd = offset + UInt64(bytes.count)
        try store.write(at: VolumeHeader.slotOffsets[header.slot], header.encoded())
    }

    /// Removes `id` from the index through the library and zeroes its record.
    func destroy(_ id: ObjectID) throws {
        let volume = try volume()
        let (offset, length) = try location(id)
        volume.index[id] = nil
        try volume.commit()
        try store.write(at: offset, [UInt8](repeating: 0, count: Int(length)))
    }
}

@Suite struct CheckerTests {
    @Test func aFreshVolumeHasOnlyTheUntaggedBlobsAsInformation() throws {
        let fixture = try Fixture()
        let findings = CASChecker.verify(fixture.store, volume: "test.cas")
        #expect(findings.codes == ["C6001"])
        #expect(Set(findings.map(\.context.name)) == [fixture.loose.hex, fixture.looseText.hex])
        #expect(findings.allSatisfy { $0.context.volume == "test.cas" && $0.severity == .info })
        #expect(findings[0].message.contains("not reachable from any tag"))
    }

    /// Each code: the damage that provokes it, and what a repair must leave behind.
    @Test(arguments: [
        "C1001", "C1002", "C1003", "C1005", "C1006", "C2001", "C2002", "C2003", "C2004", "C2005", "C2006",
        "C3001", "C3002", "C3003", "C4005", "C5001", "C5002", "C5003", "C5004", "C5005", "C5006",
    ])
    func repairableFindingIsReportedAndRepaired(code: String) throws {
        let f = try Fixture()
        var keepsAllTags = true
        switch code {
        case "C1001":
            try f.store.write(at: 0, [UInt8](repeating: 0, count: 8192))
        case "C1002":
            // The older slot: a bad current slot is C1005 (a one-byte flip is corrected).
            try f.flip(VolumeHeader.slotOffsets[1 - (try f.header().slot)] + 10)
        case "C1005":
            try f.flip(VolumeHeader.slotOffsets[try f.header().slot] + 10)
        case "C1006":
            try f.flip(CommitSeal.copyOffsets[1] + 10)
        case "C1003":
            try f.store.setLength(f.store.length - 8)
            keepsAllTags = false
        case "C2001":
            // Two bytes: one alone is corrected by the record's CRC (C2006).
            try f.flip(try f.header().indexOffset + 40)
            try f.flip(try f.header().indexOffset + 41)
        case "C2002":
            try f.flip(try f.header().tagTableOffset + 36)
            try f.flip(try f.header().tagTableOffset + 37)
        case "C2006":
            try f.flip(try f.header().tagTableOffset + 36)
        case "C2003":
            let (offset, _) = try f.location(f.loose)
            try f.flip(offset + 100)
        case "C2004":
            let (offset, _) = try f.location(f.loose)
            try f.flip(offset + 5)
        case "C2005":
            let free = try #require(CASChecker.walk(f.store).first { $0.kind == .free })
            try f.store.write(at: free.offset, [UInt8](repeating: 0xEE, count: 8))
        case "C3001":
            try f.rewriteObject(f.loose) { $0[10] ^= 1 }
        case "C3002":
            try f.rewriteObject(f.looseText) { $0[$0.count / 2] ^= 0xFF }
        case "C3003":
            try f.rewriteObject(f.loose) { $0[0] = 0x07 }
        case "C4005":
            try f.craftIndex { entries in
                var copy = entries
                copy.insert(entries[0], at: 0)
                return copy
            }
        case "C5001":
            try f.craftIndex { entries in
                var copy = entries
                copy[0].offset = entries[1].offset
                copy[0].recordLength = entries[1].recordLength
                return copy
            }
        case "C5002":
            try f.craftIndex { entries in
                var copy = entries
                copy[0].typeByte ^= 0x20
                return copy
            }
        case "C5003":
            let volume = try f.volume()
            volume.index[f.blob] = nil
            try volume.commit()
        case "C5004":
            try f.craftIndex { entries in
                var copy = entries
                copy[0].offset = 1 << 40
                return copy
            }
        case "C5005":
            try f.craftIndex { entries in
                var copy = entries
                copy.swapAt(0, 1)
                return copy
            }
        case "C5006":
            try f.craftIndex(counts: 1) { $0 }
        default:
            Issue.record("no damage defined for \(code)")
        }
        let before = CASChecker.verify(f.store)
        #expect(before.codes.contains(code), "\(code) not reported: \(before)")
        let kind = try #require(CASFindings.all.first { $0.code.rawValue == code })
        #expect(kind.repair != .reportOnly)

        let repaired = try CASChecker.repair(f.store)
        #expect(repaired.codes.contains(code))
        let after = CASChecker.verify(f.store)
        #expect(!after.codes.contains(code), "\(code) still reported after repair: \(after)")
        #expect(after.allSatisfy { $0.kind.repair == .reportOnly }, "\(after)")
        // A second repair has nothing left to do, and the volume opens.
        #expect(CASChecker.verify(f.store).map(\.description) == after.map(\.description))
        let volume = try f.volume()
        if keepsAllTags {
            #expect(try volume.content(try volume.resolve("big")) == Fixture.bigContent)
            #expect(try volume.info("tree", depth: 2).contains("[item] file \(f.item)"))
        }
    }

    /// A damaged record length (which the CRC covers) with intact content: the object
    /// verifies against its id, so it is kept and its record resealed, not dropped.
    @Test func damagedRecordLengthKeepsAnIntactObject() throws {
        let f = try Fixture()
        let (offset, length) = try f.location(f.loose)
        try f.flip(offset + 9, 0x80)
        let before = CASChecker.verify(f.store)
        #expect(before.codes.contains("C2004") && !before.codes.contains("C2003"), "\(before)")
        try CASChecker.repair(f.store)
        #expect(CASChecker.verify(f.store).codes == ["C6001"], "\(CASChecker.verify(f.store))") // the untagged blobs
        let volume = try f.volume()
        #expect(volume.location(of: f.loose)?.recordLength == length)
        #expect(try volume.content(f.loose) == TestData.random(20_000, seed: 2))
    }

    @Test func lostObjectsAreRecordedAndEverythingNamingThemKept() throws {
        // C4001-C4004: references to objects that are gone. Repair keeps every reference,
        // records each missing id as lost (a tag ".lost/ID"), and the next check reports
        // the references as known (C6002, information).
        var f = try Fixture()
        try f.destroy(f.blob)
        #expect(CASChecker.verify(f.store).codes.isSuperset(of: ["C4001", "C2005"]))
        try CASChecker.repair(f.store)
        #expect(CASChecker.verify(f.store).codes == ["C6002", "C6001"])
        #expect(try f.volume().tag(named: LostMarker.name(for: f.blob)) == f.blob)
        #expect(try f.volume().object(f.item).id == f.item)   // the item naming it is kept

        f = try Fixture()
        try f.destroy(f.item)
        #expect(CASChecker.verify(f.store).codes.contains("C4002"))
        try CASChecker.repair(f.store)
        #expect(!CASChecker.verify(f.store).contains { $0.severity >= .warning })
        #expect(CASChecker.verify(f.store).codes.contains("C6002"))

        f = try Fixture()
        let chunk = try f.volume().object(f.big).chunkListEntries().chunks[1].id
        try f.destroy(chunk)
        #expect(CASChecker.verify(f.store).codes.contains("C4003"))
        #expect(throws: CASError.self) { try f.volume().content(f.big) }
        try CASChecker.repair(f.store)
        #expect(!CASChecker.verify(f.store).contains { $0.severity >= .warning })
        #expect(throws: CASError.self) { try f.volume().content(f.big) }   // still lost, still an error to read

        f = try Fixture()
        var volume = try f.volume()
        let ghostID = CASObject.blob([0]).id
        volume.tagTable["ghost"] = ghostID
        try volume.commit()
        let ghost = CASChecker.verify(f.store).filter { $0.code.rawValue == "C4004" }
        #expect(ghost.count == 1 && ghost[0].context.name == "ghost")
        try CASChecker.repair(f.store)
        #expect(try f.volume().tag(named: "ghost") == ghostID)
        #expect(try f.volume().tag(named: LostMarker.name(for: ghostID)) == ghostID)
        #expect(!CASChecker.verify(f.store).contains { $0.severity >= .warning })
        #expect(CASChecker.verify(f.store).filter { $0.code.rawValue == "C6002" }.map { $0.context.name } == ["ghost"])   // the bare name, as C4004
        // A second repair has nothing to do, and adds no second marker.
        let tagCount = try f.volume().tagTable.count
        try CASChecker.repair(f.store)
        #expect(try f.volume().tagTable.count == tagCount)
        // A tag named like a marker of another id is an ordinary tag: naming a missing id
        // that has no marker, it dangles.
        volume = try f.volume()
        volume.tagTable[LostMarker.name(for: f.blob)] = CASObject.blob([1]).id
        try volume.commit()
        #expect(CASChecker.verify(f.store).codes.contains("C4004"))

        // A tag that holds the marker name of a missing id but names something else is the
        // user's: the repair leaves it and leaves the loss reported, as a loss it cannot
        // record (C4009, report only).
        f = try Fixture()
        try f.destroy(f.blob)
        volume = try f.volume()
        volume.tagTable[LostMarker.name(for: f.blob)] = f.item
        try volume.commit()
        try CASChecker.repair(f.store)
        #expect(try f.volume().tag(named: LostMarker.name(for: f.blob)) == f.item)
        #expect(CASChecker.verify(f.store).codes.contains("C4009"))

        // C4006 and C4007: kinds the writer refuses (written here behind its back) and
        // names it does not look for.
        f = try Fixture()
        volume = try f.volume()
        #expect(throws: CASError.self) { try volume.putItem(name: "odd", target: f.item) }
        let odd = try CASObject.item(name: "odd", target: f.item)
        try volume.write(PreparedObject(odd, level: 6))
        let itemOfItem = odd.id
        let twice = try volume.putTree([f.item, try volume.putItem(name: "file", target: f.loose)])
        try volume.setTag("odd", to: itemOfItem)
        try volume.setTag("twice", to: twice)
        try volume.commit()
        let findings = CASChecker.verify(f.store)
        #expect(findings.codes.isSuperset(of: ["C4006", "C4007"]))
        #expect(findings.first { $0.code.rawValue == "C4007" }?.context.detail == "file")

        // C3004: a tree whose payload is not lines of ids, stored under its true id.
        f = try Fixture()
        volume = try f.volume()
        let bad = Array("not an id".utf8)
        try volume.write(bad.withUnsafeBytes { PreparedObject(type: .tree, payload: $0, level: 6) })
        try volume.commit()
        #expect(CASChecker.verify(f.store).codes.contains("C3004"))
        try CASChecker.repair(f.store)
        #expect(CASChecker.verify(f.store).codes.contains("C3004"))
    }

    @Test func anUnsupportedVersionIsReportedAndNotRepaired() throws {
        let f = try Fixture()
        for slot in VolumeHeader.slotOffsets {
            var bytes = try f.store.read(at: slot, count: 128)
            bytes[4] = 2
            var w = ByteWriter()
            w.writeBytes(bytes)
            w.patchUInt32(CRC32.checksum(bytes[0..<124]), at: 124)
            try f.store.write(at: slot, w.bytes)
        }
        #expect(CASChecker.verify(f.store).codes == ["C1004"])
        #expect(throws: CASError.self) { try CASChecker.repair(f.store) }
        #expect(throws: CASError.self) { try CASVolume.open(f.store) }
    }

    @Test func everyCodeIsDocumentedOnceWithAStableLayerPrefix() {
        let codes = CASFindings.all.map(\.code.rawValue)
        #expect(Set(codes).count == codes.count)
        #expect(codes.allSatisfy { $0.count == 5 && $0.hasPrefix("C") })
        #expect(CASFindings.all.filter { $0.code.rawValue.hasPrefix("C6") }.allSatisfy { $0.severity == .info })
        #expect(CASFindings.all.filter { $0.repair != .reportOnly }.allSatisfy { !$0.fixDescription.isEmpty })
    }

    /// docs/FORMAT.md §C6 has one row per code, with the severity and policy of the table.
    @Test func theFormatPageListsEveryCode() throws {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let page = try String(contentsOf: url.appendingPathComponent("docs/FORMAT.md"), encoding: .utf8)
        let rows = page.split(separator: "\n").filter { $0.hasPrefix("| C") && $0.dropFirst(3).first?.isNumber == true }
        for kind in CASFindings.all {
            let severity = ["error": "E", "warning": "W", "info": "I"][kind.severity.rawValue] ?? "?"
            let policy = ["reportOnly": "R", "preenSafe": "P", "needsConfirmation": "C"][kind.repair.rawValue] ?? "?"
            let row = rows.first { $0.hasPrefix("| \(kind.code) |") }
            #expect(row?.hasPrefix("| \(kind.code) | \(severity) | \(policy) |") == true, "\(kind.code): \(row.map(String.init) ?? "no row")")
        }
        #expect(rows.count == CASFindings.all.count)
    }

    @Test func theWalkListsEveryStructureWithOffsets() throws {
        let f = try Fixture()
        let dumps = CASChecker.walk(f.store)
        #expect(dumps.prefix(2).map(\.kind) == [.headerSlot, .headerSlot])
        #expect(dumps.prefix(2).allSatisfy { $0.fields.first { $0.name == "CRC32" }?.check == .ok })
        // The data area is tiled: each structure starts where the one before ends.
        let records = dumps.dropFirst(2)
        #expect(records.first?.offset == VolumeHeader.dataStart)
        for (a, b) in zip(records, records.dropFirst()) { #expect(a.offset + a.length == b.offset) }
        #expect(records.last.map { $0.offset + $0.length } == f.store.length)
        // Every object is in an object record or is a member of a pack record.
        let members = records.filter { $0.kind == .pack }.reduce(0) { $0 + $1.fields.filter { $0.name.hasPrefix("member ") && $0.name != "member count" }.count }
        #expect(records.filter { $0.kind == .object }.count + members == (try f.volume().objectCount))
        #expect(members >= 3)
        #expect(records.filter { $0.kind == .index }.count == 2)
        let blob = try #require(records.first { $0.fields.contains { $0.name == "id" && $0.raw == f.loose.hex } })
        #expect(blob.fields.first { $0.name == "type byte" }?.meaning == "blob")
        #expect(blob.offset == (try f.location(f.loose)).offset)
        // A damaged header slot is shown with a mismatch, not skipped.
        try f.flip(20)
        #expect(CASChecker.walk(f.store)[0].fields.first { $0.name == "CRC32" }?.check == .mismatch)
        #expect(CASChecker.walk(f.store)[0].note != nil)
    }
}
