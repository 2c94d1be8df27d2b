import ArdakuFormat
import Testing
@testable import ArdakuCAS

/// A chain of `levels` directory trees below a root (`deepTreeChain`), the bottom one
/// holding the file `f`, stored in one batch and tagged `deep`. Returns the root's id.
private func putChain(_ volume: CASVolume, levels: Int) throws -> ObjectID {
    let chain = try deepTreeChain(levels: levels, fileName: "f", content: Array("leaf".utf8))
    _ = try volume.put(chain.objects)
    try volume.setTag("deep", to: chain.root)
    try volume.commit()
    return chain.root
}

@Suite struct TreeDepthTests {
    @Test func aTreeAtTheLimitIsCleanAndRestores() throws {
        let store = MemoryByteStore()
        let volume = try CASVolume.create(on: store)
        let root = try putChain(volume, levels: CASLimits.maxTreeDepth)
        #expect(CASChecker.verify(store).isEmpty)
        let sink = MemoryDirectory()
        let report = try volume.restore(root, to: sink)
        #expect(report.directories == CASLimits.maxTreeDepth)
        #expect(sink.files[Array(repeating: "d", count: CASLimits.maxTreeDepth) + ["f"]] == Array("leaf".utf8))
    }

    @Test func oneLevelMoreIsAFindingAndRestoreCreatesNothing() throws {
        let store = MemoryByteStore()
        let volume = try CASVolume.create(on: store)
        let root = try putChain(volume, levels: CASLimits.maxTreeDepth + 1)
        let findings = CASChecker.verify(store)
        #expect(findings.codes == ["C4008"])
        #expect(findings.count == 1)
        #expect(findings[0].context.name == root.hex)
        #expect(findings[0].context.actual == String(CASLimits.maxTreeDepth + 1))
        #expect(findings[0].context.detail == "tag \"deep\"")
        #expect(findings[0].severity == .error)
        let sink = MemoryDirectory()
        #expect(throws: CASError.self) { try volume.restore(root, to: sink) }
        #expect(sink.directories == [[]])
        #expect(sink.files.isEmpty)
        // Report only: a repair changes nothing and the finding stays.
        try CASChecker.repair(store)
        #expect(CASChecker.verify(store).codes == ["C4008"])
    }

    @Test func aChainTenTimesTheLimitIsMeasuredWithoutRecursion() throws {
        let store = MemoryByteStore()
        let volume = try CASVolume.create(on: store, options: CASOptions(parallel: false))
        let root = try putChain(volume, levels: 10 * CASLimits.maxTreeDepth)
        let findings = CASChecker.verify(store)
        #expect(findings.map(\.context.actual) == [String(10 * CASLimits.maxTreeDepth)])
        let sink = MemoryDirectory()
        do {
            try volume.restore(root, to: sink)
            Issue.record("a tree too deep was restored")
        } catch {
            guard case .limitExceeded = error.kind else { Issue.record("unexpected \(error)"); return }
        }
        #expect(sink.directories == [[]])
    }

    @Test func heightsOfSharedSubtreesAreTheLongestPath() {
        // a → b → c and a → c: height(a) = 2; c is asked for once.
        let a = ObjectID.hashing(typeByte: 3, payload: [1]), b = ObjectID.hashing(typeByte: 3, payload: [2])
        let c = ObjectID.hashing(typeByte: 3, payload: [3])
        let children: [ObjectID: [ObjectID]] = [a: [c, b], b: [c], c: []]
        var asked: [ObjectID] = []
        var heights = TreeHeights()
        let height = heights.height(of: a) { id in
            asked.append(id)
            return children[id]!
        }
        #expect(height == 2)
        #expect(asked.count == 3)
        var stopped = TreeHeights()
        #expect(stopped.height(of: a, stoppingAbove: 1) { children[$0]! } == 2)
        #expect(stopped.height(of: c, stoppingAbove: 1) { children[$0]! } == 0)
    }
}

@Suite struct TagOrderTests {
    /// A volume with tags b, c, a (in that order in the record), as a writer that ignores
    /// §C3.5 leaves it.
    private func unsortedVolume(_ tags: [(String, ObjectID)]? = nil) throws -> (MemoryByteStore, ObjectID, ObjectID) {
        let store = MemoryByteStore()
        let volume = try CASVolume.create(on: store)
        let one = try volume.putBlob(Array("one".utf8)), two = try volume.putBlob(Array("two".utf8))
        try volume.setTag("a", to: one)
        try volume.commit()
        var header = try CASVolume.readHeader(store)
        let entries = (tags ?? [("b", one), ("c", two), ("a", one)]).map { TagTableRecord.Entry(name: $0.0, id: $0.1) }
        let bytes = TagTableRecord(generation: header.generation, entries: entries).encoded()
        let offset = store.length
        try store.write(at: offset, bytes)
        header.tagTableOffset = offset
        header.tagTableLength = UInt64(bytes.count)
        header.tagCount = UInt32(entries.count)
        header.dataEnd = offset + UInt64(bytes.count)
        try store.write(at: VolumeHeader.slotOffsets[header.slot], header.encoded())
        return (store, one, two)
    }

    @Test func tagsOutOfOrderAreAWarningAndTheRepairSortsThem() throws {
        let (store, one, two) = try unsortedVolume()
        let findings = CASChecker.verify(store)
        #expect(findings.codes.contains("C5007"))
        #expect(findings.first { $0.code.rawValue == "C5007" }?.context.detail == "2")
        #expect(findings.first { $0.code.rawValue == "C5007" }?.severity == .warning)
        try CASChecker.repair(store)
        #expect(!CASChecker.verify(store).codes.contains("C5007"))
        let volume = try CASVolume.open(store)
        #expect(volume.tags.map(\.name) == ["a", "b", "c"])
        #expect(volume.tag(named: "c") == two && volume.tag(named: "a") == one)
        let header = try CASVolume.readHeader(store)
        let table = try CASVolume.readRecord(store, at: header.tagTableOffset, length: header.tagTableLength, TagTableRecord.decode)
        #expect(table.entries.map(\.name) == ["a", "b", "c"])
    }

    @Test func aNameListedTwiceIsAnErrorAndTheFirstEntryIsKept() throws {
        let (store, one, two) = try unsortedVolume([("a", blobID("one")), ("a", blobID("two"))])
        let findings = CASChecker.verify(store)
        let twice = try #require(findings.first { $0.code.rawValue == "C5008" })
        #expect(twice.context.expected == one.hex && twice.context.actual == two.hex)
        #expect(!findings.codes.contains("C5007"))
        #expect(throws: CASError.self) { try CASVolume.open(store) }
        try CASChecker.repair(store)
        #expect(try CASVolume.open(store).tag(named: "a") == one)
        #expect(!CASChecker.verify(store).codes.contains("C5008"))
    }

    private func blobID(_ text: String) -> ObjectID { CASObject.blob(Array(text.utf8)).id }
}

@Suite struct UnreferencedTailTests {
    /// A put killed before its commit leaves its records past the data end: information
    /// (C2008), and the repair cuts the store back to the data end.
    @Test func recordsOfAnUncommittedPutAreReportedAndCut() throws {
        let store = MemoryByteStore()
        let volume = try CASVolume.create(on: store)
        try volume.setTag("one", to: try volume.putBlob(Array("one".utf8)))
        try volume.commit()
        let committedLength = store.length
        // Large enough for an object record of its own, written at the end of the store.
        _ = try volume.putBlob(TestData.random(40_000, seed: 9))
        #expect(store.length > committedLength)
        let findings = CASChecker.verify(store)
        #expect(findings.codes == ["C2008"])
        #expect(findings[0].severity == .info)
        #expect(findings[0].context.offset == committedLength)
        #expect(findings[0].context.actual == String(store.length - committedLength))
        try CASChecker.repair(store)
        #expect(CASChecker.verify(store).isEmpty)
        #expect(try CASVolume.open(store).tag(named: "one") != nil)
    }
}
