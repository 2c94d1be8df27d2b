import ArdakuFormat
import ArdakuZest

/// More damage to /nested.zest (Recipes+Zest.swift has the first set): the header copies,
/// the head fragment pair's slots, and each field of an entry (kind, codec, lengths,
/// dictionary, place), each with its CRCs made valid again unless the recipe says not.
extension Recipes {
    static let nestedZestNames = FixtureVolume.nestedZestFiles.map(\.name)

    static let zestMore: [Recipe] = [
        Recipe("zest-backup-header-magic", "/nested.zest: the backup ZEST header's magic changed to \"ZESX\", the primary intact",
               targets: ["Z1002"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in z.bytes[ZestLimits.backupHeaderOffset + 3] = UInt8(ascii: "X") }
        },
        Recipe("zest-header-copies-differ", "/nested.zest: the reserved field of the backup ZEST header set to 1, its CRC valid (both copies decode, and differ)",
               targets: ["Z1004"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in
                z.setUInt32(1, at: ZestLimits.backupHeaderOffset + 0x18)
                z.resealHeader(at: ZestLimits.backupHeaderOffset)
            }
        },
        Recipe("zest-header-area-zeroed", "/nested.zest: its first 4096 bytes zeroed (both header copies and both commit seal copies): the segment size is inferred from the table",
               targets: ["Z1003"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in z.bytes.replaceSubrange(0..<4096, with: [UInt8](repeating: 0, count: 4096)) }
        },
        Recipe("zest-too-short", "/nested.zest cut to 8000 bytes, shorter than an empty ZEST volume (12288): -fy writes an empty volume, its three files are lost",
               targets: ["Z1005"], effects: ["/nested.zest": .zest(lost: nestedZestNames)]) { d in
            try d.editNestedZest { z in z.bytes.removeSubrange(8000...) }
        },
        reportOnly(Recipe("zest-version-unsupported", "/nested.zest: the version of both ZEST header copies set to 2, CRCs valid (a newer format): report only, every run exits 4 and the volume is left alone",
               targets: ["Z1006"], effects: nil, remains: ["Z1006"]) { d in
            try d.editNestedZest { z in
                for header in [0, ZestLimits.backupHeaderOffset] {
                    z.setUInt16(2, at: header + 4)
                    z.resealHeader(at: header)
                }
            }
        }),
        Recipe("zest-head-pair-damaged", "/nested.zest: two bytes of the current slot of the head fragment pair and two of its other slot changed, CRCs not updated: no slot of the pair is valid; the entries are salvaged by their own CRCs, nothing is lost",
               targets: ["Z2003"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in
                let head = Int(try z.headSlot()), other = Int(try z.otherSlot())
                z.bytes[head + 0xF00] ^= 0x01
                z.bytes[head + 0xF10] ^= 0x01
                z.bytes[other + 0xF00] ^= 0x01
                z.bytes[other + 0xF10] ^= 0x01
            }
        },
        Recipe("zest-other-slot-damaged", "/nested.zest: two bytes of the non-current slot of the head fragment pair changed (its generation untouched): information, the current slot holds the table",
               targets: ["Z2007"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in
                let other = Int(try z.otherSlot())
                z.bytes[other + 0xE00] ^= 0x40
                z.bytes[other + 0xE20] ^= 0x40
            }
        },
        Recipe("zest-head-pair-zeroed", "/nested.zest: both slots of the head fragment pair zeroed: the table is gone, so all three files are lost and their content is free space",
               targets: ["Z2003"], effects: ["/nested.zest": .zest(lost: nestedZestNames)]) { d in
            try d.editNestedZest { z in
                let start = ZestLimits.fragmentSize
                z.bytes.replaceSubrange(start..<(start + 2 * ZestLimits.fragmentSize), with: [UInt8](repeating: 0, count: 2 * ZestLimits.fragmentSize))
            }
        },
        Recipe("zest-unknown-kind", "/nested.zest: the kind of /notes/b.txt's entry set to 2, entry and slot CRCs valid: the entry is dropped",
               targets: ["Z3004"], effects: ["/nested.zest": .zest(lost: ["/notes/b.txt"])]) { d in
            try d.editNestedZest { z in try z.editEntry("/notes/b.txt") { z, _, fields in z.bytes[fields + 17] = 2 } }
        },
        Recipe("zest-path-conflict", "/nested.zest: /empty's entry renamed /notes, entry and slot CRCs valid: a file that is also the directory of /notes/a.txt and /notes/b.txt, moved to /lost+found",
               targets: ["Z3005"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in
                try z.editEntry("/empty") { z, entry, _ in z.bytes.replaceSubrange((entry + 2)..<(entry + 8), with: Array("/notes".utf8)) }
            }
        },
        Recipe("zest-dictionary-malformed", "/nested.zest: the kind of /empty's entry set to 1 (a dictionary), entry and slot CRCs valid: a dictionary entry not named \"/\" (and with id 0), malformed; it is dropped, and /empty with it",
               targets: ["Z3006"], effects: ["/nested.zest": .zest(lost: ["/empty"])]) { d in
            try d.editNestedZest { z in try z.editEntry("/empty") { z, _, fields in z.bytes[fields + 17] = 1 } }
        },
        Recipe("zest-stored-lengths", "/nested.zest: /notes/b.txt's originalLength set to 5 (it is stored: storedLength 4), entry and slot CRCs valid",
               targets: ["Z4003"], effects: ["/nested.zest": .zest(lost: ["/notes/b.txt"])]) { d in
            try d.editNestedZest { z in try z.editEntry("/notes/b.txt") { z, _, fields in z.setUInt32(5, at: fields + 8) } }
        },
        Recipe("zest-expansion-bound", "/nested.zest: /notes/a.txt's originalLength set to 0x7fffffff (more than DEFLATE can expand its stored bytes to), entry and slot CRCs valid",
               targets: ["Z4003"], effects: ["/nested.zest": .zest(lost: ["/notes/a.txt"])]) { d in
            try d.editNestedZest { z in try z.editEntry("/notes/a.txt") { z, _, fields in z.setUInt32(0x7FFF_FFFF, at: fields + 8) } }
        },
        Recipe("zest-dictionary-missing", "/nested.zest: /notes/a.txt's dictionaryID set to 3 (no such dictionary), entry and slot CRCs valid",
               targets: ["Z5003"], effects: ["/nested.zest": .zest(lost: ["/notes/a.txt"])]) { d in
            try d.editNestedZest { z in try z.editEntry("/notes/a.txt") { z, _, fields in z.setUInt16(3, at: fields + 18) } }
        },
        Recipe("zest-codec-unknown", "/nested.zest: /notes/b.txt's codec set to 7, entry and slot CRCs valid",
               targets: ["Z5004"], effects: ["/nested.zest": .zest(lost: ["/notes/b.txt"])]) { d in
            try d.editNestedZest { z in try z.editEntry("/notes/b.txt") { z, _, fields in z.bytes[fields + 16] = 7 } }
        },
        Recipe("zest-content-in-head-pair", "/nested.zest: /notes/b.txt's segmentStart set to 1 (the head fragment pair, before the data area), CRCs valid",
               targets: ["Z4001"], effects: ["/nested.zest": .zest(lost: ["/notes/b.txt"])]) { d in
            try d.editNestedZest { z in try z.editEntry("/notes/b.txt") { z, _, fields in z.setUInt32(1, at: fields) } }
        },
        Recipe("zest-contents-crossed", "/nested.zest: the segmentStart fields of /notes/a.txt and /notes/b.txt swapped, CRCs valid: each entry points at the other's content",
               targets: ["Z5002"], effects: ["/nested.zest": .zest(lost: ["/notes/a.txt", "/notes/b.txt"])]) { d in
            try d.editNestedZest { z in
                let a = try z.entry("/notes/a.txt").entry.segmentStart, b = try z.entry("/notes/b.txt").entry.segmentStart
                try z.editEntry("/notes/a.txt") { z, _, fields in z.setUInt32(b, at: fields) }
                try z.editEntry("/notes/b.txt") { z, _, fields in z.setUInt32(a, at: fields) }
            }
        },
        Recipe("zest-entry-name-byte", "/nested.zest: one byte of /notes/a.txt's name changed, its entry CRC not updated (the slot CRC made valid): the entry CRC proves the one-byte correction",
               targets: ["Z3003"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in
                let found = try z.entry("/notes/a.txt")
                let slot = try z.slotOffset(containing: found.offset)
                z.bytes[Int(found.offset) + 2 + 8] ^= 0x02
                z.resealSlot(at: slot)
            }
        },
        Recipe("zest-content-zeroed", "/nested.zest: the segment holding /notes/b.txt's stored content zeroed",
               targets: ["Z5001"], effects: ["/nested.zest": .zest(lost: ["/notes/b.txt"])]) { d in
            try d.editNestedZest { z in
                let start = Int(try z.entry("/notes/b.txt").entry.segmentStart) * ZestLimits.defaultSegmentSize
                z.bytes.replaceSubrange(start..<(start + ZestLimits.defaultSegmentSize), with: [UInt8](repeating: 0, count: ZestLimits.defaultSegmentSize))
            }
        },
        Recipe("zest-seals-both", "/nested.zest: a byte of each commit seal copy changed (information: in a nested volume no decision rests on the seal)",
               targets: ["Z1008"], effects: ["/nested.zest": .zest(lost: [])]) { d in
            try d.editNestedZest { z in
                z.bytes[ZestCommitSeal.copyOffsets[0] + 8] ^= 0x01
                z.bytes[ZestCommitSeal.copyOffsets[1] + 8] ^= 0x01
            }
        },
    ]
}

extension Recipes {
    /// `recipe`, marked as damage of a report-only kind: every run reports its `remains` and exits 4.
    static func reportOnly(_ recipe: Recipe) -> Recipe {
        var recipe = recipe
        recipe.staysUnresolved = true
        return recipe
    }
}

extension ZestDamage {
    /// Recomputes the CRC of the 32-byte header copy at `offset`.
    public mutating func resealHeader(at offset: Int) {
        setUInt32(CRC32.checksum(bytes[offset..<(offset + 0x1C)]), at: offset + 0x1C)
    }

    /// Byte offset of the head fragment pair's slot that is not current.
    public func otherSlot() throws -> UInt64 {
        let head = try headSlot()
        let pair = UInt64(ZestLimits.fragmentSize)
        return head == pair ? 2 * pair : pair
    }
}
