import ArdakuFormat
import ArdakuZest

/// Damage to the ZEST volume /nested.zest (three inner files: /notes/a.txt compressed,
/// /notes/b.txt stored, /empty), written back through the Ardaku volume so that only the
/// ZEST checker (pass 7, codes of docs/FORMAT.md §Z11) can see it.
extension Recipes {
    static let zest: [Recipe] = [
        Recipe("zest-header-magic", "/nested.zest: the primary ZEST header's magic changed to \"ZESX\", the backup intact",
               targets: ["Z1001"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in z.bytes[3] = UInt8(ascii: "X") }
        },
        Recipe("zest-headers-crc", "/nested.zest: a byte of the CRC of both ZEST header copies changed",
               targets: ["Z1003"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in
                z.bytes[0x1C] ^= 0xFF
                z.bytes[ZestLimits.backupHeaderOffset + 0x1C] ^= 0xFF
            }
        },
        Recipe("zest-chain-loop", "/nested.zest: an empty fragment pair linking to itself appended and linked from the head, slot CRCs valid",
               targets: ["Z2002"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in
                // 4096-byte segments: the new pair's segment is the store's length in segments.
                let pair = UInt32(z.bytes.count / ZestLimits.fragmentSize)
                z.bytes += ZestFragmentSlot(next: pair, generation: 1, entries: []).encoded()
                z.bytes += [UInt8](repeating: 0, count: ZestLimits.fragmentSize)
                let head = try z.headSlot()
                z.setUInt32(pair, at: Int(head))
                z.resealSlot(at: head)
            }
        },
        Recipe("zest-chain-out-of-range", "/nested.zest: the head fragment's link set to segment 0x00fffff0, past the store, slot CRC valid",
               targets: ["Z2001"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in
                let head = try z.headSlot()
                z.setUInt32(0x00FF_FFF0, at: Int(head))
                z.resealSlot(at: head)
            }
        },
        Recipe("zest-entry-size", "/nested.zest: the SZ of /empty's entry set to 2000 (over the 1020-byte limit), slot CRC valid",
               targets: ["Z2004"], effects: ["/nested.zest": .zest(lost: ["/empty"])]) { d in
            try d.editNestedZest { z in
                let found = try z.entry("/empty")
                let slot = try z.slotOffset(containing: found.offset)
                z.setUInt16(2000, at: Int(found.offset))
                z.resealSlot(at: slot)
            }
        },
        Recipe("zest-duplicate-name", "/nested.zest: /notes/b.txt's entry renamed /notes/a.txt, entry and slot CRCs valid",
               targets: ["Z3002"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in
                try z.editEntry("/notes/b.txt") { z, entry, _ in z.bytes[entry + 2 + 7] = UInt8(ascii: "a") }
            }
        },
        Recipe("zest-invalid-name", "/nested.zest: /notes/b.txt's entry renamed xnotes/b.txt (not absolute), entry and slot CRCs valid",
               targets: ["Z3001"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in
                try z.editEntry("/notes/b.txt") { z, entry, _ in z.bytes[entry + 2] = UInt8(ascii: "x") }
            }
        },
        Recipe("zest-entry-crc", "/nested.zest: a byte of /notes/b.txt's entry CRC changed, slot CRC valid",
               targets: ["Z3003"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in
                let found = try z.entry("/notes/b.txt")
                let slot = try z.slotOffset(containing: found.offset)
                z.bytes[Int(found.crcOffset)] ^= 0x01
                z.resealSlot(at: slot)
            }
        },
        Recipe("zest-overlap", "/nested.zest: an entry /notes/c.txt added to the head fragment sharing /notes/a.txt's segments, CRCs valid",
               targets: ["Z4002"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in
                var copy = try z.entry("/notes/a.txt").entry
                copy.name = Array("/notes/c.txt".utf8)
                let walk = try z.walk()
                guard let head = walk.fragments.first, let slot = head.readOffset else { throw DamageError.notFound("ZEST head slot") }
                let at = Int(slot) + ZestLimits.entryAreaStart + head.entryBytes
                let encoded = copy.encoded()
                z.bytes.replaceSubrange(at..<(at + encoded.count), with: encoded)
                z.resealSlot(at: slot)
            }
        },
        Recipe("zest-content-outside", "/nested.zest: /notes/b.txt's segmentStart set to 0x00100000, past the store, CRCs valid",
               targets: ["Z4001"], effects: ["/nested.zest": .zest(lost: ["/notes/b.txt"])]) { d in
            try d.editNestedZest { z in
                try z.editEntry("/notes/b.txt") { z, _, fields in z.setUInt32(0x0010_0000, at: fields) }
            }
        },
        Recipe("zest-content-crc", "/nested.zest: a byte of /notes/b.txt's stored content changed (\"zest\" to \"zast\")",
               targets: ["Z5001"], effects: ["/nested.zest": .zest(lost: ["/notes/b.txt"])]) { d in
            try d.editNestedZest { z in
                let found = try z.entry("/notes/b.txt")
                z.bytes[Int(found.entry.segmentStart) * ZestLimits.defaultSegmentSize + 1] = UInt8(ascii: "a")
            }
        },
        Recipe("zest-inflate", "/nested.zest: the first 16 bytes of /notes/a.txt's DEFLATE stream overwritten with 0xff",
               targets: ["Z5002"], effects: ["/nested.zest": .zest(lost: ["/notes/a.txt"])]) { d in
            try d.editNestedZest { z in
                let start = Int(try z.entry("/notes/a.txt").entry.segmentStart) * ZestLimits.defaultSegmentSize
                z.bytes.replaceSubrange(start..<(start + 16), with: [UInt8](repeating: 0xFF, count: 16))
            }
        },
        Recipe("zest-slot-byte", "/nested.zest: one byte of the head fragment's current slot (in an entry) changed, slot CRC not updated: the slot CRC proves the one-byte correction, nothing is lost",
               targets: ["Z2009"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in
                let found = try z.entry("/notes/b.txt")
                z.bytes[Int(found.offset) + 4] ^= 0x20
            }
        },
        Recipe("zest-slot-damaged", "/nested.zest: two bytes of the head fragment's current slot changed (an entry's name, the zero tail), slot CRC not updated: inside an Ardaku volume no slot is torn, so this is damage of the last commit; its entries are salvaged one by one, and /notes/b.txt's entry, damaged in one byte, is corrected by its own CRC (Z3003); nothing is lost",
               targets: ["Z2008"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in
                let found = try z.entry("/notes/b.txt")
                let head = try z.headSlot()
                z.bytes[Int(found.offset) + 4] ^= 0x20
                z.bytes[Int(head) + 0xF00] ^= 0x01
            }
        },
        Recipe("zest-seal-copy", "/nested.zest: a byte of the second commit seal copy changed (information: nothing depends on one copy)",
               targets: ["Z1008"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in z.bytes[ZestCommitSeal.copyOffsets[1] + 9] ^= 0x01 }
        },
        Recipe("zest-free-space", "/nested.zest: two segments of zeros appended, referenced by nothing",
               targets: ["Z6001"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in z.bytes += [UInt8](repeating: 0, count: 2 * ZestLimits.defaultSegmentSize) }
        },
        Recipe("zest-length", "/nested.zest: 100 bytes appended, so its length is not a whole number of segments",
               targets: ["Z6002"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in z.bytes += [UInt8](repeating: 0, count: 100) }
        },
    ]
}
