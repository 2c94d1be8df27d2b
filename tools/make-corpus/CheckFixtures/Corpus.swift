import ArdakuCheck
import ArdakuFormat
import ArdakuCodec

/// One corpus directory's files, as the generator writes them and the test reads them.
public struct CorpusEntry {
    public var name: String
    /// gzip of the damaged image.
    public var imageGz: [UInt8]
    /// One line: what the image is.
    public var title: String
    /// How it was made.
    public var how: String
    /// Transcripts of `fsck.zest -fn`, `-fy`, and `-fy` again.
    public var expectN: String
    public var expect1: String
    public var expect2: String

    public static let files = ["image.gz", "name", "how", "expect.n", "expect.1", "expect.2"]

    /// Builds the entry of `recipe`: damages the fixture, runs the three checks in memory.
    /// Throws when the recipe misses its target codes or a second run is not clean.
    public static func make(_ recipe: Recipe) throws -> CorpusEntry {
        let image = try recipe.image()
        let readOnly = Transcript.run(MemoryPageStore(image: image), mode: .none)
        let store = MemoryPageStore(image: image)
        let first = Transcript.run(store, mode: .all)
        let second = Transcript.run(store, mode: .all)
        let found = Transcript.parse(readOnly.text).codes
        let missing = recipe.targets.filter { !found.contains($0) }
        guard missing.isEmpty else { throw CorpusError.missedTarget(recipe.name, missing) }
        let expectedSecond: Int32 = recipe.fatal ? ExitStatus.operationalError.rawValue
            : recipe.staysUnresolved ? ExitStatus.errorsUncorrected.rawValue : 0
        // A recipe with `remains` is judged by the codes its second run still reports; random
        // damage by whether all it reports is damage the repair recorded (Recipe.recordedDamageCodes).
        let secondCodes = Transcript.parse(second.text).codes
        let asExpected: Bool
        if recipe.fatal || recipe.remains.isEmpty && recipe.effects != nil {
            asExpected = second.report.exitStatus.rawValue == expectedSecond && (recipe.fatal || second.report.findings.isEmpty)
        } else if recipe.effects == nil && recipe.remains.isEmpty {
            asExpected = second.report.exitStatus.rawValue == 0 && secondCodes.allSatisfy(Recipe.recordedDamageCodes.contains)
        } else {
            asExpected = second.report.exitStatus.rawValue == expectedSecond && secondCodes == recipe.remains
        }
        guard asExpected else {
            throw CorpusError.secondRunNotClean(recipe.name, second.text)
        }
        let how = """
            \(recipe.how).
            \(recipe.origin ?? "Made by tools/make-corpus (recipe \"\(recipe.name)\", CheckFixtures/Recipes.swift) from the fixture\nvolume of CheckFixtures/FixtureVolume.swift: 64 pages, UUID \(FixtureVolume.uuid), fixed times and seeds.")
            Targets: \(recipe.targets.isEmpty ? "(random damage: whatever it hits)" : recipe.targets.joined(separator: " ")).

            """
        return CorpusEntry(name: recipe.name, imageGz: try Gzip.compress(image), title: recipe.how, how: how,
                           expectN: readOnly.text, expect1: first.text, expect2: second.text)
    }

    /// The bytes of each file of the directory.
    public var fileContents: [(String, [UInt8])] {
        [("image.gz", imageGz), ("name", Array((title + "\n").utf8)), ("how", Array(how.utf8)),
         ("expect.n", Array(expectN.utf8)), ("expect.1", Array(expect1.utf8)), ("expect.2", Array(expect2.utf8))]
    }
}

public enum CorpusError: Error, CustomStringConvertible {
    case missedTarget(String, [String])
    case secondRunNotClean(String, String)
    public var description: String {
        switch self {
        case let .missedTarget(name, codes): return "\(name): the damage did not produce \(codes.joined(separator: ", "))"
        case let .secondRunNotClean(name, text): return "\(name): the second run is not clean:\n\(text)"
        }
    }
}
