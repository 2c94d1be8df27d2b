import CheckFixtures
import Foundation
import Testing
import ArdakuCodec

/// Every view over each image of the fsck corruption corpus (`images/NAME/image.gz` at the
/// top of the repository): the same "must not crash" run as btrfs-progs's fuzz-tests, on
/// images whose damage is known.
@Suite struct CorpusTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("images")

    /// The corpus entries: every directory of images/ that holds an image.gz.
    static let names: [String] = {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return entries.filter { FileManager.default.fileExists(atPath: directory.appendingPathComponent("\($0)/image.gz").path) }.sorted()
    }()

    @Test func theCorpusIsThere() {
        #expect(Self.names.count >= 40, "images/ should hold the fsck corruption corpus")
    }

    @Test(arguments: names)
    func everyViewOverTheCorpus(_ name: String) throws {
        let compressed = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent("\(name)/image.gz")))
        let bytes = try Gzip.decompress(compressed)
        #expect(!bytes.isEmpty)
        try EveryView.run(bytes, context: name)
    }
}
