import Testing
import ArdakuCheck
import CheckFixtures

/// Every input the fuzzer ever flagged (images/fuzz-crashes/) replays through the target its
/// name starts with (`FuzzTarget(inputNamed:)`) without a trap and with that target's
/// properties holding (for check: -n writes nothing, the repair commits, the second check is
/// clean). Also every target's seeds, tools/fuzz/seeds/<target>/.
@Suite struct FuzzRegressionTests {
    static let crashes = Files.files(in: PackagePaths.images + "/fuzz-crashes").filter { $0 != "README.md" }
    static let seedDirectory = PackagePaths.root + "/tools/fuzz/seeds/"

    static func seeds(of target: FuzzTarget) -> [String] { Files.files(in: seedDirectory + target.rawValue) }

    @Test(arguments: FuzzTarget.allCases)
    func thereAreSeeds(_ target: FuzzTarget) { #expect(Self.seeds(of: target).count >= (target == .check ? 10 : 5)) }

    @Test(arguments: crashes)
    func crashReplays(_ name: String) throws {
        let input = try #require(Files.read(PackagePaths.images + "/fuzz-crashes/" + name))
        let violation = FuzzTarget(inputNamed: name).run(input)
        #expect(violation == nil, "\(name): \(violation?.description ?? "")")
    }

    @Test(arguments: FuzzTarget.allCases)
    func seedsReplay(_ target: FuzzTarget) throws {
        for name in Self.seeds(of: target) {
            let input = try #require(Files.read(Self.seedDirectory + target.rawValue + "/" + name))
            let violation = target.run(input)
            #expect(violation == nil, "\(target.rawValue)/\(name): \(violation?.description ?? "")")
        }
    }
}
