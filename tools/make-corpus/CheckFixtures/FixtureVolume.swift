import ArdakuFormat
import ArdakuVolume
import ArdakuZest
import TestSupport

/// The populated volume every corruption starts from: fixed UUID, times and seed, so the
/// same calls always give the same bytes.
///
/// | name | content | what it exercises |
/// |---|---|---|
/// | /readme.txt | 42 bytes of text | a one-page file |
/// | /docs/a.txt | 5 bytes | a second record in the same record page |
/// | /docs/b.bin | 200,000 bytes | four data pages, a partial last page |
/// | /docs/sub/c.dat | 70,000 bytes | a file in a subdirectory |
/// | /empty | nothing | a file with no pages |
/// | /sparse.img | 140 MiB, three data pages, the rest holes | an extension page |
/// | /nested.zest | a ZEST volume of three files (`nestedZestFiles`), type `zest` | a nested volume for pass 7 |
///
/// File contents are numbered lines of text drawn from a seeded generator: every page
/// differs, and a 4 MiB image gzips to a few kilobytes, which keeps the corpus small.
public enum FixtureVolume {
    public static let uuid = VolumeUUID(string: "12345678-9abc-4def-8123-456789abcdef")!
    public static let sparseLength: UInt64 = 140 << 20
    /// Data page ordinals of /sparse.img that hold bytes (the last two are listed by the
    /// extension page).
    public static let sparseDataOrdinals: [UInt64] = [0, 2100, 2239]

    /// The expected content of every file, by name.
    public static func contents() -> [String: [UInt8]] {
        [
            "/readme.txt": Array("Ardaku test volume: do not edit by hand.\n\n".utf8),
            "/docs/a.txt": Array("hello".utf8),
            "/docs/b.bin": text(seed: 2, count: 200_000),
            "/docs/sub/c.dat": text(seed: 3, count: 70_000),
            "/empty": [],
            "/nested.zest": nestedZest,
        ]
    }

    /// The files inside /nested.zest: one compressed, one stored (too short to shrink), one empty.
    public static let nestedZestFiles: [(name: String, bytes: [UInt8])] = [
        ("/notes/a.txt", text(seed: 4, count: 3_000)),
        ("/notes/b.txt", Array("zest".utf8)),
        ("/empty", []),
    ]

    /// The bytes of /nested.zest: a ZEST volume (4 KiB segments, about 20 KiB) holding
    /// `nestedZestFiles`, so that fsck.zest's ZEST checker finds it clean.
    public static let nestedZest: [UInt8] = {
        do {
            let store = MemoryByteStore()
            let volume = try ZestVolume.create(in: store)
            for file in nestedZestFiles { try volume.insert(try FileName(file.name), file.bytes) }
            try volume.flush()
            return store.bytes
        } catch {
            fatalError("the fixture's ZEST volume cannot be built: \(error)")
        }
    }()

    /// `count` bytes of text: every 4 KiB starts with a line naming the seed and its
    /// offset (so no two blocks are equal), then repeats a paragraph drawn once from a
    /// generator seeded with `seed` (so it gzips to almost nothing).
    public static func text(seed: UInt64, count: Int) -> [UInt8] {
        let words = ["page", "trie", "record", "subpage", "bitfield", "volume", "crc", "extension", "hole", "ardaku",
                     "zest", "cas", "commit", "backup", "generation", "node"]
        var rng = SeededGenerator(seed: seed)
        var paragraph: [UInt8] = []
        while paragraph.count < 512 { paragraph += Array("\(words[Int(rng.next() % UInt64(words.count))]) ".utf8) }
        paragraph.append(0x0A)
        var result: [UInt8] = []
        result.reserveCapacity(count + 4096)
        while result.count < count {
            var block = Array("file \(seed) block at \(result.count)\n".utf8)
            while block.count < 4096 { block += paragraph }
            result += block[0..<4096]
        }
        return Array(result[0..<count])
    }

    /// Bytes of /sparse.img at each data ordinal: 4 KiB of text, then zeros to 64 KiB.
    public static func sparsePage(_ ordinal: UInt64) -> [UInt8] {
        text(seed: 1000 + ordinal, count: 4096) + [UInt8](repeating: 0, count: Geometry.pageSize - 4096)
    }

    /// The bytes of a fresh fixture volume, built once (thread-safe lazy static).
    public static let image: [UInt8] = {
        do { return try make().0.snapshot() } catch { fatalError("the fixture volume cannot be built: \(error)") }
    }()

    /// A fresh fixture volume of 64 pages, copied from `image` (fast for many tests).
    public static func fresh() -> MemoryPageStore { MemoryPageStore(image: image) }

    /// A fresh volume of `pages` pages holding the files above.
    public static func make(pages: UInt32 = 64, withSparse: Bool = true) throws -> (MemoryPageStore, Volume) {
        let (store, volume) = try TestVolumes.make(pages: pages)
        let files = contents()
        for name in files.keys.sorted() where name != "/nested.zest" {
            try volume.put(TestVolumes.name(name), bytes: files[name]!)
        }
        var options = PutOptions()
        options.type = .zest
        try volume.put(TestVolumes.name("/nested.zest"), bytes: files["/nested.zest"]!, options: options)
        if withSparse {
            let sparse = TestVolumes.name("/sparse.img")
            try volume.put(sparse, bytes: [])
            try volume.truncate(sparse, to: sparseLength)
            for ordinal in sparseDataOrdinals { try volume.write(sparse, at: ordinal << 16, sparsePage(ordinal)) }
        }
        try volume.close()
        return (store, volume)
    }

    /// The expected bytes of `/sparse.img`.
    public static func sparseContent() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Int(sparseLength))
        for ordinal in sparseDataOrdinals {
            let start = Int(ordinal << 16)
            bytes.replaceSubrange(start..<(start + Geometry.pageSize), with: sparsePage(ordinal))
        }
        return bytes
    }
}

extension FixtureVolume {
    /// Every fixture file with the CRC-32 and length of its content, from the pristine image.
    public static let expectedFiles: [String: (crc: UInt32, length: UInt64)] = {
        do {
            let volume = try Volume(store: fresh())
            var result: [String: (UInt32, UInt64)] = [:]
            for file in try volume.list() { result[file.name] = try contentCRC(volume, file.name) }
            return result
        } catch {
            fatalError("the fixture volume cannot be read: \(error)")
        }
    }()

    /// CRC-32 and length of a file's content, read through the volume library (which
    /// verifies every data page's CRC-32 on the way).
    public static func contentCRC(_ volume: Volume, _ name: String) throws -> (crc: UInt32, length: UInt64) {
        var crc: UInt32 = 0
        var length: UInt64 = 0
        try volume.read(try Volume.fileName(name)) { (bytes: UnsafeRawBufferPointer) throws(VolumeError) in
            crc = CRC32.checksum(bytes, continuing: crc)
            length += UInt64(bytes.count)
        }
        return (crc, length)
    }
}
