import ArdakuFormat

/// A metadata record read as it is (docs/FORMAT.md §7): its fields, and the lists it
/// holds, with every count clamped to its limit and to the 16 KiB of the subpage.
struct RecordContents {
    enum Kind: Equatable { case live, tombstone, free, notARecord }

    var subpage: UInt32
    var kind: Kind
    var view: StructureView
    var name: [UInt8]
    var fileID: UInt64
    var byteLength: UInt64
    var dataPageCount: UInt64
    var extensionPages: [UInt32]
    var inlineEntries: [PageEntry]
}

/// An extension page read as it is (docs/FORMAT.md §8.2).
struct ExtensionContents {
    var page: UInt32
    var view: StructureView
    var entries: [PageEntry]
}

enum RecordFields {
    /// Inline entries a record can hold at most: the subpage after the fixed header.
    static let maxInlineEntries = (Geometry.subpageSize - FileRecord.headerSize) / PageEntry.encodedSize

    /// - Parameters:
    ///   - bytes: the 16 KiB of the subpage.
    ///   - expectedName: the name the trie files this record under, to compare.
    ///   - entryRows: one row per tag, extension page and inline entry (the annotated hex view).
    static func record(_ bytes: UnsafeRawBufferPointer, subpage: UInt32, scan: VolumeScan?, expectedName: [UInt8]?,
                       entryRows: Bool = false) -> RecordContents {
        let layout = FileRecord.layout
        func meaning(_ name: String) -> String { FieldBuilder.meaning(name, in: layout) }
        var f = FieldBuilder(bytes: bytes, origin: UInt64(subpage) << 14)
        let location = "subpage \(subpage) (page \(subpage >> 2), slot \(subpage & 3))"
        let magic = UInt32(truncatingIfNeeded: f.u32(FileRecord.Offset.magic))
        let kind: RecordContents.Kind = magic == FileRecord.magic ? .live : magic == FileRecord.tombstoneMagic ? .tombstone
            : magic == 0 ? .free : .notARecord
        f.addMagic(FileRecord.Offset.magic, meaning: meaning("magic"), expected: FileRecord.magic, alternatives: [FileRecord.tombstoneMagic: "tombstone"])

        let usedLength = Int(f.u32(FileRecord.Offset.usedLength))
        let coveredEnd = min(max(usedLength, 8), Geometry.subpageSize)
        f.addChecksum(FileRecord.Offset.checksum, meaning: meaning("checksum"), computed: FileRecord.checksum(bytes, usedLength: coveredEnd))

        let nameLength = Int(f.u16(FileRecord.Offset.nameLength))
        let tagCount = Int(f.u16(FileRecord.Offset.tagCount))
        let extensionCount = Int(f.u32(FileRecord.Offset.extensionPageCount))
        let inlineCount = Int(min(f.u32(FileRecord.Offset.inlineEntryCount), UInt64(maxInlineEntries)))
        let clampedName = min(nameLength, Limits.maxNameBytes)
        let clampedTags = min(tagCount, Limits.maxTagsPerFile)
        let clampedExtensions = min(extensionCount, Limits.maxExtensionPagesPerRecord)
        let tagsOffset = FileRecord.headerSize + (clampedName + 3) & ~3
        let extensionsOffset = tagsOffset + 4 * clampedTags
        let entriesOffset = extensionsOffset + 4 * clampedExtensions
        let attributeLength = Int(f.u16(FileRecord.Offset.attributeLength))
        let attributesOffset = entriesOffset + PageEntry.encodedSize * inlineCount
        let expectedEnd = attributesOffset + attributeLength
        var usedCheck: FieldCheck?
        if usedLength < FileRecord.headerSize || usedLength > Geometry.subpageSize {
            usedCheck = .invalid("allowed \(Hex.format(FileRecord.headerSize, width: 4))...\(Hex.format(Geometry.subpageSize, width: 4))")
        } else if usedLength != expectedEnd {
            usedCheck = .invalid("the counts put the end at \(Hex.format(expectedEnd, width: 4))")
        }
        f.add("used_length", FileRecord.Offset.usedLength, 4, meaning: meaning("used_length"), display: Hex.format(usedLength, width: 4), check: usedCheck)
        let flags = f.u32(FileRecord.Offset.flags)
        let knownFlags = RecordFlags(rawValue: UInt32(truncatingIfNeeded: flags) & RecordFlags.known.rawValue)
        f.add("flags", FileRecord.Offset.flags, 4, meaning: meaning("flags"),
              display: TextFormat.hex(flags, bytes: 4) + (knownFlags.isEmpty ? "" : " (\(knownFlags.description))"),
              check: flags & UInt64(~RecordFlags.known.rawValue) == 0 ? nil : .invalid("unknown flag bits"))
        let uuid = VolumeUUID(bytes: Array(f.slice(FileRecord.Offset.volumeUUID, 16)))
        var uuidCheck: FieldCheck?
        if let volumeUUID = scan?.system?.uuid, volumeUUID != uuid { uuidCheck = .invalid("the volume's UUID is \(volumeUUID)") }
        f.add("volume_uuid", FileRecord.Offset.volumeUUID, 16, meaning: meaning("volume_uuid"), value: .text(uuid.description), display: uuid.description,
              check: uuidCheck)
        let generation = f.u64(FileRecord.Offset.generation)
        var generationCheck: FieldCheck?
        if let scan, scan.system != nil, generation > scan.generation {
            generationCheck = .invalid("newer than page 0's generation \(scan.generation)")
        }
        f.add("generation", FileRecord.Offset.generation, 8, meaning: meaning("generation"), check: generationCheck)
        let fileID = f.u64(FileRecord.Offset.fileID)
        f.add("file_id", FileRecord.Offset.fileID, 8, meaning: meaning("file_id"))
        let byteLength = f.u64(FileRecord.Offset.byteLength)
        f.add("byte_length", FileRecord.Offset.byteLength, 8, meaning: meaning("byte_length"))
        let mtime = f.u64(FileRecord.Offset.modificationTime)
        f.add("modification_time", FileRecord.Offset.modificationTime, 8, meaning: meaning("modification_time"), display: "\(TextFormat.utc(mtime)) (\(mtime))")
        let dataPageCount = f.u32(FileRecord.Offset.dataPageCount)
        let expectedPages = PageEntry.pageCount(forLength: byteLength)
        f.add("data_page_count", FileRecord.Offset.dataPageCount, 4, meaning: meaning("data_page_count"),
              check: dataPageCount == expectedPages ? nil : .invalid("byte_length \(byteLength) needs \(expectedPages)"))
        f.add("extension_page_count", FileRecord.Offset.extensionPageCount, 4, meaning: meaning("extension_page_count"),
              check: extensionCount <= Limits.maxExtensionPagesPerRecord ? nil : .invalid("allowed 0...\(Limits.maxExtensionPagesPerRecord)"))
        let storedInline = f.u32(FileRecord.Offset.inlineEntryCount)
        var inlineCheck: FieldCheck?
        if storedInline > dataPageCount {
            inlineCheck = .invalid("more than data_page_count")
        } else if extensionCount == 0 && storedInline != dataPageCount {
            inlineCheck = .invalid("without extension pages it must equal data_page_count \(dataPageCount)")
        }
        f.add("inline_entry_count", FileRecord.Offset.inlineEntryCount, 4, meaning: meaning("inline_entry_count"), check: inlineCheck)
        f.add("name_length", FileRecord.Offset.nameLength, 2, meaning: meaning("name_length"),
              check: (1...Limits.maxNameBytes).contains(nameLength) ? nil : .invalid("allowed 1...\(Limits.maxNameBytes)"))
        f.add("tag_count", FileRecord.Offset.tagCount, 2, meaning: meaning("tag_count"),
              check: tagCount <= Limits.maxTagsPerFile ? nil : .invalid("allowed 0...\(Limits.maxTagsPerFile)"))
        let type = FileType(bytes: Array(f.slice(FileRecord.Offset.type, FileType.byteCount)))
        f.add("type", FileRecord.Offset.type, FileType.byteCount, meaning: meaning("type"), value: .text(type.description), display: type.description)
        f.add("replaced_file_id", FileRecord.Offset.replacedFileID, 8, meaning: meaning("replaced_file_id"))
        var attributeLengthCheck: FieldCheck?
        if attributeLength != 0, !RecordAttributes.encodedSizes.contains(attributeLength) || attributeLength % 4 != 0 {
            attributeLengthCheck = .invalid("allowed 0, or a multiple of 4 in \(RecordAttributes.encodedSizes.lowerBound)...\(RecordAttributes.encodedSizes.upperBound)")
        } else if attributeLength != 0, let system = scan?.system, !system.incompatFeatures.contains(.fileAttributes) {
            attributeLengthCheck = .invalid("page 0 does not announce file attributes (incompat bit 1)")
        }
        f.add("attribute_length", FileRecord.Offset.attributeLength, 2, meaning: meaning("attribute_length"), check: attributeLengthCheck)
        f.addReserved("reserved", FileRecord.Offset.reserved, 6)

        let name = Array(f.slice(FileRecord.headerSize, clampedName))
        var nameCheck: FieldCheck?
        if let expectedName, expectedName != name {
            nameCheck = .invalid("the trie files it as \(TextFormat.escaped(expectedName))")
        } else if (try? FileName(bytes: name)) == nil {
            nameCheck = .invalid("not a valid file name")
        }
        f.add("name", FileRecord.headerSize, name.count, meaning: "the file's full name",
              value: .text(String(decoding: name, as: UTF8.self)), display: TextFormat.escaped(name), check: nameCheck)
        if tagsOffset > FileRecord.headerSize + name.count {
            f.addReserved("padding", FileRecord.headerSize + name.count, tagsOffset - FileRecord.headerSize - name.count,
                          meaning: "zeros up to a multiple of 4")
        }
        let tags = (0..<clampedTags).compactMap { f.integer(at: tagsOffset + 4 * $0, size: 4) }
        let extensionPages = (0..<clampedExtensions).compactMap { f.integer(at: extensionsOffset + 4 * $0, size: 4) }.map { UInt32($0) }
        var inlineEntries: [PageEntry] = []
        inlineEntries.reserveCapacity(inlineCount)
        for index in 0..<inlineCount {
            guard let page = f.integer(at: entriesOffset + 8 * index, size: 4),
                  let crc = f.integer(at: entriesOffset + 8 * index + 4, size: 4) else { break }
            inlineEntries.append(PageEntry(page: PageIndex(UInt32(page)), checksum: UInt32(crc)))
        }
        if entryRows {
            for (index, tag) in tags.enumerated() {
                f.add("tags[\(index)]", tagsOffset + 4 * index, 4, meaning: "tag value", display: "\(tag) (\(TextFormat.hex(tag, bytes: 4)))")
            }
            for (index, page) in extensionPages.enumerated() {
                f.add("extension_pages[\(index)]", extensionsOffset + 4 * index, 4, meaning: "extension page \(index)",
                      display: "page \(page)")
            }
            for (index, entry) in inlineEntries.enumerated() {
                f.add("inline_entries[\(index)]", entriesOffset + 8 * index, 8, meaning: "data page \(index): page, CRC-32",
                      value: .numbers([UInt64(entry.page.rawValue), UInt64(entry.checksum)]),
                      display: "\(entry.isHole ? "hole" : "page \(entry.page.rawValue)"), crc \(Hex.format(entry.checksum, width: 8))")
            }
        } else {
            f.add("tags", tagsOffset, 4 * tags.count, meaning: "u32 tag values", value: .numbers(tags),
                  display: tags.isEmpty ? "<none>" : tags.map(String.init).joined(separator: " "))
            f.add("extension_pages", extensionsOffset, 4 * extensionPages.count, meaning: "page index of each extension page",
                  value: .numbers(extensionPages.map(UInt64.init)),
                  display: extensionPages.isEmpty ? "<none>" : extensionPages.map(String.init).joined(separator: " "))
            f.add("inline_entries", entriesOffset, 8 * inlineEntries.count, meaning: "(page, CRC-32) of data pages 0..<I", value: .bytes,
                  display: TextFormat.count(UInt64(inlineEntries.count), "entry", "entries"))
        }

        if attributeLength > 0, attributesOffset + attributeLength <= Geometry.subpageSize {
            Self.attributeRows(&f, at: attributesOffset, length: attributeLength)
        }

        var problems: [String] = []
        switch kind {
        case .free: problems.append("free subpage: the magic is zero")
        case .notARecord: problems.append("not a record: the magic is \(TextFormat.magicText(magic))")
        case .live, .tombstone:
            do { _ = try FileRecord.decode(bytes, subpage: SubpageIndex(subpage), verifyChecksum: true) }
            catch { problems.append("does not decode: \(error.reason)") }
            if kind == .tombstone { problems.append("tombstone: the record of a deleted or superseded file") }
        }
        let view = StructureView(kind: FileRecord.structureName, location: location, offset: UInt64(subpage) << 14,
                                 size: Geometry.subpageSize, fields: f.rows, problems: problems)
        return RecordContents(subpage: subpage, kind: kind, view: view, name: name, fileID: fileID, byteLength: byteLength,
                              dataPageCount: dataPageCount, extensionPages: extensionPages, inlineEntries: inlineEntries)
    }

    /// An extension page: its header, and its entries (as many as the page holds, at most 8188).
    /// The rows of a record's attribute area (docs/FORMAT.md §7.2), from `offset` in the record.
    static func attributeRows(_ f: inout FieldBuilder, at offset: Int, length: Int) {
        let layout = RecordAttributes.layout
        func meaning(_ name: String) -> String { FieldBuilder.meaning(name, in: layout) }
        func at(_ field: Int) -> Int { offset + field }
        typealias O = RecordAttributes.Offset
        let mode = UInt32(truncatingIfNeeded: f.u32(at(O.mode)))
        let kind = FileAttributes.Kind(modeBits: mode)
        let modeText = "0o" + String(mode, radix: 8) + (kind.map { " (\($0), \(String(mode & 0o7777, radix: 8)))" } ?? "")
        f.add("attributes.mode", at(O.mode), 4, meaning: meaning("mode"), display: modeText,
              check: kind == nil || mode & ~0o177777 != 0 ? .invalid("the kind bits name no kind of file") : nil)
        f.add("attributes.uid", at(O.uid), 4, meaning: meaning("uid"))
        f.add("attributes.gid", at(O.gid), 4, meaning: meaning("gid"))
        let links = f.u32(at(O.linkCount))
        f.add("attributes.link_count", at(O.linkCount), 4, meaning: meaning("link_count"), check: links == 1 ? nil : .invalid("must be 1"))
        // In offset order: the three seconds, then the three nanoseconds.
        for (name, seconds) in [("mtime", O.modificationSeconds), ("atime", O.accessSeconds), ("ctime", O.changeSeconds)] {
            let value = Int64(bitPattern: f.u64(at(seconds)))
            f.add("attributes.\(name)_seconds", at(seconds), 8, meaning: meaning("\(name)_seconds"),
                  value: .text(String(value)), display: value >= 0 ? "\(TextFormat.utc(UInt64(value))) (\(value))" : "\(value)")
        }
        for (name, nanoseconds) in [("mtime", O.modificationNanoseconds), ("atime", O.accessNanoseconds), ("ctime", O.changeNanoseconds)] {
            let fraction = f.u32(at(nanoseconds))
            f.add("attributes.\(name)_nanoseconds", at(nanoseconds), 4, meaning: meaning("\(name)_nanoseconds"),
                  check: fraction < 1_000_000_000 ? nil : .invalid("allowed 0...999999999"))
        }
        let device = f.u32(at(O.device))
        f.add("attributes.device", at(O.device), 4, meaning: meaning("device"), display: "\(device >> 20):\(device & 0xFFFFF)")
        let targetLength = Int(f.u16(at(O.targetLength)))
        f.add("attributes.target_length", at(O.targetLength), 2, meaning: meaning("target_length"))
        let count = Int(f.u16(at(O.extendedAttributeCount)))
        f.add("attributes.xattr_count", at(O.extendedAttributeCount), 2, meaning: meaning("xattr_count"))
        f.addReserved("attributes.reserved", at(O.reserved), 4)
        guard O.target + targetLength <= length else { return }
        if targetLength > 0 {
            let target = Array(f.slice(at(O.target), targetLength))
            f.add("attributes.target", at(O.target), targetLength, meaning: "the symbolic link's target",
                  value: .text(String(decoding: target, as: UTF8.self)), display: TextFormat.escaped(target))
        }
        var entry = O.target + ((targetLength + 3) & ~3)
        for number in 0..<min(count, FileAttributes.Limits.maxExtendedAttributes) {
            guard entry + 4 <= length else { return }
            let nameLength = Int(f.integer(at: at(entry), size: 1) ?? 0)
            let valueLength = Int(f.u16(at(entry + 2)))
            let size = (4 + nameLength + valueLength + 3) & ~3
            guard entry + size <= length else { return }
            let name = Array(f.slice(at(entry + 4), nameLength))
            let value = f.slice(at(entry + 4 + nameLength), valueLength)
            f.add("attributes.xattrs[\(number)]", at(entry), size, meaning: "extended attribute: name and value",
                  value: .text(String(decoding: name, as: UTF8.self)),
                  display: "\(TextFormat.escaped(name)) = \(TextFormat.hexBytes(value, limit: 16)) (\(valueLength) bytes)")
            entry += size
        }
    }

    static func extensionPage(_ bytes: UnsafeRawBufferPointer, page: UInt32, sequence: Int?, fileID: UInt64?,
                              entryRows: Bool = false) -> ExtensionContents {
        let layout = ExtensionPage.layout
        func meaning(_ name: String) -> String { FieldBuilder.meaning(name, in: layout) }
        var f = FieldBuilder(bytes: bytes, origin: UInt64(page) << 16)
        f.addMagic(ExtensionPage.Offset.magic, meaning: meaning("magic"), expected: ExtensionPage.magic)
        f.addChecksum(ExtensionPage.Offset.checksum, meaning: meaning("checksum"), computed: ExtensionPage.checksum(bytes))
        let storedSequence = f.u32(ExtensionPage.Offset.sequence)
        f.add("sequence", ExtensionPage.Offset.sequence, 4, meaning: meaning("sequence"),
              check: sequence.map { UInt64($0) == storedSequence ? nil : FieldCheck.invalid("the record lists it as number \($0)") } ?? nil)
        let count = f.u32(ExtensionPage.Offset.entryCount)
        f.add("entry_count", ExtensionPage.Offset.entryCount, 4, meaning: meaning("entry_count"),
              check: (1...UInt64(Limits.entriesPerExtensionPage)).contains(count) ? nil : .invalid("allowed 1...\(Limits.entriesPerExtensionPage)"))
        let storedFileID = f.u64(ExtensionPage.Offset.fileID)
        f.add("file_id", ExtensionPage.Offset.fileID, 8, meaning: meaning("file_id"),
              check: fileID.map { $0 == storedFileID ? nil : FieldCheck.invalid("the record's file_id is \($0)") } ?? nil)
        f.addReserved("reserved", ExtensionPage.Offset.reserved, 8)
        let clamped = Int(min(count, UInt64(Limits.entriesPerExtensionPage)))
        var entries: [PageEntry] = []
        entries.reserveCapacity(clamped)
        for index in 0..<clamped {
            let offset = ExtensionPage.headerSize + 8 * index
            entries.append(PageEntry(page: PageIndex(UInt32(f.u32(offset))), checksum: UInt32(f.u32(offset + 4))))
        }
        if entryRows {
            for (index, entry) in entries.enumerated() {
                f.add("entries[\(index)]", ExtensionPage.headerSize + 8 * index, 8, meaning: "page entry: page, CRC-32",
                      value: .numbers([UInt64(entry.page.rawValue), UInt64(entry.checksum)]),
                      display: "\(entry.isHole ? "hole" : "page \(entry.page.rawValue)"), crc \(Hex.format(entry.checksum, width: 8))")
            }
        } else {
            f.add("entries", ExtensionPage.headerSize, 8 * entries.count, meaning: meaning("entries"), value: .bytes,
                  display: TextFormat.count(UInt64(entries.count), "entry", "entries"))
        }
        let tail = ExtensionPage.headerSize + 8 * entries.count
        if tail < Geometry.pageSize {
            f.addReserved("(tail)", tail, Geometry.pageSize - tail, meaning: "zero to the end of the page")
        }
        var problems: [String] = []
        do { _ = try ExtensionPage.decode(bytes, page: PageIndex(page), verifyChecksum: true) }
        catch { problems.append("does not decode: \(error.reason)") }
        let view = StructureView(kind: ExtensionPage.structureName, location: "page \(page)" + (sequence.map { ", number \($0)" } ?? ""),
                                 offset: UInt64(page) << 16, size: Geometry.pageSize, fields: f.rows, problems: problems)
        return ExtensionContents(page: page, view: view, entries: entries)
    }
}
