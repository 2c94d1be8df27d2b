import ArdakuDump
import ArdakuFormat
import Foundation
import Testing
import TestSupport

/// Every view over damaged images: never a crash, a hang or an unbounded allocation, and
/// the damage is reported where it is.
@Suite struct DamageTests {
    /// Seeded damage: field-by-field fuzz verbs over every field the layout tables name, bit
    /// flips in metadata pages, random bytes, zeroed and garbage pages, pages copied over
    /// others, truncation; half the cases recompute every checksum afterwards so the damage
    /// reaches the deeper checks. Run with DUMPFS_DAMAGE_SEEDS=N for a longer sweep.
    @Test func everyViewSurvivesSeededDamage() throws {
        let count = UInt64(ProcessInfo.processInfo.environment["DUMPFS_DAMAGE_SEEDS"].flatMap { Int($0) } ?? 150)
        for seed in 1...count {
            let (image, what) = Damage.damaged(seed: seed)
            if let directory = ProcessInfo.processInfo.environment["DUMPFS_DAMAGE_WRITE"] {
                try Data(image).write(to: URL(fileURLWithPath: directory).appendingPathComponent("damage-\(seed).img"))
            }
            let start = Date()
            try EveryView.run(image, context: "seed \(seed): \(what)")
            if ProcessInfo.processInfo.environment["DUMPFS_DAMAGE_VERBOSE"] != nil {
                print("seed \(seed): \(String(format: "%.2f", Date().timeIntervalSince(start))) s: \(what)")
            }
        }
    }

    /// Every field the layout tables name, damaged on its own with checksums made right
    /// again, by one of the eight fuzz verbs (they take turns from field to field).
    @Test func fuzzVerbsOnEveryField() throws {
        let targets = Damage.targets(in: Fixtures.golden)
        #expect(targets.count > 150)
        var generator = SeededGenerator(seed: 99)
        for (index, target) in targets.enumerated() {
            for verb in [Damage.Verb.allCases[index % Damage.Verb.allCases.count]] {
                var image = Fixtures.golden
                Damage.apply(verb, to: target, in: &image, using: &generator)
                Damage.recomputeChecksums(&image)
                try EveryView.run(image, context: "\(verb) \(target.name)")
            }
        }
    }

    @Test func edgeSizedImages() throws {
        for size in [0, 1, 15, 4095, 65_535, 65_536, 65_537, 4 * 65_536, 4 * 65_536 + 3] {
            try EveryView.run(Array(Fixtures.golden.prefix(size)), context: "first \(size) bytes")
            var generator = SeededGenerator(seed: UInt64(size))
            try EveryView.run(generator.bytes(size), context: "\(size) random bytes")
        }
    }

    // MARK: Damage shown where it is

    @Test func destroyedPageZeroFallsBackToTheBackup() throws {
        var image = Fixtures.golden
        image.replaceSubrange(0..<65_536, with: [UInt8](repeating: 0, count: 65_536))
        let summary = try Fixtures.render(.summary, image)
        #expect(summary.contains("Block in use:             backup in page 63"))
        #expect(summary.contains("Page 0 magic:             0x00000000 \"\\x00\\x00\\x00\\x00\" [MISMATCH] found 0x00000000"))
        #expect(summary.contains("Files:                    5 (page 0 says 5)"))
    }

    @Test func wrongChecksumIsShownWithBothValues() throws {
        var image = Fixtures.golden
        image[0x0002] ^= 0x20   // "golden" -> "Golden", checksum left as it was
        let system = try Fixtures.render(.system, image)
        let computed = image.withUnsafeBytes { SystemInformationBlock.computedChecksum(UnsafeRawBufferPointer(rebasing: $0[0..<65_536])) }
        let stored = UInt32(image[0xFFFC]) | UInt32(image[0xFFFD]) << 8 | UInt32(image[0xFFFE]) << 16 | UInt32(image[0xFFFF]) << 24
        #expect(system.contains("[MISMATCH] stored \(Hex.format(stored, width: 8)), computed \(Hex.format(computed, width: 8))"))
        #expect(system.contains("\"Golden\""))
        #expect(system.contains("Fields that differ:       label, copy, checksum"))
        #expect(system.contains("Block in use:             backup in page 63"))
    }

    @Test func corruptDataPageIsAMismatch() throws {
        var image = Fixtures.golden
        image[(7 << 16) + 100] ^= 0xFF   // page 7 is data page 1 of /docs/b.bin
        let text = try Fixtures.render(.file("/docs/b.bin"), image)
        #expect(text.contains("[MISMATCH] stored"))
        #expect(text.contains("Data page checks:         3 ok, 1 not"))
        let json = try Fixtures.render(.file("/docs/b.bin"), image, json: true)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["mismatched_data_pages"] as? Int == 1)
    }

    @Test func trieLoopIsReportedNotFollowed() throws {
        var image = Fixtures.golden
        // Node 0:3 ("docs/") has children 0:1 and 0:2; point its first child at the root.
        let nodeOffset = (21 << 16) + 0x5D
        let childCount = Int(image[nodeOffset + 4])
        let referenceOffset = nodeOffset + 12 + childCount
        image.replaceSubrange(referenceOffset..<(referenceOffset + 4), with: [0, 0, 0, 0])
        Damage.recomputeChecksums(&image)
        let trie = try Fixtures.render(.trie, image)
        #expect(trie.contains("node 0:0 is reached a second time (a loop or a shared subtree); not followed again"))
        #expect(trie.contains("ordinal 0 (page 21) slots 1"))   // /docs/a.txt's node is no longer reached
        let owners = try Fixtures.render(.owners, image)
        #expect(owners.contains("unreferenced  [marked used, but nothing refers to it]"))
    }

    @Test func truncatedImageSaysWhatIsMissing() throws {
        let image = Array(Fixtures.golden.prefix(48 << 16 | 100))
        let summary = try Fixtures.render(.summary, image)
        #expect(summary.contains("the volume has 64 pages but the image holds 48"))
        #expect(summary.contains("Backup page:              47"))
        let owners = try Fixtures.render(.owners, image)
        #expect(owners.contains("48 (partial)            100 bytes past the last whole page"))
    }

    @Test func hostileExtensionCountsStayBounded() throws {
        var image = Fixtures.golden
        // /sparse's record (subpage 61): list its one extension page 2048 times; the page
        // then claims 8188 entries. Everything is re-checksummed so it all decodes loosely.
        let record = 61 << 14
        image.replaceSubrange((record + 0x44)..<(record + 0x48), with: [0x00, 0x08, 0, 0])
        let listAt = record + 0x88
        for index in 0..<2048 where listAt + 4 * index + 4 <= record + 16_384 {
            image.replaceSubrange((listAt + 4 * index)..<(listAt + 4 * index + 4), with: [19, 0, 0, 0])
        }
        image.replaceSubrange(((19 << 16) + 0x0C)..<((19 << 16) + 0x10), with: [0xFC, 0x1F, 0, 0])
        Damage.recomputeChecksums(&image)
        let start = Date()
        let text = try Fixtures.render(.file("/sparse"), image)
        #expect(text.contains("extension page 1 is page 19, already listed before"))
        try EveryView.run(image, context: "hostile extension counts")
        #expect(Date().timeIntervalSince(start) < 120)
    }
}

extension DamageTests {
    /// Page 0 lists 15,871 trie pages, all the same page: every view stays bounded.
    @Test func everyTrieOrdinalNamingOnePage() throws {
        var image = Fixtures.golden
        for copy in [0, 63 << 16] {
            image.replaceSubrange((copy + 0x410)..<(copy + 0x414), with: [0xFF, 0x3D, 0, 0])   // 15871
            for ordinal in 0..<15_871 {
                image.replaceSubrange((copy + 0x800 + 4 * ordinal)..<(copy + 0x804 + 4 * ordinal), with: [21, 0, 0, 0])
            }
        }
        Damage.recomputeChecksums(&image)
        let start = Date()
        let trie = try Fixtures.render(.trie, image)
        #expect(trie.contains("ordinal 1 (page 21) repeats the page of ordinal 0 [INVALID]"))
        let summary = try Fixtures.render(.summary, image)
        #expect(summary.contains("Trie pages:               15871"))
        #expect(summary.contains("page 0's trie page list names 15871 pages but only 1 distinct ones"))
        try EveryView.run(image, context: "15871 ordinals of one page")
        #expect(Date().timeIntervalSince(start) < 120)
    }
}
