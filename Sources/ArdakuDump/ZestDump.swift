import ArdakuFormat
import ArdakuZest

/// `dumpfs --zest`: a ZEST volume (docs/FORMAT.md Part II) field by field, standalone or held
/// in an Ardaku file of type zest, and `--zest-file` one inner file's entry and segments.
///
/// The volume is walked by `ZestWalk` (bounded: at most min(2^20, bytes / 8192 + 1)
/// fragments, 151 entries each) and judged by `ZestChecker`, whose findings are the
/// `Problems:`. Every field shows its image address (nil in a hole), its volume offset and
/// its offset in the structure.
public struct ZestDump {
    let image: ImageBytes
    let imageName: String
    /// The Ardaku file holding the volume; nil when the image is the volume.
    let fileName: String?
    let volume: ZestVolumeBytes
    /// Why the file is not quite what a ZEST volume's holder should be.
    let locationProblems: [String]

    /// The image itself is the volume.
    public init(standalone image: ImageBytes, name: String) {
        self.image = image
        imageName = name
        fileName = nil
        volume = ZestVolumeBytes(standalone: image)
        locationProblems = []
    }

    /// The volume in the Ardaku file `file` of the image.
    /// - Throws: `DumpError` when the trie does not lead to the file.
    public init(image: ImageBytes, name: String, file: String) throws {
        self.image = image
        imageName = name
        fileName = file
        let inspection = try StructureDump(image: image, name: name).inspect(name: file)
        volume = ZestVolumeBytes(nested: image, inspection: inspection)
        var problems = inspection.problems
        if let type = inspection.record.view.field("type"), type.display != "zest" {
            problems.append("the file's type is \(type.display), not zest")
        }
        if inspection.record.byteLength != volume.length {
            problems.append("the record says \(inspection.record.byteLength) bytes; its data pages hold \(volume.length)")
        }
        locationProblems = problems
    }

    /// True when `image` looks like a standalone ZEST volume: the magic "ZEST" at byte 0 or
    /// 2048, and no Ardaku magic at 0x400.
    public static func recognizes(_ image: ImageBytes) -> Bool {
        let zest = Array("ZEST".utf8)
        let ardaku = image.bytes(at: UInt64(SystemInformationBlock.Offset.magic), count: 4).map { Array($0) == Array("ARDK".utf8) } ?? false
        guard !ardaku else { return false }
        return [UInt64(0), UInt64(ZestLimits.backupHeaderOffset)].contains { offset in
            image.bytes(at: offset, count: 4).map { Array($0) == zest } ?? false
        }
    }

    /// Writes the volume (`inner` nil) or the entries named `inner` and their segments.
    /// - Throws: `DumpError` when no entry has the name `inner`; what the sink throws.
    public func render(file inner: String?, json: Bool, showAllLines: Bool = false, to output: OutputBuffer) throws {
        let state = try Analysis(volume)
        var matches: [(index: Int, found: ZestWalkEntry)] = []
        if let inner {
            let key = Array(inner.utf8)
            for fragment in state.walk.fragments {
                for (index, found) in fragment.entries.enumerated() where found.entry.name == key { matches.append((index, found)) }
            }
            guard !matches.isEmpty else {
                throw DumpError("\(inner): no entry of that name in the ZEST volume (its table lists \(TextFormat.count(UInt64(state.walk.entries.count), "entry", "entries")))")
            }
        }
        if json {
            var writer = JSONWriter(output: output)
            try writer.beginDocument(view: inner == nil ? "zest" : "zest_file", imageName: imageName, bytes: image.count, pages: image.wholePageCount)
            try writeVolumeJSON(state, &writer)
            if inner == nil { try writeTableJSON(state, &writer) } else { try writeEntriesJSON(state, matches, &writer) }
            try writer.endObject()
            try writer.finish()
        } else {
            try writeSummaryText(state, output)
            if inner == nil { try writeTableText(state, output) } else { try writeEntriesText(state, matches, showAllLines: showAllLines, output) }
        }
    }

    // MARK: Judging the volume

    /// The walk, the checker's findings, and each entry's content verdict.
    struct Analysis {
        var walk: ZestWalk
        var findings: [Finding]
        /// By entry offset.
        var verdicts: [UInt64: ZestFields.ContentVerdict] = [:]

        init(_ volume: ZestVolumeBytes) throws {
            do throws(StoreError) {
                walk = try ZestWalk.walk(volume)
                findings = try ZestChecker.verify(volume)
            } catch {
                throw DumpError("the ZEST volume cannot be read: \(error)")
            }
            guard let header = walk.header else { return }
            var verifier = ZestContentVerifier()
            var dictionaries: [UInt16: [UInt8]] = [:]
            let entries = walk.entries
            for found in entries where found.entry.kind == .dictionary && found.isChecksumValid {
                let (verdict, content) = Self.judge(found, volume, header, &verifier, dictionaries: [:])
                verdicts[found.offset] = verdict
                if let content, dictionaries[found.entry.dictionaryID] == nil, dictionaries.count < ZestLimits.maxDictionaries {
                    dictionaries[found.entry.dictionaryID] = content
                }
            }
            for found in entries where verdicts[found.offset] == nil {
                verdicts[found.offset] = Self.judge(found, volume, header, &verifier, dictionaries: dictionaries).0
            }
        }

        static func judge(_ found: ZestWalkEntry, _ volume: ZestVolumeBytes, _ header: ZestHeader, _ verifier: inout ZestContentVerifier,
                          dictionaries: [UInt16: [UInt8]]) -> (ZestFields.ContentVerdict, [UInt8]?) {
            let entry = found.entry
            var verdict = ZestFields.ContentVerdict()
            if let problem = ZestContentVerifier.lengthProblem(entry) {
                verdict.check = .invalid("not read: \(problem.reason)")
                return (verdict, nil)
            }
            let start = UInt64(entry.segmentStart) * UInt64(header.segmentSize)
            if entry.storedLength > 0 {
                if entry.segmentStart < header.firstDataSegment {
                    verdict.placement = "before the first data segment \(header.firstDataSegment)"
                } else if start > volume.length || UInt64(entry.storedLength) > volume.length - start {
                    verdict.placement = "the content runs past the end of the volume (\(volume.length) bytes)"
                }
            }
            if let placement = verdict.placement {
                verdict.check = .invalid("not read: \(placement)")
                return (verdict, nil)
            }
            var dictionary: [UInt8]?
            if entry.kind == .file, entry.codec == .deflate, entry.dictionaryID != 0 {
                guard let bytes = dictionaries[entry.dictionaryID] else {
                    verdict.check = .invalid("not read: dictionary \(entry.dictionaryID) is missing or damaged")
                    return (verdict, nil)
                }
                dictionary = bytes
            }
            // Read and decoded a piece at a time: a file of 1 GiB is never held whole.
            let result: Result<[UInt8], ZestContentFailure>
            do throws(StoreError) {
                result = try verifier.check(entry, dictionary: dictionary, keeping: entry.kind == .dictionary) { (offset, into) throws(StoreError) in
                    try volume.read(at: start + UInt64(offset), into: into)
                }
            } catch {
                verdict.check = .invalid("not read")
                return (verdict, nil)
            }
            switch result {
            case let .success(content):
                verdict.computed = entry.contentCRC
                verdict.check = .checksumOK(entry.contentCRC)
                return (verdict, content)
            case let .failure(.checksumMismatch(storedCRC, computed)):
                verdict.computed = computed
                verdict.check = .checksumMismatch(stored: storedCRC, computed: computed)
            case let .failure(failure):
                verdict.check = .invalid("content does not read back: \(failure.reason)")
            }
            return (verdict, nil)
        }
    }

    // MARK: Addresses

    /// The image address of volume byte `offset` as hexdump prints offsets, or "-" in a hole.
    func addressText(_ offset: UInt64) -> String {
        volume.imageOffset(of: offset).map { TextFormat.address($0) } ?? "-"
    }

    var holder: String {
        fileName.map { "\(TextFormat.escaped(Array($0.utf8))) in \(imageName)" } ?? "\(imageName) (a standalone file)"
    }

    // MARK: Text

    func writeSummaryText(_ state: Analysis, _ output: OutputBuffer) throws {
        let walk = state.walk
        try output.line(TextFormat.labelled("ZEST volume", holder))
        try output.line(TextFormat.labelled("Volume bytes", "\(volume.length)"))
        let source: String
        switch walk.headerSource {
        case .primary?: source = "primary copy (volume byte 0x00000000)"
        case .backup?: source = "backup copy (volume byte 0x00000800)"
        case .inferred?: source = "none decodes: segment size inferred from the table"
        case nil: source = "none decodes"
        }
        try output.line(TextFormat.labelled("Header in use", source))
        if let header = walk.header {
            let segments = volume.length / UInt64(header.segmentSize)
            try output.line(TextFormat.labelled("Segment size", "\(header.segmentSize) (the volume holds \(TextFormat.count(segments, "whole segment")))"))
            try output.line(TextFormat.labelled("Head fragment pair", "segment \(header.zatHead) (volume byte \(Hex.format(UInt64(header.zatHead) * UInt64(header.segmentSize), width: 8)))"))
            try output.line(TextFormat.labelled("First data segment", "\(header.firstDataSegment)"))
        }
        try output.line(TextFormat.labelled("Fragments", "\(walk.fragments.count), \(Self.chainText(walk.chainEnd))"))
        let dictionaries = walk.entries.filter { $0.entry.kind == .dictionary }.count
        try output.line(TextFormat.labelled("Entries", "\(walk.entries.count) (\(TextFormat.count(UInt64(walk.entries.count - dictionaries), "file")), \(TextFormat.count(UInt64(dictionaries), "dictionary", "dictionaries")))"))
        if fileName != nil {
            try output.line("Where the volume lies:")
            try output.line("  " + TextFormat.pad("volume bytes", 22) + TextFormat.pad("image bytes", 22) + "what")
            for extent in volume.extents {
                let last = extent.volumeOffset + extent.length - 1
                let image = extent.imageOffset.map { "\(TextFormat.address($0))-\(TextFormat.address($0 + extent.length - 1))" } ?? "-"
                try output.line("  " + TextFormat.pad("\(TextFormat.address(extent.volumeOffset))-\(TextFormat.address(last))", 22)
                                + TextFormat.pad(image, 22) + extent.description(file: fileName ?? ""))
            }
        }
        let problems = locationProblems + state.findings.map { "\($0.code.rawValue) (\($0.severity.rawValue)): \($0.message)" }
        if problems.isEmpty {
            try output.line(TextFormat.labelled("Problems", "<none>"))
        } else {
            try output.line("Problems:")
            for problem in problems { try output.line("  " + problem) }
        }
    }

    static func chainText(_ end: ZestChainEnd) -> String {
        switch end {
        case .terminated: return "the chain ends with a link of 0"
        case let .loop(from, target): return "the chain LOOPS: fragment \(from) links to segment \(target), already walked"
        case let .outOfRange(from, target): return "the chain is CUT: fragment \(from) links to segment \(target), outside the data area or the volume"
        case let .tooLong(count): return "the walk stopped after \(count) fragments (more than the volume can hold)"
        case .notWalked: return "no header: the chain was not walked"
        }
    }

    func writeTableText(_ state: Analysis, _ output: OutputBuffer) throws {
        for (index, copy) in state.walk.headerCopies.enumerated() {
            try output.line()
            try writeText(ZestFields.header(copy, index: index), output)
        }
        guard let header = state.walk.header else { return }
        for fragment in state.walk.fragments {
            try output.line()
            try output.line("Fragment \(fragment.index): pair at segment \(fragment.pairSegment) (volume bytes \(Hex.format(fragment.offset, width: 8))-\(Hex.format(fragment.offset + UInt64(ZestLimits.fragmentPairSize) - 1, width: 8))), "
                            + (fragment.currentSlot.map { "current slot \($0)" } ?? "NO VALID SLOT") + ", " + TextFormat.count(UInt64(fragment.entries.count), "entry", "entries"))
            try forEachStructure(of: fragment, state: state, header: header) { try writeText($0, output) }
        }
    }

    /// The slots of `fragment`, then the entries of the slot it was read from.
    func forEachStructure(of fragment: ZestWalkFragment, state: Analysis, header: ZestHeader, _ body: (StructureView) throws -> Void) throws {
        var readBytes: [UInt8] = []
        for index in fragment.slots.indices {
            let offset = fragment.slots[index].offset
            let bytes = (try? volume.read(at: offset, count: ZestLimits.fragmentSize)) ?? []
            if fragment.readSlot == index { readBytes = bytes }
            try body(bytes.withUnsafeBytes { ZestFields.slot($0, fragment: fragment, slot: index, header: header, storeLength: volume.length) })
        }
        guard let readOffset = fragment.readOffset, readBytes.count == ZestLimits.fragmentSize else { return }
        for (index, found) in fragment.entries.enumerated() {
            try body(entryView(found, index: index, state: state, header: header, slot: readBytes, slotOffset: readOffset))
        }
        if fragment.entryError != nil {
            try body(readBytes.withUnsafeBytes { ZestFields.unparsedEntry($0, fragment: fragment, slotOffset: readOffset) })
        }
    }

    func entryView(_ found: ZestWalkEntry, index: Int, state: Analysis, header: ZestHeader, slot: [UInt8], slotOffset: UInt64) -> StructureView {
        let start = Int(found.offset - slotOffset)
        let verdict = state.verdicts[found.offset] ?? ZestFields.ContentVerdict()
        guard start >= 0, start <= slot.count - found.entry.encodedSize else {
            return StructureView(kind: "fragment \(found.fragmentIndex) entry \(index)", location: TextFormat.escaped(found.entry.name),
                                 offset: found.offset, size: found.entry.encodedSize, problems: ["its slot cannot be read again"])
        }
        var view = slot.withUnsafeBytes { raw in
            ZestFields.entry(UnsafeRawBufferPointer(rebasing: raw[start..<(start + found.entry.encodedSize)]), found, index: index,
                             header: header, content: verdict)
        }
        let content = UInt64(found.entry.segmentStart) * UInt64(header.segmentSize)
        for finding in state.findings {
            guard let offset = finding.context.offset else { continue }
            if offset == found.offset || offset == found.crcOffset
                || (offset == content && found.entry.storedLength > 0 && finding.context.name == String(decoding: found.entry.name, as: UTF8.self)) {
                view.problems.append("\(finding.code.rawValue): \(finding.message)")
            }
        }
        return view
    }

    /// Heading, column titles, one line per field (image address, volume offset, offset in
    /// the structure, name, raw, value, check, meaning), problems.
    func writeText(_ view: StructureView, _ output: OutputBuffer) throws {
        let kind = view.kind.prefix(1).uppercased() + view.kind.dropFirst()
        let range = view.size > 0 ? " (volume bytes \(Hex.format(view.offset, width: 8))-\(Hex.format(view.offset + UInt64(view.size) - 1, width: 8)))" : ""
        try output.line("\(kind), \(view.location)\(range)")
        if !view.fields.isEmpty {
            try output.line("  " + TextFormat.pad("address", 10) + TextFormat.pad("volume", 10) + TextFormat.pad("offset", 9)
                            + TextFormat.pad("field", 23) + TextFormat.pad("raw", 20) + "value")
        }
        for field in view.fields {
            var line = "  " + TextFormat.pad(addressText(field.offset), 10) + TextFormat.pad(TextFormat.address(field.offset), 10)
                + TextFormat.pad("+" + Hex.format(field.relativeOffset, width: 4), 9) + TextFormat.pad(field.name, 23)
                + TextFormat.pad(field.rawText, 20) + field.display
            if let check = field.check { line += " " + check.text }
            if !field.meaning.isEmpty { line += "  # " + field.meaning }
            try output.line(line)
        }
        for problem in view.problems { try output.line("  problem: " + problem) }
    }

    /// Each entry named `--zest-file`, where its content lies, and its segments in hex.
    func writeEntriesText(_ state: Analysis, _ matches: [(index: Int, found: ZestWalkEntry)], showAllLines: Bool, _ output: OutputBuffer) throws {
        guard let header = state.walk.header else { return }
        for (index, found) in matches {
            try output.line()
            let slot = slotBytes(containing: found, state.walk)
            try writeText(entryView(found, index: index, state: state, header: header, slot: slot.bytes, slotOffset: slot.offset), output)
            let run = segmentRun(found.entry, header: header)
            try output.line()
            guard let run else {
                try output.line(TextFormat.labelled("Segments", "none (no content stored)"))
                continue
            }
            try output.line(TextFormat.labelled("Segments", "\(TextFormat.span(run.first, run.last)) (volume bytes \(Hex.format(run.offset, width: 8))-\(Hex.format(run.offset + run.length - 1, width: 8)))"))
            try output.line(TextFormat.labelled("Stored bytes", "\(found.entry.storedLength), then \(run.length - UInt64(found.entry.storedLength)) bytes of padding to the segment's end"))
            let pieces = volume.pieces(at: run.offset, count: run.length)
            let shown = pieces.reduce(0) { $0 + $1.length }
            if shown < run.length {
                try output.line("  problem: only \(shown) of the \(run.length) bytes lie inside the volume (\(volume.length) bytes)")
            }
            for piece in pieces {
                let location = piece.imageOffset.map { "image bytes \(TextFormat.address($0))-\(TextFormat.address($0 + piece.length - 1))" } ?? "no image bytes"
                try output.line("-- volume bytes \(TextFormat.address(piece.volumeOffset))-\(TextFormat.address(piece.volumeOffset + piece.length - 1)): \(location), \(piece.description(file: fileName ?? imageName))")
                guard let imageOffset = piece.imageOffset, let bytes = imageBytes(imageOffset, piece.length) else { continue }
                try CanonicalHexDump.write(bytes, startOffset: imageOffset, showAllLines: showAllLines, to: output)
            }
        }
    }

    private func imageBytes(_ offset: UInt64, _ length: UInt64) -> UnsafeRawBufferPointer? {
        guard length <= UInt64(Int.max) else { return nil }
        return image.bytes(at: offset, count: Int(length))
    }

    /// The 4096 bytes of the slot an entry was read from.
    func slotBytes(containing found: ZestWalkEntry, _ walk: ZestWalk) -> (bytes: [UInt8], offset: UInt64) {
        // The walk read the entry from this slot, so it lies inside the volume.
        let offset = walk.fragments[found.fragmentIndex].readOffset ?? 0
        return ((try? volume.read(at: offset, count: ZestLimits.fragmentSize)) ?? [], offset)
    }

    /// The segments an entry's content occupies, clipped to nothing past 2^32 segments.
    func segmentRun(_ entry: ZestEntry, header: ZestHeader) -> (first: UInt64, last: UInt64, offset: UInt64, length: UInt64)? {
        let count = UInt64(entry.segmentCount(segmentSize: header.segmentSize))
        guard count > 0 else { return nil }
        let first = UInt64(entry.segmentStart)
        let size = UInt64(header.segmentSize)
        return (first, first + count - 1, first * size, count * size)
    }

    // MARK: JSON

    func writeVolumeJSON(_ state: Analysis, _ json: inout JSONWriter) throws {
        try json.key("volume")
        try json.beginObject()
        try json.member("file", fileName)
        try json.member("bytes", volume.length)
        try json.key("extents")
        try json.beginArray()
        for extent in volume.extents {
            try json.beginObject()
            try json.member("volume_offset", extent.volumeOffset)
            try json.member("length", extent.length)
            try json.member("image_offset", extent.imageOffset)
            try json.member("description", extent.description(file: fileName ?? imageName))
            try json.endObject()
        }
        try json.endArray()
        try json.member("problems", strings: locationProblems)
        try json.endObject()
        let source: String?
        switch state.walk.headerSource {
        case .primary?: source = "primary"
        case .backup?: source = "backup"
        case .inferred?: source = "inferred"
        case nil: source = nil
        }
        try json.member("header_in_use", source)
        try json.member("segment_size", state.walk.header?.segmentSize)
        try json.member("chain_end", Self.chainText(state.walk.chainEnd))
        try json.member("fragment_count", state.walk.fragments.count)
        try json.member("entry_count", state.walk.entries.count)
        try json.key("findings")
        try json.beginArray()
        for finding in state.findings {
            try json.beginObject()
            try json.member("code", finding.code.rawValue)
            try json.member("severity", finding.severity.rawValue)
            try json.member("message", finding.message)
            try json.member("volume_offset", finding.context.offset)
            try json.endObject()
        }
        try json.endArray()
    }

    func writeTableJSON(_ state: Analysis, _ json: inout JSONWriter) throws {
        try json.key("headers")
        try json.beginArray()
        for (index, copy) in state.walk.headerCopies.enumerated() { try writeJSON(ZestFields.header(copy, index: index), &json) }
        try json.endArray()
        try json.key("fragments")
        try json.beginArray()
        if let header = state.walk.header {
            for fragment in state.walk.fragments {
                try json.beginObject()
                try json.member("index", fragment.index)
                try json.member("pair_segment", fragment.pairSegment)
                try json.member("volume_offset", fragment.offset)
                try json.member("current_slot", fragment.currentSlot)
                try json.member("read_slot", fragment.readSlot)
                try json.member("next", fragment.next)
                try json.member("entry_error", fragment.entryError?.reason)
                var slots: [StructureView] = [], entries: [StructureView] = []
                try forEachStructure(of: fragment, state: state, header: header) { view in
                    if view.kind.contains(" slot ") { slots.append(view) } else { entries.append(view) }
                }
                try json.key("slots")
                try json.beginArray()
                for view in slots { try writeJSON(view, &json) }
                try json.endArray()
                try json.key("entries")
                try json.beginArray()
                for view in entries { try writeJSON(view, &json) }
                try json.endArray()
                try json.endObject()
            }
        }
        try json.endArray()
    }

    func writeEntriesJSON(_ state: Analysis, _ matches: [(index: Int, found: ZestWalkEntry)], _ json: inout JSONWriter) throws {
        try json.key("entries")
        try json.beginArray()
        if let header = state.walk.header {
            for (index, found) in matches {
                try json.beginObject()
                try json.member("fragment", found.fragmentIndex)
                try json.key("entry")
                let slot = slotBytes(containing: found, state.walk)
                try writeJSON(entryView(found, index: index, state: state, header: header, slot: slot.bytes, slotOffset: slot.offset), &json)
                try json.key("content")
                if let run = segmentRun(found.entry, header: header) {
                    try json.beginObject()
                    try json.member("first_segment", run.first)
                    try json.member("last_segment", run.last)
                    try json.member("volume_offset", run.offset)
                    try json.member("length", run.length)
                    try json.member("stored_length", found.entry.storedLength)
                    try json.key("pieces")
                    try json.beginArray()
                    for piece in volume.pieces(at: run.offset, count: run.length) {
                        try json.beginObject()
                        try json.member("volume_offset", piece.volumeOffset)
                        try json.member("length", piece.length)
                        try json.member("image_offset", piece.imageOffset)
                        try json.member("description", piece.description(file: fileName ?? imageName))
                        if let offset = piece.imageOffset, let bytes = imageBytes(offset, piece.length) {
                            try json.member("hex", hexOf: bytes)
                        } else {
                            try json.member("hex", nil as String?)
                        }
                        try json.endObject()
                    }
                    try json.endArray()
                    try json.endObject()
                } else {
                    try json.null()
                }
                try json.endObject()
            }
        }
        try json.endArray()
    }

    /// A structure as JSON: `offset` is the image address of its first byte (null in a
    /// hole), `volume_offset` its offset in the volume; the same for every field.
    func writeJSON(_ view: StructureView, _ json: inout JSONWriter) throws {
        try json.beginObject()
        try json.member("kind", view.kind)
        try json.member("location", view.location)
        try json.member("offset", volume.imageOffset(of: view.offset))
        try json.member("volume_offset", view.offset)
        try json.member("size", view.size)
        try json.key("fields")
        try json.beginArray()
        for field in view.fields {
            try field.writeJSON(&json, address: volume.imageOffset(of: field.offset), volumeOffset: field.offset)
        }
        try json.endArray()
        try json.member("problems", strings: view.problems)
        try json.endObject()
    }
}
