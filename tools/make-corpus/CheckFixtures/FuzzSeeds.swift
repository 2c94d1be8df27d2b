import ArdakuFormat
import ArdakuVolume
import TestSupport

/// The fuzz targets' seeds, `tools/fuzz/seeds/<target>/<name>` (`make-corpus fuzz-seeds DIR`,
/// `tools/fuzz/make-seeds`). Deterministic: the same sources give byte-identical files.
///
/// Most seeds are a few bytes: a clean volume, or one small patch (input formats in
/// `FuzzHarness` and `ByteVolumeFuzzing`). The `raw-clean` seeds are the whole base volume
/// in raw mode. The `extract` target's `hostile-*` seeds describe volumes whose names the
/// host cannot take as they are: the fuzzing volume plus files of harmless placeholder names, the placeholders
/// replaced in the image (the trie's edge and the record's copy of the name), checksums
/// resealed, then written as a resealing patch list over the fuzzing volume.
public enum FuzzSeeds {
    public struct Seed: Sendable {
        public let target: FuzzTarget
        public let name: String
        public let bytes: [UInt8]
    }

    public static func all() throws -> [Seed] {
        var seeds: [Seed] = []
        func add(_ target: FuzzTarget, _ name: String, _ bytes: [UInt8]) { seeds.append(Seed(target: target, name: name, bytes: bytes)) }

        // check: the clean volumes, and a 4-byte patch (resealed) at the start of each page,
        // at a page's first fields, at its first record's fields and in its second subpage.
        add(.check, "clean", [0x00])
        add(.check, "clean-ext", [0x04])
        add(.check, "clean-resealed", [0x02])
        for page in 0..<UInt8(FuzzHarness.pageCount) {
            for offset: UInt16 in [0x0010, 0x0088] { add(.check, "patch-ext-\(pageName(page, offset))-resealed", fieldPatch(mode: 0x06, page, offset)) }
        }
        for page in 0..<UInt8(FuzzHarness.pageCount) {
            for offset: UInt16 in [0x0010, 0x0040, 0x0088, 0x4010] { add(.check, "patch-\(pageName(page, offset))-resealed", fieldPatch(mode: 0x02, page, offset)) }
        }
        // Kept as first written: its length byte (4) asks for 5 bytes and 4 follow.
        let label: [UInt8] = [0x00, 0x00, 0x02, 0x00, 0x04] + Array("ABCD".utf8)
        add(.check, "patch-page0-label", label)
        // An empty patch (page 0, offset 0, no bytes): the resealed clean volume again.
        let trie: [UInt8] = [0x02, 0x00, 0x00, 0x00, 0x00]
        add(.check, "patch-trie-resealed", trie)
        add(.check, "raw-empty", [0x01])

        // zest: byte patches over the ZEST fuzzing volume.
        add(.zest, "backup-header-0810", bytePatch(0x0810, [0xFF]))
        add(.zest, "clean", [0x00])
        add(.zest, "content-3064", bytePatch(0x3064, [0x00]))
        add(.zest, "content-4064", bytePatch(0x4064, [0xFF]))
        add(.zest, "header-field-0010", bytePatch(0x0010, [0xFF]))
        add(.zest, "header-magic", bytePatch(0x0000, Array("ZESU".utf8)))
        add(.zest, "raw-clean", [0x01] + ByteVolumeFuzzing.zest.base)
        add(.zest, "second-fragment-2010", bytePatch(0x2010, [0x55]))
        add(.zest, "table-entry-1010", bytePatch(0x1010, [0x7F]))
        add(.zest, "table-entry-1040", bytePatch(0x1040, [0x00, 0x00, 0x01]))
        add(.zest, "table-head-1000", bytePatch(0x1000, [0xFF, 0xFF]))

        // cas: byte patches over the CAS fixture.
        add(.cas, "clean", [0x00])
        add(.cas, "raw-clean", [0x01] + ByteVolumeFuzzing.cas.base)
        add(.cas, "record-2000", bytePatch(0x2000, [0x00]))
        add(.cas, "record-2010", bytePatch(0x2010, [0xFF]))
        add(.cas, "record-2064", bytePatch(0x2064, [0x42]))
        add(.cas, "record-3000", bytePatch(0x3000, [0x00, 0x01]))
        add(.cas, "record-5000", bytePatch(0x5028, [0x11]))
        add(.cas, "seal-0800", bytePatch(0x0800, [0x00]))
        add(.cas, "slot0-checksum", bytePatch(0x007C, [0x00]))
        add(.cas, "slot0-field-0008", bytePatch(0x0008, [0xFF]))
        add(.cas, "slot1-field-1008", bytePatch(0x1008, [0xFF]))

        // dump: some check seeds (the Ardaku views), and zest seeds with bit 3 (ZestDump).
        add(.dump, "ardaku-clean", [0x00])
        add(.dump, "ardaku-clean-ext", [0x04])
        add(.dump, "ardaku-patch-ext-p02-0088-resealed", fieldPatch(mode: 0x06, 2, 0x0088))
        add(.dump, "ardaku-patch-p01-0040-resealed", fieldPatch(mode: 0x02, 1, 0x0040))
        add(.dump, "ardaku-patch-p03-4010-resealed", fieldPatch(mode: 0x02, 3, 0x4010))
        add(.dump, "ardaku-patch-page0-label", label)
        add(.dump, "ardaku-patch-trie-resealed", trie)
        add(.dump, "ardaku-raw-empty", [0x01])
        add(.dump, "ardaku-resealed", [0x02])
        add(.dump, "zest-clean", [0x08])
        add(.dump, "zest-header-field-0010", [0x08] + bytePatch(0x0010, [0xFF]).dropFirst())
        add(.dump, "zest-table-entry-1010", [0x08] + bytePatch(0x1010, [0x7F]).dropFirst())

        // extract: some check seeds, and volumes whose names the host refuses or SafeOutput must.
        add(.extract, "clean", [0x00])
        add(.extract, "clean-ext", [0x04])
        add(.extract, "clean-resealed", [0x02])
        add(.extract, "patch-ext-p02-0088-resealed", fieldPatch(mode: 0x06, 2, 0x0088))
        add(.extract, "patch-p01-0040-resealed", fieldPatch(mode: 0x02, 1, 0x0040))
        add(.extract, "patch-p03-4010-resealed", fieldPatch(mode: 0x02, 3, 0x4010))
        add(.extract, "patch-trie-resealed", trie)
        add(.extract, "raw-empty", [0x01])
        for hostile in hostileVolumes { add(.extract, "hostile-\(hostile.name)", try hostile.seed()) }
        return seeds
    }

    static func pageName(_ page: UInt8, _ offset: UInt16) -> String {
        let hex = String(offset, radix: 16)
        return "p" + (page < 10 ? "0" : "") + "\(page)-" + String(repeating: "0", count: 4 - hex.count) + hex
    }

    /// A `check` patch `page, offset (LE16), length - 1, bytes` (without the mode byte).
    static func pagePatch(_ page: UInt8, _ offset: UInt16, _ bytes: [UInt8]) -> [UInt8] {
        precondition((1...32).contains(bytes.count))
        return [page, UInt8(offset & 0xFF), UInt8(offset >> 8), UInt8(bytes.count - 1)] + bytes
    }

    /// The `check` seeds' patch: the 32-bit field at `offset` of `page` set to 0x00010007.
    static func fieldPatch(mode: UInt8, _ page: UInt8, _ offset: UInt16) -> [UInt8] {
        [mode] + pagePatch(page, offset, [0x07, 0x00, 0x01, 0x00])
    }

    /// A `zest` or `cas` input: mode 0, one patch `offset (3 bytes LE), length - 1, bytes`.
    static func bytePatch(_ offset: Int, _ bytes: [UInt8]) -> [UInt8] {
        [0x00, UInt8(offset & 0xFF), UInt8(offset >> 8 & 0xFF), UInt8(offset >> 16 & 0xFF), UInt8(bytes.count - 1)] + bytes
    }

    /// A volume of hostile names for the `extract` target.
    struct HostileVolume {
        let name: String
        /// Files put through the volume (valid names) and their content.
        let files: [(name: String, content: [UInt8])]
        /// Byte strings of those names replaced in the image, each by one as long; each must
        /// lie after the name's first byte that differs from every other name (so it is whole
        /// in one trie edge, and the siblings' order does not change).
        let replacements: [(placeholder: [UInt8], name: [UInt8])]

        /// The resealing patch list that turns the fuzzing volume into this one.
        func seed() throws -> [UInt8] {
            // Added to the fuzzing volume itself: its free pages are zeros, so the patch list
            // holds only the new metadata and data.
            let store = MemoryPageStore(image: FuzzHarness.baseImage)
            let volume = try Volume(store: store)
            volume.clock = { 1_700_000_200 }
            for file in files { _ = try volume.put(FileName(file.name), bytes: file.content) }
            try volume.close()
            var image = store.snapshot()
            var expected = Set((["/a", "/d/b", "/e"] + files.map(\.name)).map { Array($0.utf8) })
            for (placeholder, name) in replacements {
                precondition(placeholder.count == name.count)
                var found = 0
                var index = 0
                while index + placeholder.count <= image.count {
                    if image[index] == placeholder[0], image[index..<(index + placeholder.count)].elementsEqual(placeholder) {
                        image.replaceSubrange(index..<(index + placeholder.count), with: name)
                        found += 1
                        index += placeholder.count
                    } else {
                        index += 1
                    }
                }
                // At least in the trie's edge and in the record's copy of the name (also in the
                // pages earlier commits left free).
                guard found >= 2 else { throw SeedError(description: "hostile-\(self.name): \(placeholder) found \(found) times") }
                expected = Set(expected.map { Self.replacing(placeholder, with: name, in: $0) })
            }
            if !replacements.isEmpty { Self.refileChildren(&image) }
            let hostile = MemoryPageStore(image: image)
            FuzzHarness.reseal(hostile)
            let target = hostile.snapshot()
            // The reader must list every hostile name, so that each reaches the extraction.
            let listed = try Volume(store: MemoryPageStore(image: target)).listReadable(prefix: [UInt8(ascii: "/")]).files.map(\.nameBytes)
            guard Set(listed) == expected else {
                throw SeedError(description: "hostile-\(self.name): the volume lists \(listed.map { String(decoding: $0, as: UTF8.self) })")
            }
            let seed = [0x02] + FuzzSeeds.patches(from: FuzzHarness.baseImage, to: target)
            guard seed.count <= 65_600, FuzzHarness.image(seed) == target else {
                throw SeedError(description: "hostile-\(self.name): the patch list (\(seed.count) bytes) does not give the volume")
            }
            return seed
        }

        /// A replacement at the start of an edge changes the byte its parent files it under
        /// (docs/FORMAT.md §6.3): each node's `child_bytes` become its children's first label
        /// bytes again, for children in the same trie page (the fuzzing volume has one).
        static func refileChildren(_ image: inout [UInt8]) {
            func u16(_ at: Int) -> Int { Int(image[at]) | Int(image[at + 1]) << 8 }
            func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
            for start in stride(from: 0, to: image.count, by: Geometry.pageSize) where u32(start) == Int(TriePage.magic) {
                let ordinal = u16(start + 8), slots = u16(start + 0x0A)
                func node(_ slot: Int) -> Int? {
                    guard slot < slots else { return nil }
                    let offset = u16(start + 0x18 + 2 * slot)
                    return offset == 0 || offset > Geometry.pageSize - 12 ? nil : start + offset
                }
                for slot in 0..<slots {
                    guard let parent = node(slot) else { continue }
                    let count = u16(parent + 4)
                    for index in 0..<count {
                        let reference = u32(parent + 12 + count + 4 * index)
                        guard reference >> 16 == ordinal, let child = node(reference & 0xFFFF) else { continue }
                        let label = child + 12 + 5 * u16(child + 4)
                        if u16(child + 2) > 0, label < start + Geometry.pageSize { image[parent + 12 + index] = image[label] }
                    }
                }
            }
        }

        static func replacing(_ placeholder: [UInt8], with name: [UInt8], in bytes: [UInt8]) -> [UInt8] {
            guard bytes.count >= placeholder.count,
                  let start = (0...(bytes.count - placeholder.count)).first(where: { bytes[$0..<($0 + placeholder.count)].elementsEqual(placeholder) }) else { return bytes }
            var result = bytes
            result.replaceSubrange(start..<(start + placeholder.count), with: name)
            return result
        }
    }

    struct SeedError: Error, CustomStringConvertible { let description: String }

    static func bytes(_ string: String) -> [UInt8] { Array(string.utf8) }

    static let hostileVolumes: [HostileVolume] = [
        // Components of 255 bytes (the host's limit), 256 and 300 (ENAMETOOLONG), as a file and as a directory.
        HostileVolume(name: "long-components", files: [
            ("/l/" + String(repeating: "y", count: 255), bytes("255")),
            ("/m/" + String(repeating: "z", count: 256), []),
            ("/n/" + String(repeating: "w", count: 300) + "/f", bytes("300")),
        ], replacements: []),
        // A name of 1020 bytes (the format's limit): 509 directories deep.
        HostileVolume(name: "deep", files: [
            (String(repeating: "/k", count: 509) + "/f", bytes("deep")),
        ], replacements: []),
        // A file and a directory of the same name: /x is a file, /x/y needs it to be a directory.
        HostileVolume(name: "file-and-directory", files: [
            ("/x", bytes("file")),
            ("/x0yyyyyy", []),
            ("/p/q", []),
            ("/p/q0rrrrrr/s", []),
        ], replacements: [
            (bytes("0yyyyyy"), bytes("/yyyyyy")),
            (bytes("0rrrrrr"), bytes("/rrrrrr")),
        ]),
        // '..' and '.' components: out of the root, out of a directory, and in place.
        HostileVolume(name: "dot-dot", files: [
            ("/QQ/escape-root", bytes("up")),
            ("/g/QQ/QQ/escape-two", []),
            ("/h/QQ", []),
            ("/f/Q/in-place", []),
        ], replacements: [
            (bytes("QQ/escape-root"), bytes("../escape-root")),
            (bytes("QQ/QQ/escape-two"), bytes("../../escape-two")),
            (bytes("h/QQ"), bytes("h/..")),
            (bytes("f/Q/in-place"), bytes("f/./in-place")),
        ]),
        // Bytes FileName refuses: NUL, invalid UTF-8, an overlong '/', an empty component, a
        // trailing '/'.
        HostileVolume(name: "bad-bytes", files: [
            ("/u/nulQ-byte", bytes("nul")),
            ("/b/QQ-invalid", []),
            ("/c/QQ-overlong-slash", []),
            ("/v/Q-empty-component", []),
            ("/t/trailingQ", []),
        ], replacements: [
            (bytes("nulQ-byte"), bytes("nul") + [0x00] + bytes("-byte")),
            (bytes("QQ-invalid"), [0xFF, 0xFE] + bytes("-invalid")),
            (bytes("QQ-overlong-slash"), [0xC0, 0xAF] + bytes("-overlong-slash")),
            (bytes("Q-empty-component"), bytes("/-empty-component")),
            (bytes("trailingQ"), bytes("trailing/")),
        ]),
    ]

    /// A patch list (without the mode byte) that turns `base` into `target`, page by page.
    static func patches(from base: [UInt8], to target: [UInt8]) -> [UInt8] {
        precondition(base.count == target.count)
        var result: [UInt8] = []
        let pageSize = Geometry.pageSize
        for page in 0..<(base.count / pageSize) {
            let start = page * pageSize
            var offset = 0
            while offset < pageSize {
                guard base[start + offset] != target[start + offset] else { offset += 1; continue }
                // Up to 32 bytes, ending at the last byte that differs.
                var end = offset
                for candidate in offset..<min(offset + 32, pageSize) where base[start + candidate] != target[start + candidate] { end = candidate }
                result += pagePatch(UInt8(page), UInt16(offset), Array(target[(start + offset)...(start + end)]))
                offset = end + 1
            }
        }
        return result
    }
}
