import ArdakuCheck
import ArdakuFormat
import ArdakuVolume
import TestSupport

/// The libFuzzer target's body, shared with the regression tests that replay
/// `images/fuzz-crashes/`.
///
/// An input is either a patch list applied to a small valid volume (the usual case: the
/// fuzzer mutates a valid image) or a raw image:
///
/// - byte 0, bit 0 clear: **patch mode**. Bit 1 set: after patching, every structure whose
///   magic is intact gets a valid checksum again, so that the fuzzer reaches the checks
///   behind the checksums. Bit 2 set: the volume also holds a sparse file with an extension
///   page (slower to check: 2100 entries). The rest is a sequence of patches `page (1 byte, modulo the
///   volume's 16 pages), offset (2 bytes LE), length (1 byte, 1...32), bytes`.
/// - byte 0, bit 0 set: **raw mode**. The rest is the image itself, padded with zeros to
///   four pages.
///
/// Each input is checked read-only (the store refuses writes), then repaired, then checked
/// again; the properties are that nothing traps and that the second check after a repair
/// finds nothing (unless the volume cannot be checked at all, or is too full for the
/// repair: then the repair must commit nothing, exit 4, and leave the findings unchanged).
public enum FuzzHarness {
    /// Pages of the fuzzing volume.
    public static let pageCount: UInt32 = 16

    /// The small valid volume patch mode starts from: a one-page file, a two-page file in a
    /// directory, an empty file.
    public static let baseImage: [UInt8] = makeBase(withSparse: false)
    /// The same plus a sparse file whose last data page is listed by an extension page.
    public static let baseImageWithExtension: [UInt8] = makeBase(withSparse: true)

    static func makeBase(withSparse: Bool) -> [UInt8] {
        do {
            let (store, volume) = try TestVolumes.make(pages: pageCount, label: "fuzz")
            try volume.put(TestVolumes.name("/a"), bytes: FixtureVolume.text(seed: 1, count: 3000))
            try volume.put(TestVolumes.name("/d/b"), bytes: FixtureVolume.text(seed: 2, count: 70_000))
            try volume.put(TestVolumes.name("/e"), bytes: [])
            if withSparse {
            let sparse = TestVolumes.name("/d/s")
            try volume.put(sparse, bytes: [])
            try volume.truncate(sparse, to: 2100 << 16)
            try volume.write(sparse, at: 0, FixtureVolume.text(seed: 3, count: 100))
            try volume.write(sparse, at: 2099 << 16, FixtureVolume.text(seed: 4, count: 100))
            }
            try volume.close()
            return store.snapshot()
        } catch {
            fatalError("the fuzzing volume cannot be built: \(error)")
        }
    }

    /// Why an input broke a property.
    public struct Violation: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs one input; returns a violation instead of trapping so tests can report it.
    public static func run(_ data: UnsafeRawBufferPointer, reusing scratch: MemoryPageStore? = nil) -> Violation? {
        guard let mode = data.first else { return nil }
        let store = makeStore(mode: mode, data.dropFirst(), scratch: scratch)
        store.isReadOnly = true
        let writesBefore = store.writeCount
        let readOnly = Checker(store: store, options: CheckOptions(repair: .none, force: true)).run()
        // The store refuses writes while read-only; none may even have been counted.
        guard store.writeCount == writesBefore else { return Violation(description: "-n wrote to the image") }
        store.isReadOnly = false
        let repair = Checker(store: store, options: CheckOptions(repair: .all, force: true)).run()
        let second = Checker(store: store, options: CheckOptions(repair: .none, force: true)).run()
        if readOnly.fatal != nil {
            guard repair.fatal != nil, second.fatal != nil else { return Violation(description: "fatal only in some runs") }
            return nil
        }
        if let failure = repair.repairFailure {
            // A volume too full for the repair's copy-on-write pages is not repaired, as
            // e2fsck leaves errors it cannot fix: exit status 4 alone, nothing committed,
            // and a check still finds exactly what the first one found.
            guard repair.repairLackedSpace else { return Violation(description: "repair failed: \(failure)") }
            guard repair.exitStatus == .errorsUncorrected, !repair.modified else {
                return Violation(description: "repair without space: exit status \(repair.exitStatus.rawValue), modified \(repair.modified)")
            }
            let before = readOnly.findings.map(\.description), after = second.findings.map(\.description)
            guard before == after else {
                return Violation(description: "repair without space changed what a check finds:\nbefore: \(before)\nafter: \(after)")
            }
            return nil
        }
        if let problem = second.findings.first(where: { $0.severity >= .warning }) {
            return Violation(description: "second run after repair: \(problem)\nfirst run: \(readOnly.findings.map(\.description))")
        }
        return nil
    }

    public static func run(_ bytes: [UInt8]) -> Violation? {
        bytes.withUnsafeBytes { run($0) }
    }

    /// The image an input describes (before any check), to look at with fsck.zest or dumpfs.
    public static func image(_ bytes: [UInt8]) -> [UInt8]? {
        bytes.withUnsafeBytes { raw in
            guard let mode = raw.first else { return nil }
            return makeStore(mode: mode, raw.dropFirst(), scratch: nil).snapshot()
        }
    }

    /// A store for the harness to reuse between inputs (the fuzzer is single-threaded):
    /// filling it costs a copy, where a new store also costs zeroing.
    public static func scratchStore() -> MemoryPageStore { MemoryPageStore(pageCount: pageCount) }

    static func makeStore(mode: UInt8, _ rest: Slice<UnsafeRawBufferPointer>, scratch: MemoryPageStore?) -> MemoryPageStore {
        if mode & 1 == 1 {
            var image = Array(rest)
            let minimum = Int(Limits.minPageCount) * Geometry.pageSize
            if image.count < minimum { image += [UInt8](repeating: 0, count: minimum - image.count) }
            return MemoryPageStore(image: image)
        }
        let base = mode & 4 == 4 ? baseImageWithExtension : baseImage
        let store: MemoryPageStore
        if let scratch {
            store = scratch
            store.isReadOnly = false
            base.withUnsafeBytes { raw in
                for page in 0..<pageCount {
                    let start = Int(page) * Geometry.pageSize
                    try? store.write(UnsafeRawBufferPointer(rebasing: raw[start..<(start + Geometry.pageSize)]), to: PageIndex(page), at: PageOffset(0))
                }
            }
        } else {
            store = MemoryPageStore(image: base)
        }
        var index = rest.startIndex
        while index + 4 <= rest.endIndex {
            let page = UInt32(rest[index]) % pageCount
            let offset = Int(rest[index + 1]) | Int(rest[index + 2]) << 8
            let length = Int(rest[index + 3] % 32) + 1
            index += 4
            let available = min(length, rest.endIndex - index, Geometry.pageSize - offset)
            guard available > 0 else { break }
            try? store.write(Array(rest[index..<(index + available)]), to: PageIndex(page), at: PageOffset(UInt32(offset)))
            index += available
        }
        if mode & 2 == 2 { reseal(store) }
        return store
    }

    /// Gives every structure whose magic is intact a valid checksum.
    static func reseal(_ store: MemoryPageStore) {
        let damage = Damage(store)
        for page in 0..<pageCount {
            guard let bytes = try? store.read(PageIndex(page)) else { continue }
            if ByteReader.uint32(in: bytes, at: 0x400) == SystemInformationBlock.magic { damage.resealSystemBlock(page: page) }
            switch ByteReader.uint32(in: bytes, at: 0) {
            case TriePage.magic?: damage.resealTriePage(page)
            case ExtensionPage.magic?: damage.resealExtensionPage(page)
            default: break
            }
            for slot in 0..<Geometry.subpagesPerPage {
                let magic = ByteReader.uint32(in: bytes, at: slot * Geometry.subpageSize)
                let used = ByteReader.uint32(in: bytes, at: slot * Geometry.subpageSize + 8) ?? 0
                if magic == FileRecord.magic || magic == FileRecord.tombstoneMagic, used >= 8, used <= UInt32(Geometry.subpageSize) {
                    damage.resealRecord(page * 4 + UInt32(slot))
                }
            }
        }
    }
}
