import ArdakuFormat
import ArdakuZest

/// The structures of a ZEST volume field by field (docs/FORMAT.md §Z3-5). Rows carry
/// volume offsets; `ZestDump` maps them to image addresses when it prints them.
enum ZestFields {
    /// One header copy: the 32 bytes at volume offset 0 or 2048 (fewer when the volume is
    /// shorter), checked as the reader checks them.
    static func header(_ copy: ZestHeaderCopy, index: Int) -> StructureView {
        var view = StructureView(kind: "ZEST header", location: index == 0 ? "primary copy" : "backup copy",
                                 offset: copy.offset, size: ZestHeader.encodedSize)
        copy.bytes.withUnsafeBytes { raw in
            var f = FieldBuilder(bytes: raw, origin: copy.offset)
            f.addMagic(ZestHeader.Offset.magic, meaning: "5A 45 53 54 (\"ZEST\")", expected: ZestHeader.magic)
            let version = f.u16(ZestHeader.Offset.version)
            f.add("version", ZestHeader.Offset.version, 2, meaning: "1", check: version == UInt64(ZestHeader.currentVersion) ? nil : .invalid("not 1"))
            let length = f.u16(ZestHeader.Offset.headerLength)
            f.add("headerLength", ZestHeader.Offset.headerLength, 2, meaning: "32", check: length == UInt64(ZestHeader.encodedSize) ? nil : .invalid("not 32"))
            let segmentSize = f.u32(ZestHeader.Offset.segmentSize)
            f.add("segmentSize", ZestHeader.Offset.segmentSize, 4, meaning: "power of two, 16...4096",
                  check: ZestLimits.isValidSegmentSize(UInt32(truncatingIfNeeded: segmentSize)) ? nil : .invalid("not a power of two in 16...4096"))
            let fragmentSize = f.u32(ZestHeader.Offset.fragmentSize)
            f.add("fragmentSize", ZestHeader.Offset.fragmentSize, 4, meaning: "4096", check: fragmentSize == UInt64(ZestLimits.fragmentSize) ? nil : .invalid("not 4096"))
            let head = f.u32(ZestHeader.Offset.zatHead)
            let expectedHead = ZestLimits.isValidSegmentSize(UInt32(truncatingIfNeeded: segmentSize)) ? UInt64(ZestLimits.zatHeadOffset) / segmentSize : nil
            f.add("zatHead", ZestHeader.Offset.zatHead, 4, meaning: "segment of the head fragment pair: 4096 / segmentSize",
                  check: expectedHead == nil || expectedHead == head ? nil : .invalid("not \(expectedHead ?? 0)"))
            let features = f.u32(ZestHeader.Offset.incompatibleFeatures)
            f.add("incompatibleFeatures", ZestHeader.Offset.incompatibleFeatures, 4, meaning: "0; unknown bits refuse the volume",
                  check: features == 0 ? nil : .invalid("unknown feature bits"))
            f.add("reserved", ZestHeader.Offset.reserved, 4, meaning: "0 (ignored when read)")
            let covered = UnsafeRawBufferPointer(rebasing: raw[0..<min(raw.count, ZestHeader.checksummedSize)])
            f.addChecksum(ZestHeader.Offset.crc, meaning: "CRC32 of bytes 0x00..<0x1C", computed: CRC32.checksum(covered), name: "crc")
            view.fields = f.rows
        }
        if copy.bytes.count < ZestHeader.encodedSize {
            view.problems.append("only \(copy.bytes.count) of its 32 bytes lie inside the volume")
        }
        if case let .failure(error) = copy.decoded { view.problems.append("does not decode: \(error.reason)") }
        return view
    }

    /// One 4096-byte slot of a fragment pair: link, entry area, generation, CRC.
    static func slot(_ bytes: UnsafeRawBufferPointer, fragment: ZestWalkFragment, slot index: Int, header: ZestHeader,
                     storeLength: UInt64) -> StructureView {
        let slot = fragment.slots[index]
        var role: String
        if fragment.currentSlot == index { role = "current" }
        else if fragment.readSlot == index { role = "salvaged: neither slot is valid, entries trusted by their own CRCs" }
        else { role = slot.trailer?.isBlank == true ? "blank (never written)" : "not current" }
        var view = StructureView(kind: "fragment \(fragment.index) slot \(index)", location: role, offset: slot.offset,
                                 size: ZestLimits.fragmentSize)
        guard bytes.count == ZestLimits.fragmentSize, let trailer = slot.trailer else {
            view.problems.append("the slot runs past the end of the volume (\(storeLength) bytes)")
            return view
        }
        var f = FieldBuilder(bytes: bytes, origin: slot.offset)
        let next = UInt32(truncatingIfNeeded: f.u32(ZestFragmentSlot.Offset.next))
        f.add("next", ZestFragmentSlot.Offset.next, 4, meaning: "segment of the next fragment pair; 0 = last",
              display: next == 0 ? "0 (the last)" : "segment \(next) (volume byte \(Hex.format(UInt64(next) * UInt64(header.segmentSize), width: 8)))",
              check: linkProblem(next, header: header, storeLength: storeLength).map { .invalid($0) })
        let entries = fragment.readSlot == index ? fragment.entries.count : nil
        let areaDisplay: String
        if let entries {
            areaDisplay = "\(TextFormat.count(UInt64(entries), "entry", "entries")), \(fragment.entryBytes) bytes" + (fragment.entryError == nil ? "" : ", then an entry that does not parse")
        } else {
            areaDisplay = "not read (not the current slot)"
        }
        f.add("entries", ZestLimits.entryAreaStart, ZestLimits.entryAreaEnd - ZestLimits.entryAreaStart,
              meaning: "entries; SZ = 0 ends them; the rest zero", value: .bytes, display: areaDisplay)
        f.add("generation", ZestFragmentSlot.Offset.generation, 4, meaning: "1, 2, 3, ...; 0 only in a blank slot")
        f.addChecksum(ZestFragmentSlot.Offset.crc, meaning: "CRC32 of bytes 0x000..<0xFFC", computed: trailer.computedCRC, name: "crc")
        view.fields = f.rows
        if trailer.isBlank { view.problems.append("blank: all 4096 bytes are zero (a slot never written)") }
        if fragment.readSlot == index, let offset = fragment.nonZeroTailOffset {
            view.problems.append("non-zero bytes after the last entry, from volume byte \(Hex.format(offset, width: 8))")
        }
        return view
    }

    /// Why a link cannot be followed, or nil when it is 0 or valid.
    static func linkProblem(_ next: UInt32, header: ZestHeader, storeLength: UInt64) -> String? {
        guard next != 0 else { return nil }
        if next < header.firstDataSegment { return "before the first data segment \(header.firstDataSegment)" }
        let offset = UInt64(next) * UInt64(header.segmentSize)
        if offset > storeLength || UInt64(ZestLimits.fragmentPairSize) > storeLength - offset { return "the pair runs past the end of the volume" }
        return nil
    }

    /// One entry, with the verdict on its content beside contentCRC.
    static func entry(_ bytes: UnsafeRawBufferPointer, _ found: ZestWalkEntry, index: Int, header: ZestHeader,
                      content: ContentVerdict) -> StructureView {
        let entry = found.entry
        var view = StructureView(kind: "fragment \(found.fragmentIndex) entry \(index)", location: TextFormat.escaped(entry.name),
                                 offset: found.offset, size: entry.encodedSize)
        var f = FieldBuilder(bytes: bytes, origin: found.offset)
        let n = entry.name.count
        let fields = ZestEntry.fieldsOffset(nameLength: n)
        f.add("SZ", ZestEntry.Field.nameLength, 2, meaning: "bytes of the name, 1...1020")
        f.add("name", ZestEntry.Field.name, n, meaning: "absolute UTF-8 path; \"/\" for a dictionary", value: .text(TextFormat.escaped(entry.name, quoted: false)),
              display: TextFormat.escaped(entry.name), check: nameProblem(entry).map { .invalid($0) })
        let start = UInt64(entry.segmentStart) * UInt64(header.segmentSize)
        f.add("segmentStart", fields + ZestEntry.Field.segmentStart, 4, meaning: "first segment of the content; 0 when storedLength is 0",
              display: entry.storedLength == 0 ? "\(entry.segmentStart)" : "\(entry.segmentStart) (volume byte \(Hex.format(start, width: 8)))",
              check: content.placement.map { .invalid($0) })
        f.add("storedLength", fields + ZestEntry.Field.storedLength, 4, meaning: "bytes stored in the segments",
              display: "\(entry.storedLength) (\(TextFormat.count(UInt64(entry.segmentCount(segmentSize: header.segmentSize)), "segment")))")
        f.add("originalLength", fields + ZestEntry.Field.originalLength, 4, meaning: "bytes of the file")
        f.add("contentCRC", fields + ZestEntry.Field.contentCRC, 4, meaning: "CRC32 of the original bytes",
              display: content.computed.map { "stored \(Hex.format(entry.contentCRC, width: 8)), computed \(Hex.format($0, width: 8))" }
                ?? "stored \(Hex.format(entry.contentCRC, width: 8))",
              check: content.check)
        let codec = entry.codec.map { $0 == .stored ? "stored" : "raw DEFLATE" } ?? "unknown"
        f.add("codec", fields + ZestEntry.Field.codec, 1, meaning: "0 stored, 1 raw DEFLATE", display: "\(entry.codecByte) (\(codec))",
              check: entry.codec == nil ? .invalid("unknown codec") : nil)
        let kind = entry.kind.map { $0 == .file ? "file" : "dictionary" } ?? "unknown"
        f.add("kind", fields + ZestEntry.Field.kind, 1, meaning: "0 file, 1 dictionary", display: "\(entry.kindByte) (\(kind))",
              check: entry.kind == nil ? .invalid("unknown kind") : nil)
        f.add("dictionaryID", fields + ZestEntry.Field.dictionaryID, 2, meaning: "file: dictionary used, 0 none; dictionary: its own id",
              display: entry.dictionaryID == 0 ? "0 (none)" : "\(entry.dictionaryID)")
        f.addChecksum(fields + ZestEntry.Field.entryCRC, meaning: "CRC32 of bytes +0..<+22+SZ", computed: found.computedCRC, name: "entryCRC")
        view.fields = f.rows
        view.problems = content.problems
        return view
    }

    /// The entry that stops parsing: its SZ, and the rest of the entry area raw.
    static func unparsedEntry(_ slot: UnsafeRawBufferPointer, fragment: ZestWalkFragment, slotOffset: UInt64) -> StructureView {
        let position = ZestLimits.entryAreaStart + fragment.entryBytes - 2
        let size = ZestLimits.entryAreaEnd - position
        var view = StructureView(kind: "fragment \(fragment.index) entry \(fragment.entries.count)", location: "does not parse",
                                 offset: slotOffset + UInt64(position), size: size)
        let rest = UnsafeRawBufferPointer(rebasing: slot[position..<ZestLimits.entryAreaEnd])
        var f = FieldBuilder(bytes: rest, origin: slotOffset + UInt64(position))
        f.add("SZ", ZestEntry.Field.nameLength, 2, meaning: "bytes of the name, 1...1020",
              check: .invalid(f.u16(ZestEntry.Field.nameLength) > UInt64(ZestLimits.maxNameBytes) ? "over 1020" : "the entry runs past the entry area"))
        f.add("rest", ZestEntry.Field.name, size - ZestEntry.Field.name, meaning: "the rest of the entry area, raw", value: .bytes)
        view.fields = f.rows
        view.problems.append("does not decode: \(fragment.entryError?.reason ?? "impossible SZ"); the entries after it cannot be found")
        return view
    }

    static func nameProblem(_ entry: ZestEntry) -> String? {
        if entry.kind == .dictionary { return entry.name == ZestEntry.dictionaryName ? nil : "a dictionary's name is \"/\"" }
        do throws(NameError) { try FileName.validate(entry.name) } catch { return error.description }
        return nil
    }

    /// What reading an entry's content back gave.
    struct ContentVerdict {
        /// Why the segments are not where content may be, if they are not.
        var placement: String?
        /// The CRC32 of the content as read, when it could be read.
        var computed: UInt32?
        var check: FieldCheck?
        var problems: [String] = []
    }
}
