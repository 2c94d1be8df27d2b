import ArdakuCAS
import ArdakuFormat
import TestSupport

/// Corpus recipes that damage the CAS volume `/snapshots.cas` of `CASFixture` (codes
/// C1001…C6002, docs/FORMAT.md §C6). The Ardaku volume around it stays sound, so every
/// finding is the CAS checker's (pass 7).
extension Recipes {
    static let cas: [Recipe] = [
        casRecipe("cas-header-newest-slot", "the magic of the CAS header slot of the newest generation (slot 0) zeroed: the commit seal (and, nested, the absence of torn writes) proves that generation committed, so its header is rebuilt from its index and tag table records",
                  targets: ["C1005"]) { d in
            try d.store.write(at: VolumeHeader.slotOffsets[0], [0, 0, 0, 0])
        },
        casRecipe("cas-header-newest-two-bytes", "two bytes of the newest CAS header slot changed (index and tag table offsets), CRC not updated: no one-byte correction; the header is rebuilt from the records of the generation the seal names",
                  targets: ["C1005"]) { d in
            let slot = VolumeHeader.slotOffsets[try d.header.slot]
            try d.flip(at: slot + 33, mask: 0x10)
            try d.flip(at: slot + 57)
        },
        casRecipe("cas-header-version", "the version byte of the newest CAS header slot set to 2, CRC not updated: damage of that slot (corrected by its CRC), not an unsupported version",
                  targets: ["C1005"]) { d in
            try d.store.write(at: VolumeHeader.slotOffsets[try d.header.slot] + 4, [2])
        },
        casRecipe("cas-seal-copy", "a byte of the first commit seal copy changed (information: nothing depends on one copy)", targets: ["C1006"]) { d in
            try d.flip(at: CommitSeal.copyOffsets[0] + 9)
        },
        casRecipe("cas-padding-cut", "the last byte of the CAS volume cut: the store is short (C1003); the missing byte is read as zero, and since this tag table record ends without padding it is its last covered byte, which the record's CRC corrects (C2006): no tag is lost",
                  targets: ["C1003", "C2006"], reshape: { bytes in Array(bytes.dropLast()) }) { _ in },
        casRecipe("cas-put-interrupted", "the object record of a new 20,000-byte blob written after the data end, the header not changed: what a put killed before its commit leaves (information, C2008); -fy cuts the store at the data end",
                  targets: ["C2008"]) { d in
            let payload = FixtureVolume.text(seed: 61, count: 20_000)
            let id = ObjectID.hashing(typeByte: ObjectType(.blob).byte, payload: payload)
            let record = ObjectRecord(id: id, object: [ObjectType(.blob).byte] + payload, rawLength: payload.count)
            try d.store.write(at: d.store.length, record.encoded())
        },
        casRecipe("cas-header-older-slot", "one bit of the CAS header slot of the previous generation (slot 1) flipped (CRC fails)", targets: ["C1002"]) { d in
            try d.flip(at: VolumeHeader.slotOffsets[1] + 40)
        },
        casRecipe("cas-header-both-slots", "both CAS header slots overwritten with zeros", targets: ["C1001"]) { d in
            for slot in VolumeHeader.slotOffsets { try d.store.write(at: slot, [UInt8](repeating: 0, count: VolumeHeader.encodedSize)) }
        },
        casRecipe("cas-truncated", "the CAS volume cut just before its newest index record (the file made shorter); -fy rebuilds from the previous generation's tags, so v2's tag, lost in the cut, leaves v2's five objects unreachable (kept, C6001)",
                  targets: ["C1003"], remains: ["C6001", "C6001", "C6001", "C6001", "C6001"],
                  reshape: { bytes in Array(bytes[0..<Int(try! CASDamage(MemoryByteStore(bytes)).header.indexOffset)]) }) { _ in },
        casRecipe("cas-index-crc", "one bit in each of two bytes of the newest CAS index record flipped (CRC fails; one byte alone would be corrected, C2006)", targets: ["C2001"]) { d in
            try d.flip(at: try d.header.indexOffset + 40)
            try d.flip(at: try d.header.indexOffset + 41)
        },
        casRecipe("cas-tag-table-crc", "one bit in each of two bytes of the newest CAS tag table record flipped (CRC fails; one byte alone would be corrected, C2006); -fy restores the previous generation's tags, which lack v2, so v2's five objects stay unreachable (kept, C6001)",
                  targets: ["C2002"], remains: ["C6001", "C6001", "C6001", "C6001", "C6001"]) { d in
            try d.flip(at: try d.header.tagTableOffset + 36)
            try d.flip(at: try d.header.tagTableOffset + 37)
        },
        casRecipe("cas-record-crc", "the CRC field of big.txt's object record changed (the object still matches its id)",
                  targets: ["C2004"]) { d in
            try d.flip(at: try d.entry(d.objects.big).offset + 4)
        },
        casRecipe("cas-record-length", "the record length of big.txt's object record doubled, CRC not updated (the object still matches its id)",
                  targets: ["C2004"]) { d in
            try d.flip(at: try d.entry(d.objects.big).offset + 9, mask: 0x80)
        },
        casRecipe("cas-record-framing", "a byte of big.txt's compressed payload changed, CRC not updated; -fy drops the object and records it as lost (a tag .lost/ID): big.txt's item still names it, which a second run reports as known (C6002, information)", targets: ["C2003"],
                  remains: ["C6002"]) { d in
            try d.flip(at: try d.entry(d.objects.big).offset + 200, mask: 0x20)
        },
        casRecipe("cas-object-inflate", "a byte of big.txt's compressed payload changed, record CRC valid (it no longer inflates); -fy drops it and records it as lost; big.txt's item still names it (C6002 on the second run)",
                  targets: ["C3002"], remains: ["C6002"]) { d in
            try d.rewriteObject(d.objects.big) { $0[$0.count / 2] ^= 0x20 }
        },
        casRecipe("cas-object-hash", "one letter of readme.txt's blob changed in its (uncompressed) pack, CRC valid (it no longer hashes to its id); -fy drops it and records it as lost; readme.txt's item still names it (C6002 on the second run)",
                  targets: ["C3001"], remains: ["C6002"]) { d in
            try d.rewritePack(holding: d.objects.readme) { $0[0].payload[0] ^= 0x20 }
        },
        casRecipe("cas-item-dangling", "the blob of v2's a.txt removed (index entry dropped, record freed): its item names a missing object (C4001); fsck cannot restore the content, so -fy records the id as lost (a tag .lost/ID) and keeps the item (C6002 on the second run)",
                  targets: ["C4001"], remains: ["C6002"]) { d in
            try d.destroy(d.objects.a2)
        },
        casRecipe("cas-tree-dangling", "the item a.txt of v2 removed (index entry dropped, record freed): v2's docs tree lists a missing object (C4002; -fy records it as lost, C6002 on the second run) and v2's a.txt blob is unreachable (C6001)",
                  targets: ["C4002"], remains: ["C6002", "C6001"]) { d in
            try d.destroy(d.objects.a2Item)
        },
        casRecipe("cas-tag-dangling", "a tag v0 added naming an object that was never stored (C4004; -fy keeps the tag and records the id as lost, C6002 on the second run)", targets: ["C4004"], remains: ["C6002"]) { d in
            let missing = ObjectID.hashing(typeByte: ObjectType(.blob).byte, payload: Array("never stored".utf8))
            try d.writeTags(CASDamage.inNameOrder(try d.tagTable().entries + [TagTableRecord.Entry(name: "v0", id: missing)]))
        },
        casRecipe("cas-lost-recorded", "the blob of v2's a.txt removed and recorded as lost by a tag .lost/ID, as an earlier repair leaves it: its item names a known lost object (C6002, information; exit 0)",
                  targets: ["C6002"], remains: ["C6002"]) { d in
            try d.destroy(d.objects.a2)
            try d.writeTags(CASDamage.inNameOrder(try d.tagTable().entries + [TagTableRecord.Entry(name: LostMarker.name(for: d.objects.a2), id: d.objects.a2)]))
        },
        casRecipe("cas-tags-unsorted", "the CAS tag table rewritten (CRC valid) with tag v1 after v2 and a tag a before both: its names are not in ascending order (§C3.5); -fy rewrites it in order",
                  targets: ["C5007"]) { d in
            let entries = try d.tagTable().entries
            try d.writeTags(entries.reversed() + [TagTableRecord.Entry(name: "a", id: d.objects.tree1)])
        },
        casRecipe("cas-tag-twice", "the CAS tag table rewritten (CRC valid) listing v2 a second time, naming v1's tree: a reader refuses the volume; -fy keeps the first entry",
                  targets: ["C5008"]) { d in
            try d.writeTags(try d.tagTable().entries + [TagTableRecord.Entry(name: "v2", id: d.objects.tree1)])
        },
        casRecipe("cas-tree-too-deep", "a tag deep added naming a tree with directories nested \(CASLimits.maxTreeDepth + 1) levels deep (one file at the bottom), one more than restore accepts (§C8): report only, every run exits 4 and `ardaku cas get -r` refuses it before creating anything",
                  targets: ["C4008"], remains: ["C4008"], staysUnresolved: true) { d in
            let volume = try CASVolume.open(d.store, options: CASOptions(parallel: false))
            let chain = try deepTreeChain(levels: CASLimits.maxTreeDepth + 1, fileName: "bottom.txt", content: Array("at the bottom\n".utf8))
            _ = try volume.put(chain.objects)
            try volume.setTag("deep", to: chain.root)
            try volume.commit()
        },
        casRecipe("cas-duplicate-id", "a second copy of big.txt's object record appended, the index listing both", targets: ["C4005"]) { d in
            let big = try d.entry(d.objects.big)
            var copy = big
            copy.offset = try d.append(try d.store.read(at: big.offset, count: Int(big.recordLength)))
            try d.writeIndex((try d.index().entries + [copy]).sorted { $0.id < $1.id })
        },
        casRecipe("cas-index-no-record", "the index entry of big.txt pointed at the previous generation's tag table record",
                  targets: ["C5001"]) { d in
            let header = try d.header
            let previous = try d.store.read(at: VolumeHeader.slotOffsets[1 - header.slot], count: VolumeHeader.encodedSize)
                .withUnsafeBytes { try VolumeHeader.decode($0, origin: 0) }
            try d.writeIndex(try d.index().entries.map { entry in
                var entry = entry
                if entry.id == d.objects.big { entry.offset = previous.tagTableOffset }
                return entry
            })
        },
        casRecipe("cas-index-swapped", "the index entries of big.txt's blob and v1's a.txt blob given each other's record (offset and length swapped): both entries name the wrong object, both objects are found again by the scan and named by their items",
                  targets: ["C5001", "C5003"]) { d in
            let big = try d.entry(d.objects.big), a1 = try d.entry(d.objects.a1)
            try d.writeIndex(try d.index().entries.map { entry in
                var entry = entry
                let other = entry.id == big.id ? a1 : entry.id == a1.id ? big : nil
                if let other { (entry.offset, entry.recordLength) = (other.offset, other.recordLength) }
                return entry
            })
        },
        casRecipe("cas-index-length", "the index entry of big.txt given a record length 8 bytes too long", targets: ["C5002"]) { d in
            try d.writeIndex(try d.index().entries.map { entry in
                var entry = entry
                if entry.id == d.objects.big { entry.recordLength += 8 }
                return entry
            })
        },
        casRecipe("cas-unreachable", "tag v1 removed from the CAS tag table: the five objects only v1 reached are unreachable (reported, not errors: every run exits 0)",
                  targets: ["C6001"], remains: ["C6001", "C6001", "C6001", "C6001", "C6001"]) { d in
            try d.writeTags(try d.tagTable().entries.filter { $0.name != "v1" })
        },
    ]

    /// A recipe on the CAS fixture: `damage` edits the CAS bytes before they are put in
    /// the fixture volume as /snapshots.cas.
    static func casRecipe(_ name: String, _ how: String, targets: [String], remains: [String] = [], staysUnresolved: Bool = false,
                          reshape: @escaping @Sendable ([UInt8]) -> [UInt8] = { $0 },
                          _ damage: @escaping @Sendable (CASDamage) throws -> Void) -> Recipe {
        var recipe = Recipe(name, how, targets: targets) { _ in }
        recipe.base = { try CASFixture.image(reshape: reshape, damage) }
        recipe.origin = """
            Made by tools/make-corpus (recipe "\(name)", CheckFixtures/CASRecipes.swift) from the CAS fixture of
            CheckFixtures/CASFixture.swift: the fixture volume (64 pages, UUID \(FixtureVolume.uuid)) plus
            \(CASFixture.fileName), a CAS volume of two tagged snapshots, damaged before it is put; fixed times and seeds.
            """
        recipe.remains = remains
        recipe.staysUnresolved = staysUnresolved
        return recipe
    }
}
