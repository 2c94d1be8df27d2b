import ArdakuFormat
import Testing
@testable import ArdakuZest

/// A small volume to damage: 80 files in two fragments, half of them compressed with a
/// dictionary, with 64-byte segments.
struct DamageFixture {
    let store: MemoryByteStore
    var files: [String: [UInt8]]
    /// Files compressed with the dictionary.
    var dictionaryUsers: Set<String>

    init() throws {
        store = MemoryByteStore()
        let volume = try ZestVolume.create(in: store, options: .init(segmentSize: 64))
        let corpus = TextCorpus.make(count: 80, seed: 21)
        files = [:]
        dictionaryUsers = []
        for file in corpus.prefix(40) { try volume.insert(name(file.name), file.bytes); files[file.name] = file.bytes }
        try volume.flush()
        try volume.addDictionary(ZestDictionaryTrainer.train(samples: corpus.map(\.bytes), size: 4096))
        for file in corpus.dropFirst(40) {
            try volume.insert(name(file.name), file.bytes)
            files[file.name] = file.bytes
            if try volume.stat(name(file.name)).dictionaryID != 0 { dictionaryUsers.insert(file.name) }
        }
        try volume.flush()
    }

    var walk: ZestWalk { try! ZestWalk.walk(store) }

    /// Rewrites the current slot of fragment `index` with its entries changed by `change`.
    func changeEntries(fragment index: Int, _ change: (inout [ZestEntry]) -> Void) throws {
        let fragment = walk.fragments[index]
        var entries = fragment.entries.map(\.entry)
        change(&entries)
        let current = fragment.currentSlot!
        let slot = ZestFragmentSlot(next: fragment.next, generation: fragment.slots[current].trailer!.generation, entries: entries)
        try store.write(at: fragment.slots[current].offset, slot.encoded())
    }

    /// Patches raw bytes of the current slot of fragment `index`, then fixes the slot CRC.
    func patchSlot(fragment index: Int, _ patch: (inout [UInt8]) -> Void) throws {
        let fragment = walk.fragments[index]
        let offset = fragment.slots[fragment.currentSlot!].offset
        var bytes = try store.read(at: offset, count: 4096)
        patch(&bytes)
        let crc = CRC32.checksum(bytes[0..<0xFFC])
        bytes.replaceSubrange(0xFFC..<0x1000, with: [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)])
        try store.write(at: offset, bytes)
    }

    func flip(_ offset: UInt64, with mask: UInt8 = 0xFF) throws {
        var byte = try store.read(at: offset, count: 1)
        byte[0] ^= mask
        try store.write(at: offset, byte)
    }

    /// The first entry in fragment `fragment` that is a file, with its name.
    func fileEntry(in fragment: Int, where predicate: (String) -> Bool = { _ in true }) -> (index: Int, entry: ZestWalkEntry) {
        let entries = walk.fragments[fragment].entries
        let index = entries.firstIndex { $0.entry.kind == .file && predicate(String(decoding: $0.entry.name, as: UTF8.self)) }!
        return (index, entries[index])
    }

    /// verify reports `code`; repair; verify is clean; the files in `survivors` read back
    /// byte-identical and no other file exists unless in `extra`.
    func expectRepair(_ code: String, survivors: [String: [UInt8]], extra: [String: [UInt8]] = [:],
                      sourceLocation: SourceLocation = #_sourceLocation) throws {
        let findings = try ZestChecker.verify(store)
        #expect(findings.map(\.code.rawValue).contains(code), "verify reports \(code): \(findings)", sourceLocation: sourceLocation)
        let report = try ZestChecker.repair(store)
        #expect(report.changedVolume, sourceLocation: sourceLocation)
        let after = try ZestChecker.verify(store)
        #expect(after.isEmpty, "clean after repair: \(after)", sourceLocation: sourceLocation)
        let volume = try ZestVolume.open(store)
        for (file, content) in survivors {
            #expect(try volume.read(name(file)) == content, "\(file) intact", sourceLocation: sourceLocation)
        }
        for (file, content) in extra {
            #expect(try volume.read(name(file)) == content, "\(file) kept", sourceLocation: sourceLocation)
        }
        #expect(volume.fileCount == survivors.count + extra.count, sourceLocation: sourceLocation)
    }

    func without(_ names: some Sequence<String>) -> [String: [UInt8]] {
        var result = files
        for name in names { result[name] = nil }
        return result
    }
}

@Suite("ZEST verify and repair, one finding code at a time")
struct CheckerTests {
    @Test("an intact volume has no findings and nothing to repair")
    func clean() throws {
        let fixture = try DamageFixture()
        #expect(fixture.walk.fragments.count == 2, "\(fixture.walk.fragments.map(\.entries.count))")
        #expect(try ZestChecker.verify(fixture.store).isEmpty)
        #expect(try ZestChecker.repair(fixture.store).changedVolume == false)
    }

    @Test("every finding kind has a unique code in its group and a message")
    func messageTable() {
        let codes = ZestFindings.all.map(\.code.rawValue)
        #expect(Set(codes).count == codes.count)
        #expect(codes.allSatisfy { $0.count == 5 && $0.hasPrefix("Z") && "123456".contains($0[$0.index(after: $0.startIndex)]) })
        #expect(ZestFindings.all.allSatisfy { !$0.template.isEmpty })
    }

    @Test("Z1001 damaged primary header")
    func z1001() throws {
        let fixture = try DamageFixture()
        try fixture.flip(8, with: 0x01)
        try fixture.expectRepair("Z1001", survivors: fixture.files)
    }

    @Test("Z1002 damaged backup header")
    func z1002() throws {
        let fixture = try DamageFixture()
        try fixture.flip(2048 + 20)
        try fixture.expectRepair("Z1002", survivors: fixture.files)
    }

    @Test("Z1003 both headers destroyed: the segment size is inferred from the content")
    func z1003() throws {
        let fixture = try DamageFixture()
        try fixture.store.write(at: 0, [UInt8](repeating: 0xEE, count: 4096))
        #expect(fixture.walk.header?.segmentSize == 64)
        try fixture.expectRepair("Z1003", survivors: fixture.files)
    }

    @Test("Z1004 header copies that disagree")
    func z1004() throws {
        let fixture = try DamageFixture()
        try fixture.store.write(at: 2048, ZestHeader(segmentSize: 4096).encoded())
        try fixture.expectRepair("Z1004", survivors: fixture.files)
    }

    @Test("Z1005 a store too short for a volume")
    func z1005() throws {
        let fixture = try DamageFixture()
        try fixture.store.setLength(5000)
        try fixture.expectRepair("Z1005", survivors: [:])
    }

    @Test("Z1006 an unsupported version is reported and left alone")
    func z1006() throws {
        let fixture = try DamageFixture()
        var writer = ByteWriter()
        writer.writeUInt32(ZestHeader.magic); writer.writeUInt16(9); writer.writeUInt16(32)
        writer.writeUInt32(64); writer.writeUInt32(4096); writer.writeUInt32(64); writer.writeUInt32(0); writer.writeUInt32(0)
        writer.writeUInt32(CRC32.checksum(writer.bytes))
        try fixture.store.write(at: 0, writer.bytes)
        try fixture.store.write(at: 2048, writer.bytes)
        let before = fixture.store.bytes
        #expect(try ZestChecker.verify(fixture.store).map(\.code.rawValue) == ["Z1006"])
        #expect(try ZestChecker.repair(fixture.store).changedVolume == false)
        #expect(fixture.store.bytes == before)
        #expect(throws: ZestError.self) { try ZestVolume.open(fixture.store) }
    }

    @Test("Z2001 a link out of range: the chain ends there, reachable files are kept")
    func z2001() throws {
        let fixture = try DamageFixture()
        let lost = fixture.walk.fragments[1].entries.filter { $0.entry.kind == .file }.map { String(decoding: $0.entry.name, as: UTF8.self) }
        try fixture.patchSlot(fragment: 0) { $0.replaceSubrange(0..<4, with: [0xFF, 0xFF, 0xFF, 0x0F]) }
        // The second fragment holds the dictionary too, so the files that used it go as well.
        let dictionaryInSecond = fixture.walk.fragments.count == 1
            && !fixture.walk.entries.contains { $0.entry.kind == .dictionary }
        let gone = Set(lost).union(dictionaryInSecond ? fixture.dictionaryUsers : [])
        let findings = try ZestChecker.verify(fixture.store)
        #expect(findings.contains { $0.code.rawValue == "Z2001" })
        let survivors = fixture.without(gone.union(findings.filter { $0.code.rawValue == "Z5003" }.compactMap(\.context.name)))
        try fixture.expectRepair("Z2001", survivors: survivors)
    }

    @Test("Z2002 a chain that loops back: cut, every file kept")
    func z2002() throws {
        let fixture = try DamageFixture()
        let second = fixture.walk.fragments[1].pairSegment
        try fixture.patchSlot(fragment: 1) { bytes in
            bytes.replaceSubrange(0..<4, with: [UInt8(second & 0xFF), UInt8(second >> 8 & 0xFF), UInt8(second >> 16 & 0xFF), UInt8(second >> 24)])
        }
        try fixture.expectRepair("Z2002", survivors: fixture.files)
    }

    @Test("Z2003 no valid slot in a fragment: entries salvaged by their own CRCs")
    func z2003() throws {
        let fixture = try DamageFixture()
        let fragment = fixture.walk.fragments[1]
        #expect(fragment.slots[1].trailer?.isBlank == true, "written once: the other slot is blank")
        // Two bytes: one alone would be corrected by the slot CRC (Z2009).
        try fixture.flip(fragment.slots[0].offset + 0xFF8)
        try fixture.flip(fragment.slots[0].offset + 0xF00)
        try fixture.expectRepair("Z2003", survivors: fixture.files)
    }

    @Test("Z2009 one damaged byte of a slot: corrected by the slot CRC, nothing lost")
    func z2009() throws {
        let fixture = try DamageFixture()
        let fragment = fixture.walk.fragments[1]
        try fixture.flip(fragment.slots[0].offset + 0xFF8)
        #expect(fixture.walk.fragments[1].slots[0].correctedOffset == fragment.slots[0].offset + 0xFF8)
        try fixture.expectRepair("Z2009", survivors: fixture.files)
    }

    @Test("Z2004 an impossible SZ: the entries after it are lost, the others kept")
    func z2004() throws {
        let fixture = try DamageFixture()
        let entries = fixture.walk.fragments[0].entries
        let cut = entries.count - 3
        let lostNames = entries[cut...].map { String(decoding: $0.entry.name, as: UTF8.self) }
        let position = Int(entries[cut].offset - fixture.walk.fragments[0].readOffset!)
        try fixture.patchSlot(fragment: 0) { $0.replaceSubrange(position..<(position + 2), with: [0xFF, 0x7F]) }
        var survivors = fixture.without(lostNames)
        if lostNames.contains("/") { survivors = survivors.filter { !fixture.dictionaryUsers.contains($0.key) } }
        try fixture.expectRepair("Z2004", survivors: survivors)
    }

    @Test("Z2006 non-zero bytes after the last entry")
    func z2006() throws {
        let fixture = try DamageFixture()
        try fixture.patchSlot(fragment: 1) { $0[0xF00] = 0x42 }
        try fixture.expectRepair("Z2006", survivors: fixture.files)
    }

    @Test("Z2007 a torn other slot (an interrupted write)")
    func z2007() throws {
        let fixture = try DamageFixture()
        let head = fixture.walk.fragments[0]
        let other = 1 - head.currentSlot!
        #expect(head.slots[other].trailer?.isValid == true)
        try fixture.store.write(at: head.slots[other].offset + 1024, [UInt8](repeating: 0x5A, count: 512))
        try fixture.expectRepair("Z2007", survivors: fixture.files)
    }

    @Test("Z3001 an invalid name: the file is kept under lost+found")
    func z3001() throws {
        let fixture = try DamageFixture()
        let (index, found) = fixture.fileEntry(in: 0)
        let original = String(decoding: found.entry.name, as: UTF8.self)
        try fixture.changeEntries(fragment: 0) { $0[index].name = Array("/bad//name".utf8) }
        let moved = "/lost+found/zest-" + String(found.offset, radix: 16)
        try fixture.expectRepair("Z3001", survivors: fixture.without([original]), extra: [moved: fixture.files[original]!])
    }

    @Test("Z3002 a repeated name: the second file is kept under lost+found")
    func z3002() throws {
        let fixture = try DamageFixture()
        let entries = fixture.walk.fragments[0].entries
        let first = String(decoding: entries[0].entry.name, as: UTF8.self)
        let second = String(decoding: entries[1].entry.name, as: UTF8.self)
        try fixture.changeEntries(fragment: 0) { $0[1].name = $0[0].name }
        let offset = ZestWalk.walkOffset(fixture.store, fragment: 0, entry: 1)
        let moved = "/lost+found/zest-" + String(offset, radix: 16)
        try fixture.expectRepair("Z3002", survivors: fixture.without([second]), extra: [moved: fixture.files[second]!])
        #expect(first != second)
    }

    @Test("Z3003 a damaged entry CRC whose content is intact: the entry is rewritten")
    func z3003() throws {
        let fixture = try DamageFixture()
        let (_, found) = fixture.fileEntry(in: 1)
        let position = Int(found.crcOffset - fixture.walk.fragments[1].readOffset!)
        try fixture.patchSlot(fragment: 1) { $0[position] ^= 0x10 }
        try fixture.expectRepair("Z3003", survivors: fixture.files)
    }

    @Test("Z3004 an unknown entry kind: dropped")
    func z3004() throws {
        let fixture = try DamageFixture()
        let (index, found) = fixture.fileEntry(in: 0)
        try fixture.changeEntries(fragment: 0) { $0[index].kindByte = 7 }
        try fixture.expectRepair("Z3004", survivors: fixture.without([String(decoding: found.entry.name, as: UTF8.self)]))
    }

    @Test("Z3005 a file that is also a directory: kept under lost+found")
    func z3005() throws {
        let fixture = try DamageFixture()
        let (index, found) = fixture.fileEntry(in: 0)
        let original = String(decoding: found.entry.name, as: UTF8.self)
        // Another file lives at /<dir>/<dir2>/...: call this one /<dir>.
        let other = fixture.files.keys.first { $0 != original }!
        let directory = String(other.prefix(upTo: other.dropFirst().firstIndex(of: "/")!))
        try fixture.changeEntries(fragment: 0) { $0[index].name = Array(directory.utf8) }
        let moved = "/lost+found/zest-" + String(found.offset, radix: 16)
        try fixture.expectRepair("Z3005", survivors: fixture.without([original]), extra: [moved: fixture.files[original]!])
    }

    @Test("Z3006 a malformed dictionary entry: dropped, with the files that need it")
    func z3006() throws {
        let fixture = try DamageFixture()
        let fragment = fixture.walk.fragments.firstIndex { $0.entries.contains { $0.entry.kind == .dictionary } }!
        try fixture.changeEntries(fragment: fragment) { entries in
            let index = entries.firstIndex { $0.kind == .dictionary }!
            entries[index].dictionaryID = 0
        }
        #expect(!fixture.dictionaryUsers.isEmpty)
        let findings = try ZestChecker.verify(fixture.store)
        #expect(findings.filter { $0.code.rawValue == "Z5003" }.count == fixture.dictionaryUsers.count)
        try fixture.expectRepair("Z3006", survivors: fixture.without(fixture.dictionaryUsers))
    }

    @Test("Z4001 content outside the store: dropped")
    func z4001() throws {
        let fixture = try DamageFixture()
        let (index, found) = fixture.fileEntry(in: 0)
        try fixture.changeEntries(fragment: 0) { $0[index].segmentStart = 1_000_000 }
        try fixture.expectRepair("Z4001", survivors: fixture.without([String(decoding: found.entry.name, as: UTF8.self)]))
    }

    @Test("Z4002 two entries sharing segments: both kept, one gets its own copy")
    func z4002() throws {
        let fixture = try DamageFixture()
        let entries = fixture.walk.fragments[0].entries
        let first = String(decoding: entries[0].entry.name, as: UTF8.self)
        let second = String(decoding: entries[1].entry.name, as: UTF8.self)
        try fixture.changeEntries(fragment: 0) { list in
            let keepName = list[1].name
            list[1] = list[0]
            list[1].name = keepName
        }
        var survivors = fixture.files
        survivors[second] = fixture.files[first]
        try fixture.expectRepair("Z4002", survivors: survivors)
    }

    @Test("Z4003 lengths that contradict the codec: dropped")
    func z4003() throws {
        let fixture = try DamageFixture()
        let (index, found) = fixture.fileEntry(in: 0)
        try fixture.changeEntries(fragment: 0) { $0[index].codecByte = ZestCodec.stored.rawValue }
        let stat = found.entry
        #expect(stat.storedLength != stat.originalLength)
        try fixture.expectRepair("Z4003", survivors: fixture.without([String(decoding: found.entry.name, as: UTF8.self)]))
    }

    @Test("Z5001 damaged content: reported, then dropped")
    func z5001() throws {
        let fixture = try DamageFixture()
        let (_, found) = fixture.fileEntry(in: 0)
        // Past the DEFLATE stream's first block header, a flip still inflates or fails; a
        // stored file always reaches the CRC. Make it stored-like by choosing the last byte.
        let start = UInt64(found.entry.segmentStart) * 64
        let originalName = String(decoding: found.entry.name, as: UTF8.self)
        var volume = try ZestVolume.open(fixture.store)
        try volume.update(name(originalName), Array("plain text stored as it is".utf8))
        try volume.flush()
        volume = try ZestVolume.open(fixture.store)
        let info = try volume.stat(name(originalName))
        #expect(info.codec == .stored && start >= 0)
        try fixture.flip(UInt64(info.segments.start) * 64 + 3, with: 0x01)
        try fixture.expectRepair("Z5001", survivors: fixture.without([originalName]))
    }

    @Test("Z5002 a DEFLATE stream that does not inflate: dropped")
    func z5002() throws {
        let fixture = try DamageFixture()
        let (_, found) = fixture.fileEntry(in: 0) { fixture.files[$0]!.count > 500 }
        #expect(found.entry.codec == .deflate)
        // Block type 3 is reserved: no inflater accepts it.
        try fixture.store.write(at: UInt64(found.entry.segmentStart) * 64, [0xFF])
        try fixture.expectRepair("Z5002", survivors: fixture.without([String(decoding: found.entry.name, as: UTF8.self)]))
    }

    @Test("Z5003 a file compressed with a dictionary the volume lacks: dropped")
    func z5003() throws {
        let fixture = try DamageFixture()
        let fragment = fixture.walk.fragments.firstIndex { $0.entries.contains { fixture.dictionaryUsers.contains(String(decoding: $0.entry.name, as: UTF8.self)) } }!
        let (index, found) = fixture.fileEntry(in: fragment) { fixture.dictionaryUsers.contains($0) }
        try fixture.changeEntries(fragment: fragment) { $0[index].dictionaryID = 9 }
        try fixture.expectRepair("Z5003", survivors: fixture.without([String(decoding: found.entry.name, as: UTF8.self)]))
    }

    @Test("Z5004 an unknown codec: dropped")
    func z5004() throws {
        let fixture = try DamageFixture()
        let (index, found) = fixture.fileEntry(in: 0)
        try fixture.changeEntries(fragment: 0) { $0[index].codecByte = 5 }
        try fixture.expectRepair("Z5004", survivors: fixture.without([String(decoding: found.entry.name, as: UTF8.self)]))
    }

    @Test("Z6001 unused space at the end of the store: cut")
    func z6001() throws {
        let fixture = try DamageFixture()
        let length = fixture.store.length
        try fixture.store.setLength(length + 4096)
        try fixture.expectRepair("Z6001", survivors: fixture.files)
        #expect(fixture.store.length == length)
    }

    @Test("Z6002 a store that ends inside a segment")
    func z6002() throws {
        let fixture = try DamageFixture()
        let length = fixture.store.length
        try fixture.store.setLength(length + 10)
        try fixture.expectRepair("Z6002", survivors: fixture.files)
        #expect(fixture.store.length == length)
    }
}

extension ZestWalk {
    /// Byte offset of entry `entry` of fragment `fragment` as the volume is now.
    static func walkOffset(_ store: ByteStore, fragment: Int, entry: Int) -> UInt64 {
        (try! ZestWalk.walk(store)).fragments[fragment].entries[entry].offset
    }
}
