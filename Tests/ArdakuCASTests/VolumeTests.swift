import ArdakuFormat
import Testing
@testable import ArdakuCAS

@Suite struct VolumeTests {
    @Test func createCommitsBothHeaderSlots() throws {
        let store = MemoryByteStore()
        let volume = try CASVolume.create(on: store)
        #expect(volume.header.generation == 2)
        let slots = try VolumeHeader.slotOffsets.map { slot in
            try store.read(at: slot, count: 128).withUnsafeBytes { try VolumeHeader.decode($0, origin: slot) }.generation
        }
        #expect(slots == [2, 1])
        #expect(CASChecker.verify(store).isEmpty)
        #expect(try CASVolume.open(store).objectCount == 0)
    }

    @Test func putGetAndReopenRoundTrip() throws {
        let store = MemoryByteStore()
        let volume = try CASVolume.create(on: store)
        let texts = (0..<20).map { TestData.text(10 + $0 * 300, seed: UInt64($0)) }
        let ids = try texts.map { bytes throws(CASError) in try volume.putBlob(bytes) }
        let big = TestData.text(1 << 20, seed: 99)
        let bigID = try volume.putContent(big)
        #expect(volume.type(of: bigID) == .chunkList)
        let tree = try volume.putTree([try volume.putItem(name: "big", target: bigID)])
        try volume.setTag("release", to: tree)
        try volume.commit()

        let reopened = try CASVolume.open(store)
        for (bytes, id) in zip(texts, ids) { #expect(try reopened.content(id) == bytes) }
        #expect(try reopened.content(bigID) == big)
        #expect(reopened.tag(named: "release") == tree)
        #expect(reopened.objectCount == volume.objectCount)
        // The untagged blobs are unreachable (information); nothing else is reported.
        #expect(CASChecker.verify(store).problems.isEmpty)
        #expect(CASChecker.verify(store).filter { $0.code.rawValue == "C6001" }.count == 20)
    }

    @Test func uncommittedChangesAreNotVisibleAfterReopen() throws {
        let store = MemoryByteStore()
        let volume = try CASVolume.create(on: store)
        let kept = try volume.putBlob([1, 2, 3])
        try volume.setTag("kept", to: kept)
        try volume.commit()
        let lost = try volume.putBlob([4, 5, 6])
        try volume.setTag("lost", to: lost)
        let reopened = try CASVolume.open(store)
        #expect(reopened.contains(kept) && !reopened.contains(lost))
        #expect(reopened.tags.map(\.name) == ["kept"])
    }

    @Test func tagsSetMoveRemoveAndList() throws {
        let volume = try CASVolume.create(on: MemoryByteStore())
        let a = try volume.putBlob(Array("a".utf8)), b = try volume.putBlob(Array("b".utf8))
        try volume.setTag("x", to: a)
        try volume.setTag("é", to: b)
        try volume.setTag("B", to: b)
        #expect(volume.tags.map(\.name) == ["B", "x", "é"])
        try volume.setTag("x", to: b)
        #expect(volume.tag(named: "x") == b)
        #expect(try volume.resolve("x") == b)
        #expect(try volume.resolve(a.hex) == a)
        try volume.removeTag("x")
        #expect(volume.tag(named: "x") == nil)
        #expect(throws: CASError(.noSuchTag("x"))) { try volume.removeTag("x") }
        #expect(throws: CASError(.noSuchTag("x"))) { try volume.resolve("x") }
        let missing = CASObject.blob([9]).id
        #expect(throws: CASError(.noSuchObject(missing))) { try volume.setTag("y", to: missing) }
        for bad in ["", "a\nb", "tab\there", String(repeating: "t", count: 256)] {
            #expect(throws: CASError.self) { try volume.setTag(bad, to: a) }
        }
    }

    @Test func referencesMustExistAndChunkListsNameBlobs() throws {
        let volume = try CASVolume.create(on: MemoryByteStore())
        let missing = CASObject.blob([42]).id
        #expect(throws: CASError.self) { try volume.putItem(name: "x", target: missing) }
        #expect(throws: CASError.self) { try volume.putTree([missing]) }
        let blob = try volume.putBlob([1])
        let item = try volume.putItem(name: "x", target: blob)
        #expect(throws: CASError.self) { try volume.put(.chunkList([.init(id: item, length: 1)])) }
        #expect(throws: CASError.self) { try volume.content(item) }
    }

    @Test func identicalObjectsAreStoredOnce() throws {
        let volume = try CASVolume.create(on: MemoryByteStore())
        let first = try volume.putBlob(TestData.text(5000, seed: 1))
        let written = volume.objectBytesWritten
        #expect(try volume.putBlob(TestData.text(5000, seed: 1)) == first)
        #expect(try volume.put([.blob([7]), .blob([7]), .blob([8])]).count == 3)
        #expect(volume.objectCount == 3)
        #expect(volume.objectBytesWritten > written)
    }

    @Test func everyReadVerifiesTheID() throws {
        let store = MemoryByteStore()
        let volume = try CASVolume.create(on: store)
        let payload = TestData.random(20_000, seed: 5)
        let id = try volume.putBlob(payload)
        try volume.commit()
        let location = try #require(volume.location(of: id))
        // Damage one payload byte and fix the record CRC, so only the id can tell.
        var record = try store.read(at: location.offset, count: Int(location.recordLength))
        record[ObjectRecord.headerSize + 10] ^= 0x01
        let resealed = ObjectRecord(id: id, object: Array(record[ObjectRecord.headerSize..<(ObjectRecord.headerSize + 20_001)]), rawLength: 20_000).encoded()
        try store.write(at: location.offset, resealed)
        let reopened = try CASVolume.open(store)
        #expect {
            try reopened.object(id)
        } throws: { error in
            guard let error = error as? CASError, case let .hashMismatch(expected, _) = error.kind else { return false }
            return expected == id && error.offset == location.offset
        }
        #expect(CASChecker.verify(store).codes == ["C3001"])
    }

    @Test func garbageCollectionRemovesUnreachableAndReusesSpace() throws {
        let store = MemoryByteStore()
        let volume = try CASVolume.create(on: store)
        let keep = try volume.putTree([try volume.putItem(name: "k", target: try volume.putBlob(TestData.text(3000, seed: 1)))])
        try volume.setTag("keep", to: keep)
        let dropped = (0..<10).map { TestData.random(2000, seed: UInt64(100 + $0)) }
        let droppedIDs = try dropped.map { bytes throws(CASError) in try volume.putBlob(bytes) }
        let tail = try volume.putBlob(TestData.random(500, seed: 7))
        try volume.setTag("tail", to: tail)
        try volume.commit()
        #expect(CASChecker.verify(store).filter { $0.code.rawValue == "C6001" }.count == 10)

        let lengthBefore = store.length
        let report = try volume.collectGarbage()
        #expect(report.removedObjects == 10)
        #expect(report.freedBytes >= 20_000)
        #expect(droppedIDs.allSatisfy { !volume.contains($0) })
        // The freed space is free, or the records above it moved down and the store is
        // that much shorter (collectGarbage compacts, CollectionCompactionTests).
        #expect(volume.freeBytes + (lengthBefore - min(lengthBefore, store.length)) >= 20_000)
        // New objects go into free space: the store does not grow.
        for n in 0..<8 { try volume.putBlob(TestData.random(1900, seed: UInt64(200 + n))) }
        try volume.commit()
        // The store grew by less than one of the new objects (the previous index and tag
        // table are kept one commit longer).
        #expect(store.length < lengthBefore + 1900)
        #expect(CASChecker.verify(store).problems.isEmpty)
        let reopened = try CASVolume.open(store)
        #expect(try reopened.content(tail) == TestData.random(500, seed: 7))
        #expect(reopened.objectCount == 3 + 1 + 8)
    }

    @Test func collectingEverythingShrinksTheStore() throws {
        let store = MemoryByteStore()
        let volume = try CASVolume.create(on: store)
        let empty = store.length
        for n in 0..<5 { try volume.putBlob(TestData.random(10_000, seed: UInt64(n))) }
        try volume.commit()
        #expect(store.length > empty + 50_000)
        let report = try volume.collectGarbage()
        #expect(report.removedObjects == 5)
        // The previous generation's index and tag table go with the next commit.
        try volume.commit()
        #expect(store.length <= empty + 256)
        #expect(CASChecker.verify(store).isEmpty)
    }

    @Test func aStoreErrorPoisonsTheVolume() throws {
        let store = CrashStore()
        let volume = try CASVolume.create(on: store)
        try volume.putBlob([1])
        store.failWrites = true
        #expect(throws: CASError.self) { try volume.commit() }
        store.failWrites = false
        #expect(throws: CASError(.needsReopen)) { try volume.putBlob([2]) }
        #expect(throws: CASError(.needsReopen)) { try volume.commit() }
        #expect(try CASVolume.open(store).objectCount == 0)
    }
}
