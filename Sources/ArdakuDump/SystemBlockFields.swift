import ArdakuFormat

/// The system information block (page 0, and its backup in the last page) field by field,
/// from the raw bytes: every field is shown even when the block does not decode.
enum SystemBlockFields {
    static let layout = SystemInformationBlock.layout
    private typealias O = SystemInformationBlock.Offset

    /// - Parameters:
    ///   - bytes: the page's 64 KiB.
    ///   - page: where it was read.
    ///   - imagePages: whole pages in the image, to judge total_page_count.
    ///   - expectedCopy: the `copy` value this page should hold (0 for page 0, 1 for the backup).
    /// " (recorded damage, file attributes)": the names of the known bits set (FORMAT §4.1).
    static func featureNames(_ bits: UInt64) -> String {
        let names: [(IncompatFeatures, String)] = [(.recordedDamage, "recorded damage"), (.fileAttributes, "file attributes"),
                                                   (.hardLinks, "hard links")]
        let set = names.filter { bits & UInt64($0.0.rawValue) != 0 }.map(\.1)
        return set.isEmpty ? "" : " (" + set.joined(separator: ", ") + ")"
    }

    static func view(_ bytes: UnsafeRawBufferPointer, page: UInt32, imagePages: UInt64, expectedCopy: UInt16?) -> StructureView {
        var f = FieldBuilder(bytes: bytes, origin: UInt64(page) << 16)
        func meaning(_ name: String) -> String { FieldBuilder.meaning(name, in: layout) }

        let labelLength = Int(f.u16(O.labelLength))
        f.add("label_length", O.labelLength, 2, meaning: meaning("label_length"),
              check: labelLength <= Limits.maxLabelBytes ? nil : .invalid("more than \(Limits.maxLabelBytes)"))
        let shownLabel = f.slice(O.label, min(labelLength, Limits.maxLabelBytes))
        var labelCheck: FieldCheck?
        if !f.isZero(O.label + shownLabel.count, Limits.maxLabelBytes - shownLabel.count) {
            labelCheck = .invalid("bytes past label_length are not zero")
        } else if FileName.firstInvalidUTF8(Array(shownLabel)) != nil {
            labelCheck = .invalid("not valid UTF-8")
        }
        f.add("label", O.label, Limits.maxLabelBytes, meaning: meaning("label"),
              value: .text(String(decoding: shownLabel, as: UTF8.self)),
              display: shownLabel.isEmpty ? "<none>" : TextFormat.escaped(shownLabel), check: labelCheck)
        f.addReserved("reserved", O.reservedAt03FE, 2)
        f.addMagic(O.magic, meaning: meaning("magic"), expected: SystemInformationBlock.magic)

        let version = f.u32(O.version)
        f.add("version", O.version, 4, meaning: meaning("version"),
              check: version == UInt64(SystemInformationBlock.version) ? nil
                  : .invalid("this tool reads version \(SystemInformationBlock.version)"))

        let total = f.u32(O.totalPageCount)
        let totalInRange = total >= UInt64(Limits.minPageCount) && total <= UInt64(Limits.maxPageCount)
        let bitfieldPages = f.u16(O.bitfieldPageCount)
        let expectedBitfield = totalInRange ? UInt64(VolumeLayout.bitfieldPageCount(forTotal: UInt32(total))) : nil
        f.add("bitfield_page_count", O.bitfieldPageCount, 2, meaning: meaning("bitfield_page_count"),
              check: expectedBitfield.map { $0 == bitfieldPages ? nil : FieldCheck.invalid("\(total) pages need \($0)") } ?? nil)

        let copy = f.u16(O.copy)
        var copyCheck: FieldCheck?
        if copy > 1 {
            copyCheck = .invalid("must be 0 or 1")
        } else if let expectedCopy, UInt64(expectedCopy) != copy {
            copyCheck = .invalid("page \(page) should hold copy \(expectedCopy)")
        }
        f.add("copy", O.copy, 2, meaning: meaning("copy"),
              display: copy == 0 ? "0 (primary)" : copy == 1 ? "1 (backup)" : "\(copy)", check: copyCheck)
        f.add("next_empty_page_index", O.nextEmptyPageIndex, 4, meaning: meaning("next_empty_page_index"))

        let triePageCount = f.u32(O.triePageCount)
        f.add("trie_page_count", O.triePageCount, 4, meaning: meaning("trie_page_count"),
              check: (1...UInt64(Limits.maxTriePages)).contains(triePageCount) ? nil
                  : .invalid("allowed 1...\(Limits.maxTriePages)"))

        var totalCheck: FieldCheck?
        if !totalInRange {
            totalCheck = .invalid("allowed \(Limits.minPageCount)...\(Limits.maxPageCount)")
        } else if total > imagePages {
            totalCheck = .invalid("the image holds only \(imagePages) whole pages")
        }
        f.add("total_page_count", O.totalPageCount, 4, meaning: meaning("total_page_count"),
              display: "\(total) (\(total << 16) bytes)", check: totalCheck)

        let uuidBytes = Array(f.slice(O.uuid, 16))
        let uuid = VolumeUUID(bytes: uuidBytes).description
        f.add("uuid", O.uuid, 16, meaning: meaning("uuid"), value: .text(uuid), display: uuid)
        let created = f.u64(O.creationTime)
        f.add("creation_time", O.creationTime, 8, meaning: meaning("creation_time"), display: "\(TextFormat.utc(created)) (\(created))")
        f.add("generation", O.generation, 8, meaning: meaning("generation"))
        f.add("used_page_count", O.usedPageCount, 4, meaning: meaning("used_page_count"))
        f.add("file_count", O.fileCount, 4, meaning: meaning("file_count"))

        let root = NodeReference(rawValue: UInt32(truncatingIfNeeded: f.u32(O.trieRoot)))
        f.add("trie_root", O.trieRoot, 4, meaning: meaning("trie_root"),
              display: "\(root) (ordinal \(root.ordinal), slot \(root.slot))",
              check: UInt64(root.ordinal) < triePageCount || triePageCount == 0 ? nil
                  : .invalid("ordinal \(root.ordinal) is not below trie_page_count \(triePageCount)"))
        let incompat = f.u32(O.incompatFeatures)
        f.add("incompat_features", O.incompatFeatures, 4, meaning: meaning("incompat_features"),
              display: TextFormat.hex(incompat, bytes: 4) + Self.featureNames(incompat),
              check: incompat & UInt64(~IncompatFeatures.known.rawValue) == 0 ? nil : .invalid("unknown feature bits"))
        f.add("record_page_hint", O.recordPageHint, 4, meaning: meaning("record_page_hint"))
        f.addReserved("reserved", O.reservedAt044C, 4)
        f.add("next_file_id", O.nextFileID, 8, meaning: meaning("next_file_id"))
        f.addReserved("reserved", O.reservedAt0458, O.triePages - O.reservedAt0458)

        let listed = Int(min(triePageCount, UInt64(Limits.maxTriePages)))
        let triePages = (0..<listed).map { f.u32(O.triePages + 4 * $0) }
        let listSize = O.checksum - O.triePages
        var listProblems: [String] = []
        if !f.isZero(O.triePages + 4 * listed, listSize - 4 * listed) {
            listProblems.append("entries past trie_page_count are not zero")
        }
        if totalInRange {
            let allocatable = UInt64(1 + (expectedBitfield ?? 1))..<(total - 1)
            if let bad = triePages.firstIndex(where: { !allocatable.contains($0) }) {
                listProblems.append("ordinal \(bad) is page \(triePages[bad]), outside pages \(allocatable.lowerBound)...\(allocatable.upperBound - 1)")
            }
        }
        let shown = triePages.prefix(16).map(String.init).joined(separator: ", ") + (triePages.count > 16 ? ", …" : "")
        f.add("trie_pages", O.triePages, listSize, meaning: meaning("trie_pages"),
              value: .numbers(triePages), display: "\(TextFormat.count(UInt64(listed), "entry", "entries")): \(shown.isEmpty ? "<none>" : shown)",
              check: listProblems.isEmpty ? nil : .invalid(listProblems.joined(separator: "; ")))
        f.addChecksum(O.checksum, meaning: meaning("checksum"),
                      computed: SystemInformationBlock.computedChecksum(bytes))

        var problems: [String] = []
        do {
            _ = try SystemInformationBlock.decode(bytes, page: PageIndex(page), verifyChecksum: true)
        } catch {
            problems.append("does not decode: \(error.reason)")
        }
        return StructureView(kind: SystemInformationBlock.structureName, location: "page \(page)",
                             offset: UInt64(page) << 16, size: Geometry.pageSize, fields: f.rows, problems: problems)
    }
}
