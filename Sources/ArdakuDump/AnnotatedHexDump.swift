import ArdakuFormat

/// Raw bytes with the structure of every field marked: `--annotate`.
///
/// Each page in the range is named by what owns it (as `--owners` finds it); each field
/// the page's structure has (from the layout tables of docs/FORMAT.md) gets a line with
/// its address, offset in the structure, name, size, value and check, followed by its own
/// bytes as hex lines. Hex lines are aligned on 16-byte boundaries, and a byte outside the
/// field is left blank in both columns, so every byte sits in the column `hexdump -C`
/// would put it in:
///
///     == page 0: system information block, page 0 (bytes 0x00000000-0x0000ffff)
///     -- 00000000 +0x0000 label_length (2 bytes) = 4  # bytes of label, 0...1020
///     00000000  04 00                                             |..              |
///     -- 00000002 +0x0002 label (1020 bytes) = "test"  # UTF-8 volume label, zero padded
///     00000000        74 65 73 74 00 00  00 00 00 00 00 00 00 00  |  test..........|
///     00000010  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
///     *
///
/// Bytes no field covers (between trie nodes, past a record's used_length) appear as
/// `(unassigned)` fields, so every byte of the range is shown exactly once per field.
public struct AnnotatedHexDump {
    let scan: VolumeScan
    let map: OwnerMap

    public init(scan: VolumeScan) {
        self.scan = scan
        map = OwnerMap(scan: scan)
    }

    /// A part of a page: a heading, and fields sorted by offset.
    struct Region {
        var heading: String
        var fields: [FieldRow]
        var problems: [String] = []
    }

    /// Writes the bytes `offset ..< offset + length` annotated.
    public func write(offset: UInt64, length: UInt64, showAllLines: Bool, to output: OutputBuffer) throws {
        guard length > 0 else { return }
        let end = offset + length
        var page = offset >> 16
        var byteLengths: [Int: UInt64] = [:]
        while page <= (end - 1) >> 16 {
            for region in regions(of: page, byteLengths: &byteLengths) {
                let fields = region.fields.filter { $0.offset < end && $0.offset + UInt64($0.size) > offset }
                guard !fields.isEmpty else { continue }
                try output.line("== " + region.heading)
                for problem in region.problems { try output.line("   problem: " + problem) }
                for field in fields {
                    try output.line(headerLine(field))
                    let first = max(field.offset, offset), last = min(field.offset + UInt64(field.size), end)
                    try writeLines(first..<last, showAllLines: showAllLines, to: output)
                }
            }
            page += 1
        }
        try output.line(TextFormat.address(end))
    }

    private func headerLine(_ field: FieldRow) -> String {
        var line = "-- \(TextFormat.address(field.offset)) +\(Hex.format(field.relativeOffset, width: 4)) \(field.name) (\(TextFormat.count(UInt64(field.size), "byte"))) = \(field.display)"
        if let check = field.check { line += " " + check.text }
        if !field.meaning.isEmpty { line += "  # " + field.meaning }
        return line
    }

    /// Hex lines of `range`, aligned on 16 bytes, blank outside the range.
    private func writeLines(_ range: Range<UInt64>, showAllLines: Bool, to output: OutputBuffer) throws {
        let bytes = scan.image.availableBytes(at: range.lowerBound, count: Int(range.upperBound - range.lowerBound))
        let hexTriples = CanonicalHexDump.Tables.hexTriples
        let printable = CanonicalHexDump.Tables.printable
        let pairs = CanonicalHexDump.Tables.hexPairs
        guard let base = bytes.baseAddress else { return }
        let end = range.lowerBound + UInt64(bytes.count)
        var line = range.lowerBound & ~15
        var previous: (UInt64, UInt64)?
        var starred = false
        while line < end {
            let from = max(line, range.lowerBound), to = min(line + 16, end)
            let source = base + Int(from - range.lowerBound)
            if from == line && to == line + 16 {
                let words = (source.loadUnaligned(as: UInt64.self), source.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
                if !showAllLines, let previous, previous == words {
                    if !starred { try output.line("*"); starred = true }
                    line += 16
                    continue
                }
                previous = words
            } else {
                previous = nil
            }
            starred = false
            let out = try output.reserve(16 + 71)
            let width = CanonicalHexDump.writeOffset(line, to: out, pairs: pairs)
            let hex = out + width
            hex.initializeMemory(as: UInt8.self, repeating: 0x20, count: 69)
            for index in 0..<Int(to - from) {
                let column = Int(from - line) + index
                let byte = source.load(fromByteOffset: index, as: UInt8.self)
                hex.storeBytes(of: hexTriples[Int(byte)], toByteOffset: (column < 8 ? 2 : 3) + 3 * column, as: UInt32.self)
                hex.storeBytes(of: printable[Int(byte)], toByteOffset: 53 + column, as: UInt8.self)
            }
            hex.storeBytes(of: UInt8(ascii: "|"), toByteOffset: 52, as: UInt8.self)
            hex.storeBytes(of: UInt16(0x0A7C), toByteOffset: 69, as: UInt16.self)
            output.commit(width + 71)
            line += 16
        }
    }

    // MARK: What each page holds

    /// The structures of `page`, each with fields covering all its bytes.
    func regions(of page: UInt64, byteLengths: inout [Int: UInt64]) -> [Region] {
        let base = page << 16
        let pageBytes = page <= UInt64(UInt32.max) ? scan.image.page(UInt32(page)) : nil
        guard let pageBytes else {
            // A partial last page, or a page the image does not hold.
            let available = scan.image.availableBytes(at: base, count: Geometry.pageSize)
            var builder = FieldBuilder(bytes: available, origin: base)
            if !available.isEmpty { builder.add("(partial page)", 0, available.count, meaning: "bytes past the last whole page", value: .bytes) }
            return [Region(heading: "page \(page): \(available.count) bytes past the last whole page, outside any volume",
                           fields: builder.rows)]
        }
        let index = UInt32(page)
        if page == 0 || (scan.system != nil && page == scan.lastPage) || (scan.system == nil && scan.backupPage == index) {
            let view = SystemBlockFields.view(pageBytes, page: index, imagePages: scan.imagePages, expectedCopy: page == 0 ? 0 : 1)
            return [region(view, page: page, bytes: pageBytes, base: base, extent: 0..<Geometry.pageSize)]
        }
        if page >= 1, page <= UInt64(scan.bitfieldPageCount) {
            let first = (page - 1) * UInt64(Limits.pagesPerBitfieldPage)
            let last = min(scan.totalPageCount, first + UInt64(Limits.pagesPerBitfieldPage)) - 1
            var builder = FieldBuilder(bytes: pageBytes, origin: base)
            let usedBytes = Int((last - first) / 8 + 1)
            builder.add("bits", 0, usedBytes, meaning: "bit p mod 8 of byte p / 8: page p is used", value: .bytes,
                        display: "pages \(TextFormat.span(first, last))")
            if usedBytes < Geometry.pageSize {
                builder.add("(past the last page)", usedBytes, Geometry.pageSize - usedBytes, meaning: "bits of no page; zero", value: .bytes)
            }
            return [Region(heading: "page \(page): used-page bitfield page \(page - 1) (0-based)", fields: builder.rows)]
        }
        guard page < scan.totalPageCount else {
            var builder = FieldBuilder(bytes: pageBytes, origin: base)
            builder.add("(outside the volume)", 0, Geometry.pageSize, meaning: "past total_page_count")
            return [Region(heading: "page \(page): outside the volume", fields: builder.rows)]
        }
        guard let owner = map.owners(of: page)?.owners.first else {
            let marked = scan.isMarked(page)
            var builder = FieldBuilder(bytes: pageBytes, origin: base)
            builder.add(marked == true ? "(unreferenced)" : "(free)", 0, Geometry.pageSize,
                        meaning: marked == true ? "marked used, but nothing refers to it" : "free: the content has no meaning")
            return [Region(heading: "page \(page): " + (marked == true ? "unreferenced (marked used)" : "free page"), fields: builder.rows)]
        }
        switch owner {
        case .systemBlock, .bitfield:
            // Handled above; reached only when a damaged list claims such a page twice.
            var builder = FieldBuilder(bytes: pageBytes, origin: base)
            builder.add("(content)", 0, Geometry.pageSize, meaning: "")
            return [Region(heading: "page \(page)", fields: builder.rows)]
        case .triePage(let ordinal):
            return trieRegions(pageBytes, page: index, ordinal: ordinal)
        case .records:
            return (0..<UInt32(Geometry.subpagesPerPage)).map { recordRegion(pageBytes, subpage: index << 2 | $0) }
        case let .extensionPage(file, sequence):
            let contents = RecordFields.extensionPage(pageBytes, page: index, sequence: sequence, fileID: nil, entryRows: true)
            var region = self.region(contents.view, page: page, bytes: pageBytes, base: base, extent: 0..<Geometry.pageSize)
            region.heading = "page \(page): extension page \(sequence) of \(map.name(file))"
            return [region]
        case let .dataPage(file, ordinal):
            let length = byteLength(of: file, cache: &byteLengths)
            let count = PageEntry.bytesInPage(ordinal: UInt64(ordinal), byteLength: length)
            var builder = FieldBuilder(bytes: pageBytes, origin: base)
            if count > 0 {
                builder.add("content", 0, count, meaning: "bytes \(UInt64(ordinal) << 16)..<\((UInt64(ordinal) << 16) + UInt64(count)) of the file", value: .bytes)
            }
            if count < Geometry.pageSize {
                builder.add("(past the end of the file)", count, Geometry.pageSize - count, meaning: "no meaning", value: .bytes)
            }
            return [Region(heading: "page \(page): data page \(ordinal) of \(map.name(file))", fields: builder.rows)]
        }
    }

    private func byteLength(of file: Int, cache: inout [Int: UInt64]) -> UInt64 {
        if let known = cache[file] { return known }
        let subpage = map.files[file].subpage
        let length = scan.image.subpage(subpage).map { FieldBuilder(bytes: $0, origin: 0).u64(0x30) } ?? 0
        cache[file] = length
        return length
    }

    private func trieRegions(_ bytes: UnsafeRawBufferPointer, page: UInt32, ordinal: Int) -> [Region] {
        let base = UInt64(page) << 16
        let magicOK = ByteReader.uint32(in: bytes, at: TriePage.Offset.magic) == TriePage.magic
        let header = TrieFields.pageHeader(bytes, page: page, ordinal: ordinal, scan: scan, slotRows: magicOK)
        var region = Region(heading: header.heading, fields: [], problems: header.problems)
        guard magicOK else {
            // Without the magic, the slot table is as likely noise as not: reading 4096 random
            // offsets as nodes would only bury the page in overlapping garbage.
            region.problems.append("not a trie page (bad magic): slots and nodes are not decoded")
            region.fields = fillGaps(header.fields.filter { $0.name != "slots" }, bytes: bytes, base: base, extent: 0..<Geometry.pageSize)
            return [region]
        }
        var fields = header.fields
        let slotCount = Int(min(FieldBuilder(bytes: bytes, origin: 0).u16(0x0A), UInt64(Limits.maxSlotsPerTriePage)))
        for slot in 0..<slotCount {
            let offset = Int(FieldBuilder(bytes: bytes, origin: 0).u16(TriePage.headerSize + 2 * slot))
            guard offset != 0, offset < Geometry.pageSize else { continue }
            let reference = NodeReference(ordinal: ordinal, slot: slot)
            let node = TrieFields.node(bytes, page: page, offset: offset, reference: reference)
            // A node that does not decode shows its fixed 12 bytes only: its counts are not to be believed.
            let shown = node.problems.isEmpty ? node.fields : node.fields.filter { $0.relativeOffset < TrieNode.headerSize }
            if !node.problems.isEmpty { region.problems.append("slot \(slot): " + node.problems.joined(separator: "; ")) }
            fields += shown.map { field in
                var renamed = field
                renamed.name = "slot \(slot) \(field.name)"
                renamed.relativeOffset = Int(field.offset - base)
                return renamed
            }
        }
        region.fields = fillGaps(fields, bytes: bytes, base: base, extent: 0..<Geometry.pageSize)
        return [region]
    }

    private func recordRegion(_ pageBytes: UnsafeRawBufferPointer, subpage: UInt32) -> Region {
        let start = Int(subpage & 3) * Geometry.subpageSize
        let bytes = UnsafeRawBufferPointer(rebasing: pageBytes[start..<(start + Geometry.subpageSize)])
        let base = UInt64(subpage) << 14
        let magic = ByteReader.uint32(in: bytes, at: FileRecord.Offset.magic) ?? 0
        guard magic == FileRecord.magic || magic == FileRecord.tombstoneMagic else {
            var builder = FieldBuilder(bytes: bytes, origin: base)
            builder.add(magic == 0 ? "(free subpage)" : "(not a record)", 0, Geometry.subpageSize,
                        meaning: magic == 0 ? "the magic is zero: no record" : "no record magic")
            return Region(heading: "subpage \(subpage) (page \(subpage >> 2), slot \(subpage & 3)): " + (magic == 0 ? "free" : "not a record"),
                          fields: builder.rows)
        }
        let record = RecordFields.record(bytes, subpage: subpage, scan: scan, expectedName: nil, entryRows: true)
        let used = Int(min(max(FieldBuilder(bytes: bytes, origin: 0).u32(0x08), UInt64(FileRecord.headerSize)), UInt64(Geometry.subpageSize)))
        var fields = record.view.fields
        if used < Geometry.subpageSize {
            var builder = FieldBuilder(bytes: bytes, origin: base)
            builder.add("(past used_length)", used, Geometry.subpageSize - used, meaning: "no meaning", value: .bytes)
            fields += builder.rows
        }
        var region = Region(heading: record.view.heading, fields: [], problems: record.view.problems)
        region.fields = fillGaps(fields, bytes: bytes, base: base, extent: 0..<Geometry.subpageSize)
        return region
    }

    private func region(_ view: StructureView, page: UInt64, bytes: UnsafeRawBufferPointer, base: UInt64, extent: Range<Int>) -> Region {
        Region(heading: "page \(page): " + view.heading, fields: fillGaps(view.fields, bytes: bytes, base: base, extent: extent),
               problems: view.problems)
    }

    /// `fields` sorted by offset, with an `(unassigned)` field for every run of bytes in
    /// `extent` that none covers. Overlapping fields (damaged trie nodes) are all kept.
    private func fillGaps(_ fields: [FieldRow], bytes: UnsafeRawBufferPointer, base: UInt64, extent: Range<Int>) -> [FieldRow] {
        let sorted = fields.filter { $0.size > 0 }.sorted { ($0.offset, $0.size) < ($1.offset, $1.size) }
        var builder = FieldBuilder(bytes: bytes, origin: base)
        var result: [FieldRow] = []
        var covered = extent.lowerBound
        func gap(to end: Int) {
            guard end > covered else { return }
            let zero = builder.isZero(covered, end - covered)
            builder.add("(unassigned)", covered, end - covered, meaning: "bytes no field covers; zero in a clean volume", value: .bytes,
                        display: zero ? "zero" : TextFormat.hexBytes(builder.slice(covered, end - covered), limit: 16),
                        check: zero ? nil : .invalid("not zero"))
            result.append(builder.rows.removeLast())
        }
        for field in sorted {
            let start = Int(field.offset - base)
            gap(to: min(start, extent.upperBound))
            result.append(field)
            covered = max(covered, min(start + field.size, extent.upperBound))
        }
        gap(to: extent.upperBound)
        return result
    }
}
