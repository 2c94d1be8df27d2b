import ArdakuDump
import ArdakuFormat
import ArdakuVolume
import Foundation
import Testing
import TestSupport

@Suite struct SummaryTests {
    /// A volume with 40 separate free runs: the summary lists 32 and says how many more.
    @Test func manyFreeRunsAreCutWithACount() throws {
        let (store, volume) = try TestVolumes.make(pages: 128)
        var generator = SeededGenerator(seed: 3)
        for index in 0..<80 { try volume.put(TestVolumes.name("/f\(index)"), bytes: generator.bytes(1000)) }
        for index in stride(from: 0, to: 80, by: 2) { try volume.remove(TestVolumes.name("/f\(index)")) }
        let image = store.snapshot()
        let summary = try Fixtures.render(.summary, image)
        let line = try #require(summary.split(separator: "\n").first { $0.hasPrefix("Free page ranges:") })
        #expect(line.hasSuffix("more (see --bitmap)"))
        #expect(line.split(separator: ",").count == 33)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try Fixtures.render(.summary, image, json: true).utf8)) as? [String: Any])
        #expect(json["free_ranges_truncated"] as? Bool == false)
        #expect((json["free_ranges"] as? [[Int]])?.count ?? 0 > 32)
        #expect(json["files"] as? Int == 40)
        #expect((json["problems"] as? [Any])?.isEmpty == true)
    }
}
