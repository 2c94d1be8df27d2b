import ArdakuFormat
import Testing
@testable import ArdakuCAS

/// Random sequences of put, tag, untag, commit, garbage collection and reopen, checked
/// after every step against a plain model of what the volume must hold.
@Suite struct ModelTests {
    struct Model {
        /// Objects and what they name.
        var objects: [ObjectID: (object: CASObject, references: [ObjectID])] = [:]
        var tags: [String: ObjectID] = [:]

        func reachable() -> Set<ObjectID> {
            var seen = Set<ObjectID>()
            var pending = Array(tags.values)
            while let id = pending.popLast() {
                guard seen.insert(id).inserted, let entry = objects[id] else { continue }
                pending += entry.references
            }
            return seen
        }
    }

    @Test(arguments: [1, 2, 3, 4])
    func randomOperationsMatchTheModel(seed: Int) throws {
        var rng = SeededGenerator(seed: UInt64(seed))
        let store = MemoryByteStore()
        var volume = try CASVolume.create(on: store, options: CASOptions(compressionLevel: 1))
        var model = Model()
        var committed = Model()
        for step in 0..<300 {
            let ids = model.objects.keys.sorted()
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<30:
                let bytes = Bool.random(using: &rng) ? TestData.text(Int.random(in: 0...3000, using: &rng), seed: rng.next() % 40)
                                                     : TestData.random(Int.random(in: 0...200, using: &rng), seed: rng.next() % 40)
                let id = try volume.putBlob(bytes)
                model.objects[id] = (.blob(bytes), [])
            case 30..<35:
                let bytes = TestData.text(Int.random(in: 40_000...200_000, using: &rng), seed: rng.next() % 5)
                let id = try volume.putContent(bytes)
                let object = try volume.object(id)
                model.objects[id] = (object, try object.references())
                for chunk in try object.references() { model.objects[chunk] = (try volume.object(chunk), []) }
                #expect(try volume.content(id) == bytes)
            case 35..<50 where !ids.isEmpty:
                let target = ids.randomElement(using: &rng)!
                guard model.objects[target]!.object.type.kind != .item else {
                    // An item never names an item.
                    #expect(throws: CASError.self) { try volume.putItem(name: "x", target: target) }
                    continue
                }
                let item = try CASObject.item(name: "n\(Int.random(in: 0..<20, using: &rng))", target: target)
                #expect(try volume.put(item) == item.id)
                model.objects[item.id] = (item, [target])
            case 50..<60 where !ids.isEmpty:
                let items = ids.filter { model.objects[$0]!.object.type.kind == .item }
                if let other = ids.first(where: { model.objects[$0]!.object.type.kind != .item }) {
                    // A tree lists items only.
                    #expect(throws: CASError.self) { try volume.putTree([other]) }
                }
                guard !items.isEmpty else { continue }
                let entries = (0..<Int.random(in: 0...4, using: &rng)).map { _ in items.randomElement(using: &rng)! }
                let tree = try CASObject.tree(entries)
                try volume.put(tree)
                model.objects[tree.id] = (tree, entries)
            case 60..<75 where !ids.isEmpty:
                let name = "tag\(Int.random(in: 0..<8, using: &rng))"
                let id = ids.randomElement(using: &rng)!
                try volume.setTag(name, to: id)
                model.tags[name] = id
            case 75..<82 where !model.tags.isEmpty:
                let name = model.tags.keys.sorted().randomElement(using: &rng)!
                try volume.removeTag(name)
                model.tags[name] = nil
            case 82..<90:
                try volume.commit()
                committed = model
            case 90..<95:
                let live = model.reachable()
                let report = try volume.collectGarbage()
                #expect(report.removedObjects == model.objects.count - live.count)
                model.objects = model.objects.filter { live.contains($0.key) }
                committed = model
            default:
                // Reopen: uncommitted work is gone, committed work is all there.
                volume = try CASVolume.open(store, options: CASOptions(compressionLevel: 1))
                model = committed
            }
            #expect(Set(volume.objectIDs) == Set(model.objects.keys), "step \(step)")
            #expect(Dictionary(uniqueKeysWithValues: volume.tags.map { ($0.name, $0.id) }) == model.tags, "step \(step)")
        }
        for (id, entry) in model.objects { #expect(try volume.object(id) == entry.object) }
        try volume.commit()
        #expect(CASChecker.verify(store).problems.isEmpty)
    }
}
