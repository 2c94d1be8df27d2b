import ArdakuFormat

/// Records and extension pages whose damage is one byte that their own CRC-32 proves.
///
/// A structure whose checksum fails is not trusted field by field (docs/FSCK.md §4): before
/// the checker judges it, it asks whether exactly one changed byte explains the mismatch
/// (`CRC32.singleByteRepairs`) and whether the structure put right then decodes and agrees
/// with everything that refers to it (the trie's name and the volume's UUID for a record;
/// the owning file id and position for an extension page). When exactly one repair passes,
/// the checker reads the corrected copy from then on, reports the byte (A2025, A3015), and a
/// repair writes the structure afresh from it. Anything else is judged as damage.
struct ProvenRepairs {
    /// A corrected copy and what changed.
    final class Repaired {
        let storage: UnsafeMutableRawBufferPointer
        /// Byte offset in the structure of the first changed byte.
        let offset: Int
        /// The changed bytes as stored and as proven, in hex.
        let stored: String
        let proven: String
        /// What the bytes are, for the finding: "byte_length", "the checksum", ...
        let field: String

        init(copying bytes: UnsafeRawBufferPointer, offset: Int, proven replacement: [UInt8], field: String) {
            storage = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
            storage.copyMemory(from: bytes)
            self.offset = offset
            let range = offset..<(offset + replacement.count)
            stored = Self.hex(bytes[range])
            proven = Self.hex(replacement[...])
            self.field = field
            for (index, byte) in replacement.enumerated() { storage[offset + index] = byte }
        }

        /// A structure rebuilt whole: `replacement` holds its new bytes.
        init(rebuilding bytes: UnsafeRawBufferPointer, as replacement: [UInt8], field: String) {
            let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
            storage.copyMemory(from: bytes)
            replacement.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: storage[0..<$0.count]).copyMemory(from: $0) }
            self.storage = storage
            offset = 0
            stored = ""
            proven = ""
            self.field = field
        }

        convenience init(copying bytes: UnsafeRawBufferPointer, offset: Int, proven: UInt8, field: String) {
            self.init(copying: bytes, offset: offset, proven: [proven], field: field)
        }

        var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(storage) }

        private static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
            "0x" + Hex.digits(bytes)
        }

        deinit { storage.deallocate() }
    }

    private(set) var subpages: [Int: Repaired] = [:]
    private(set) var pages: [Int: Repaired] = [:]
    /// Pages whose repair was already sought (found or not): each is sought once.
    private var pagesTried = Set<Int>()
    /// Kept beside the dictionaries so that the hot read paths test one Bool.
    private(set) var hasSubpages = false
    private(set) var hasPages = false

    // MARK: Records

    /// Seeks the one-byte repair of the record in `bytes` (subpage `subpage`) that makes it a
    /// live record named `name` of the volume `uuid` whose checksum matches; installs it and
    /// returns it when exactly one exists.
    mutating func repairRecord(_ bytes: UnsafeRawBufferPointer, subpage: Int, name: UnsafeBufferPointer<UInt8>,
                               uuid: VolumeUUID) -> Repaired? {
        guard subpages[subpage] == nil else { return subpages[subpage] }
        func acceptable(_ candidate: UnsafeRawBufferPointer) -> Bool {
            guard case .success(let view) = RecordView.read(candidate), view.magic == FileRecord.magic else { return false }
            return view.checksumMatches && view.uuidMatches(uuid) && view.nameEquals(name, count: name.count)
        }
        var found: [Repaired] = []
        func consider(offset: Int, value: UInt8, field: String) {
            let candidate = Repaired(copying: bytes, offset: offset, proven: value, field: field)
            if acceptable(candidate.bytes), !found.contains(where: { $0.offset == offset && $0.proven == candidate.proven }) {
                found.append(candidate)
            }
        }
        let stored = FileRecord.storedChecksum(bytes)
        let magic = ByteReader.uint32(in: bytes, at: FileRecord.Offset.magic) ?? 0
        let magicBytes = withUnsafeBytes(of: FileRecord.magic.littleEndian) { Array($0) }
        // The magic lies outside the checksum: a wrong one is proven by the bytes it does cover.
        if magic != FileRecord.magic {
            let candidate = Repaired(copying: bytes, offset: 0, proven: magicBytes, field: "magic")
            if acceptable(candidate.bytes) { found.append(candidate) }
        } else {
            let usedLength = Int(ByteReader.uint32(in: bytes, at: FileRecord.Offset.usedLength) ?? 0)
            // A damaged used_length moves the end of the checked bytes: the counts say where it is.
            if let end = Self.recordEnd(bytes), end != usedLength {
                for index in 0..<4 {
                    let value = UInt8(truncatingIfNeeded: end >> (8 * index))
                    if value != bytes[8 + index] { consider(offset: 8 + index, value: value, field: "used_length") }
                }
            }
            if (FileRecord.headerSize...Geometry.subpageSize).contains(usedLength) {
                let covered = UnsafeRawBufferPointer(rebasing: bytes[8..<usedLength])
                for repair in CRC32.singleByteRepairs(covered, stored: stored) {
                    let offset = 8 + repair.offset
                    consider(offset: offset, value: bytes[offset] ^ repair.pattern, field: RecordView.fieldName(at: offset))
                }
                // The checksum itself: the bytes hold and the stored value differs in one byte.
                let computed = FileRecord.checksum(bytes, usedLength: usedLength)
                let difference = computed ^ stored
                for index in 0..<4 where difference != 0 && difference & ~(0xFF << (8 * UInt32(index))) == 0 {
                    consider(offset: 4 + index, value: UInt8(truncatingIfNeeded: computed >> (8 * UInt32(index))), field: "checksum")
                }
            }
        }
        guard found.count == 1, let repaired = found.first else { return nil }
        subpages[subpage] = repaired
        hasSubpages = true
        return repaired
    }

    /// Where the record's counts put the end of its used bytes, when they are in range.
    private static func recordEnd(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let extensions = ByteReader.uint32(in: bytes, at: FileRecord.Offset.extensionPageCount), let inline = ByteReader.uint32(in: bytes, at: FileRecord.Offset.inlineEntryCount),
              let nameLength = ByteReader.uint16(in: bytes, at: FileRecord.Offset.nameLength), let tags = ByteReader.uint16(in: bytes, at: FileRecord.Offset.tagCount),
              extensions <= UInt32(Limits.maxExtensionPagesPerRecord), inline <= UInt32(Geometry.subpageSize),
              (1...Limits.maxNameBytes).contains(Int(nameLength)), Int(tags) <= Limits.maxTagsPerFile else { return nil }
        let end = FileRecord.headerSize + (Int(nameLength) + 3) & ~3 + 4 * Int(tags) + 4 * Int(extensions) + 8 * Int(inline)
        return end <= Geometry.subpageSize ? end : nil
    }

    /// Rebuilds the record in `bytes` whose header no single byte repairs, from what other
    /// structures prove: the trie's `name`, the volume's `uuid`, and its page list, which must
    /// check out entry by entry (`entryProven`: the page's bytes match the entry's CRC-32, or
    /// a hole records the zeros' CRC-32) and extension page by extension page
    /// (`extensionProven`). The counts, length, file id and the rest are kept as found; what
    /// nothing proves (modification time, type, tags) is marked unproven by the repair.
    ///
    /// The bytes must first show that they were a record of this volume: the live magic or
    /// the volume's UUID where a record keeps it, and a file id the volume has given out
    /// (`fileIDs`, 1 up to page 0's next_file_id). Without that, any 16 KiB with small
    /// counts (a data page of a few bytes, whose empty page list proves nothing) would pass,
    /// and the rebuild would overwrite another file's data.
    static func rebuiltRecord(_ bytes: UnsafeRawBufferPointer, name: UnsafeBufferPointer<UInt8>, uuid: VolumeUUID,
                              fileIDs: Range<UInt64>,
                              entryProven: (PageEntry, Int) -> Bool, extensionProven: (Int, Int, UInt64) -> Bool) -> Repaired? {
        let storedUUIDMatches = bytes.count >= FileRecord.Offset.volumeUUID + 16
            && bytes[FileRecord.Offset.volumeUUID..<(FileRecord.Offset.volumeUUID + 16)].elementsEqual(uuid.bytes)
        guard ByteReader.uint32(in: bytes, at: FileRecord.Offset.magic) == FileRecord.magic || storedUUIDMatches else { return nil }
        guard !name.isEmpty, name.count <= Limits.maxNameBytes,
              let byteLength = ByteReader.uint64(in: bytes, at: FileRecord.Offset.byteLength), let pages = ByteReader.uint32(in: bytes, at: FileRecord.Offset.dataPageCount),
              let extensions = ByteReader.uint32(in: bytes, at: FileRecord.Offset.extensionPageCount), let inline = ByteReader.uint32(in: bytes, at: FileRecord.Offset.inlineEntryCount),
              let tags = ByteReader.uint16(in: bytes, at: FileRecord.Offset.tagCount), let fileID = ByteReader.uint64(in: bytes, at: FileRecord.Offset.fileID),
              fileIDs.contains(fileID),
              extensions <= UInt32(Limits.maxExtensionPagesPerRecord), inline <= pages, Int(tags) <= Limits.maxTagsPerFile,
              PageEntry.pageCount(forLength: byteLength) == UInt64(pages), extensions > 0 || inline == pages else { return nil }
        let tagsOffset = FileRecord.headerSize + (name.count + 3) & ~3
        let extensionListOffset = tagsOffset + 4 * Int(tags)
        let inlineOffset = extensionListOffset + 4 * Int(extensions)
        let end = inlineOffset + 8 * Int(inline)
        guard end <= Geometry.subpageSize else { return nil }
        // Where the name was, the tags and lists may have moved with a damaged name_length:
        // they are read where the trie's name length puts them.
        var rebuilt = Array(bytes[0..<end])
        rebuilt.replaceSubrange(FileRecord.Offset.magic..<(FileRecord.Offset.magic + 4), with: withUnsafeBytes(of: FileRecord.magic.littleEndian) { Array($0) })
        rebuilt.replaceSubrange(FileRecord.Offset.usedLength..<(FileRecord.Offset.usedLength + 4), with: withUnsafeBytes(of: UInt32(end).littleEndian) { Array($0) })
        rebuilt.replaceSubrange(FileRecord.Offset.volumeUUID..<(FileRecord.Offset.volumeUUID + 16), with: uuid.bytes)
        rebuilt.replaceSubrange(FileRecord.Offset.nameLength..<(FileRecord.Offset.nameLength + 2), with: withUnsafeBytes(of: UInt16(name.count).littleEndian) { Array($0) })
        var nameField = Array(name)
        nameField += [UInt8](repeating: 0, count: tagsOffset - FileRecord.headerSize - name.count)
        rebuilt.replaceSubrange(FileRecord.headerSize..<tagsOffset, with: nameField)
        for index in 0..<Int(inline) {
            let at = inlineOffset + 8 * index
            let entry = PageEntry(page: PageIndex(ByteReader.uint32(in: bytes, at: at) ?? 0), checksum: ByteReader.uint32(in: bytes, at: at + 4) ?? 0)
            guard entryProven(entry, PageEntry.bytesInPage(ordinal: UInt64(index), byteLength: byteLength)) else { return nil }
        }
        for sequence in 0..<Int(extensions) {
            let page = Int(ByteReader.uint32(in: bytes, at: extensionListOffset + 4 * sequence) ?? 0)
            guard extensionProven(page, sequence, fileID) else { return nil }
        }
        let checksum = rebuilt.withUnsafeBytes { FileRecord.checksum($0, usedLength: end) }
        rebuilt.replaceSubrange(FileRecord.Offset.checksum..<(FileRecord.Offset.checksum + 4), with: withUnsafeBytes(of: checksum.littleEndian) { Array($0) })
        let repaired = Repaired(rebuilding: bytes, as: rebuilt, field: "rebuilt")
        guard case .success(let view) = RecordView.read(repaired.bytes), view.nameEquals(name, count: name.count) else { return nil }
        return repaired
    }

    /// Makes every later read of `subpage` see `repaired`.
    mutating func install(_ repaired: Repaired, subpage: Int) {
        subpages[subpage] = repaired
        hasSubpages = true
    }

    // MARK: Extension pages

    /// Seeks, once per page, the one-byte repair of the extension page in `bytes` that makes
    /// it extension page `sequence` of file `fileID` with a matching checksum.
    mutating func repairExtension(_ bytes: UnsafeRawBufferPointer, page: Int, sequence: Int, fileID: UInt64) -> Repaired? {
        if let repaired = pages[page] { return repaired }
        guard pagesTried.insert(page).inserted else { return nil }
        func acceptable(_ candidate: UnsafeRawBufferPointer) -> Bool {
            guard case .success(let view) = ExtensionView.read(candidate) else { return false }
            return view.fileID == fileID && view.sequence == UInt32(sequence) && view.computedChecksum == view.storedChecksum
        }
        var found: [Repaired] = []
        func consider(offset: Int, value: UInt8, field: String) {
            let candidate = Repaired(copying: bytes, offset: offset, proven: value, field: field)
            if acceptable(candidate.bytes) { found.append(candidate) }
        }
        let magicBytes = withUnsafeBytes(of: ExtensionPage.magic.littleEndian) { Array($0) }
        let wrongMagic = (0..<4).filter { bytes[$0] != magicBytes[$0] }
        let stored = ByteReader.uint32(in: bytes, at: ExtensionPage.Offset.checksum) ?? 0
        if !wrongMagic.isEmpty {
            // Outside the checksum: proven by the bytes it covers.
            let candidate = Repaired(copying: bytes, offset: 0, proven: magicBytes, field: "magic")
            if acceptable(candidate.bytes) { found.append(candidate) }
        } else {
            let covered = UnsafeRawBufferPointer(rebasing: bytes[8..<Geometry.pageSize])
            for repair in CRC32.singleByteRepairs(covered, stored: stored) {
                let offset = 8 + repair.offset
                consider(offset: offset, value: bytes[offset] ^ repair.pattern, field: offset < ExtensionPage.headerSize ? "header" : "entry \((offset - ExtensionPage.headerSize) / 8)")
            }
            let difference = ExtensionPage.checksum(bytes) ^ stored
            for index in 0..<4 where difference != 0 && difference & ~(0xFF << (8 * UInt32(index))) == 0 {
                let computed = ExtensionPage.checksum(bytes)
                consider(offset: 4 + index, value: UInt8(truncatingIfNeeded: computed >> (8 * UInt32(index))), field: "checksum")
            }
        }
        guard found.count == 1, let repaired = found.first else { return nil }
        pages[page] = repaired
        hasPages = true
        return repaired
    }

    /// Forgets a page's repair (the page turned out to be something else's).
    mutating func forgetPage(_ page: Int) {
        pages[page] = nil
        hasPages = !pages.isEmpty
    }
}

extension RecordView {
    /// The record field holding byte `offset`, for findings.
    static func fieldName(at offset: Int) -> String {
        if offset >= FileRecord.headerSize { return "name, tags or page list" }
        let field = FileRecord.layout.last { $0.offset <= offset }
        return field?.name ?? "header"
    }
}

extension Checker {
    /// The one-byte repair of the record a trie name leads to, when the record as stored is
    /// not the intact live record of that name (docs/FSCK.md §4) and exactly one byte, proven
    /// by the record's CRC-32, makes it so. A tombstone newer than the volume is an
    /// interrupted deletion, not damage, and is left alone.
    func proveOneByteRepair(of bytes: UnsafeRawBufferPointer, subpage: Int, name: UnsafeBufferPointer<UInt8>) -> ProvenRepairs.Repaired? {
        let magic = ByteReader.uint32(in: bytes, at: FileRecord.Offset.magic) ?? 0
        if magic == 0 { return nil }   // a cleared header: nothing left to prove
        if magic == FileRecord.tombstoneMagic, (ByteReader.uint64(in: bytes, at: RecordView.generationOffset) ?? 0) > system.generation {
            return nil
        }
        if magic == FileRecord.magic, case .success(let view) = RecordView.read(bytes), view.checksumMatches {
            return nil   // intact: whatever else is wrong, the CRC-32 vouches for it as written
        }
        return proven.repairRecord(bytes, subpage: subpage, name: name, uuid: system.uuid)
    }

    /// The record a trie name leads to, rebuilt when it does not decode as that name's
    /// record of this volume (or its header is damaged beyond one byte) and its page list
    /// checks out against the data (`ProvenRepairs.rebuildRecord`). Never for an intact
    /// record (its CRC-32 vouches for it: another file's, or another volume's), a cleared
    /// header, or an interrupted deletion.
    func rebuildRecord(from bytes: UnsafeRawBufferPointer, subpage: Int, name: UnsafeBufferPointer<UInt8>) -> ProvenRepairs.Repaired? {
        let magic = ByteReader.uint32(in: bytes, at: FileRecord.Offset.magic) ?? 0
        if magic == 0 { return nil }
        if magic == FileRecord.tombstoneMagic, (ByteReader.uint64(in: bytes, at: RecordView.generationOffset) ?? 0) > system.generation {
            return nil
        }
        if case .success(let view) = RecordView.read(bytes) {
            if view.checksumMatches { return nil }
            // Decodes, names this file, belongs here: the checksum finding (A3001) handles it.
            if view.magic == FileRecord.magic && view.uuidMatches(system.uuid) && view.nameEquals(name, count: name.count) { return nil }
        }
        if let earlier = proven.subpages[subpage] { return earlier }
        let zerosOfPage = Checker.zeroPageChecksum
        let repaired = ProvenRepairs.rebuiltRecord(bytes, name: name, uuid: system.uuid, fileIDs: 1..<max(1, system.nextFileID),
                                                   entryProven: { entry, count in
            if entry.isHole { return entry.checksum == (count == Geometry.pageSize ? zerosOfPage : CRC32.checksumOfZeros(count: count)) }
            let page = Int(entry.page.rawValue)
            guard allocatable.contains(page), !metadataPages.contains(page), let data = pageBytes(page) else { return false }
            return CRC32.checksum(UnsafeRawBufferPointer(rebasing: data[0..<count])) == entry.checksum
        }, extensionProven: { page, sequence, fileID in
            guard allocatable.contains(page), let data = pageBytes(page), case .success(let view) = ExtensionView.read(data) else { return false }
            return view.fileID == fileID && view.sequence == UInt32(sequence) && view.computedChecksum == view.storedChecksum
        })
        if let repaired { proven.install(repaired, subpage: subpage) }
        return repaired
    }
}
