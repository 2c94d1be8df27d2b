@testable import ArdakuDump
import ArdakuFormat
import Foundation
import Testing
import TestSupport

/// Ways to damage an image, seeded so that every failure can be replayed.
enum Damage {
    /// Pages of the golden volume that hold metadata (as `--owners` shows them).
    static let metadataPages = [0, 1, 4, 15, 19, 21, 63]
    /// Subpages holding records (live and tombstone) in the golden volume.
    static let recordSubpages = [16, 17, 18, 19, 60, 61]

    /// A field of a structure at an absolute offset, for field-by-field damage.
    struct Target {
        var name: String
        var offset: Int
        var size: Int
    }

    /// Every field the layout tables name in the golden volume: both system blocks, the
    /// trie page header, every trie node, every record header, the extension page header.
    static func targets(in image: [UInt8]) -> [Target] {
        var result: [Target] = []
        func add(_ layout: [FieldLayout], base: Int, prefix: String) {
            for field in layout where field.size > 0 {
                result.append(Target(name: "\(prefix).\(field.name)", offset: base + field.offset, size: min(field.size, 8)))
            }
        }
        add(SystemInformationBlock.layout, base: 0, prefix: "sib0")
        add(SystemInformationBlock.layout, base: 63 << 16, prefix: "sib63")
        // The first trie page list entries are fields too.
        for ordinal in 0..<2 { result.append(Target(name: "sib0.trie_pages[\(ordinal)]", offset: 0x800 + 4 * ordinal, size: 4)) }
        add(TriePage.layout, base: 21 << 16, prefix: "trie")
        let slotCount = Int(image[(21 << 16) + 0x0A]) | Int(image[(21 << 16) + 0x0B]) << 8
        for slot in 0..<slotCount {
            let at = (21 << 16) + 0x18 + 2 * slot
            result.append(Target(name: "trie.slots[\(slot)]", offset: at, size: 2))
            let node = Int(image[at]) | Int(image[at + 1]) << 8
            guard node != 0 else { continue }
            add(TrieNode.layout, base: (21 << 16) + node, prefix: "node\(slot)")
            let children = Int(image[(21 << 16) + node + 4])
            for child in 0..<children {
                result.append(Target(name: "node\(slot).children[\(child)]", offset: (21 << 16) + node + 12 + children + 4 * child, size: 4))
                result.append(Target(name: "node\(slot).child_bytes[\(child)]", offset: (21 << 16) + node + 12 + child, size: 1))
            }
        }
        for subpage in recordSubpages {
            add(FileRecord.layout, base: subpage << 14, prefix: "record\(subpage)")
            // The first tag / extension page / entry words after the name.
            for word in 0..<6 { result.append(Target(name: "record\(subpage).lists[\(word)]", offset: (subpage << 14) + 0x88 + 4 * word, size: 4)) }
        }
        add(ExtensionPage.layout, base: 19 << 16, prefix: "extension")
        for entry in 0..<3 { result.append(Target(name: "extension.entries[\(entry)]", offset: (19 << 16) + 0x20 + 8 * entry, size: 8)) }
        return result
    }

    /// The xfs_db fuzz verbs: what to write into a field.
    enum Verb: CaseIterable { case zeroes, ones, firstBit, middleBit, lastBit, add, subtract, random }

    static func apply(_ verb: Verb, to target: Target, in image: inout [UInt8], using generator: inout SeededGenerator) {
        var value: UInt64 = 0
        for index in 0..<target.size { value |= UInt64(image[target.offset + index]) << UInt64(8 * index) }
        let bits = UInt64(8 * target.size)
        let mask: UInt64 = bits == 64 ? .max : (1 << bits) - 1
        switch verb {
        case .zeroes: value = 0
        case .ones: value = mask
        case .firstBit: value ^= 1
        case .middleBit: value ^= 1 << (bits / 2)
        case .lastBit: value ^= 1 << (bits - 1)
        case .add: value &+= 1 + generator.next() % 5
        case .subtract: value &-= 1 + generator.next() % 5
        case .random: value = generator.next()
        }
        value &= mask
        for index in 0..<target.size { image[target.offset + index] = UInt8(truncatingIfNeeded: value >> UInt64(8 * index)) }
    }

    /// Recomputes every checksum that a recognizable structure carries, so that damage
    /// behind a checksum reaches the decoders' deeper checks.
    static func recomputeChecksums(_ image: inout [UInt8]) {
        let pages = image.count >> 16
        image.withUnsafeMutableBytes { raw in
            for page in 0..<pages {
                let base = page << 16
                let bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(raw)[base..<(base + 65_536)])
                let target = UnsafeMutableRawBufferPointer(rebasing: raw[base..<(base + 65_536)])
                if ByteReader.uint32(in: bytes, at: 0x400) == SystemInformationBlock.magic {
                    ByteWriter.storeUInt32(SystemInformationBlock.computedChecksum(bytes), into: target, at: 0xFFFC)
                }
                let magic = ByteReader.uint32(in: bytes, at: 0)
                if magic == TriePage.magic { ByteWriter.storeUInt32(TriePage.checksum(bytes), into: target, at: 4) }
                if magic == ExtensionPage.magic { ByteWriter.storeUInt32(ExtensionPage.checksum(bytes), into: target, at: 4) }
                for slot in 0..<4 {
                    let start = slot << 14
                    let sub = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + 16_384)])
                    let subMagic = ByteReader.uint32(in: sub, at: 0)
                    guard subMagic == FileRecord.magic || subMagic == FileRecord.tombstoneMagic,
                          let used = ByteReader.uint32(in: sub, at: 8), used >= 8, used <= 16_384 else { continue }
                    ByteWriter.storeUInt32(FileRecord.checksum(sub, usedLength: Int(used)),
                                           into: UnsafeMutableRawBufferPointer(rebasing: target[start..<(start + 16_384)]), at: 4)
                }
            }
        }
    }

    /// One seeded damage of the golden image, and what was done (for the failure message).
    static func damaged(seed: UInt64) -> ([UInt8], String) {
        var generator = SeededGenerator(seed: seed)
        var image = Fixtures.golden
        var done: [String] = []
        let rounds = 1 + Int(generator.next() % 3)
        var truncateTo: Int?
        for _ in 0..<rounds {
            switch generator.next() % 7 {
            case 0, 1:
                let all = targets(in: image)
                let target = all[Int(generator.next() % UInt64(all.count))]
                let verb = Verb.allCases[Int(generator.next() % UInt64(Verb.allCases.count))]
                apply(verb, to: target, in: &image, using: &generator)
                done.append("\(verb) \(target.name)")
            case 2:
                let flips = 1 + Int(generator.next() % 40)
                let page = metadataPages[Int(generator.next() % UInt64(metadataPages.count))]
                for _ in 0..<flips {
                    let offset = (page << 16) + Int(generator.next() % (page == 0 || page == 63 ? 0x900 : 0x400))
                    image[offset] ^= UInt8(truncatingIfNeeded: 1 << (generator.next() % 8))
                }
                done.append("\(flips) bit flips in page \(page)")
            case 3:
                let flips = 1 + Int(generator.next() % 200)
                for _ in 0..<flips { image[Int(generator.next() % UInt64(image.count))] = UInt8(truncatingIfNeeded: generator.next()) }
                done.append("\(flips) random bytes anywhere")
            case 4:
                let page = metadataPages[Int(generator.next() % UInt64(metadataPages.count))]
                let garbage = generator.next() % 2 == 0
                let bytes = garbage ? generator.bytes(65_536) : [UInt8](repeating: 0, count: 65_536)
                image.replaceSubrange((page << 16)..<((page + 1) << 16), with: bytes)
                done.append("\(garbage ? "garbage" : "zeros") over page \(page)")
            case 5:
                let from = metadataPages[Int(generator.next() % UInt64(metadataPages.count))]
                let to = metadataPages[Int(generator.next() % UInt64(metadataPages.count))]
                image.replaceSubrange((to << 16)..<((to + 1) << 16), with: image[(from << 16)..<((from + 1) << 16)])
                done.append("page \(from) copied over page \(to)")
            default:
                // Truncation comes last, so that the other kinds always find the whole image.
                truncateTo = Int(generator.next() % UInt64(image.count))
            }
        }
        if generator.next() % 2 == 0 {
            recomputeChecksums(&image)
            done.append("checksums recomputed")
        }
        if let length = truncateTo {
            image.removeSubrange(length...)
            done.append("truncated to \(length) bytes")
        }
        return (image, done.joined(separator: ", "))
    }
}

/// Runs every view over an image; returns the texts, and checks every JSON document parses.
enum EveryView {
    static func run(_ bytes: [UInt8], context: String) throws {
        let image = ImageBytes(copying: bytes)
        let dump = StructureDump(image: image, name: "damaged.img")
        var views: [DumpView] = [.summary, .system, .bitmap, .trie, .owners]
        for name in ["/docs/a.txt", "/docs/b.bin", "/c", "/sparse", "/nested.zest", "/missing"] { views.append(.file(name)) }
        // /sparse's record (subpage 61) is already shown by --file /sparse.
        for subpage in Damage.recordSubpages where subpage != 61 { views.append(.record(UInt32(subpage))) }
        for subpage in [0, 4, 84, 255, 1 << 20] { views.append(.record(UInt32(subpage))) }
        for view in views {
            for json in [false, true] {
                do {
                    let text = try OutputBuffer.render { try dump.render(view, json: json, to: $0) }
                    #expect(!text.isEmpty, "\(view) json \(json) printed nothing: \(context)")
                    if json { try checkJSON(text, "\(view): \(context)") }
                } catch let error as DumpError {
                    // A view may refuse (a file not in the trie, a subpage past the end); it says why.
                    #expect(!error.message.isEmpty)
                }
            }
        }
        let raw = RawDump(image: image, name: "damaged.img")
        for annotate in [false, true] {
            for json in [false, true] {
                var options = RawDump.Options()
                options.annotate = annotate
                options.json = json
                let text = try OutputBuffer.render { try raw.render(RawRange(unit: .page, start: 0, count: nil, text: "0"), options: options, to: $0) }
                if json { try checkJSON(text, "raw annotate \(annotate): \(context)") }
                if !annotate && !json {
                    // The plain hex of the whole image is the canonical dump of every byte.
                    #expect(text.hasSuffix(TextFormat.address(image.count) + "\n") || image.count == 0)
                }
            }
        }
    }

    static func checkJSON(_ text: String, _ context: String) throws {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        let dictionary = try #require(object as? [String: Any], "not a JSON object: \(context)")
        #expect(dictionary["schema"] as? String == StructureDump.schema, "\(context)")
        #expect(dictionary["view"] is String, "\(context)")
    }
}

