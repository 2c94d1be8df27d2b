import Testing
import ArdakuCheck
import CheckFixtures

/// Every input the fuzzer ever flagged (images/fuzz-crashes/) replays through the fuzz
/// harness without a trap and with its properties holding: -n writes nothing, the repair
/// commits, the second check is clean. Also the seeds of tools/fuzz/seeds/.
@Suite struct FuzzRegressionTests {
    static let crashes = Files.files(in: PackagePaths.images + "/fuzz-crashes").filter { $0 != "README.md" }
    static let seeds = Files.files(in: PackagePaths.root + "/tools/fuzz/seeds")

    @Test func thereAreSeeds() { #expect(Self.seeds.count >= 10) }

    @Test(arguments: crashes)
    func crashReplays(_ name: String) throws {
        let input = try #require(Files.read(PackagePaths.images + "/fuzz-crashes/" + name))
        let violation = FuzzHarness.run(input)
        #expect(violation == nil, "\(name): \(violation?.description ?? "")")
    }

    @Test func seedsReplay() throws {
        for name in Self.seeds {
            let input = try #require(Files.read(PackagePaths.root + "/tools/fuzz/seeds/" + name))
            let violation = FuzzHarness.run(input)
            #expect(violation == nil, "\(name): \(violation?.description ?? "")")
        }
    }
}
