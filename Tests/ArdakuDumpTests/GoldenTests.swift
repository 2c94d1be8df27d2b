import ArdakuFormat
import ArdakuDump
import Foundation
import Testing

/// The views of the fixed volume (`Fixtures.golden`) against outputs stored in `Golden/`.
///
/// A change to a view's layout shows up here as a diff to review. After checking the new
/// output by eye, rewrite the files with `DUMPFS_UPDATE_GOLDEN=1 swift test --filter GoldenTests`.
@Suite struct GoldenTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    enum Case: String, CaseIterable {
        case summary, system, bitmap, trie, owners, fileA = "file-docs-a", recordTombstone = "record-19"
        case summaryJSON = "summary-json", fileJSON = "file-docs-b-json", ownersJSON = "owners-json"
        case annotateSystem = "annotate-0x3f0-0x30", annotateTrie = "annotate-page-21", annotateExtension = "annotate-page-19-head"

        func render() throws -> String {
            let image = ImageBytes(copying: Fixtures.golden)
            let dump = StructureDump(image: image, name: "golden.img")
            func view(_ view: DumpView, json: Bool = false) throws -> String {
                try OutputBuffer.render { try dump.render(view, json: json, to: $0) }
            }
            func annotate(_ range: RawRange) throws -> String {
                var options = RawDump.Options()
                options.annotate = true
                return try OutputBuffer.render { try RawDump(image: image, name: "golden.img").render(range, options: options, to: $0) }
            }
            switch self {
            case .summary: return try view(.summary)
            case .system: return try view(.system)
            case .bitmap: return try view(.bitmap)
            case .trie: return try view(.trie)
            case .owners: return try view(.owners)
            case .fileA: return try view(.file("/docs/a.txt"))
            case .recordTombstone: return try view(.record(19))
            case .summaryJSON: return try view(.summary, json: true)
            case .fileJSON: return try view(.file("/docs/b.bin"), json: true)
            case .ownersJSON: return try view(.owners, json: true)
            case .annotateSystem: return try annotate(RawRange.parse("0x3f0:0x30", unit: .byte))
            case .annotateTrie: return try annotate(RawRange.parse("21", unit: .page))
            case .annotateExtension: return try annotate(RawRange.parse("0x130000:0x40", unit: .byte))
            }
        }
    }

    @Test(arguments: Case.allCases)
    func matchesGolden(_ golden: Case) throws {
        let text = try golden.render()
        let url = Self.directory.appendingPathComponent(golden.rawValue + ".txt")
        if ProcessInfo.processInfo.environment["DUMPFS_UPDATE_GOLDEN"] != nil {
            try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        if text != expected {
            let got = text.split(separator: "\n", omittingEmptySubsequences: false)
            let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let first = (0..<min(got.count, want.count)).first { got[$0] != want[$0] } ?? min(got.count, want.count)
            Issue.record("""
                \(golden.rawValue) differs from Golden/\(golden.rawValue).txt at line \(first + 1):
                got:  \(first < got.count ? got[first] : "<end>")
                want: \(first < want.count ? want[first] : "<end>")
                """)
        }
    }
}
