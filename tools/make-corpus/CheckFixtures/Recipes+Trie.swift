import ArdakuFormat
import ArdakuVolume
import TestSupport

/// Damage to the File Infix Tree (pass 2, codes A20xx of docs/FSCK.md).
extension Recipes {
    static let trie: [Recipe] = [
        Recipe("trie-page-zeroed", "the only trie page overwritten with zeros", targets: ["A2004", "A4003"]) { d in
            d.zero(page: d.system.triePages[0].rawValue)
        },
        Recipe("trie-page-bitflip", "one bit of a trie node label flipped (checksum fails)", targets: ["A2003"]) { d in
            let subpage = try d.recordSubpage("/readme.txt")
            guard let (page, offset, node) = try d.node(valued: subpage) else { return }
            d.flip(page: page, offset: offset + 12 + 5 * node.children.count + 3, mask: 0x20)
        },
        Recipe("trie-page-zeroed-directory-records", "/docs and /docs/sub made directory records by the library (FORMAT §9), then the only trie page overwritten with zeros: the rebuilt trie puts every file back under its own name, below its directories",
               targets: ["A2004", "A4003"]) { d in
            let volume = try d.volume()
            let time = FileAttributes.Timestamp(seconds: 1_700_000_000)
            for name in ["/docs", "/docs/sub"] {
                try volume.makeNode(try FileName(name), attributes: FileAttributes(kind: .directory, permissions: 0o750, modificationTime: time))
            }
            try volume.close()
            d.zero(page: d.system.triePages[0].rawValue)
        },
        Recipe("trie-list-out-of-range", "page 0 lists the trie page at the backup's page, both copies", targets: ["A2001"]) { d in
            let backup = d.backupPage
            d.editBothSystemBlocks { $0.triePages[0] = PageIndex(backup) }
        },
        Recipe("trie-listed-twice", "page 0 lists the same trie page as ordinals 0 and 1, both copies", targets: ["A2002"]) { d in
            d.editBothSystemBlocks { $0.triePages.append($0.triePages[0]) }
        },
        Recipe("trie-ordinal-wrong", "the trie page says it is ordinal 5, checksum valid", targets: ["A2005"]) { d in
            let page = d.system.triePages[0].rawValue
            d.setUInt16(5, page: page, offset: 8)
            d.resealTriePage(page)
        },
        Recipe("trie-node-reserved", "a reserved byte of a trie node set, checksum valid", targets: ["A2008"]) { d in
            let subpage = try d.recordSubpage("/docs/a.txt")
            guard let (page, offset, _) = try d.node(valued: subpage) else { return }
            d.write([0x40], page: page, offset: offset + 1)
            d.resealTriePage(page)
        },
        Recipe("trie-stray-byte", "a non-zero byte in the trie page after its nodes, checksum valid", targets: ["A2027"]) { d in
            let page = d.system.triePages[0].rawValue
            d.write([0x5A], page: page, offset: 0xFF00)
            d.resealTriePage(page)
        },
        Recipe("trie-label-mismatch", "the first label byte of /readme.txt's node changed, checksum valid", targets: ["A2009"]) { d in
            try d.setNodeLabelByte(valued: try d.recordSubpage("/readme.txt"), index: 0, to: UInt8(ascii: "R"))
        },
        Recipe("trie-loop", "a child reference pointing back at the root, checksum valid", targets: ["A2011"]) { d in
            let root = try d.rootNode()
            // The root's only child is "/"; make "/"'s first child the root itself.
            let slashReference = root.node.children[0].reference
            let page = d.system.triePages[0]
            let decoded = try TriePage.decode(try d.store.read(page), page: page)
            let slashOffset = Int(decoded.slotOffsets[slashReference.slot])
            let slash = decoded.slots[slashReference.slot]!
            d.setUInt32(d.system.trieRoot.rawValue, page: page.rawValue, offset: slashOffset + 12 + slash.children.count)
            d.resealTriePage(page.rawValue)
        },
        Recipe("trie-bad-reference", "a child reference naming slot 999, checksum valid", targets: ["A2006"]) { d in
            let root = try d.rootNode()
            d.setUInt32(UInt32(999), page: root.page, offset: root.offset + 12 + root.node.children.count)
            d.resealTriePage(root.page)
        },
        Recipe("trie-root-value", "the root node marked as holding a value, checksum valid", targets: ["A2013"]) { d in
            let root = try d.rootNode()
            d.write([1], page: root.page, offset: root.offset)
            d.resealTriePage(root.page)
        },
        Recipe("trie-node-damaged", "the child_count of the node of /docs/ set to 300, checksum valid", targets: ["A2007"]) { d in
            let (page, offset, _) = try d.node(labelled: "docs/")
            d.setUInt16(300, page: page, offset: offset + 4)
            d.resealTriePage(page)
        },
        Recipe("trie-children-unsorted", "the first two children of the node of / swapped, checksum valid", targets: ["A2010"]) { d in
            let (page, offset, node) = try d.node(labelled: "/")
            let count = node.children.count
            d.write([node.children[1].firstByte, node.children[0].firstByte], page: page, offset: offset + 12)
            d.setUInt32(node.children[1].reference.rawValue, page: page, offset: offset + 12 + count)
            d.setUInt32(node.children[0].reference.rawValue, page: page, offset: offset + 12 + count + 4)
            d.resealTriePage(page)
        },
        Recipe("trie-path-too-long", "the label of /docs/a.txt's node made 1020 bytes long, checksum valid", targets: ["A2012"]) { d in
            guard let (page, offset, _) = try d.node(valued: try d.recordSubpage("/docs/a.txt")) else { return }
            d.setUInt16(1020, page: page, offset: offset + 2)
            d.resealTriePage(page)
        },
        Recipe("trie-empty-label", "the label of /empty's node made empty, checksum valid", targets: ["A2014"]) { d in
            guard let (page, offset, _) = try d.node(valued: try d.recordSubpage("/empty")) else { return }
            d.setUInt16(0, page: page, offset: offset + 2)
            d.resealTriePage(page)
        },
        Recipe("trie-value-flag-cleared", "the value flag of /docs/a.txt's node cleared (value kept), checksum valid",
               targets: ["A2008", "A2017"]) { d in
            guard let (page, offset, _) = try d.node(valued: try d.recordSubpage("/docs/a.txt")) else { return }
            d.write([0], page: page, offset: offset)
            d.resealTriePage(page)
        },
        Recipe("trie-invalid-name", "a file named /docs/a<0xFF>txt (trie and record agree), committed", targets: ["A2015"], effects: ["/docs/a.txt": .movedTo("/lost+found/#1")]) { d in
            let subpage = try d.recordSubpage("/docs/a.txt")
            try d.setNodeLabelByte(valued: subpage, index: 1, to: 0xFF)
            d.setRecordNameByte(subpage, index: 7, to: 0xFF)
        },
        Recipe("trie-file-is-directory", "a file named /docs added beside /docs/..., committed", targets: ["A2016"]) { d in
            try d.injectFile(Array("/docs".utf8), copying: "/empty")
        },
        Recipe("trie-value-out-of-range", "/docs/a.txt's trie value set past the volume, checksum valid", targets: ["A2020", "A4003"]) { d in
            guard let (page, offset, _) = try d.node(valued: try d.recordSubpage("/docs/a.txt")) else { return }
            d.setUInt32(0x00FF_FFF0, page: page, offset: offset + 8)
            d.resealTriePage(page)
        },
        // Found by the every-byte sweep (RELIABILITY §10): a record rebuild once took the data
        // page's few bytes for a record with an empty page list and wrote over them.
        Recipe("trie-value-into-data-page", "/readme.txt's trie value set to the first subpage of /docs/a.txt's data page, checksum valid",
               targets: ["A2022", "A4003"]) { d in
            guard let (page, offset, _) = try d.node(valued: try d.recordSubpage("/readme.txt")) else { return }
            d.setUInt32(try d.dataPages("/docs/a.txt")[0] * 4, page: page, offset: offset + 8)
            d.resealTriePage(page)
        },
        Recipe("trie-to-tombstone", "/docs/a.txt's record made a tombstone of the next generation (a deletion that never committed), trie unchanged",
               targets: ["A2021"], effects: ["/docs/a.txt": .lost]) { d in
            let generation = d.system.generation + 1
            try d.editRecord(try d.recordSubpage("/docs/a.txt")) { $0.isTombstone = true; $0.generation = generation }
        },
        Recipe("record-magic-tombstone", "/docs/a.txt's record magic changed to the tombstone's, generation and checksum as committed (damage, not a deletion: the record's CRC-32 proves it live)",
               targets: ["A2025"]) { d in
            d.setRecordUInt32(FileRecord.tombstoneMagic, subpage: try d.recordSubpage("/docs/a.txt"), offset: 0)
        },
        Recipe("trie-to-nothing", "/empty's record subpage zeroed", targets: ["A2022"], effects: ["/empty": .replaced]) { d in
            d.zeroSubpage(try d.recordSubpage("/empty"))
        },
        Recipe("trie-values-swapped", "the trie values of /docs/a.txt and /readme.txt swapped, checksum valid",
               targets: ["A2023", "A4003"]) { d in
            let a = try d.recordSubpage("/docs/a.txt"), r = try d.recordSubpage("/readme.txt")
            guard let (page, aOffset, _) = try d.node(valued: a), let (_, rOffset, _) = try d.node(valued: r) else { return }
            d.setUInt32(r, page: page, offset: aOffset + 8)
            d.setUInt32(a, page: page, offset: rOffset + 8)
            d.resealTriePage(page)
        },
        Recipe("trie-to-foreign-record", "/docs/a.txt's record given another volume's UUID, checksum valid", targets: ["A2024"], effects: ["/docs/a.txt": .lost]) { d in
            let subpage = try d.recordSubpage("/docs/a.txt")
            d.writeRecordField([0xEE, 0xEE], subpage: subpage, offset: 0x10)
            d.resealRecord(subpage)
        },
        Recipe("record-rebuilt", "/docs/a.txt's used_length made inconsistent, checksum valid (the trie's name and its data page prove the record: rebuilt, A3016 on the second run)",
               targets: ["A2026"], remains: ["A3016"]) { d in
            let subpage = try d.recordSubpage("/docs/a.txt")
            d.setRecordUInt32(0x0100, subpage: subpage, offset: 8)
            d.resealRecord(subpage)
        },
        Recipe("record-unreadable", "/docs/a.txt's used_length made inconsistent and its data page's CRC-32 changed, checksum valid (nothing proves the record)",
               targets: ["A3002"], effects: ["/docs/a.txt": .lost]) { d in
            let subpage = try d.recordSubpage("/docs/a.txt")
            let entry = try d.volume().stat(Volume.fileName("/docs/a.txt"))
            d.setRecordUInt32(0x0100, subpage: subpage, offset: 8)
            let crcOffset = FileRecord.headerSize + (entry.nameBytes.count + 3) & ~3 + 4
            d.setRecordUInt32(0xDEAD_BEEF, subpage: subpage, offset: crcOffset)
            d.resealRecord(subpage)
        },
    ]
}
