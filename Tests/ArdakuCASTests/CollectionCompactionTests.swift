import ArdakuFormat
import Testing
@testable import ArdakuCAS

/// One `collectGarbage` leaves the smallest store it can: the repacked members and every
/// record above the space it freed move down (commit by commit, §C5), so a second
/// collection has nothing left to do and the store never ends longer than it began.
@Suite struct CollectionCompactionTests {
    @Test func oneCollectionShrinksTheStoreAsFarAsASecondWould() throws {
        let store = MemoryByteStore()
        let volume = try CASVolume.create(on: store, options: CASOptions(parallel: false))
        // Two snapshots sharing packs; dropping the first kills members of most packs.
        var first: [CASObject] = [], second: [CASObject] = []
        for n in 0..<300 {
            let text = TestData.text(1000 + n * 7, seed: UInt64(n))
            first.append(.blob(text))
            second.append(.blob(n % 3 == 0 ? Array(text.reversed()) : text))
        }
        let firstIDs = try volume.put(first), secondIDs = try volume.put(second)
        let firstItems = try firstIDs.enumerated().map { try CASObject.item(name: "f\($0.offset)", target: $0.element) }
        let secondItems = try secondIDs.enumerated().map { try CASObject.item(name: "f\($0.offset)", target: $0.element) }
        _ = try volume.put(firstItems + secondItems)
        let firstTree = try CASObject.tree(firstItems.map(\.id).sorted()), secondTree = try CASObject.tree(secondItems.map(\.id).sorted())
        _ = try volume.put([firstTree, secondTree])
        try volume.setTag("v2", to: secondTree.id)
        try volume.setTag("v1", to: firstTree.id)
        try volume.commit()
        try volume.removeTag("v1")
        try volume.commit()
        let before = store.length
        let report = try volume.collectGarbage()
        #expect(report.removedObjects > 0 && report.recordsMoved > 0)
        #expect(store.length < before, "the collection grew the store: \(before) -> \(store.length)")
        let afterOne = store.length
        let again = try volume.collectGarbage()
        #expect(again.removedObjects == 0 && again.recordsMoved == 0)
        #expect(store.length == afterOne)
        #expect(CASChecker.verify(store).isEmpty)
        let reopened = try CASVolume.open(store)
        for (id, blob) in zip(secondIDs, second) { #expect(try reopened.object(id) == blob) }
    }

    /// A collection that finds nothing unreachable and nothing to move commits nothing: the
    /// store keeps its length and bytes and the generation stays (a commit writes a new index
    /// and tag table, which only made the store longer).
    @Test func aCollectionWithNothingToDoChangesNothing() throws {
        let store = MemoryByteStore()
        let volume = try CASVolume.create(on: store, options: CASOptions(parallel: false))
        let ids = try volume.put([.blob(Array("hello\n".utf8)), .blob(Array("bye\n".utf8))])
        let items = try ids.enumerated().map { try CASObject.item(name: "f\($0.offset)", target: $0.element) }
        _ = try volume.put(items)
        let tree = try CASObject.tree(items.map(\.id).sorted())
        _ = try volume.put([tree])
        try volume.setTag("v1", to: tree.id)
        try volume.commit()
        let bytes = try store.read(at: 0, count: Int(store.length))
        let generation = volume.header.generation
        for _ in 0..<3 {
            let report = try volume.collectGarbage()
            #expect(report.removedObjects == 0 && report.recordsMoved == 0)
            #expect(report.storeLengthAfter == report.storeLengthBefore)
        }
        #expect(try store.read(at: 0, count: Int(store.length)) == bytes)
        #expect(volume.header.generation == generation)
        #expect(CASChecker.verify(store).isEmpty)
    }
}
