import Foundation
import Testing

@Suite struct FixtureWriterTests {
    /// With DUMPFS_FIXTURE=path, writes the golden volume there (to look at it with dumpfs).
    @Test func writeFixtureWhenAsked() throws {
        guard let path = ProcessInfo.processInfo.environment["DUMPFS_FIXTURE"] else { return }
        try Data(Fixtures.golden).write(to: URL(fileURLWithPath: path))
        #expect(FileManager.default.fileExists(atPath: path))
    }
}
