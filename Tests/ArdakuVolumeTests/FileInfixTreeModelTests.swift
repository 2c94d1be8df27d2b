import Testing
@testable import ArdakuVolume
import ArdakuFormat
import TestSupport

/// The trie against a dictionary, under thousands of random inserts and removes, with
/// names chosen to share prefixes (splits and merges) and long enough to fill pages
/// (nodes moving between pages).
@Suite struct FileInfixTreeModelTests {
    static func randomName(_ rng: inout SeededGenerator, alphabet: [UInt8], maxLength: Int) -> [UInt8] {
        let length = Int.random(in: 1...maxLength, using: &rng)
        return [UInt8(ascii: "/")] + (0..<length).map { _ in alphabet.randomElement(using: &rng)! }
    }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func matchesDictionaryModel(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let store = MemoryPageStore(pageCount: 4_096)
        let tree = FileInfixTree.empty(store: store, validPages: 2..<4_095)
        var model: [[UInt8]: SubpageIndex] = [:]
        // A small alphabet makes shared prefixes, a few long names make big nodes.
        let alphabet = Array("ab/c".utf8)
        var nextPage: UInt32 = 10
        for step in 0..<6_000 {
            let roll = Int.random(in: 0..<10, using: &rng)
            if roll < 6 || model.isEmpty {
                let name = Self.randomName(&rng, alphabet: alphabet, maxLength: roll == 0 ? 900 : 12)
                let value = SubpageIndex(UInt32(step) + 1)
                let previous = try tree.insert(name, value)
                #expect(previous == model[name], "seed \(seed) step \(step)")
                model[name] = value
            } else {
                let name = roll < 9 ? model.keys.randomElement(using: &rng)! : Self.randomName(&rng, alphabet: alphabet, maxLength: 6)
                let removed = try tree.remove(name)
                #expect(removed == model.removeValue(forKey: name), "seed \(seed) step \(step)")
            }
            if step % 500 == 499 {
                // Commit to fresh pages, as the volume does, then check everything.
                _ = try tree.writeChangedPages(generation: UInt64(step)) { () throws(VolumeError) -> PageIndex in
                    nextPage += 1
                    return PageIndex(nextPage)
                }
                tree.markCommitted()
                try Self.check(tree, against: model, seed: seed, step: step)
                // A tree reopened from the committed pages must say the same.
                let reopened = FileInfixTree(store: store, pageIndices: tree.pageIndices, root: tree.root, validPages: 2..<4_095)
                try Self.check(reopened, against: model, seed: seed, step: step)
            }
        }
        #expect(tree.pageIndices.count > 1, "the test should have filled more than one trie page")
    }

    static func check(_ tree: FileInfixTree, against model: [[UInt8]: SubpageIndex], seed: UInt64, step: Int) throws {
        var listed: [([UInt8], SubpageIndex)] = []
        try tree.forEach(prefix: []) { name, value in listed.append((name, value)); return true }
        let expected = model.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        #expect(listed.map(\.0) == expected.map(\.key), "seed \(seed) step \(step): listing")
        #expect(listed.map(\.1) == expected.map(\.value), "seed \(seed) step \(step): values")
        for (name, value) in model.prefix(200) { #expect(try tree.lookup(name) == value) }
        // Prefix listing equals filtering the model.
        let prefix = Array("/ab".utf8)
        var underPrefix: [[UInt8]] = []
        try tree.forEach(prefix: prefix) { name, _ in underPrefix.append(name); return true }
        #expect(underPrefix == expected.map(\.key).filter { $0.starts(with: prefix) })
    }

    @Test func removingEverythingLeavesAnEmptyRoot() throws {
        let store = MemoryPageStore(pageCount: 64)
        let tree = FileInfixTree.empty(store: store, validPages: 2..<63)
        let names = ["/a", "/ab", "/abc", "/b", "/ba/x", "/ba/y"].map { Array($0.utf8) }
        for (index, name) in names.enumerated() { try tree.insert(name, SubpageIndex(UInt32(index + 100))) }
        for name in names.reversed() { #expect(try tree.remove(name) != nil) }
        let root = try tree.node(tree.root)
        #expect(root.children.isEmpty && root.value == nil && root.label.isEmpty)
    }
}
