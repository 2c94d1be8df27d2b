import ArdakuDump
import ArdakuFormat
import ArdakuZest
import CheckFixtures
import Foundation
import Testing
import TestSupport
import ArdakuCodec

/// `dumpfs --zest`: the fixture's ZEST volume (/nested.zest of the corpus fixture: three
/// files, 4 KiB segments), standalone and nested in its Ardaku image, clean and damaged.
@Suite struct ZestDumpTests {
    static let volume = FixtureVolume.nestedZest

    static func render(_ dump: ZestDump, file: String? = nil, json: Bool = false) throws -> String {
        try OutputBuffer.render { try dump.render(file: file, json: json, to: $0) }
    }

    static func parse(_ text: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(object as? [String: Any])
    }

    @Test func standaloneVolumeShowsHeaderFragmentsAndEntries() throws {
        let text = try Self.render(ZestDump(standalone: ImageBytes(copying: Self.volume), name: "n.zest"))
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains("ZEST volume:              n.zest (a standalone file)"))
        #expect(lines.contains("Segment size:             4096 (the volume holds \(Self.volume.count / 4096) whole segments)"))
        #expect(lines.contains("Fragments:                1, the chain ends with a link of 0"))
        #expect(lines.contains("Entries:                  3 (3 files, 0 dictionaries)"))
        #expect(lines.contains("Problems:                 <none>"))
        #expect(lines.contains { $0.hasPrefix("  00000000  00000000  +0x0000  magic ") && $0.contains("\"ZEST\" [ok]") })
        #expect(lines.contains { $0.hasPrefix("  00000800  00000800  +0x0000  magic ") })
        for name in FixtureVolume.nestedZestFiles.map(\.name) {
            #expect(lines.contains { $0.hasPrefix("Fragment 0 entry ") && $0.contains("\"\(name)\"") }, "\(name)")
        }
        // Every magic and checksum is [ok], and every CRC-32 row shows both values.
        #expect(!text.contains("[MISMATCH]") && !text.contains("[INVALID"))
        let crcRows = lines.filter { $0.contains(" crc ") || $0.contains(" entryCRC ") || $0.contains(" contentCRC ") }
        #expect(crcRows.count == 2 + 2 + 3 + 3)
        #expect(crcRows.allSatisfy { $0.contains("stored 0x") && $0.contains("computed 0x") && $0.contains("[ok]") })
    }

    @Test func nestedFieldsPointAtTheirImageBytes() throws {
        let image = FixtureVolume.image
        let dump = try ZestDump(image: ImageBytes(copying: image), name: "fixture.img", file: "/nested.zest")
        let text = try Self.render(dump)
        #expect(text.contains("Where the volume lies:"))
        #expect(text.contains("Problems:                 <none>"))
        let json = try Self.parse(try Self.render(dump, json: true))
        #expect(json["schema"] as? String == "ardaku-dumpfs/1")
        #expect(json["view"] as? String == "zest")
        let volume = try #require(json["volume"] as? [String: Any])
        #expect(volume["bytes"] as? Int == Self.volume.count)
        // Each field's image address holds the bytes of the field's volume offset.
        let fragments = try #require(json["fragments"] as? [[String: Any]])
        let headers = try #require(json["headers"] as? [[String: Any]])
        var structures = headers
        for fragment in fragments {
            structures += try #require(fragment["slots"] as? [[String: Any]])
            structures += try #require(fragment["entries"] as? [[String: Any]])
        }
        #expect(structures.count == 2 + 2 + 3)
        var checked = 0
        for structure in structures {
            for field in try #require(structure["fields"] as? [[String: Any]]) {
                let address = try #require(field["offset"] as? Int)
                let volumeOffset = try #require(field["volume_offset"] as? Int)
                let size = min(try #require(field["size"] as? Int), 16)
                #expect(Array(image[address..<(address + size)]) == Array(Self.volume[volumeOffset..<(volumeOffset + size)]))
                checked += 1
            }
        }
        #expect(checked > 40)
    }

    @Test func innerFileShowsItsEntryAndSegmentsAsHexdump() throws {
        let path = try Fixtures.writeTemporary(Self.volume, name: "fixture.zest")
        let zest = try ZestVolume.open(MemoryByteStore(Self.volume))
        for file in zest.list() where file.storedSize > 0 {
            let name = file.name.description
            let result = try Run.dumpfs(["-q", path, "--zest", "-", "--zest-file", name])
            #expect(result.status == 0)
            let lines = result.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let marker = try #require(lines.firstIndex { $0.hasPrefix("-- volume bytes ") })
            // "-- volume bytes 00003000-00003fff: image bytes ..."
            let range = lines[marker].dropFirst("-- volume bytes ".count).prefix(17).split(separator: "-")
            let start = try #require(Int(range[0], radix: 16)), end = try #require(Int(range[1], radix: 16))
            let hex = lines[(marker + 1)...].joined(separator: "\n")
            let expected = try Run.hexdump(["-C", "-s", "\(start)", "-n", "\(end - start + 1)", path]).text
            #expect(hex == expected, "\(name)")
        }
        // Auto-detection: a .zest file with no view is shown as a ZEST volume.
        let plain = try Run.dumpfs(["-q", path])
        #expect(plain.text.hasPrefix("ZEST volume:"))
        let missing = try Run.dumpfs(["-q", path, "--zest", "-", "--zest-file", "/nope"])
        #expect(missing.status == 1 && missing.stderr.contains("/nope: no entry of that name"))
    }

    @Test func innerFileJSON() throws {
        let dump = try ZestDump(image: ImageBytes(copying: FixtureVolume.image), name: "fixture.img", file: "/nested.zest")
        let json = try Self.parse(try Self.render(dump, file: "/notes/b.txt", json: true))
        #expect(json["view"] as? String == "zest_file")
        let entry = try #require((json["entries"] as? [[String: Any]])?.first)
        let content = try #require(entry["content"] as? [String: Any])
        #expect(content["stored_length"] as? Int == 4)
        let piece = try #require((content["pieces"] as? [[String: Any]])?.first)
        #expect((piece["hex"] as? String)?.hasPrefix("7a657374") == true)   // "zest"
    }

    /// Seeded damage over the header area, the head fragment pair and the content: bit
    /// flips, random bytes, zeroed runs, truncation. Every view, text and JSON, must finish
    /// and the JSON must parse. `DUMPFS_DAMAGE_SEEDS=N` runs more cases.
    @Test func damagedVolumesNeverCrash() throws {
        let seeds = Int(ProcessInfo.processInfo.environment["DUMPFS_DAMAGE_SEEDS"] ?? "") ?? 300
        let names = FixtureVolume.nestedZestFiles.map(\.name)
        for seed in 0..<seeds {
            var rng = SeededGenerator(seed: UInt64(seed) &+ 0x2E57)
            var bytes = Self.volume
            let regions = [0..<64, 2048..<2112, 4096..<12288, 8192..<8400, 12288..<bytes.count]
            for _ in 0..<(1 + Int(rng.next() % 6)) {
                let region = regions[Int(rng.next() % UInt64(regions.count))]
                let offset = region.lowerBound + Int(rng.next() % UInt64(region.count))
                switch rng.next() % 4 {
                case 0: bytes[offset] ^= UInt8(1 << (rng.next() % 8))
                case 1: bytes[offset] = UInt8(truncatingIfNeeded: rng.next())
                case 2: for index in offset..<min(bytes.count, offset + 64) { bytes[index] = 0 }
                default: bytes[offset] = 0xFF
                }
            }
            // Half the cases reseal the head pair's slots, so the damage reaches the entries.
            if seed % 2 == 1 {
                for slot in [4096, 8192] {
                    let crc = CRC32.checksum(bytes[slot..<(slot + 0xFFC)])
                    for index in 0..<4 { bytes[slot + 0xFFC + index] = UInt8(truncatingIfNeeded: crc >> (8 * index)) }
                }
            }
            if seed % 7 == 3 { bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count)))) }
            let dump = ZestDump(standalone: ImageBytes(copying: bytes), name: "damaged-\(seed).zest")
            _ = try Self.render(dump)
            _ = try Self.parse(try Self.render(dump, json: true))
            for name in names {
                do {
                    _ = try Self.render(dump, file: name)
                    _ = try Self.parse(try Self.render(dump, file: name, json: true))
                } catch is DumpError {
                    // The damage removed the name: reported, not a crash.
                }
            }
        }
    }

    /// The ZEST recipes of the fsck corpus: each nested volume shows the finding its
    /// recipe targets, and every view finishes over it.
    @Test(arguments: CorpusTests.names.filter { $0.hasPrefix("zest-") })
    func corpusZestImages(_ name: String) throws {
        let compressed = try [UInt8](Data(contentsOf: CorpusTests.directory.appendingPathComponent("\(name)/image.gz")))
        let image = ImageBytes(copying: try Gzip.decompress(compressed))
        let dump = try ZestDump(image: image, name: name, file: "/nested.zest")
        let text = try Self.render(dump)
        let targets = try #require(Recipes.named(name)).targets
        for code in targets { #expect(text.contains("  \(code) ("), "\(name): \(code) not in Problems") }
        _ = try Self.parse(try Self.render(dump, json: true))
        for file in FixtureVolume.nestedZestFiles.map(\.name) + ["/notes/c.txt"] {
            do {
                _ = try Self.render(dump, file: file)
                _ = try Self.parse(try Self.render(dump, file: file, json: true))
            } catch is DumpError {}
        }
    }
}
