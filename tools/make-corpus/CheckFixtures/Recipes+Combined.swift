import ArdakuFormat
import ArdakuVolume
import TestSupport

/// Damage to the Ardaku layer that the single-damage recipes leave out: two damages at
/// once (each must still be found and repaired, whatever the other did), the system
/// block's fields in only one copy, and more random metadata damage (fixed seeds).
extension Recipes {
    static let combined: [Recipe] = [
        Recipe("combo-primary-and-bitfield", "page 0 and the bitfield page both overwritten with zeros: the backup gives the volume, the trie and records give the used pages",
               targets: ["A1001", "A6001"]) { d in
            d.zero(page: 0)
            d.zero(page: 1)
        },
        Recipe("combo-trie-and-data", "one bit of a trie node label flipped (checksum fails) and one bit of /docs/b.bin's third data page flipped",
               targets: ["A2003", "A5001"], effects: ["/docs/b.bin": .damaged], remains: ["A5003"]) { d in
            let subpage = try d.recordSubpage("/readme.txt")
            guard let (page, offset, node) = try d.node(valued: subpage) else { return }
            d.flip(page: try d.dataPages("/docs/b.bin")[2], offset: 4321, mask: 0x02)
            d.flip(page: page, offset: offset + 12 + 5 * node.children.count + 3, mask: 0x20)
        },
        Recipe("combo-backup-and-counter", "the backup overwritten with zeros and page 0's file_count off by one, checksum valid",
               targets: ["A1002", "A6005"]) { d in
            d.zero(page: d.backupPage)
            d.editSystem(page: 0) { $0.fileCount += 1 }
        },
        Recipe("combo-trie-zeroed-backup-zeroed", "the only trie page and the backup both overwritten with zeros: every file is found again from its record",
               targets: ["A1002", "A2004"]) { d in
            let trie = d.system.triePages[0].rawValue
            d.zero(page: trie)
            d.zero(page: d.backupPage)
        },
        Recipe("combo-hole-and-data", "/sparse.img's hole 1 records a wrong CRC-32 (checksum valid) and its first data page is overwritten: two damaged ranges in one file",
               targets: ["A5001", "A5002"], effects: ["/sparse.img": .damaged], remains: ["A5003"]) { d in
            try d.editRecord(try d.recordSubpage("/sparse.img")) { $0.inlineEntries[1].checksum ^= 1 }
            d.fill(page: try d.dataPages("/sparse.img")[0], with: 0x33)
        },
        Recipe("combo-three-files-data", "one byte of a data page of each of /readme.txt, /docs/b.bin (its last, partial page) and /docs/sub/c.dat changed",
               targets: ["A5001"], effects: ["/readme.txt": .damaged, "/docs/b.bin": .damaged, "/docs/sub/c.dat": .damaged],
               remains: ["A5003", "A5003", "A5003"]) { d in
            d.flip(page: try d.dataPages("/readme.txt")[0], offset: 0, mask: 0x01)
            d.flip(page: try d.dataPages("/docs/b.bin")[3], offset: 100, mask: 0x80)
            d.flip(page: try d.dataPages("/docs/sub/c.dat")[1], offset: 2000, mask: 0x04)
        },
        Recipe("combo-bitfield-swapped", "the bit of /docs/sub/c.dat's first data page cleared and the bit of a free page set",
               targets: ["A6001", "A6002"]) { d in
            d.setBit(try d.dataPages("/docs/sub/c.dat")[0], used: false)
            d.setBit(d.firstFreePage(), used: true)
        },
        Recipe("combo-counters-all", "used_page_count, file_count and next_file_id all wrong in both copies",
               targets: ["A6004", "A6005", "A6006"]) { d in
            d.editBothSystemBlocks {
                $0.usedPageCount -= 3
                $0.fileCount += 4
                $0.nextFileID = 1
            }
        },
        Recipe("sib-backup-ahead", "the backup one generation ahead of page 0, checksum valid (page 0 is the older copy)",
               targets: ["A1003"]) { d in
            d.editSystem(page: d.backupPage) { $0.generation += 1 }
        },
        Recipe("sib-backup-label", "the backup's label changed (\"other\"), checksum valid: the copies differ in a field only the label holds",
               targets: ["A1003"]) { d in
            d.editSystem(page: d.backupPage) { block in
                let other = Array("other".utf8)
                for n in block.label.indices { block.label[n] = n < other.count ? other[n] : 0 }
            }
        },
        Recipe("record-magic-zeroed", "the magic of /docs/a.txt's record zeroed, checksum not updated: the trie's value names a subpage that holds no record, so the file is lost and its data page freed",
               targets: ["A2022"], effects: ["/docs/a.txt": .lost]) { d in
            d.writeRecordField([0, 0, 0, 0], subpage: try d.recordSubpage("/docs/a.txt"), offset: 0)
        },
        Recipe("record-name-byte", "one byte of /docs/sub/c.dat's name in its record changed to make /docs/sub/X.dat, checksum valid: the trie's name leads to a record of another name, and the record, proven by its checksum, keeps its own name",
               targets: ["A2023"], effects: ["/docs/sub/c.dat": .movedTo("/docs/sub/X.dat")]) { d in
            d.setRecordNameByte(try d.recordSubpage("/docs/sub/c.dat"), index: 10, to: UInt8(ascii: "X"))
        },
    ] + (5...8).map { seed in
        Recipe("random-metadata-\(seed)", "24 random bytes of metadata pages (page 0, trie, records, extension) overwritten, seed \(seed)",
               targets: [], effects: nil) { d in
            var rng = SeededGenerator(seed: UInt64(seed))
            let metadata = [UInt32(0), d.system.triePages[0].rawValue, try d.recordSubpage("/docs/a.txt") >> 2,
                            try d.recordSubpage("/readme.txt") >> 2, try d.status("/sparse.img").extensionPages[0].rawValue]
            for _ in 0..<24 {
                let page = metadata[Int(rng.next() % UInt64(metadata.count))]
                let offset = Int(rng.next() % 0x1000)
                d.write([UInt8(truncatingIfNeeded: rng.next())], page: page, offset: offset)
            }
        }
    }
}
