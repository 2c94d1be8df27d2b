import ArdakuFormat
import ArdakuVolume

/// Precise damage to a volume held in memory: raw byte edits, and edits that keep a
/// structure's checksum valid (to reach the checks behind the checksum).
public struct Damage {
    public let store: MemoryPageStore

    public init(_ store: MemoryPageStore) { self.store = store }

    // MARK: Finding things

    public var system: SystemInformationBlock {
        try! SystemInformationBlock.decode(try! store.read(PageIndex(0)))
    }

    public var backupPage: UInt32 { system.totalPageCount - 1 }

    public func volume() throws -> Volume { try Volume(store: store) }

    public func status(_ name: String) throws -> FileStatus {
        try volume().stat(try FileName(name))
    }

    public func recordSubpage(_ name: String) throws -> UInt32 { try status(name).subpage.rawValue }

    public func dataPages(_ name: String) throws -> [UInt32] {
        try volume().pageEntries(try FileName(name)).map(\.page.rawValue)
    }

    /// The trie page at `ordinal` and where, in it, the node whose value is `subpage` lies.
    public func node(valued subpage: UInt32) throws -> (page: UInt32, offset: Int, node: TrieNode)? {
        for page in system.triePages {
            let decoded = try TriePage.decode(try store.read(page), page: page)
            for (slot, node) in decoded.slots.enumerated() where node?.value?.rawValue == subpage {
                return (page.rawValue, Int(decoded.slotOffsets[slot]), node!)
            }
        }
        return nil
    }

    /// The node whose label is `label` (the first such node).
    public func node(labelled label: String) throws -> (page: UInt32, offset: Int, node: TrieNode) {
        for page in system.triePages {
            let decoded = try TriePage.decode(try store.read(page), page: page)
            for (slot, node) in decoded.slots.enumerated() where node.map({ $0.label == Array(label.utf8) }) == true {
                return (page.rawValue, Int(decoded.slotOffsets[slot]), node!)
            }
        }
        throw DamageError.notFound("node labelled \(label)")
    }

    /// The root node's page and offset.
    public func rootNode() throws -> (page: UInt32, offset: Int, node: TrieNode) {
        let root = system.trieRoot
        let page = system.triePages[root.ordinal]
        let decoded = try TriePage.decode(try store.read(page), page: page)
        return (page.rawValue, Int(decoded.slotOffsets[root.slot]), decoded.slots[root.slot]!)
    }

    // MARK: Raw edits

    public func write(_ bytes: [UInt8], page: UInt32, offset: Int) {
        try! store.write(bytes, to: PageIndex(page), at: PageOffset(UInt32(offset)))
    }

    public func byte(page: UInt32, offset: Int) -> UInt8 { try! store.read(PageIndex(page))[offset] }

    public func flip(page: UInt32, offset: Int, mask: UInt8 = 0x01) {
        write([byte(page: page, offset: offset) ^ mask], page: page, offset: offset)
    }

    public func zero(page: UInt32, range: Range<Int> = 0..<Geometry.pageSize) {
        write([UInt8](repeating: 0, count: range.count), page: page, offset: range.lowerBound)
    }

    public func fill(page: UInt32, with byte: UInt8) {
        write([UInt8](repeating: byte, count: Geometry.pageSize), page: page, offset: 0)
    }

    public func setUInt16(_ value: UInt16, page: UInt32, offset: Int) {
        var writer = ByteWriter()
        writer.writeUInt16(value)
        write(writer.bytes, page: page, offset: offset)
    }

    public func setUInt32(_ value: UInt32, page: UInt32, offset: Int) {
        var writer = ByteWriter()
        writer.writeUInt32(value)
        write(writer.bytes, page: page, offset: offset)
    }

    public func setUInt64(_ value: UInt64, page: UInt32, offset: Int) {
        var writer = ByteWriter()
        writer.writeUInt64(value)
        write(writer.bytes, page: page, offset: offset)
    }

    public func uint32(page: UInt32, offset: Int) -> UInt32 {
        ByteReader.uint32(in: try! store.read(PageIndex(page)), at: offset)!
    }

    public func copyPage(_ source: UInt32, to target: UInt32) {
        write(Array(try! store.read(PageIndex(source))), page: target, offset: 0)
    }

    // MARK: Edits to subpages

    public func writeRecordField(_ bytes: [UInt8], subpage: UInt32, offset: Int) {
        write(bytes, page: subpage >> 2, offset: Int(subpage & 3) * Geometry.subpageSize + offset)
    }

    public func setRecordUInt32(_ value: UInt32, subpage: UInt32, offset: Int) {
        setUInt32(value, page: subpage >> 2, offset: Int(subpage & 3) * Geometry.subpageSize + offset)
    }

    public func setRecordUInt64(_ value: UInt64, subpage: UInt32, offset: Int) {
        setUInt64(value, page: subpage >> 2, offset: Int(subpage & 3) * Geometry.subpageSize + offset)
    }

    public func zeroSubpage(_ subpage: UInt32) {
        zero(page: subpage >> 2, range: Int(subpage & 3) * Geometry.subpageSize..<(Int(subpage & 3) + 1) * Geometry.subpageSize)
    }

    public func copySubpage(_ source: UInt32, to target: UInt32) {
        let bytes = try! store.read(PageIndex(source >> 2))
        let start = Int(source & 3) * Geometry.subpageSize
        write(Array(bytes[start..<(start + Geometry.subpageSize)]), page: target >> 2, offset: Int(target & 3) * Geometry.subpageSize)
    }

    // MARK: Checksums made valid again

    public func resealSystemBlock(page: UInt32 = 0) {
        let bytes = try! store.read(PageIndex(page))
        setUInt32(SystemInformationBlock.computedChecksum(bytes), page: page, offset: SystemInformationBlock.Offset.checksum)
    }

    public func resealTriePage(_ page: UInt32) {
        setUInt32(TriePage.checksum(try! store.read(PageIndex(page))), page: page, offset: 4)
    }

    public func resealExtensionPage(_ page: UInt32) {
        setUInt32(ExtensionPage.checksum(try! store.read(PageIndex(page))), page: page, offset: 4)
    }

    public func resealRecord(_ subpage: UInt32) {
        let bytes = try! store.read(PageIndex(subpage >> 2))
        let start = Int(subpage & 3) * Geometry.subpageSize
        let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + Geometry.subpageSize)])
        let used = Int(ByteReader.uint32(in: raw, at: 8)!)
        setRecordUInt32(FileRecord.checksum(raw, usedLength: used), subpage: subpage, offset: 4)
    }

    /// Rewrites the record at `subpage` through `edit` and stores it with a valid checksum.
    public func editRecord(_ subpage: UInt32, _ edit: (inout FileRecord) -> Void) throws {
        let bytes = try store.read(PageIndex(subpage >> 2))
        let start = Int(subpage & 3) * Geometry.subpageSize
        var record = try FileRecord.decode(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + Geometry.subpageSize)]))
        edit(&record)
        writeRecordField(record.encode(), subpage: subpage, offset: 0)
    }

    /// Rewrites the system information block in `page` through `edit`, sealed.
    public func editSystem(page: UInt32 = 0, _ edit: (inout SystemInformationBlock) -> Void) {
        var block = try! SystemInformationBlock.decode(try! store.read(PageIndex(page)), page: PageIndex(page))
        edit(&block)
        write(block.encode(), page: page, offset: 0)
    }

    /// Edits both copies of the system block the same way (a consistent, wrong block).
    public func editBothSystemBlocks(_ edit: (inout SystemInformationBlock) -> Void) {
        let backup = backupPage
        editSystem(page: 0, edit)
        editSystem(page: backup) { block in
            edit(&block)
            block.copy = .backup
        }
    }

    // MARK: The bitfield

    public func setBit(_ page: UInt32, used: Bool) {
        let location = UsedPageBitfield.location(of: PageIndex(page))
        var value = byte(page: location.bitfieldPage.rawValue, offset: location.byteOffset)
        if used { value |= 1 << UInt8(location.bit) } else { value &= ~(1 << UInt8(location.bit)) }
        write([value], page: location.bitfieldPage.rawValue, offset: location.byteOffset)
    }

    public func isMarkedUsed(_ page: UInt32) -> Bool {
        let location = UsedPageBitfield.location(of: PageIndex(page))
        return byte(page: location.bitfieldPage.rawValue, offset: location.byteOffset) & (1 << UInt8(location.bit)) != 0
    }

    /// The first page the bitfield marks free inside the allocatable range.
    public func firstFreePage() -> UInt32 {
        let layout = VolumeLayout(totalPageCount: system.totalPageCount)!
        for page in layout.allocatablePages where !isMarkedUsed(page) { return page }
        fatalError("no free page in the fixture volume")
    }
}

// MARK: Consistent edits below the library's checks

extension Damage {
    /// Commits `system` to page 0 and the backup with the next generation.
    public func commitSystem(_ block: SystemInformationBlock) {
        var block = block
        block.generation += 1
        write(block.asCopy(.primary).encode(), page: 0, offset: 0)
        write(block.asCopy(.backup).encode(), page: block.totalPageCount - 1, offset: 0)
    }

    /// Takes the first free page and marks it used.
    public func takeFreePage() -> UInt32 {
        let page = firstFreePage()
        setBit(page, used: true)
        return page
    }

    /// Adds a file called `name` (any bytes: the library's name rules are bypassed) whose
    /// record copies `template`'s (same page list), with `fileID` or the next free id, and
    /// commits it the way the library would: new record page, trie copied on write, page 0
    /// and backup. Returns the new record's subpage.
    @discardableResult
    public func injectFile(_ name: [UInt8], copying template: String, fileID: UInt64? = nil) throws -> UInt32 {
        var system = self.system
        let templateSubpage = try recordSubpage(template)
        let bytes = try store.read(PageIndex(templateSubpage >> 2))
        let start = Int(templateSubpage & 3) * Geometry.subpageSize
        var record = try FileRecord.decode(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + Geometry.subpageSize)]))
        record.name = name
        record.fileID = fileID ?? system.nextFileID
        if fileID == nil { system.nextFileID += 1 }
        record.generation = system.generation + 1
        let page = takeFreePage()
        for slot in 1..<4 { write([0, 0, 0, 0], page: page, offset: slot * Geometry.subpageSize) }
        write(record.encode(), page: page, offset: 0)
        let layout = VolumeLayout(totalPageCount: system.totalPageCount)!
        let tree = FileInfixTree(store: store, pageIndices: system.triePages, root: system.trieRoot, validPages: layout.allocatablePages)
        try tree.insert(name, PageIndex(page).subpage(0))
        let replaced = try tree.writeChangedPages(generation: system.generation + 1) { () throws(VolumeError) -> PageIndex in
            PageIndex(takeFreePage())
        }
        for old in replaced { setBit(old.rawValue, used: false) }
        system.triePages = tree.pageIndices
        system.trieRoot = tree.root
        system.fileCount += 1
        system.usedPageCount = UInt32(usedBitCount())
        commitSystem(system)
        return page * 4
    }

    /// Removes `name` from the trie only (copy on write, committed); its record and pages stay
    /// where they are, marked used: an orphan, as trie damage would leave it.
    public func removeName(_ name: String) throws {
        var system = self.system
        let layout = VolumeLayout(totalPageCount: system.totalPageCount)!
        let tree = FileInfixTree(store: store, pageIndices: system.triePages, root: system.trieRoot, validPages: layout.allocatablePages)
        try tree.remove(Array(name.utf8))
        let replaced = try tree.writeChangedPages(generation: system.generation + 1) { () throws(VolumeError) -> PageIndex in
            PageIndex(takeFreePage())
        }
        for old in replaced { setBit(old.rawValue, used: false) }
        system.triePages = tree.pageIndices
        system.trieRoot = tree.root
        system.fileCount -= 1
        system.usedPageCount = UInt32(usedBitCount())
        commitSystem(system)
    }

    /// Pages the bitfield marks used.
    public func usedBitCount() -> Int {
        let total = system.totalPageCount
        return (0..<total).filter { isMarkedUsed($0) }.count
    }

    /// Runs `operation` on the volume, then puts page 0 and the backup back as they were
    /// before it and sets again every bit the commit's step 5 cleared: a crash after step 2
    /// (new pages written, their bits set and flushed; page 0 not written), which leaves the
    /// old committed state plus pages marked used that it does not reference.
    public func crashBeforePageZero(_ operation: (Volume) throws -> Void) throws {
        let backup = backupPage
        let page0 = Array(try store.read(PageIndex(0)))
        let backupBytes = Array(try store.read(PageIndex(backup)))
        let bitfield = Array(try store.read(PageIndex(1)))
        try operation(try volume())
        write(page0, page: 0, offset: 0)
        write(backupBytes, page: backup, offset: 0)
        let after = try store.read(PageIndex(1))
        write(zip(bitfield, after).map { $0 | $1 }, page: 1, offset: 0)
    }

    /// Runs `operation` and then restores the given subpages: writes of the commit's step 5
    /// (tombstones) that a crash lost.
    public func losingWrites(toSubpages subpages: [UInt32], _ operation: (Volume) throws -> Void) throws {
        let saved = try subpages.map { subpage -> [UInt8] in
            let bytes = try store.read(PageIndex(subpage >> 2))
            let start = Int(subpage & 3) * Geometry.subpageSize
            return Array(bytes[start..<(start + Geometry.subpageSize)])
        }
        try operation(try volume())
        for (subpage, bytes) in zip(subpages, saved) { writeRecordField(bytes, subpage: subpage, offset: 0) }
    }
}
