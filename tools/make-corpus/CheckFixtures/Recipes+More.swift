import ArdakuCAS
import ArdakuFormat
import ArdakuZest

/// Torn writes (a page zeroed after its first bytes) of Ardaku metadata pages, a trie node cut
/// off its children, more single-field damage to /nested.zest and /snapshots.cas, and both
/// nested volumes damaged in one image.
extension Recipes {
    static let torn: [Recipe] = [
        Recipe("sib-backup-torn", "the second half of the backup (last page) zeroed (a torn write)", targets: ["A1002"]) { d in
            d.zero(page: d.backupPage, range: 0x8000..<0x10000)
        },
        Recipe("record-page-torn", "the second half of the record page of /docs/a.txt zeroed (a torn write of its subpages 2 and 3): the records of /docs/sub/c.dat and /empty are gone, so those files are lost and c.dat's pages freed",
               targets: ["A2022"], effects: ["/docs/sub/c.dat": .lost, "/empty": .lost]) { d in
            d.zero(page: try d.recordSubpage("/docs/a.txt") >> 2, range: 0x8000..<0x10000)
        },
        Recipe("extension-page-torn", "/sparse.img's extension page zeroed from byte 0x200 on (a write torn after its first sector): the entries past it read as holes with a wrong CRC-32 (A5002), the data page they listed is freed, and the file is marked damaged over those ranges",
               targets: ["A3007", "A5002"], effects: ["/sparse.img": .damaged], remains: ["A5003"]) { d in
            d.zero(page: try d.status("/sparse.img").extensionPages[0].rawValue, range: 0x200..<0x10000)
        },
        Recipe("trie-docs-cut", "the child_count of the node of /docs/ set to 0, checksum valid: its child bytes and references now lie outside every node (A2027), its label is read from them (A2009), and the three files under /docs/ are reached by no name; the trie is rebuilt from the records (A4003), nothing is lost",
               targets: ["A2027", "A4003"]) { d in
            let (page, offset, _) = try d.node(labelled: "docs/")
            d.setUInt16(0, page: page, offset: offset + 4)
            d.resealTriePage(page)
        },
    ]

    static let zestFields: [Recipe] = [
        Recipe("zest-slot-crc-field", "/nested.zest: one byte of the stored CRC of the head fragment's current slot changed: the explanation is the CRC field itself, the slot is rewritten",
               targets: ["Z2009"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in z.bytes[Int(try z.headSlot()) + 0xFFD] ^= 0x10 }
        },
        Recipe("zest-slot-generation-byte", "/nested.zest: one byte of the generation field of the head fragment's current slot changed, slot CRC not updated: the slot CRC proves the one-byte correction",
               targets: ["Z2009"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in z.bytes[Int(try z.headSlot()) + 0xFF8] ^= 0x04 }
        },
        Recipe("zest-link-into-content", "/nested.zest: the head fragment's link set to the segment of /notes/a.txt's content (inside the store, not a fragment pair), slot CRC valid: the walk reads that content as a pair without a valid slot (Z2003) whose garbage links out of range; the repair keeps every file and ends the chain at the head",
               targets: ["Z2003", "Z4002"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in
                let target = try z.entry("/notes/a.txt").entry.segmentStart
                let head = try z.headSlot()
                z.setUInt32(target, at: Int(head))
                z.resealSlot(at: head)
            }
        },
    ]

    static let casFields: [Recipe] = [
        bothNestedVolumes,
        casRecipe("cas-lost-marker-taken", "the blob of v2's a.txt removed, and a tag .lost/ID of its id added naming v1's a.txt blob (a user's tag, not a marker): the repair never replaces it, so the loss stays reported, and every run exits 4 without writing",
                  targets: ["C4009"], remains: ["C4009"], staysUnresolved: true) { d in
            try d.destroy(d.objects.a2)
            try d.writeTags(CASDamage.inNameOrder(try d.tagTable().entries + [TagTableRecord.Entry(name: LostMarker.name(for: d.objects.a2), id: d.objects.a1)]))
        },
        casRecipe("cas-index-offset-unaligned", "the index entry of big.txt given an offset 4 bytes past its record (not a multiple of 8), CRC valid",
                  targets: ["C5004"]) { d in
            try d.writeIndex(try d.index().entries.map { entry in
                var entry = entry
                if entry.id == d.objects.big { entry.offset += 4 }
                return entry
            })
        },
        casRecipe("cas-index-past-end", "the index entry of readme.txt's blob given an offset past the data end, CRC valid",
                  targets: ["C5004"]) { d in
            let end = try d.header.dataEnd
            try d.writeIndex(try d.index().entries.map { entry in
                var entry = entry
                if entry.id == d.objects.readme { entry.offset = end + 4096 }
                return entry
            })
        },
        casRecipe("cas-older-slot-and-index", "one bit of the older CAS header slot flipped and two bytes of the newest index record changed: the index is rebuilt from the records, both slots rewritten",
                  targets: ["C1002", "C2001"]) { d in
            let index = try d.header.indexOffset
            try d.flip(at: index + 40)
            try d.flip(at: index + 41)
            try d.flip(at: VolumeHeader.slotOffsets[1] + 40)
        },
        casRecipe("cas-newest-slot-and-seals", "the newest CAS header slot zeroed and a byte of each commit seal copy changed: nothing proves that generation committed (the seal is damaged, the blank slot claims no generation), so -fy rolls back to the older slot's generation and cuts the store at its data end (C2008), as after a commit killed before its header: tag v2 and the objects only it reached are gone",
                  targets: ["C1002", "C1006", "C2008"]) { d in
            try d.flip(at: CommitSeal.copyOffsets[0] + 9)
            try d.flip(at: CommitSeal.copyOffsets[1] + 9)
            try d.store.write(at: VolumeHeader.slotOffsets[try d.header.slot], [UInt8](repeating: 0, count: VolumeHeader.encodedSize))
        },
        casRecipe("cas-index-magic", "the magic of the newest CAS index record zeroed: the magic lies outside the record's CRC, and the header names the record's kind, so the bytes the CRC covers prove the record (C2006, reported at the magic); -fy rewrites it",
                  targets: ["C2006"]) { d in
            try d.store.write(at: try d.header.indexOffset, [0, 0, 0, 0])
        },
        casRecipe("cas-pack-flags", "an unknown flag (0x02) set in the flags of readme.txt's pack record, CRC valid: an implausible pack header loses every member (§C3.6.1); readme.txt is recorded as lost (C6002 on the second run)",
                  targets: ["C2003"], remains: ["C6002"]) { d in
            let pack = try d.entry(d.objects.readme)
            var bytes = try d.store.read(at: pack.offset, count: Int(pack.recordLength))
            bytes[28] |= 0x02
            let stored = Int(bytes[24]) | Int(bytes[25]) << 8 | Int(bytes[26]) << 16 | Int(bytes[27]) << 24
            let crc = CRC32.checksum(bytes[8..<(32 + stored)])
            for n in 0..<4 { bytes[4 + n] = UInt8(truncatingIfNeeded: crc >> (8 * n)) }
            try d.store.write(at: pack.offset, bytes)
        },
        casRecipe("cas-index-entry-twice", "the index entry of big.txt listed twice (same record), CRC valid: -fy keeps one entry",
                  targets: ["C4005", "C5004"]) { d in
            let big = try d.entry(d.objects.big)
            try d.writeIndex((try d.index().entries + [big]).sorted { $0.id < $1.id })
        },
    ]

    /// Both nested volumes damaged at once: /snapshots.cas (one byte of its newest index)
    /// and /nested.zest (one byte of an entry's CRC); each checker repairs its own.
    static var bothNestedVolumes: Recipe {
        var recipe = Recipe("combo-zest-and-cas", "two nested volumes damaged in one image: one byte of /snapshots.cas's newest index record and one byte of the CRC of /nested.zest's /notes/a.txt entry (slot CRC valid); each is corrected on its own",
                            targets: ["C2006", "Z3003"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in
                let found = try z.entry("/notes/a.txt")
                let slot = try z.slotOffset(containing: found.offset)
                z.bytes[Int(found.crcOffset) + 2] ^= 0x08
                z.resealSlot(at: slot)
            }
        }
        recipe.base = { try CASFixture.image { c in try c.flip(at: try c.header.indexOffset + 32 + 40, mask: 0x02) } }
        recipe.origin = """
            Made by tools/make-corpus (recipe "combo-zest-and-cas", CheckFixtures/Recipes+More.swift) from the CAS fixture of
            CheckFixtures/CASFixture.swift (the fixture volume, 64 pages, UUID \(FixtureVolume.uuid), plus
            \(CASFixture.fileName)), its CAS bytes damaged before they are put, then /nested.zest damaged; fixed times and seeds.
            """
        return recipe
    }
}
