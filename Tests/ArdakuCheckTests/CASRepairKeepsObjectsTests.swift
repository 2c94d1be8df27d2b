import ArdakuCheck
import ArdakuFormat
@testable import ArdakuCAS
import ArdakuVolume
import CheckFixtures
import Testing

/// "Repair keeps every intact file", for CAS volumes: after `-fy` on any CAS corpus recipe,
/// every object of the fixture whose bytes are still intact in the committed part of the
/// damaged volume (an object record that verifies against its id, or a member of a pack the
/// walk decodes) is still in the repaired volume's index and reads back verified.
///
/// "Committed" ends at the data end of the newest header slot that still verifies: when the
/// newest slot is destroyed, fsck rolls back to the previous generation (FORMAT.md §C5), as
/// a torn header write is undone, and what only the lost generation wrote is not kept.
@Suite struct CASRepairKeepsObjectsTests {
    static func casBytes(_ store: MemoryPageStore) throws -> [UInt8] {
        try Volume(store: store).readAll(try FileName(CASFixture.fileName))
    }

    /// The data end of the newest header slot of `bytes` that verifies (the file's end if none does).
    static func committedEnd(_ bytes: [UInt8]) -> UInt64 {
        let headers = VolumeHeader.slotOffsets.compactMap { slot -> VolumeHeader? in
            guard slot + UInt64(VolumeHeader.encodedSize) <= UInt64(bytes.count) else { return nil }
            return bytes[Int(slot)..<(Int(slot) + VolumeHeader.encodedSize)].withUnsafeBytes { try? VolumeHeader.decode($0, origin: slot) }
        }
        let newest = headers.max { $0.generation < $1.generation }
        return min(newest?.dataEnd ?? UInt64(bytes.count), UInt64(bytes.count))
    }

    /// The fixture's objects that some record of the committed part of `bytes` holds intact.
    static func intactObjects(_ bytes: [UInt8]) -> Set<ObjectID> {
        let walk = CASScan.walk(StoreWindow(MemoryByteStore(bytes)), from: VolumeHeader.dataStart, to: committedEnd(bytes))
        var intact = Set<ObjectID>()
        for record in walk {
            switch record.content {
            case let .object(object):
                if (try? CASVolume.decodeObject(object, offset: record.offset)) != nil { intact.insert(object.id) }
            case let .pack(pack):
                for member in pack.members { intact.insert(member.id) }
            default:
                break
            }
        }
        return intact.intersection(CASFixture.objects.all)
    }

    /// Every CAS recipe but those of a newer version (C1004): such a volume is left alone, and
    /// no reader of this version opens it.
    @Test(arguments: Recipes.all.filter { $0.name.hasPrefix("cas-") && !$0.targets.contains("C1004") }.map(\.name))
    func repairKeepsEveryIntactObject(name: String) throws {
        let recipe = try #require(Recipes.named(name))
        let store = try recipe.store()
        let intact = Self.intactObjects(try Self.casBytes(store))
        #expect(!intact.isEmpty, "the walk finds the fixture's objects")
        _ = Transcript.run(store, mode: .all)
        let repaired = try CASVolume.open(MemoryByteStore(try Self.casBytes(store)))
        for id in intact.sorted() {
            #expect(repaired.contains(id), "\(name): intact object \(id.hex) lost by the repair")
            #expect((try? repaired.object(id)) != nil, "\(name): object \(id.hex) does not read back")
        }
    }
}
