import ArdakuFormat

/// An extension page read in place (docs/FORMAT.md §8.2).
struct ExtensionView {
    let bytes: UnsafeRawBufferPointer
    let storedChecksum: UInt32
    let sequence: UInt32
    let entryCount: Int
    let fileID: UInt64
    let reserved: UInt64

    /// Reads the header; fails on a wrong magic or an entry count outside 1...8188.
    static func read(_ bytes: UnsafeRawBufferPointer) -> Result<ExtensionView, RecordProblem> {
        guard bytes.count == Geometry.pageSize,
              let magic = ByteReader.uint32(in: bytes, at: ExtensionPage.Offset.magic),
              let stored = ByteReader.uint32(in: bytes, at: ExtensionPage.Offset.checksum),
              let sequence = ByteReader.uint32(in: bytes, at: ExtensionPage.Offset.sequence),
              let count = ByteReader.uint32(in: bytes, at: ExtensionPage.Offset.entryCount),
              let fileID = ByteReader.uint64(in: bytes, at: ExtensionPage.Offset.fileID),
              let reserved = ByteReader.uint64(in: bytes, at: ExtensionPage.Offset.reserved) else { return .failure(.truncated) }
        guard magic == ExtensionPage.magic else { return .failure(.badMagic(magic)) }
        guard count >= 1, count <= UInt32(Limits.entriesPerExtensionPage) else {
            return .failure(.fieldOutOfRange("entry_count", UInt64(count)))
        }
        return .success(ExtensionView(bytes: bytes, storedChecksum: stored, sequence: sequence, entryCount: Int(count),
                                      fileID: fileID, reserved: reserved))
    }

    var computedChecksum: UInt32 { ExtensionPage.checksum(bytes) }

    func entry(_ index: Int) -> PageEntry {
        let at = ExtensionPage.headerSize + 8 * index
        return PageEntry(page: PageIndex(ByteReader.uint32(in: bytes, at: at) ?? 0), checksum: ByteReader.uint32(in: bytes, at: at + 4) ?? 0)
    }
}
