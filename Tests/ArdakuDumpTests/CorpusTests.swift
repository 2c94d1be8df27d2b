import Foundation
import Testing

/// Every view over each image of the fsck corruption corpus (`images/` at the top of the
/// repository), when the corpus is there: the same "must not crash" run as btrfs-progs's
/// fuzz-tests. Files ending in .gz or .xz are skipped (the corpus script decides how to
/// store them); every other regular file is taken as an image.
@Suite struct CorpusTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("images")

    static var images: [URL] {
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { url in
            (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
                && !["gz", "xz", "zst", "bz2", "md", "txt", "json", "sh", "py"].contains(url.pathExtension)
        }.sorted { $0.path < $1.path }
    }

    @Test func everyViewOverTheCorpus() throws {
        let images = Self.images
        guard !images.isEmpty else { return }   // no corpus in this checkout
        for url in images {
            let bytes = try [UInt8](Data(contentsOf: url))
            try EveryView.run(bytes, context: url.lastPathComponent)
        }
    }
}
