import ArdakuFormat
import ArdakuVolume

/// Recomputes, from the files a volume lists, which pages it uses, and compares that with
/// the bitfield on disk and the counters in page 0. A test-side cross-check of the
/// allocator, independent of the volume library's own bookkeeping.
public enum Audit {
    public struct Result: Equatable, CustomStringConvertible {
        public var reachable: Set<UInt32>
        public var marked: Set<UInt32>
        public var usedPageCount: UInt32
        public var fileCount: UInt32
        public var listedFiles: Int
        public var description: String {
            "reachable-not-marked \(reachable.subtracting(marked).sorted().prefix(10)), marked-not-reachable \(marked.subtracting(reachable).sorted().prefix(10)), used_page_count \(usedPageCount) vs \(reachable.count), file_count \(fileCount) vs \(listedFiles)"
        }
        public var isConsistent: Bool {
            reachable == marked && Int(usedPageCount) == reachable.count && Int(fileCount) == listedFiles
        }
    }

    public static func run(_ store: PageStore) throws -> Result {
        let volume = try Volume(store: store)
        let system = volume.committed
        let layout = VolumeLayout(totalPageCount: system.totalPageCount)!
        var reachable: Set<UInt32> = [0, layout.backupPage.rawValue]
        reachable.formUnion(layout.bitfieldPages)
        reachable.formUnion(system.triePages.map(\.rawValue))
        let files = try volume.list()
        for file in files {
            reachable.insert(file.subpage.page.rawValue)
            reachable.formUnion(file.extensionPages.map(\.rawValue))
            let name = try FileName(bytes: file.nameBytes)
            for entry in try volume.pageEntries(name) where !entry.isHole { reachable.insert(entry.page.rawValue) }
        }
        var marked: Set<UInt32> = []
        for page in 0..<system.totalPageCount {
            let location = UsedPageBitfield.location(of: PageIndex(page))
            let byte = try store.read(location.bitfieldPage)[location.byteOffset]
            if byte & (1 << UInt8(location.bit)) != 0 { marked.insert(page) }
        }
        return Result(reachable: reachable, marked: marked, usedPageCount: system.usedPageCount,
                      fileCount: system.fileCount, listedFiles: files.count)
    }
}
