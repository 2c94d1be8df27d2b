import ArdakuFormat

/// Trie pages and trie nodes field by field (docs/FORMAT.md §6).
enum TrieFields {
    /// The header and slot table of a trie page.
    /// - Parameters:
    ///   - bytes: the page, or nil when it lies past the end of the image.
    ///   - ordinal: the ordinal page 0 lists it under (nil when unknown).
    ///   - slotRows: one row per slot (the annotated hex view) instead of one row for all.
    static func pageHeader(_ bytes: UnsafeRawBufferPointer?, page: UInt32, ordinal: Int?, scan: VolumeScan?,
                           slotRows: Bool) -> StructureView {
        let location = "page \(page)" + (ordinal.map { ", ordinal \($0)" } ?? "")
        guard let bytes else {
            return StructureView(kind: TriePage.structureName, location: location, offset: UInt64(page) << 16,
                                 size: Geometry.pageSize, problems: ["page \(page) lies past the end of the image"])
        }
        let layout = TriePage.layout
        func meaning(_ name: String) -> String { FieldBuilder.meaning(name, in: layout) }
        var f = FieldBuilder(bytes: bytes, origin: UInt64(page) << 16)
        f.addMagic(TriePage.Offset.magic, meaning: meaning("magic"), expected: TriePage.magic)
        f.addChecksum(TriePage.Offset.checksum, meaning: meaning("checksum"), computed: TriePage.checksum(bytes))
        let storedOrdinal = f.u16(TriePage.Offset.ordinal)
        f.add("ordinal", TriePage.Offset.ordinal, 2, meaning: meaning("ordinal"),
              check: ordinal.map { UInt64($0) == storedOrdinal ? nil : FieldCheck.invalid("page 0 lists this page as ordinal \($0)") } ?? nil)
        let slotCount = f.u16(TriePage.Offset.slotCount)
        f.add("slot_count", TriePage.Offset.slotCount, 2, meaning: meaning("slot_count"),
              check: slotCount <= UInt64(Limits.maxSlotsPerTriePage) ? nil : .invalid("allowed 0...\(Limits.maxSlotsPerTriePage)"))
        f.addReserved("reserved", TriePage.Offset.reserved, 4)
        let generation = f.u64(TriePage.Offset.generation)
        var generationCheck: FieldCheck?
        if let scan, scan.system != nil, generation > scan.generation {
            generationCheck = .invalid("newer than page 0's generation \(scan.generation)")
        }
        f.add("generation", TriePage.Offset.generation, 8, meaning: meaning("generation"), check: generationCheck)
        let slots = Int(min(slotCount, UInt64(Limits.maxSlotsPerTriePage)))
        let offsets = (0..<slots).map { f.u16(TriePage.headerSize + 2 * $0) }
        if slotRows {
            for (slot, offset) in offsets.enumerated() {
                f.add("slots[\(slot)]", TriePage.headerSize + 2 * slot, 2, meaning: "offset of slot \(slot)'s node",
                      display: offset == 0 ? "0 (free)" : Hex.format(offset, width: 4))
            }
        } else {
            let used = offsets.filter { $0 != 0 }.count
            f.add("slots", TriePage.headerSize, 2 * slots, meaning: meaning("slots"), value: .numbers(offsets),
                  display: "\(TextFormat.count(UInt64(slots), "slot")), \(used) in use")
        }
        var problems: [String] = []
        do { _ = try TriePage.decodeHeader(bytes, page: PageIndex(page), verifyChecksum: true) }
        catch { problems.append("does not decode: \(error.reason)") }
        return StructureView(kind: TriePage.structureName, location: location, offset: UInt64(page) << 16,
                             size: Geometry.pageSize, fields: f.rows, problems: problems)
    }

    /// A node's fields, read from the page bytes at `offset` as far as they lie inside it.
    static func node(_ bytes: UnsafeRawBufferPointer, page: UInt32, offset: Int, reference: NodeReference?) -> StructureView {
        let layout = TrieNode.layout
        func meaning(_ name: String) -> String { FieldBuilder.meaning(name, in: layout) }
        let available = UnsafeRawBufferPointer(rebasing: bytes[min(max(offset, 0), bytes.count)...])
        let origin = (UInt64(page) << 16) + UInt64(max(offset, 0))
        var f = FieldBuilder(bytes: available, origin: origin)
        let location = "page \(page) +\(Hex.format(offset, width: 4))" + (reference.map { ", reference \($0)" } ?? "")
        guard available.count >= TrieNode.headerSize else {
            return StructureView(kind: "trie node", location: location, offset: origin, size: available.count,
                                 problems: ["only \(available.count) bytes before the end of the page"])
        }
        let flags = f.integer(at: TrieNode.Offset.flags, size: 1) ?? 0
        f.add("flags", TrieNode.Offset.flags, 1, meaning: meaning("flags"),
              display: flags & 1 != 0 ? "\(Hex.format(flags, width: 2)) (ends a name)" : Hex.format(flags, width: 2),
              check: flags & 0xFE == 0 ? nil : .invalid("bits 1...7 must be zero"))
        f.addReserved("reserved", TrieNode.Offset.reservedAt01, 1)
        let labelLength = Int(f.u16(TrieNode.Offset.labelLength))
        f.add("label_length", TrieNode.Offset.labelLength, 2, meaning: meaning("label_length"),
              check: labelLength <= Limits.maxNameBytes ? nil : .invalid("allowed 0...\(Limits.maxNameBytes)"))
        let childCount = Int(f.u16(TrieNode.Offset.childCount))
        f.add("child_count", TrieNode.Offset.childCount, 2, meaning: meaning("child_count"),
              check: childCount <= Limits.maxChildrenPerNode ? nil : .invalid("allowed 0...\(Limits.maxChildrenPerNode)"))
        f.addReserved("reserved", TrieNode.Offset.reservedAt06, 2)
        let value = f.u32(TrieNode.Offset.value)
        f.add("value", TrieNode.Offset.value, 4, meaning: meaning("value"),
              display: flags & 1 != 0 ? "subpage \(value) (page \(value >> 2), slot \(value & 3))" : "\(value)",
              check: flags & 1 == 0 && value != 0 ? .invalid("not zero although flag bit 0 is clear") : nil)

        let children = min(childCount, Limits.maxChildrenPerNode)
        let childBytes = Array(f.slice(TrieNode.Offset.childBytes, children))
        f.add("child_bytes", TrieNode.Offset.childBytes, children, meaning: meaning("child_bytes"), value: .numbers(childBytes.map(UInt64.init)),
              display: childBytes.isEmpty ? "<none>" : TextFormat.escaped(childBytes))
        let referencesStart = TrieNode.Offset.childBytes + children
        let references = (0..<children).compactMap { f.integer(at: referencesStart + 4 * $0, size: 4) }
        f.add("children", referencesStart, 4 * children, meaning: meaning("children"), value: .numbers(references),
              display: references.isEmpty ? "<none>"
                  : references.map { NodeReference(rawValue: UInt32(truncatingIfNeeded: $0)).description }.joined(separator: " "))
        let labelStart = referencesStart + 4 * children
        let label = Array(f.slice(labelStart, min(labelLength, Limits.maxNameBytes)))
        f.add("label", labelStart, label.count, meaning: meaning("label"), value: .text(String(decoding: label, as: UTF8.self)),
              display: label.isEmpty ? "<none>" : TextFormat.escaped(label),
              check: label.count < min(labelLength, Limits.maxNameBytes) ? .invalid("runs past the end of the page") : nil)
        var problems: [String] = []
        do { _ = try TrieNode.decode(bytes, at: offset, origin: PageIndex(page).firstByte) }
        catch { problems.append("does not decode: \(error.reason)") }
        return StructureView(kind: "trie node", location: location, offset: origin, size: labelStart + label.count,
                             fields: f.rows, problems: problems)
    }
}
