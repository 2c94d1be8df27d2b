import Testing
import ArdakuFormat
import ArdakuVolume
import CrashHarness
import TestSupport

/// Issue 7 / DESIGN §2.8: a sample of the full crash run (tools/crash/run). Each scenario is
/// crashed at every `stride`-th page write or flush, with a different offset per scenario so
/// that the sample moves over the points; every image is judged by the check engine's
/// repair, a second check and a read-back of every file (docs/RELIABILITY.md).
@Suite struct CrashSampleTests {
    /// Built once; only read by the tests.
    nonisolated(unsafe) static let scenarios: [CrashScenario] = (try? CrashScenarios.all()) ?? []

    @Test func theScenariosAreBuilt() {
        #expect(Self.scenarios.count >= 20)
    }

    @Test(arguments: 0..<CrashScenarios.count)
    func aSampleOfCrashPoints(_ index: Int) throws {
        let scenario = try #require(Self.scenarios.indices.contains(index) ? Self.scenarios[index] : nil)
        let report = CrashRunner.run(scenario, options: CrashRunner.Options(randomImages: 1, pointStride: 12,
                                                                            firstPoint: 1 + index % 12, seed: UInt64(index)))
        #expect(report.crashPoints >= 1, "\(scenario.label): no crash point")
        for failure in report.failures.prefix(5) { Issue.record("\(failure)") }
        #expect(report.failures.isEmpty, "\(scenario.label): \(report.failures.count) of \(report.imagesJudged) images failed")
    }

    /// The simulator's images: writes before the last flush always hold; later ones are
    /// lost, applied or torn at 4 KiB.
    @Test func theSimulatorKeepsWhatWasFlushed() throws {
        let simulator = CrashSimulator(image: [UInt8](repeating: 0, count: 4 * Geometry.pageSize))
        try simulator.write([UInt8](repeating: 1, count: Geometry.pageSize), to: PageIndex(1))
        try simulator.flush()
        try simulator.write([UInt8](repeating: 2, count: Geometry.pageSize), to: PageIndex(2))
        simulator.crashAt = simulator.operationCount + 1
        #expect(throws: StoreError.self) { try simulator.flush() }
        let (lost, applied) = simulator.extremeImages()
        #expect(lost[Geometry.pageSize] == 1 && lost[2 * Geometry.pageSize] == 0)
        #expect(applied[Geometry.pageSize] == 1 && applied[2 * Geometry.pageSize] == 2)
        var generator = SeededGenerator(seed: 3)
        var sawTorn = false
        for _ in 0..<20 {
            let image = simulator.crashImage(using: &generator)
            #expect(image[Geometry.pageSize] == 1)
            let sectors = (0..<16).map { image[2 * Geometry.pageSize + $0 * Geometry.sectorSize] }
            #expect(sectors.allSatisfy { $0 == 0 || $0 == 2 })
            if Set(sectors).count == 2 { sawTorn = true }
        }
        #expect(sawTorn)
    }
}
