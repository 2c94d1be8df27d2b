import ArdakuCAS
import ArdakuFormat
import TestSupport

/// More damage to `/snapshots.cas` (CASRecipes.swift has the first set): objects whose type
/// byte or payload is wrong, references of the wrong kind or to missing chunks, a damaged
/// pack of several members, single damaged bytes of the index and the tag table, fields of
/// the header, the index entries and the object records.
extension Recipes {
    static let casMore: [Recipe] = [
        casRecipe("cas-unknown-feature", "an unknown incompatible feature bit (0x4) set in the newest CAS header slot, CRC valid (a newer writer's commit): this checker cannot judge the volume; report only, every run exits 4 and the volume is left alone",
                  targets: ["C1004"], remains: ["C1004"], staysUnresolved: true) { d in
            var header = try d.header
            header.incompatibleFeatures = 0x4
            try d.writeHeader(header)
        },
        casRecipe("cas-pack-salvaged", "a tag v3 added naming a tree of three items and their blobs, all seven in one compressed pack; a byte of the Adler-32 at the end of that pack's zlib stream changed, CRC not updated: every member inflates before the damage and matches its id, so all seven are salvaged (C2007) into a new pack; nothing is lost",
                  targets: ["C2007"]) { d in
            let tree = try d.addSnapshotV3()
            let pack = try d.entry(tree)
            let body = try d.store.read(at: pack.offset + 24, count: 4).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
            try d.flip(at: pack.offset + 32 + UInt64(body) - 3, mask: 0x10)
        },
        casRecipe("cas-object-type-byte", "the type byte of big.txt's object record set to 0x0c (compressed, kind 4: no such kind), record CRC valid; -fy drops it and records it as lost; big.txt's item still names it (C6002 on the second run)",
                  targets: ["C3003"], remains: ["C6002"]) { d in
            try d.rewriteObject(d.objects.big) { $0[0] = 0x0C }
        },
        casRecipe("cas-member-type-byte", "the type byte of readme.txt's blob in its pack set to 0x41 (a reserved bit), pack CRC valid; -fy drops it and records it as lost; readme.txt's item still names it (C6002 on the second run)",
                  targets: ["C3003"], remains: ["C6002"]) { d in
            try d.rewritePack(holding: d.objects.readme) { $0[0].typeByte = 0x41 }
        },
        casRecipe("cas-tree-malformed", "a tag bad added naming a tree object whose payload is not a list of ids (stored with its true id, so it verifies): report only, every run exits 4",
                  targets: ["C3004"], remains: ["C3004"], staysUnresolved: true) { d in
            let tree = CASObject(.tree, payload: Array("not a list of ids".utf8))
            try d.addObjects([tree], tags: ["bad": tree.id])
        },
        casRecipe("cas-chunk-dangling", "a tag v3 added naming a tree whose item joined.bin names a chunk list of big.txt's blob and a chunk that was never stored: -fy records the missing chunk as lost (C6002 on the second run)",
                  targets: ["C4003"], remains: ["C6002"]) { d in
            let missing = CASObject.blob(FixtureVolume.text(seed: 80, count: 20_000))
            let list = try CASObject.chunkList([ChunkReference(id: d.objects.big, length: 24_000), ChunkReference(id: missing.id, length: 20_000)])
            let item = try CASObject.item(name: "joined.bin", target: list.id)
            let tree = try CASObject.tree([item.id])
            try d.addObjects([list, item, tree], tags: ["v3": tree.id])
        },
        casRecipe("cas-item-names-item", "a tag v3 added naming a tree whose item alias names another item (v2's a.txt item), not a blob, tree or chunk list: report only, every run exits 4",
                  targets: ["C4006"], remains: ["C4006"], staysUnresolved: true) { d in
            let item = try CASObject.item(name: "alias", target: d.objects.a2Item)
            let tree = try CASObject.tree([item.id])
            try d.addObjects([item, tree], tags: ["v3": tree.id])
        },
        casRecipe("cas-tree-lists-blob", "a tag v3 added naming a tree that lists readme.txt's blob itself instead of an item: report only, every run exits 4",
                  targets: ["C4006"], remains: ["C4006"], staysUnresolved: true) { d in
            let tree = try CASObject.tree([d.objects.readme])
            try d.addObjects([tree], tags: ["v3": tree.id])
        },
        casRecipe("cas-tree-duplicate-name", "a tag v3 added naming a tree that lists both versions' a.txt items (two entries named a.txt): report only, every run exits 4",
                  targets: ["C4007"], remains: ["C4007"], staysUnresolved: true) { d in
            let tree = try CASObject.tree([d.objects.a1Item, d.objects.a2Item])
            try d.addObjects([tree], tags: ["v3": tree.id])
        },
        casRecipe("cas-index-unsorted", "the first two entries of the newest CAS index swapped, CRC valid: not in ascending id order; -fy rebuilds the index",
                  targets: ["C5005"]) { d in
            var entries = try d.index().entries
            entries.swapAt(0, 1)
            try d.writeIndex(entries)
        },
        casRecipe("cas-index-byte", "one byte of the newest CAS index record flipped (an entry's record offset), CRC not updated: its CRC proves the one-byte correction",
                  targets: ["C2006"]) { d in
            try d.flip(at: try d.header.indexOffset + 32 + 48 + 33, mask: 0x04)
        },
        casRecipe("cas-tag-table-byte", "one byte of the name of tag v2 in the newest CAS tag table flipped, CRC not updated: its CRC proves the one-byte correction",
                  targets: ["C2006"]) { d in
            let table = try d.header.tagTableOffset
            // Entries: v1 (2 + 2 + 32 bytes), then v2: its name's second byte.
            try d.flip(at: table + 32 + 36 + 3, mask: 0x01)
        },
        casRecipe("cas-header-counts", "the object count of the newest CAS header slot raised by 3, CRC valid: the header disagrees with its index",
                  targets: ["C5006"]) { d in
            var header = try d.header
            header.objectCount += 3
            try d.writeHeader(header)
        },
        casRecipe("cas-object-record-magic", "the magic of big.txt's object record zeroed (the magic lies outside the record's CRC): the index names a place that holds no record, so big.txt's blob is dropped although the rest of the record is intact, and recorded as lost (C6002 on the second run)",
                  targets: ["C5001"], remains: ["C6002"]) { d in
            try d.store.write(at: try d.entry(d.objects.big).offset, [0, 0, 0, 0])
        },
        casRecipe("cas-index-member-number", "the index entry of readme.txt's blob given member number 1 of its one-member pack, CRC valid: -fy rebuilds the index from the records",
                  targets: ["C5001"]) { d in
            try d.writeIndex(try d.index().entries.map { entry in
                var entry = entry
                if entry.id == d.objects.readme { entry.member = 1 }
                return entry
            })
        },
        casRecipe("cas-index-type-byte", "the index entry of readme.txt's blob given type byte 0x03 (a tree), CRC valid: the entry disagrees with its record",
                  targets: ["C5002"]) { d in
            try d.writeIndex(try d.index().entries.map { entry in
                var entry = entry
                if entry.id == d.objects.readme { entry.typeByte = 0x03 }
                return entry
            })
        },
        casRecipe("cas-index-generation", "the generation field of the newest CAS index record set to 1 (its header is generation 2), CRC valid: the index is not the one its header names; -fy rebuilds it from the records",
                  targets: ["C2001"]) { d in
            let header = try d.header
            let offset = header.indexOffset
            var bytes = try d.store.read(at: offset, count: Int(header.indexLength))
            bytes[24] = 1
            let covered = 32 + 48 * Int(header.objectCount)
            let crc = CRC32.checksum(bytes[8..<covered])
            for n in 0..<4 { bytes[4 + n] = UInt8(truncatingIfNeeded: crc >> (8 * n)) }
            try d.store.write(at: offset, bytes)
        },
        casRecipe("cas-tag-name-control", "a tag named \"v\\u{01}\" (a control character) added to the CAS tag table, CRC valid: the table does not decode, and -fy restores the tags of the previous generation's table, which lack v2, so v2's five objects stay unreachable (kept, C6001)",
                  targets: ["C2002"], remains: ["C6001", "C6001", "C6001", "C6001", "C6001"]) { d in
            try d.writeTags(CASDamage.inNameOrder(try d.tagTable().entries + [TagTableRecord.Entry(name: "v\u{01}", id: d.objects.tree1)]))
        },
        casRecipe("cas-seal-both", "a byte of each commit seal copy changed (information: in a nested volume no decision rests on the seal)",
                  targets: ["C1006"]) { d in
            try d.flip(at: CommitSeal.copyOffsets[0] + 9)
            try d.flip(at: CommitSeal.copyOffsets[1] + 9)
        },
        casRecipe("cas-pack-member-count", "the member count of readme.txt's pack record set to 2 (it holds one), CRC valid: the pack does not decode, but its one member lies before the damage and matches its id, so it is salvaged (C2007); nothing is lost",
                  targets: ["C2007"]) { d in
            let pack = try d.entry(d.objects.readme)
            var bytes = try d.store.read(at: pack.offset, count: Int(pack.recordLength))
            bytes[16] = 2
            let stored = Int(bytes[24]) | Int(bytes[25]) << 8 | Int(bytes[26]) << 16 | Int(bytes[27]) << 24
            let crc = CRC32.checksum(bytes[8..<(32 + stored)])
            for n in 0..<4 { bytes[4 + n] = UInt8(truncatingIfNeeded: crc >> (8 * n)) }
            try d.store.write(at: pack.offset, bytes)
        },
        casRecipe("cas-record-id", "one byte of the id field of big.txt's object record changed, CRC valid: the record holds an object of another id than the index entry names; -fy drops it and records big.txt's id as lost (C6002 on the second run)",
                  targets: ["C5001", "C4001"], remains: ["C6002"]) { d in
            try d.editObjectRecord(d.objects.big) { record in
                var raw = record.id.bytes
                raw[0] ^= 0x80
                record.id = ObjectID(bytes: raw)!
            }
        },
        casRecipe("cas-record-id-flipped", "one bit of the id field of big.txt's object record flipped, CRC not updated: the content still hashes to the id the index names, which proves it; -fy rewrites the record (id and CRC), nothing is lost",
                  targets: ["C2004"]) { d in
            try d.flip(at: try d.entry(d.objects.big).offset + 24, mask: 0x80)
        },
        casRecipe("cas-pack-salvage-partial", "a tag v3 added naming a tree of three items and their blobs, all seven in one compressed pack; a byte in the middle of that pack's zlib stream changed, CRC not updated: the six members that still inflate to bytes matching their ids are salvaged (C2007), the one the damage lands in is lost and recorded as lost (its item names it: C6002 on the second run)",
                  targets: ["C2003", "C2007", "C4001"], remains: ["C6002"]) { d in
            let tree = try d.addSnapshotV3()
            let pack = try d.entry(tree)
            let body = try d.store.read(at: pack.offset + 24, count: 4).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
            try d.flip(at: pack.offset + 32 + UInt64(body) / 2, mask: 0x10)
        },
        casRecipe("cas-raw-length", "the raw length of big.txt's object record raised by one, CRC valid: its zlib stream inflates to one byte fewer; -fy drops it and records it as lost (C6002 on the second run)",
                  targets: ["C3002"], remains: ["C6002"]) { d in
            try d.editObjectRecord(d.objects.big) { $0.rawLength += 1 }
        },
    ]
}

extension CASDamage {
    /// Puts a third snapshot through the library, in one call (so its seven objects share
    /// one pack), tags it v3 and commits; returns its tree's id.
    public func addSnapshotV3() throws -> ObjectID {
        let volume = try CASVolume.open(store, options: CASOptions(parallel: false))
        var objects: [CASObject] = []
        var items: [ObjectID] = []
        for (n, name) in ["one.txt", "three.txt", "two.txt"].enumerated() {
            let blob = CASObject.blob(FixtureVolume.text(seed: UInt64(70 + n), count: 600))
            let item = try CASObject.item(name: name, target: blob.id)
            objects += [blob, item]
            items.append(item.id)
        }
        let tree = try CASObject.tree(items)
        objects.append(tree)
        _ = try volume.put(objects)
        try volume.setTag("v3", to: tree.id)
        try volume.commit()
        return tree.id
    }

    /// Stores `objects` in one new pack record (no check of what they name), appended at
    /// the data end, indexes them and sets `tags`: objects the library would refuse to put.
    public func addObjects(_ objects: [CASObject], tags: [String: ObjectID]) throws {
        let templateEntry = try entry(objects.isEmpty ? self.objects.readme : self.objects.readme)
        let templateBytes = try store.read(at: templateEntry.offset, count: Int(templateEntry.recordLength))
        var pack = try templateBytes.withUnsafeBytes { try PackRecord.decode($0, origin: templateEntry.offset) }
        let template = pack.members[0]
        pack.members = objects.map { object in
            var member = template
            member.typeByte = object.type.byte
            member.payload = object.payload
            return member
        }
        let bytes = pack.encoded()
        let offset = try append(bytes)
        var entries = try index().entries
        for (n, object) in objects.enumerated() {
            entries.append(IndexRecord.Entry(id: object.id, offset: offset, recordLength: UInt32(bytes.count), typeByte: object.type.byte, member: UInt16(n)))
        }
        try writeIndex(entries.sorted { $0.id < $1.id })
        try writeTags(CASDamage.inNameOrder(try tagTable().entries + tags.map { TagTableRecord.Entry(name: $0.key, id: $0.value) }))
    }

    /// Rewrites `id`'s object record through `edit`, with a valid CRC (same length).
    public func editObjectRecord(_ id: ObjectID, _ edit: (inout ObjectRecord) -> Void) throws {
        let entry = try entry(id)
        let bytes = try store.read(at: entry.offset, count: Int(entry.recordLength))
        var record = try bytes.withUnsafeBytes { try ObjectRecord.decode($0, origin: entry.offset) }
        edit(&record)
        try store.write(at: entry.offset, record.encoded())
    }
}
