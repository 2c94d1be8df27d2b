import ArdakuFormat
import ArdakuVolume
import TestSupport

/// One corruption of the fixture volume: the corpus directory `images/<name>/` holds its
/// result, and the per-code tests apply the same recipes in memory.
public struct Recipe: Sendable {
    public let name: String
    /// How the damage was made (the corpus's `how` file).
    public let how: String
    /// Codes `fsck.zest -fn` must report: the generator refuses a recipe that misses its target.
    public let targets: [String]
    /// The check cannot run at all (exit status 8 in every mode).
    public let fatal: Bool
    /// What happens to fixture files after `-fy`, for files the damage touches; every other
    /// fixture file must read back byte-identical. Nil: random damage, not predictable.
    public let effects: [String: Effect]?
    let damage: @Sendable (Damage) throws -> Void
    /// Changes the image bytes after the damage (truncation).
    let reshape: @Sendable ([UInt8]) -> [UInt8]
    /// The volume the damage starts from, and where the corpus's `how` says it comes from
    /// (nil: the fixture volume). CAS recipes set both (CASRecipes.swift).
    var base: (@Sendable () throws -> MemoryPageStore)?
    var origin: String?
    /// Codes a second `-fy` still reports, information only (its exit status is still 0):
    /// what fsck cannot make whole but has recorded (an item or tag naming an object recorded
    /// as lost, C6002) and objects left unreachable (C6001); the recipe's `how` says why.
    public var remains: [String] = []
    /// The recipe's damage is of a report-only kind that no repair can remove (C4008: a tree
    /// nested deeper than restore accepts): every run reports `remains` and exits 4.
    public var staysUnresolved = false

    /// The information a second run reports about damage the first repair recorded
    /// (FORMAT.md §7.1): the only findings random damage may leave behind.
    public static let recordedDamageCodes: Set<String> = ["A5003", "A3016"]

    /// What a repair does to a file the damage touched.
    public enum Effect: Sendable, Equatable {
        /// The file is gone: its record could not be kept, or the damage finished its deletion.
        case lost
        /// The file is kept under its name, readable; its content differs (a write the damage
        /// undid or finished).
        case changed
        /// The file is kept under its name and marked damaged (FORMAT.md §7.1): reading it
        /// fails with the damaged byte ranges, and every other byte is the original.
        case damaged
        /// The file is kept, intact, under another name.
        case movedTo(String)
        /// The file's content is gone because another file took its name (a committed
        /// rename over it); the name holds that other file.
        case replaced
        /// A ZEST volume (/nested.zest) repaired: it opens, and every inner file of
        /// `FixtureVolume.nestedZestFiles` but those listed here reads back intact, under its
        /// name or moved to /lost+found.
        case zest(lost: [String])
    }

    init(_ name: String, _ how: String, targets: [String], fatal: Bool = false, effects: [String: Effect]? = [:],
         remains: [String] = [],
         reshape: @escaping @Sendable ([UInt8]) -> [UInt8] = { $0 }, _ damage: @escaping @Sendable (Damage) throws -> Void) {
        self.name = name
        self.remains = remains
        self.how = how
        self.targets = targets
        self.fatal = fatal
        self.effects = effects
        self.damage = damage
        self.reshape = reshape
    }

    /// The damaged image: the fixture volume, damaged, reshaped.
    public func image() throws -> [UInt8] {
        let store = try base?() ?? FixtureVolume.fresh()
        try damage(Damage(store))
        return reshape(store.snapshot())
    }

    /// The damaged volume in memory (nil for recipes that reshape the image).
    public func store() throws -> MemoryPageStore { MemoryPageStore(image: try image()) }
}

extension Damage {
    /// Sets byte `index` of the label of the trie node whose value is `subpage`; reseals.
    public func setNodeLabelByte(valued subpage: UInt32, index: Int, to byte: UInt8) throws {
        guard let (page, offset, node) = try node(valued: subpage) else { throw DamageError.notFound("node of subpage \(subpage)") }
        write([byte], page: page, offset: offset + 12 + 5 * node.children.count + index)
        resealTriePage(page)
    }

    /// Sets byte `index` of the record's name; reseals.
    public func setRecordNameByte(_ subpage: UInt32, index: Int, to byte: UInt8) {
        writeRecordField([byte], subpage: subpage, offset: 0x80 + index)
        resealRecord(subpage)
    }
}

public enum DamageError: Error { case notFound(String) }

/// Every corpus recipe, in corpus order. Names say what is damaged; each targets one code
/// (or a realistic crash) and lists the codes it must produce.
public enum Recipes {
    public static let all: [Recipe] = systemBlock + trie + records + crossChecks + data + bitfield + crashes + zest + zestMore + zestFields + multiple + combined + torn + cas + casMore + casFields

    public static func named(_ name: String) -> Recipe? { all.first { $0.name == name } }

    static let systemBlock: [Recipe] = [
        Recipe("sib-primary-zeroed", "page 0 overwritten with zeros", targets: ["A1001"]) { d in d.zero(page: 0) },
        Recipe("sib-primary-torn", "the second half of page 0 zeroed (a torn write)", targets: ["A1001"]) { d in
            d.zero(page: 0, range: 0x8000..<0x10000)
        },
        Recipe("sib-primary-bad-version", "page 0's version set to 2, checksum valid", targets: ["A1001"]) { d in
            d.setUInt32(2, page: 0, offset: 0x0404)
            d.resealSystemBlock()
        },
        Recipe("sib-backup-zeroed", "the backup (last page) overwritten with zeros", targets: ["A1002"]) { d in d.zero(page: d.backupPage) },
        Recipe("sib-backup-stale", "the backup one generation behind page 0 (crash before commit step 4)", targets: ["A1003"]) { d in
            d.editSystem(page: d.backupPage) { $0.generation -= 1 }
        },
        Recipe("sib-backup-copy-field", "the backup's copy field set to 0, checksum valid", targets: ["A1003"]) { d in
            d.editSystem(page: d.backupPage) { $0.copy = .primary }
        },
        Recipe("sib-reserved", "a reserved byte of page 0 (0x0500) set, checksum valid", targets: ["A1004"]) { d in
            d.write([0x5A], page: 0, offset: 0x0500)
            d.resealSystemBlock()
        },
        Recipe("sib-trie-list-tail", "a trie page list entry past trie_page_count set, checksum valid", targets: ["A1005"]) { d in
            d.setUInt32(7, page: 0, offset: 0x0800 + 4 * d.system.triePages.count + 8)
            d.resealSystemBlock()
        },
        Recipe("sib-label-invalid", "the label holds an invalid UTF-8 byte in both copies", targets: ["A1006"]) { d in
            d.editBothSystemBlocks { $0.label[1] = 0xFF }
        },
        Recipe("sib-both-zeroed", "page 0 and the backup overwritten with zeros", targets: ["A1901"], fatal: true) { d in
            let backup = d.backupPage
            d.zero(page: 0)
            d.zero(page: backup)
        },
        Recipe("image-truncated", "the image cut to 48 of its 64 pages", targets: ["A1902"], fatal: true,
               reshape: { Array($0[0..<(48 * Geometry.pageSize)]) }) { _ in },
    ]

    static let records: [Recipe] = [
        Recipe("record-checksum", "two bytes of /docs/b.bin's modification time flipped (no single byte explains the checksum; the rebuilt record is marked unproven, A3016 on the second run)",
               targets: ["A3001"], remains: ["A3016"]) { d in
            let subpage = try d.recordSubpage("/docs/b.bin")
            d.flip(page: subpage >> 2, offset: Int(subpage & 3) * Geometry.subpageSize + 0x38)
            d.flip(page: subpage >> 2, offset: Int(subpage & 3) * Geometry.subpageSize + 0x3A)
        },
        Recipe("record-byte-proven", "one byte of /docs/b.bin's byte_length flipped (its CRC-32 proves the byte)", targets: ["A2025"]) { d in
            let subpage = try d.recordSubpage("/docs/b.bin")
            d.flip(page: subpage >> 2, offset: Int(subpage & 3) * Geometry.subpageSize + 0x31, mask: 0x40)
        },
        Recipe("record-reserved", "/docs/b.bin's flags field set to an unknown bit, checksum valid", targets: ["A3003"]) { d in
            let subpage = try d.recordSubpage("/docs/b.bin")
            d.setRecordUInt32(0x100, subpage: subpage, offset: 0x0C)
            d.resealRecord(subpage)
        },
        Recipe("record-flags-unannounced", "/docs/b.bin's damaged_data flag set, checksum valid, page 0 without the recorded-damage feature bit (the pages all match: the mark is dropped)",
               targets: ["A3017"]) { d in
            let subpage = try d.recordSubpage("/docs/b.bin")
            d.setRecordUInt32(1, subpage: subpage, offset: 0x0C)
            d.resealRecord(subpage)
        },
        Recipe("record-marked-damaged", "/docs/b.bin's second data page flipped and the file marked damaged_data, feature bit set (a later run after a repair: reported, A5003, nothing to fix); then /docs/a.txt's data page flipped so that the run has something to repair",
               targets: ["A5003", "A5001"], effects: ["/docs/b.bin": .damaged, "/docs/a.txt": .damaged], remains: ["A5003", "A5003"]) { d in
            let subpage = try d.recordSubpage("/docs/b.bin")
            d.flip(page: try d.dataPages("/docs/b.bin")[1], offset: 99, mask: 0x08)
            d.setRecordUInt32(1, subpage: subpage, offset: 0x0C)
            d.resealRecord(subpage)
            d.editBothSystemBlocks { $0.incompatFeatures.insert(.recordedDamage) }
            d.flip(page: try d.dataPages("/docs/a.txt")[0], offset: 1, mask: 0x08)
        },
        Recipe("record-marked-healed", "/docs/b.bin marked damaged_data (feature bit set) although every page matches (a read error that passed)",
               targets: ["A5004"]) { d in
            let subpage = try d.recordSubpage("/docs/b.bin")
            d.setRecordUInt32(1, subpage: subpage, offset: 0x0C)
            d.resealRecord(subpage)
            d.editBothSystemBlocks { $0.incompatFeatures.insert(.recordedDamage) }
        },
        Recipe("record-unproven-marked", "/docs/b.bin marked unproven_attributes (feature bit set), then /docs/a.txt's data page flipped so that the run has something to repair",
               targets: ["A3016", "A5001"], effects: ["/docs/a.txt": .damaged], remains: ["A3016", "A5003"]) { d in
            let subpage = try d.recordSubpage("/docs/b.bin")
            d.setRecordUInt32(2, subpage: subpage, offset: 0x0C)
            d.resealRecord(subpage)
            d.editBothSystemBlocks { $0.incompatFeatures.insert(.recordedDamage) }
            d.flip(page: try d.dataPages("/docs/a.txt")[0], offset: 1, mask: 0x08)
        },
        Recipe("record-attributes-unannounced", "/docs/b.bin given an attribute area (mode 0640, uid 1000, its own times), checksum valid, page 0 without the file-attributes feature bit (the area is sound: page 0 is made to announce it)",
               targets: ["A3018"]) { d in
            let subpage = try d.recordSubpage("/docs/b.bin")
            try d.editRecord(subpage) { record in record.attributes = Recipe.soundAttributes(record) }
        },
        Recipe("record-attributes-invalid", "/docs/b.bin given an attribute area whose mtime_nanoseconds is 1,000,000,000, checksum valid, feature bit set (the area is dropped, the file marked unproven: A3016 on the second run)",
               targets: ["A3019"], remains: ["A3016"]) { d in
            let subpage = try d.recordSubpage("/docs/b.bin")
            try d.editRecord(subpage) { record in
                var attributes = Recipe.soundAttributes(record)
                attributes.file.modificationTime.nanoseconds = 1_000_000_000
                record.attributes = attributes
            }
            d.editBothSystemBlocks { $0.incompatFeatures.insert(.fileAttributes) }
        },
        Recipe("record-attributes-undecodable", "/docs/b.bin given an attribute area whose mode names a socket (0o140640, no kind a volume holds), checksum valid, feature bit set (the area is dropped, the file marked unproven: A3016 on the second run)",
               targets: ["A3019"], remains: ["A3016"]) { d in
            let subpage = try d.recordSubpage("/docs/b.bin")
            try d.editRecord(subpage) { record in record.attributes = Recipe.soundAttributes(record) }
            let record = try FileRecord.decode(try d.store.read(PageIndex(subpage >> 2)).withUnsafeBytes {
                UnsafeRawBufferPointer(rebasing: $0[(Int(subpage & 3) * Geometry.subpageSize)...].prefix(Geometry.subpageSize))
            })
            d.setRecordUInt32(0o140640, subpage: subpage, offset: record.attributesOffset + RecordAttributes.Offset.mode)
            d.resealRecord(subpage)
            d.editBothSystemBlocks { $0.incompatFeatures.insert(.fileAttributes) }
        },
        Recipe("record-directory-with-content", "/docs/b.bin given a sound attribute area of the directory kind, its content kept, checksum valid, feature bit set (a directory has no content: the area is dropped, the file marked unproven: A3016 on the second run)",
               targets: ["A3019"], remains: ["A3016"]) { d in
            let subpage = try d.recordSubpage("/docs/b.bin")
            try d.editRecord(subpage) { record in
                var attributes = Recipe.soundAttributes(record)
                attributes.file.kind = .directory
                record.attributes = attributes
            }
            d.editBothSystemBlocks { $0.incompatFeatures.insert(.fileAttributes) }
        },
        Recipe("record-fifo-with-entries", "/docs made a directory record by the library (FORMAT §9), then its kind changed to FIFO, checksum valid: a file with names below it (renamed)",
               targets: ["A2016"]) { d in
            let volume = try d.volume()
            let time = FileAttributes.Timestamp(seconds: 1_700_000_000)
            try volume.makeNode(try FileName("/docs"), attributes: FileAttributes(kind: .directory, permissions: 0o755, modificationTime: time))
            try volume.close()
            try d.editRecord(try d.recordSubpage("/docs")) { record in record.attributes?.file.kind = .fifo }
        },
        Recipe("record-link-count-wrong", "/docs/b.bin given a second name /b-link by the library (FORMAT §7.3), then both records' link_count set to 3, checksums valid: the records agree, but the file has 2 names",
               targets: ["A3020"]) { d in
            try Recipe.linkDocsB(d)
            for name in ["/docs/b.bin", "/b-link"] {
                try d.editRecord(try d.recordSubpage(name)) { record in record.attributes?.linkCount = 3 }
            }
        },
        Recipe("record-link-group-disagrees", "/docs/b.bin given a second name /b-link by the library, then /b-link's mode changed to 0600 (checksum valid): the two records share a file id and pages but not their attributes",
               targets: ["A3020", "A3021", "A4001", "A4006"]) { d in
            try Recipe.linkDocsB(d)
            try d.editRecord(try d.recordSubpage("/b-link")) { record in record.attributes?.file.permissions = 0o600 }
        },
        Recipe("record-links-unannounced", "/docs/b.bin given a second name /b-link by the library, then page 0 and its backup without the hard-links feature bit (the group is sound: page 0 is made to announce it)",
               targets: ["A3022"]) { d in
            try Recipe.linkDocsB(d)
            d.editBothSystemBlocks { $0.incompatFeatures.remove(.hardLinks) }
        },
        Recipe("record-page-count", "/docs/b.bin's data_page_count set to 3 (its length needs 4), checksum valid",
               targets: ["A3004"], effects: ["/docs/b.bin": .damaged], remains: ["A5003"]) { d in
            let subpage = try d.recordSubpage("/docs/b.bin")
            d.setRecordUInt32(3, subpage: subpage, offset: 0x40)
            d.setRecordUInt32(3, subpage: subpage, offset: 0x48)
            d.setRecordUInt32(0x80 + 12 + 24, subpage: subpage, offset: 8)
            d.resealRecord(subpage)
        },
        Recipe("record-length-cut", "/docs/sub/c.dat's byte_length made 9 MB (two pages listed), checksum valid",
               targets: ["A3004"], effects: ["/docs/sub/c.dat": .damaged], remains: ["A5003"]) { d in
            let subpage = try d.recordSubpage("/docs/sub/c.dat")
            d.setRecordUInt64(9_000_000, subpage: subpage, offset: 0x30)
            d.resealRecord(subpage)
        },
        Recipe("extension-out-of-range", "/sparse.img's extension page index set past the volume, checksum valid",
               targets: ["A3005"], effects: ["/sparse.img": .damaged], remains: ["A5003"]) { d in
            let subpage = try d.recordSubpage("/sparse.img")
            try d.editRecord(subpage) { $0.extensionPages[0] = PageIndex(9999) }
        },
        // Issue 14 #4: 2,048 extension pages, all far outside a 64-page volume; the repair
        // must converge in memory bounded by the volume.
        Recipe("extension-pages-far", "/docs/a.txt's record lists 2,048 extension pages from page 0x7FFFFFF0 (length to match), checksum valid",
               targets: ["A3005"], effects: ["/docs/a.txt": .damaged], remains: ["A5003"]) { d in
            try d.editRecord(try d.recordSubpage("/docs/a.txt")) { record in
                record.extensionPages = (0..<UInt32(Limits.maxExtensionPagesPerRecord)).map { PageIndex(0x7FFF_FFF0 &+ $0) }
                let pages = UInt64(record.inlineEntries.count) + UInt64(Limits.maxFilePages)
                record.dataPageCount = UInt32(pages)
                record.byteLength = pages << 16
            }
        },
        Recipe("extension-zeroed", "/sparse.img's extension page overwritten with zeros", targets: ["A3006"], effects: ["/sparse.img": .damaged], remains: ["A5003"]) { d in
            d.zero(page: try d.status("/sparse.img").extensionPages[0].rawValue)
        },
        Recipe("extension-checksum", "two zero bytes past the entries of /sparse.img's extension page set (checksum fails; every entry is proven by its page)",
               targets: ["A3007"]) { d in
            let page = try d.status("/sparse.img").extensionPages[0].rawValue
            d.write([0x77], page: page, offset: 0xFF00)
            d.write([0x77], page: page, offset: 0xFF10)
        },
        Recipe("extension-byte-proven", "one byte of an entry of /sparse.img's extension page flipped (its CRC-32 proves the byte)",
               targets: ["A3015"]) { d in
            d.flip(page: try d.status("/sparse.img").extensionPages[0].rawValue, offset: 0x20 + 8 * 5 + 1, mask: 0x20)
        },
        Recipe("extension-foreign", "/sparse.img's extension page claims file id 99, checksum valid", targets: ["A3008"], effects: ["/sparse.img": .damaged], remains: ["A5003"]) { d in
            let page = try d.status("/sparse.img").extensionPages[0].rawValue
            d.setUInt64(99, page: page, offset: 0x10)
            d.resealExtensionPage(page)
        },
        Recipe("extension-short", "/sparse.img's extension page lists one entry fewer, checksum valid", targets: ["A3009"], effects: ["/sparse.img": .damaged], remains: ["A5003"]) { d in
            let page = try d.status("/sparse.img").extensionPages[0].rawValue
            let count = d.uint32(page: page, offset: 0x0C)
            d.setUInt32(count - 1, page: page, offset: 0x0C)
            d.resealExtensionPage(page)
        },
        Recipe("data-out-of-range", "/docs/b.bin's second data page reference set to page 60000, checksum valid",
               targets: ["A3010"]) { d in
            try d.editRecord(try d.recordSubpage("/docs/b.bin")) { $0.inlineEntries[1].page = PageIndex(60000) }
        },
        Recipe("data-on-trie-page", "/docs/b.bin's third data page reference set to the trie page, checksum valid",
               targets: ["A3011"]) { d in
            let trie = d.system.triePages[0]
            try d.editRecord(try d.recordSubpage("/docs/b.bin")) { $0.inlineEntries[2].page = trie }
        },
        Recipe("data-on-record-page", "/docs/a.txt's data page reference set to the record page of /readme.txt, checksum valid",
               targets: ["A3011"]) { d in
            let recordPage = try d.recordSubpage("/readme.txt") >> 2
            try d.editRecord(try d.recordSubpage("/docs/a.txt")) { $0.inlineEntries[0].page = PageIndex(recordPage) }
        },
        Recipe("extension-on-data-page", "/sparse.img's extension page index set to /docs/b.bin's first data page, checksum valid",
               targets: ["A3008"], effects: ["/sparse.img": .damaged], remains: ["A5003"]) { d in
            let page = try d.dataPages("/docs/b.bin")[0]
            try d.editRecord(try d.recordSubpage("/sparse.img")) { $0.extensionPages[0] = PageIndex(page) }
        },
        Recipe("extension-reserved", "the reserved field of /sparse.img's extension page set, checksum valid", targets: ["A3012"]) { d in
            let page = try d.status("/sparse.img").extensionPages[0].rawValue
            d.setUInt64(1, page: page, offset: 0x18)
            d.resealExtensionPage(page)
        },
        Recipe("record-from-future", "/docs/a.txt's record generation set to 999, checksum valid", targets: ["A3013"]) { d in
            try d.editRecord(try d.recordSubpage("/docs/a.txt")) { $0.generation = 999 }
        },
        Recipe("file-id-max", "/docs/a.txt's record file id set to 2^64-1 (no next_file_id can exceed it), checksum valid",
               targets: ["A3014"]) { d in
            try d.editRecord(try d.recordSubpage("/docs/a.txt")) { $0.fileID = .max }
        },
    ]

    static let crossChecks: [Recipe] = [
        Recipe("page-shared", "/docs/a.txt's data page reference pointed at /docs/b.bin's first page, checksum valid",
               targets: ["A4001"]) { d in
            let shared = try d.dataPages("/docs/b.bin")[0]
            try d.editRecord(try d.recordSubpage("/docs/a.txt")) {
                $0.inlineEntries[0].page = PageIndex(shared)
            }
        },
        Recipe("file-copied-sharing-pages", "a file /copy.bin added listing /docs/b.bin's pages, committed", targets: ["A4001"]) { d in
            try d.injectFile(Array("/copy.bin".utf8), copying: "/docs/b.bin")
        },
        Recipe("orphan-record", "the name /docs/sub/c.dat removed from the trie, record and pages kept, committed",
               targets: ["A4002"], effects: ["/docs/sub/c.dat": .movedTo("/lost+found/docs/sub/c.dat")]) { d in
            try d.removeName("/docs/sub/c.dat")
        },
        Recipe("orphan-name-taken", "/readme.txt's name removed, then a different /readme.txt added, committed",
               targets: ["A4002"], effects: ["/readme.txt": .movedTo("/lost+found/readme.txt")]) { d in
            try d.removeName("/readme.txt")
            try d.injectFile(Array("/readme.txt".utf8), copying: "/empty")
        },
        Recipe("shared-file-id", "a file /twin added with /readme.txt's file id, committed", targets: ["A4006"]) { d in
            let id = try d.status("/readme.txt").fileID
            try d.injectFile(Array("/twin".utf8), copying: "/empty", fileID: id)
        },
    ]

    static let data: [Recipe] = [
        Recipe("data-bitflip", "one bit of /docs/b.bin's second data page flipped", targets: ["A5001"], effects: ["/docs/b.bin": .damaged], remains: ["A5003"]) { d in
            d.flip(page: try d.dataPages("/docs/b.bin")[1], offset: 1234, mask: 0x10)
        },
        Recipe("data-page-zeroed", "the data page of /readme.txt overwritten with zeros", targets: ["A5001"], effects: ["/readme.txt": .damaged], remains: ["A5003"]) { d in
            d.zero(page: try d.dataPages("/readme.txt")[0])
        },
        Recipe("data-extension-listed", "a data page /sparse.img's extension page lists overwritten", targets: ["A5001"], effects: ["/sparse.img": .damaged], remains: ["A5003"]) { d in
            d.fill(page: try d.dataPages("/sparse.img")[2239], with: 0x55)
        },
        Recipe("hole-checksum", "/sparse.img's hole 1 records a wrong CRC-32, checksum valid (the entry may have named a lost page: kept, marked damaged)",
               targets: ["A5002"], effects: ["/sparse.img": .damaged], remains: ["A5003"]) { d in
            try d.editRecord(try d.recordSubpage("/sparse.img")) { $0.inlineEntries[1].checksum ^= 1 }
        },
    ]

    static let bitfield: [Recipe] = [
        Recipe("bitfield-missing-bit", "the bit of /docs/b.bin's first data page cleared", targets: ["A6001"]) { d in
            d.setBit(try d.dataPages("/docs/b.bin")[0], used: false)
        },
        Recipe("bitfield-leaked-bit", "the bit of a free page set", targets: ["A6002"]) { d in
            d.setBit(d.firstFreePage(), used: true)
        },
        Recipe("bitfield-zeroed", "the whole bitfield page overwritten with zeros", targets: ["A6001"]) { d in d.zero(page: 1) },
        Recipe("bitfield-ones", "the whole bitfield page set to ones", targets: ["A6002", "A6003"]) { d in d.fill(page: 1, with: 0xFF) },
        Recipe("bitfield-past-end", "a bit for page 100 (past the 64-page volume) set", targets: ["A6003"]) { d in
            d.write([0x10], page: 1, offset: 12)
        },
        Recipe("counter-used-pages", "used_page_count off by 5 in both copies", targets: ["A6004"]) { d in
            d.editBothSystemBlocks { $0.usedPageCount += 5 }
        },
        Recipe("counter-files", "file_count off by 2 in both copies", targets: ["A6005"]) { d in
            d.editBothSystemBlocks { $0.fileCount -= 2 }
        },
        Recipe("counter-next-file-id", "next_file_id set to 3 (ids up to 7 in use) in both copies", targets: ["A6006"]) { d in
            d.editBothSystemBlocks { $0.nextFileID = 3 }
        },
    ]

    static let crashes: [Recipe] = [
        Recipe("crash-put-before-commit", "a put of /new.txt interrupted after the bitfield flush, before page 0",
               targets: ["A4004", "A6002"]) { d in
            try d.crashBeforePageZero { volume in
                try volume.put(FileName("/new.txt"), bytes: FixtureVolume.text(seed: 77, count: 100_000))
            }
        },
        Recipe("crash-remove-before-commit", "a remove of /docs/b.bin interrupted before page 0 (its tombstone written)",
               targets: ["A2021"], effects: ["/docs/b.bin": .lost]) { d in
            try d.crashBeforePageZero { volume in try volume.remove(FileName("/docs/b.bin")) }
        },
        Recipe("crash-overwrite-tombstone-lost", "an overwrite of /docs/a.txt whose step-5 tombstone write was lost",
               targets: ["A4005"], effects: ["/docs/a.txt": .changed]) { d in
            let old = try d.recordSubpage("/docs/a.txt")
            try d.losingWrites(toSubpages: [old]) { volume in
                var options = PutOptions()
                options.replaceExisting = true
                try volume.put(FileName("/docs/a.txt"), bytes: Array("hello again".utf8), options: options)
            }
        },
        Recipe("crash-rename-replace-tombstone-lost", "a rename of /docs/a.txt over /empty whose step-5 tombstone write was lost",
               targets: ["A4007"], effects: ["/docs/a.txt": .movedTo("/empty"), "/empty": .replaced]) { d in
            let old = try d.recordSubpage("/empty")
            try d.losingWrites(toSubpages: [old]) { volume in
                try volume.move(Array("/docs/a.txt".utf8), to: Array("/empty".utf8), replaceExisting: true)
            }
        },
    ]

    static let multiple: [Recipe] = (1...4).map { seed in
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

extension Recipe {
    /// A sound attribute area for `record`: a regular file, 0640, uid 1000, gid 100, its
    /// modification time, an extended attribute.
    /// /docs/b.bin with its attributes (sound ones) and a second name, /b-link, made by the
    /// volume library as `ardaku ln` makes it.
    static func linkDocsB(_ d: Damage) throws {
        let volume = try d.volume()
        let record = try volume.stat(try FileName("/docs/b.bin"))
        try volume.setAttributes(try FileName("/docs/b.bin")) { attributes in
            attributes = soundAttributes(FileRecord(volumeUUID: .zero, generation: 0, fileID: 0, name: Array("/x".utf8), type: .data,
                                                    byteLength: 0, modificationTime: record.modificationTime)).file
        }
        try volume.link(try FileName("/docs/b.bin"), as: try FileName("/b-link"))
        try volume.close()
    }

    static func soundAttributes(_ record: FileRecord) -> RecordAttributes {
        let time = FileAttributes.Timestamp(seconds: Int64(record.modificationTime), nanoseconds: 250)
        return RecordAttributes(FileAttributes(kind: .regular, permissions: 0o640, owner: 1000, group: 100,
                                               modificationTime: time,
                                               extendedAttributes: [.init(name: Array("user.origin".utf8), value: Array("corpus".utf8))]))
    }
}
