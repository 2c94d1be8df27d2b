import ArdakuFormat
import Foundation
import Testing
@testable import ArdakuCAS

@Suite struct SnapshotTests {
    static func sampleTree() -> MemoryDirectory {
        var files: [String: [UInt8]] = [:]
        for d in 0..<4 {
            for f in 0..<25 { files["dir\(d)/sub\(f % 3)/file\(f).txt"] = TestData.text(100 + (d * 25 + f) * 37, seed: UInt64(d * 100 + f)) }
        }
        files["big/one.log"] = TestData.text(900_000, seed: 7)
        files["big/two.bin"] = TestData.random(300_000, seed: 8)
        files["empty"] = []
        files["same-as-file0"] = TestData.text(100, seed: 0)
        files["ünïcode name.txt"] = Array("ok".utf8)
        return MemoryDirectory(files: files, emptyDirectories: ["empty-dir", "dir0/empty-sub"])
    }

    @Test func snapshotRestoresByteIdentical() throws {
        let source = Self.sampleTree()
        let store = MemoryByteStore()
        let volume = try CASVolume.create(on: store)
        let report = try volume.snapshot(source)
        #expect(report.files == source.files.count)
        #expect(report.directories == source.directories.count - 1)
        #expect(report.contentBytes == source.files.values.reduce(0) { $0 + UInt64($1.count) })
        // "same-as-file0" repeats dir0/sub0/file0.txt.
        #expect(report.reusedContentBytes == 100)
        try volume.setTag("v1", to: report.root)
        try volume.commit()

        let restored = MemoryDirectory()
        let restoreReport = try CASVolume.open(store).restore(try CASVolume.open(store).resolve("v1"), to: restored)
        #expect(restored == source)
        #expect(restoreReport.files == source.files.count)
        #expect(CASChecker.verify(store).isEmpty)
        // Large files are chunk lists, small ones blobs, directories trees.
        let info = try volume.info("v1", depth: 2)
        #expect(info.contains(" [item] big "))
        #expect(info.contains("  [tree] "))
        #expect(try volume.info("v1", depth: 4).contains("   [chunks] "))
    }

    @Test func aSecondSnapshotStoresOnlyWhatChanged() throws {
        let source = Self.sampleTree()
        let volume = try CASVolume.create(on: MemoryByteStore())
        let first = try volume.snapshot(source)
        try volume.setTag("v1", to: first.root)

        // Identical tree: no new object at all.
        let same = try volume.snapshot(source)
        #expect(same.root == first.root)
        #expect(same.newObjects == 0 && same.storedBytes == 0)
        #expect(same.reusedContentBytes == same.contentBytes)

        // Change two small files and edit the middle of the large text file.
        source.files[["dir1", "sub0", "file3.txt"]]! += Array(" appended".utf8)
        source.files[["dir3", "sub2", "file20.txt"]] = TestData.text(777, seed: 12345)
        var big = source.files[["big", "one.log"]]!
        big.replaceSubrange(450_000..<450_010, with: Array("EDITED".utf8))
        source.files[["big", "one.log"]] = big
        let second = try volume.snapshot(source)
        try volume.setTag("v2", to: second.root)
        #expect(second.root != first.root)
        // Two blobs, a few chunks, their items, the trees up to the root, a chunk list.
        #expect(second.newObjects < 25)
        #expect(second.storedBytes < first.storedBytes / 5)
        #expect(second.reusedContentBytes > second.contentBytes - 300_000)

        let restored = MemoryDirectory()
        try volume.restore(second.root, to: restored)
        #expect(restored == source)
        let original = MemoryDirectory()
        try volume.restore(first.root, to: original)
        #expect(original == Self.sampleTree())
    }

    @Test func refusesNamesItemsCannotHold() throws {
        let volume = try CASVolume.create(on: MemoryByteStore())
        let source = MemoryDirectory(files: ["ok": [1]])
        source.files[["bad\nname"]] = [2]
        #expect(throws: CASError.self) { try volume.snapshot(source) }
    }
}
