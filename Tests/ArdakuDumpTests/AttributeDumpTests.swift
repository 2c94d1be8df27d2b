import ArdakuFormat
import ArdakuVolume
import Foundation
import Testing
import TestSupport

/// dumpfs shows a record's attribute area (docs/FORMAT.md §7.2) field by field, and names
/// what breaks its rules.
@Suite struct AttributeDumpTests {
    static func image(_ attributes: FileAttributes, announce: Bool = true) throws -> (bytes: [UInt8], subpage: UInt32) {
        let (store, volume) = try TestVolumes.make(pages: 64, label: "attrs")
        var options = PutOptions()
        options.attributes = attributes
        let status = try volume.put(TestVolumes.name("/bin/tool"), bytes: Array("#!/bin/sh\n".utf8), options: options)
        var bytes = store.snapshot()
        if !announce {
            // Page 0 without the feature bit, resealed.
            var block = try bytes.withUnsafeBytes { try SystemInformationBlock.decode(UnsafeRawBufferPointer(rebasing: $0[0..<65_536])) }
            block.incompatFeatures.remove(.fileAttributes)
            bytes.replaceSubrange(0..<65_536, with: block.encode())
        }
        return (bytes, status.subpage.rawValue)
    }

    static let attributes = FileAttributes(
        kind: .regular, permissions: 0o4755, owner: 1000, group: 100,
        modificationTime: .init(seconds: 1_700_000_000, nanoseconds: 5),
        extendedAttributes: [.init(name: Array("user.origin".utf8), value: Array("build".utf8))])

    @Test func everyFieldIsShown() throws {
        let (bytes, subpage) = try Self.image(Self.attributes)
        let text = try Fixtures.render(.record(subpage), bytes)
        for row in ["attribute_length", "attributes.mode", "0o104755 (regular file, 4755)", "attributes.uid", "1000",
                    "attributes.mtime_seconds", "2023-11-14 22:13:20 UTC (1700000000)", "attributes.mtime_nanoseconds",
                    "attributes.xattr_count", "attributes.xattrs[0]", "\"user.origin\" = 62 75 69 6c 64 (5 bytes)"] {
            #expect(text.contains(row), "no \(row) in\n\(text)")
        }
        #expect(!text.contains("[INVALID]"), "\(text)")
        let json = try Fixtures.render(.record(subpage), bytes, json: true)
        #expect(json.contains("\"attributes.link_count\""))
    }

    @Test func anUnannouncedAreaIsInvalid() throws {
        let (bytes, subpage) = try Self.image(Self.attributes, announce: false)
        let text = try Fixtures.render(.record(subpage), bytes)
        #expect(text.contains("page 0 does not announce file attributes"), "\(text)")
    }
}
