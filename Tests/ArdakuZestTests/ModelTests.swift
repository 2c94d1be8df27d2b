import ArdakuFormat
import Testing
@testable import ArdakuZest

@Suite("ZEST volume against a dictionary model")
struct ModelTests {
    @Test("thousands of random inserts, updates, deletes and renames agree with the model", arguments: [UInt64(1), 2, 3])
    func randomOperations(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let store = MemoryByteStore()
        let segmentSize: UInt32 = [16, 64, 256, 4096][Int(seed) % 4]
        var volume = try ZestVolume.create(in: store, options: .init(segmentSize: segmentSize))
        var model: [String: [UInt8]] = [:]
        let words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
        func randomName() -> String {
            let depth = Int.random(in: 1...3, using: &generator)
            var parts = (0..<depth).map { _ in words.randomElement(using: &generator)! }
            // Long names fill fragments faster, so the chain grows and shrinks.
            parts.append("file-\(Int.random(in: 0..<400, using: &generator))" + String(repeating: "x", count: Int.random(in: 0..<120, using: &generator)))
            return "/" + parts.joined(separator: "/")
        }
        func randomContent() -> [UInt8] {
            let length = [0, 1, 10, 100, 1000, 5000][Int.random(in: 0..<6, using: &generator)] + Int.random(in: 0..<50, using: &generator)
            if Bool.random(using: &generator) {
                return (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            }
            let word = words.randomElement(using: &generator)!
            return Array(String(repeating: word + " ", count: length / 6 + 1).utf8.prefix(length))
        }
        func conflicts(_ candidate: String) -> Bool {
            model.keys.contains { $0.hasPrefix(candidate + "/") || candidate.hasPrefix($0 + "/") }
        }
        var maxFragments = 0
        for step in 0..<2500 {
            switch Int.random(in: 0..<10, using: &generator) {
            case 0...3:
                let candidate = randomName()
                guard model[candidate] == nil, !conflicts(candidate) else { continue }
                let content = randomContent()
                try volume.insert(name(candidate), content)
                model[candidate] = content
            case 4...5:
                guard let existing = model.keys.randomElement(using: &generator) else { continue }
                let content = randomContent()
                try volume.update(name(existing), content)
                model[existing] = content
            case 6...7:
                guard let existing = model.keys.randomElement(using: &generator) else { continue }
                try volume.delete(name(existing))
                model[existing] = nil
            case 8:
                guard let existing = model.keys.randomElement(using: &generator) else { continue }
                let target = randomName()
                guard model[target] == nil else { continue }
                let content = model.removeValue(forKey: existing)!
                guard !conflicts(target) else { model[existing] = content; continue }
                try volume.rename(name(existing), to: name(target))
                model[target] = content
            default:
                try volume.flush()
            }
            maxFragments = max(maxFragments, volume.fragments.count)
            if step % 500 == 499 {
                try volume.flush()
                if step % 1000 == 999 { try volume.compact() }
                volume = try ZestVolume.open(store)
                #expect(volume.fileCount == model.count)
                for (key, content) in model { #expect(try volume.read(name(key)) == content, "\(key) at step \(step)") }
                #expect(try ZestChecker.verify(store).isEmpty)
            }
        }
        try volume.flush()
        #expect(maxFragments >= 3, "the table grew past a few fragments")
        #expect(volume.list().map(\.name.string) == model.keys.sorted())
        let reopened = try ZestVolume.open(store)
        for (key, content) in model { #expect(try reopened.read(name(key)) == content) }
    }
}
