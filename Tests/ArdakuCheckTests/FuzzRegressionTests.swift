import Testing
import ArdakuCheck
import ArdakuCLI
import ArdakuFormat
import ArdakuVolume
import CheckFixtures
import Glibc

/// Every input the fuzzer ever flagged (images/fuzz-crashes/) replays through the target its
/// name starts with (`FuzzTarget(inputNamed:)`) without a trap and with that target's
/// properties holding (for check: -n writes nothing, the repair commits, the second check is
/// clean). Also every target's seeds, tools/fuzz/seeds/<target>/, which are exactly what
/// their generator writes (`FuzzSeeds`, tools/fuzz/make-seeds).
@Suite struct FuzzRegressionTests {
    static let crashes = Files.files(in: PackagePaths.images + "/fuzz-crashes").filter { $0 != "README.md" }
    static let seedDirectory = PackagePaths.root + "/tools/fuzz/seeds/"

    static func seeds(of target: FuzzTarget) -> [String] { Files.files(in: seedDirectory + target.rawValue) }

    @Test(arguments: FuzzTarget.allCases)
    func thereAreSeeds(_ target: FuzzTarget) { #expect(Self.seeds(of: target).count >= (target == .check ? 10 : 5)) }

    @Test func seedsAreGenerated() throws {
        let generated = try FuzzSeeds.all()
        for target in FuzzTarget.allCases {
            let mine = generated.filter { $0.target == target }
            #expect(Self.seeds(of: target).sorted() == mine.map(\.name).sorted(), "tools/fuzz/seeds/\(target.rawValue): run tools/fuzz/make-seeds")
            for seed in mine {
                #expect(Files.read(Self.seedDirectory + target.rawValue + "/" + seed.name) == seed.bytes, "\(target.rawValue)/\(seed.name) differs from FuzzSeeds")
            }
        }
    }

    /// The extract seed of hostile names: each name the extraction refuses is refused for
    /// what is wrong with its bytes. Names that are not UTF-8 were validated as a String, where
    /// those bytes had become U+FFFD, and then reported as "no such file".
    @Test func hostileNamesAreRefusedForTheirBytes() throws {
        let input = try #require(Files.read(Self.seedDirectory + "extract/hostile-bad-bytes"))
        let volume = try Volume(store: MemoryPageStore(image: try #require(FuzzTarget.extract.image(input))))
        let files = try volume.listReadable(prefix: [UInt8(ascii: "/")]).files
        let root = "/tmp/ardaku-test-hostile-names-\(getpid())"
        HostDirectory.removeTree(root)
        defer { HostDirectory.removeTree(root) }
        let output = try SafeOutput(root: root)
        defer { output.close() }
        var messages: [String] = []
        let failures = try TreeExtraction.extract(files, under: [UInt8(ascii: "/")], into: output, overwrite: false,
                                                  failed: { messages.append("\($0)") }) { name, sink in try volume.read(name, sink) }
        #expect(failures == 5)
        #expect(messages.filter { $0.contains("invalid name: name is not valid UTF-8") }.count == 2, "\(messages)")
        #expect(!messages.contains { $0.contains("no such file") }, "\(messages)")
        #expect(HostDirectory.names(in: root).sorted() == ["a", "d", "e"])
    }

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
