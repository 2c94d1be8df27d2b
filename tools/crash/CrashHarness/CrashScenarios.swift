import ArdakuCAS
import ArdakuFormat
import ArdakuVolume
import ArdakuZest
import TestSupport

/// The operations the harness crashes, each on a copy of one small base volume: every
/// write path of the volume library (put new, overwrite, write in place, append, truncate,
/// rm, mv, mv over a file, with and without extension pages), a sequence of them on one
/// open volume, and ZEST and CAS operations on nested volumes held in Ardaku files.
public enum CrashScenarios {
    /// Pages of the base volume (8 MiB): small to copy, large enough for every operation.
    public static let pageCount: UInt32 = 128

    /// Data pages a record of a short name lists inline; a file with more data pages (holes
    /// count: they are entries too) needs extension pages.
    public static let inlineEntries = FileRecord.inlineCapacity(nameLength: 8, tagCount: 0, extensionPageCount: 0)

    static func name(_ string: String) -> FileName { try! FileName(string) }

    /// Compressible text for ZEST and CAS contents.
    static func text(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SeededGenerator(seed: seed)
        let words = ["page", "bitfield", "trie", "record", "commit", "flush", "crash", "sector", "zest", "cas", "volume"]
        var result: [UInt8] = []
        while result.count < count {
            result += Array(words[Int(rng.next() % UInt64(words.count))].utf8) + [rng.next() % 7 == 0 ? 10 : 32]
        }
        return Array(result.prefix(count))
    }

    /// The base volume: plain files of 0 bytes to a few pages, two sparse files whose page
    /// lists reach extension pages (one just below the inline limit), a ZEST volume with
    /// free segments to compact, and a CAS volume with three tags. With `reusedPages`, junk
    /// files are stored and removed first, so that every page the base and the operations
    /// take held something before (stale records, tombstones and data).
    public static func base(reusedPages: Bool = false) throws -> (image: [UInt8], state: VolumeState) {
        let (store, volume) = try TestVolumes.make(pages: pageCount)
        var rng = SeededGenerator(seed: 2026)
        if reusedPages {
            var junk = SeededGenerator(seed: 99)
            let names = (0..<40).map { "/junk/\($0)" }
            for (n, path) in names.enumerated() { try volume.put(name(path), bytes: junk.bytes(n % 5 == 0 ? 150_000 : 3_000)) }
            for path in names { try volume.remove(name(path)) }
        }
        var state = VolumeState()
        let sparsePages = UInt64(inlineEntries + 60)
        let plain: [(String, FileContent)] = [
            ("/a.txt", FileContent(rng.bytes(100))),
            ("/docs/b.bin", FileContent(rng.bytes(150_000))),
            ("/docs/c", FileContent([])),
            ("/sparse", FileContent(length: sparsePages << 16 + 5, data: [
                (0, rng.bytes(3_000)), (1_000 << 16, rng.bytes(65_536)),
                (UInt64(inlineEntries + 10) << 16, rng.bytes(70_000)), (sparsePages << 16, rng.bytes(5)),
            ])),
            ("/edge", FileContent(length: UInt64(inlineEntries - 3) << 16, data: [(0, rng.bytes(65_536))])),
        ]
        for (path, content) in plain {
            try volume.put(name(path), from: content.source)
            state.files[path] = content
        }

        var zestFiles: [String: [UInt8]] = [:]
        var options = PutOptions()
        options.type = .zest
        try volume.put(name("/box.zest"), bytes: [], options: options)
        do {
            let store = try VolumeFileByteStore(volume: volume, name: name("/box.zest"))
            let zest = try ZestVolume.create(in: store)
            // Two files first, deleted at the end: free segments below the others to compact.
            try zest.insert(name("/z/gone1"), rng.bytes(9_000))
            try zest.insert(name("/z/gone2"), rng.bytes(5_000))
            try zest.flush()
            for n in 1...8 {
                let content = text(1_000 + n * 2_500, seed: UInt64(n))
                try zest.insert(name("/z/\(n)"), content)
                zestFiles["/z/\(n)"] = content
            }
            try zest.flush()
            try zest.delete(name("/z/gone1"))
            try zest.delete(name("/z/gone2"))
            try zest.flush()
            try store.close()
        }
        state.nested["/box.zest"] = .zest(zestFiles)

        var tags: [String: [UInt8]] = [:]
        options.type = .cas
        try volume.put(name("/store.cas"), bytes: [], options: options)
        do {
            let store = try VolumeFileByteStore(volume: volume, name: name("/store.cas"))
            let cas = try CASVolume.create(on: store)
            for (tag, content) in [("t1", text(20_000, seed: 11)), ("t2", rng.bytes(100_000)), ("t3", text(5_000, seed: 13))] {
                try cas.setTag(tag, to: try cas.putContent(content))
                tags[tag] = content
            }
            try cas.commit()
            try store.close()
        }
        state.nested["/store.cas"] = .cas(tags)
        try volume.close()
        return (store.snapshot(), state)
    }

    /// How many scenarios `all()` returns.
    public static var count: Int { 2 * (volumeSteps().count + nestedSteps().count + 2) }

    /// Every scenario, on the fresh base volume and on the one whose pages were used before.
    public static func all() throws -> [CrashScenario] {
        var result: [CrashScenario] = []
        for reused in [false, true] {
            let (image, state) = try base(reusedPages: reused)
            let prefix = reused ? "[reused pages] " : ""
            result += (volumeSteps() + nestedSteps()).map {
                CrashScenario(label: prefix + $0.label, baseImage: image, baseState: state, steps: [$0])
            }
            result.append(CrashScenario(label: prefix + "a sequence on one open volume", baseImage: image, baseState: state, steps: sequence()))
            result.append(CrashScenario(label: prefix + "a sequence of nested-volume operations", baseImage: image, baseState: state,
                                        steps: nestedSequence()))
        }
        return result
    }

    // MARK: Volume operations

    static func put(_ path: String, _ content: FileContent, replacing: Bool = false, label: String) -> CrashStep {
        CrashStep(label, model: { $0.files[path] = content }) { volume in
            var options = PutOptions()
            options.replaceExisting = replacing
            try volume.put(name(path), from: content.source, options: options)
        }
    }

    /// A put that records attributes: on the base volume, the first record with an attribute
    /// area, so the commit also sets page 0's file-attributes bit (FORMAT §4.1, §7.2).
    static func putWithAttributes(_ path: String, _ content: FileContent, label: String) -> CrashStep {
        CrashStep(label, model: { $0.files[path] = content }) { volume in
            var options = PutOptions()
            options.attributes = FileAttributes(
                kind: .regular, permissions: 0o4750, owner: 1000, group: 100,
                modificationTime: .init(seconds: 1_700_000_000, nanoseconds: 123),
                extendedAttributes: [.init(name: Array("user.crash".utf8), value: Array("harness".utf8))])
            try volume.put(name(path), from: content.source, options: options)
        }
    }

    static func write(_ path: String, at offset: UInt64, _ bytes: [UInt8], label: String) -> CrashStep {
        CrashStep(label, model: { $0.files[path]!.write(at: offset, bytes) }) { try $0.write(name(path), at: offset, bytes) }
    }

    static func append(_ path: String, _ bytes: [UInt8], label: String) -> CrashStep {
        CrashStep(label, model: { $0.files[path]!.append(bytes) }) { try $0.append(name(path), bytes) }
    }

    static func truncate(_ path: String, to length: UInt64, label: String) -> CrashStep {
        CrashStep(label, model: { $0.files[path]!.truncate(to: length) }) { try $0.truncate(name(path), to: length) }
    }

    static func remove(_ path: String, label: String) -> CrashStep {
        CrashStep(label, model: { $0.files[path] = nil }) { try $0.remove(name(path)) }
    }

    static func move(_ source: String, to target: String, replacing: Bool = false, label: String) -> CrashStep {
        CrashStep(label, model: { $0.move(source, to: target) }) {
            try $0.move(Array(source.utf8), to: Array(target.utf8), replaceExisting: replacing)
        }
    }

    static func volumeSteps() -> [CrashStep] {
        var rng = SeededGenerator(seed: 7)
        let inline = UInt64(inlineEntries)
        let newSparse = FileContent(length: (inline + 40) << 16, data: [(0, rng.bytes(10_000)), ((inline + 20) << 16, rng.bytes(65_536))])
        let otherSparse = FileContent(length: (inline + 90) << 16 + 3, data: [(5 << 16, rng.bytes(65_536)), ((inline + 80) << 16, rng.bytes(66_000))])
        return [
            put("/new/f", FileContent(rng.bytes(140_000)), label: "put a new file"),
            put("/new/sparse", newSparse, label: "put a new file with extension pages"),
            putWithAttributes("/new/attributes", FileContent(rng.bytes(90_000)),
                              label: "put a new file with attributes (page 0 announces them in the same commit)"),
            CrashStep("mkdir (a directory record: an empty directory reads as an empty file's name)",
                      model: { $0.files["/new/empty-dir"] = FileContent([]) }) { volume in
                try volume.makeNode(name("/new/empty-dir"), attributes: FileAttributes(
                    kind: .directory, permissions: 0o750, modificationTime: .init(seconds: 1_700_000_000)))
            },
            CrashStep("ln (a second name: both records in one commit; page 0 announces hard links)",
                      model: { $0.files["/linked"] = $0.files["/docs/b.bin"] }) { volume in
                try volume.link(name("/docs/b.bin"), as: name("/linked"))
            },
            put("/docs/b.bin", FileContent(rng.bytes(70_000)), replacing: true, label: "overwrite"),
            put("/sparse", otherSparse, replacing: true, label: "overwrite a file with extension pages"),
            write("/docs/b.bin", at: 65_000, rng.bytes(9_000), label: "write in place across two pages"),
            write("/sparse", at: (inline + 10) << 16 + 100, rng.bytes(5_000), label: "write in place in a page an extension page lists"),
            append("/sparse", rng.bytes(3_000), label: "append to a file with extension pages"),
            append("/edge", rng.bytes(6 << 16), label: "append past the inline limit (first extension page)"),
            append("/docs/b.bin", rng.bytes(200_000), label: "append three pages"),
            truncate("/docs/b.bin", to: 70_000, label: "truncate"),
            truncate("/sparse", to: 100 << 16 + 7, label: "truncate away the extension pages"),
            remove("/a.txt", label: "rm"),
            remove("/sparse", label: "rm a file with extension pages"),
            move("/a.txt", to: "/moved/a", label: "mv"),
            move("/docs/b.bin", to: "/docs/c", replacing: true, label: "mv over an existing file"),
            // ardaku label / ardaku uuid: the files stay as they are whatever the crash point.
            CrashStep("set the label", model: { _ in }) { volume in try volume.setLabel(Array("after a crash".utf8)) },
            CrashStep("set the UUID (every record written anew)", model: { _ in }) { volume in
                try volume.setUUID(VolumeUUID(bytes: (1...16).map { UInt8($0) }))
            },
            // Each removal tombstones its record before the commit (FORMAT §12.3), and fsck
            // finishes an interrupted deletion; a crash before the commit's first flush can
            // make any subset of the tombstones durable, so any subset of the files may be
            // gone (each one old or absent: nothing else is lost). docs/RELIABILITY.md §5.
            CrashStep("rm of three files in one transaction", model: { state in
                for path in ["/a.txt", "/docs/b.bin", "/edge"] { state.files[path] = nil }
            }, intermediate: { state in
                let paths = ["/a.txt", "/docs/b.bin", "/edge"]
                return (1..<7).map { mask in
                    var partial = state
                    for (bit, path) in paths.enumerated() where mask & (1 << bit) != 0 { partial.files[path] = nil }
                    return partial
                }
            }) { volume in
                try volume.batch { () throws(VolumeError) in
                    for path in ["/a.txt", "/docs/b.bin", "/edge"] { try volume.remove(name(path)) }
                }
            },
        ]
    }

    /// Steps run one after another on one open volume: each starts while the previous
    /// one's post-commit writes (tombstones, freed bits) are not yet flushed.
    static func sequence() -> [CrashStep] {
        var rng = SeededGenerator(seed: 8)
        return [
            put("/seq/1", FileContent(rng.bytes(50_000)), label: "sequence: put"),
            put("/seq/1", FileContent(rng.bytes(130_000)), replacing: true, label: "sequence: overwrite"),
            remove("/docs/c", label: "sequence: rm"),
            move("/seq/1", to: "/a.txt", replacing: true, label: "sequence: mv over a file"),
            append("/a.txt", rng.bytes(500), label: "sequence: append"),
            remove("/docs/b.bin", label: "sequence: rm a multi-page file"),
        ]
    }

    /// ZEST and CAS operations one after another, with a plain put between them.
    static func nestedSequence() -> [CrashStep] {
        var rng = SeededGenerator(seed: 10)
        let first = text(4_000, seed: 100), second = text(25_000, seed: 101), blob = rng.bytes(40_000)
        return [
            zest("sequence: ZEST insert, update and delete in one flush", model: { files in
                files["/z/s1"] = first
                files["/z/1"] = second
                files["/z/8"] = nil
            }) { zest in
                try zest.insert(name("/z/s1"), first)
                try zest.update(name("/z/1"), second)
                try zest.delete(name("/z/8"))
            },
            put("/plain", FileContent(rng.bytes(90_000)), label: "sequence: put"),
            cas("sequence: CAS put, tag and untag", model: { tags in
                tags["s"] = blob
                tags["t1"] = nil
            }) { cas in
                try cas.setTag("s", to: try cas.putContent(blob))
                try cas.removeTag("t1")
                try cas.commit()
            },
            zest("sequence: ZEST compact", model: { _ in }) { _ = try $0.compact() },
            cas("sequence: CAS collect garbage", model: { _ in }) { _ = try $0.collectGarbage() },
        ]
    }

    // MARK: Nested volumes

    static func zest(_ label: String, model: @escaping (inout [String: [UInt8]]) -> Void,
                     intermediate: @escaping ([String: [UInt8]]) -> [[String: [UInt8]]] = { _ in [] },
                     _ body: @escaping (ZestVolume) throws -> Void) -> CrashStep {
        CrashStep(label, model: { state in
            guard case var .zest(files) = state.nested["/box.zest"] else { return }
            model(&files)
            state.nested["/box.zest"] = .zest(files)
        }, intermediate: { state in
            guard case let .zest(files) = state.nested["/box.zest"] else { return [] }
            return intermediate(files).map { var other = state; other.nested["/box.zest"] = .zest($0); return other }
        }) { volume in
            let store = try VolumeFileByteStore(volume: volume, name: name("/box.zest"))
            let zest = try ZestVolume.open(store)
            try body(zest)
            try zest.flush()
            try store.close()
        }
    }

    static func cas(_ label: String, model: @escaping (inout [String: [UInt8]]) -> Void,
                    _ body: @escaping (CASVolume) throws -> Void) -> CrashStep {
        CrashStep(label, model: { state in
            guard case var .cas(tags) = state.nested["/store.cas"] else { return }
            model(&tags)
            state.nested["/store.cas"] = .cas(tags)
        }) { volume in
            let store = try VolumeFileByteStore(volume: volume, name: name("/store.cas"))
            let cas = try CASVolume.open(store)
            try body(cas)
            try store.close()
        }
    }

    static func nestedSteps() -> [CrashStep] {
        var rng = SeededGenerator(seed: 9)
        let inserted = text(12_000, seed: 90), updated = text(30_000, seed: 91)
        let small = text(7_000, seed: 92), large = rng.bytes(300_000)
        return [
            zest("ZEST insert", model: { $0["/z/new"] = inserted }) { try $0.insert(name("/z/new"), inserted) },
            zest("ZEST update", model: { $0["/z/3"] = updated }) { try $0.update(name("/z/3"), updated) },
            zest("ZEST delete", model: { $0["/z/5"] = nil }) { try $0.delete(name("/z/5")) },
            zest("ZEST rename", model: { $0["/z/renamed-file"] = $0.removeValue(forKey: "/z/2") },
                 intermediate: { files in var both = files; both["/z/renamed-file"] = files["/z/2"]; return [both] }) {
                try $0.rename(name("/z/2"), to: name("/z/renamed-file"))
            },
            zest("ZEST compact", model: { _ in }) { _ = try $0.compact() },
            cas("CAS put and tag", model: { $0["t4"] = small }) { cas in
                try cas.setTag("t4", to: try cas.putContent(small))
                try cas.commit()
            },
            cas("CAS put of chunked content and tag", model: { $0["big"] = large }) { cas in
                try cas.setTag("big", to: try cas.putContent(large))
                try cas.commit()
            },
            cas("CAS untag and collect garbage", model: { $0["t2"] = nil }) { cas in
                try cas.removeTag("t2")
                _ = try cas.collectGarbage()
            },
        ]
    }
}
