import ArdakuVolume
import Foundation
import TestSupport
import Testing

@Suite struct FixtureWriterTests {
    /// With DUMPFS_FIXTURE=path, writes the golden volume there (to look at it with dumpfs).
    @Test func writeFixtureWhenAsked() throws {
        guard let path = ProcessInfo.processInfo.environment["DUMPFS_FIXTURE"] else { return }
        try Data(Fixtures.golden).write(to: URL(fileURLWithPath: path))
        #expect(FileManager.default.fileExists(atPath: path))
    }
}

extension FixtureWriterTests {
    /// With DUMPFS_BIG_FIXTURE=path, writes a 512 MiB volume of 3,000 files in nested
    /// directories (for timing the structure views by hand).
    @Test func writeBigFixtureWhenAsked() throws {
        guard let path = ProcessInfo.processInfo.environment["DUMPFS_BIG_FIXTURE"] else { return }
        let (store, volume) = try TestVolumes.make(pages: 8192, label: "big")
        var generator = SeededGenerator(seed: 5)
        try volume.batch { () throws(VolumeError) in
            for index in 0..<3000 {
                let name = TestVolumes.name("/d\(index % 17)/e\(index % 5)/file-\(index).bin")
                try volume.put(name, bytes: generator.bytes(Int(generator.next() % 150_000)))
            }
        }
        try Data(store.snapshot()).write(to: URL(fileURLWithPath: path))
    }
}
