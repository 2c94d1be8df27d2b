import Testing
import ArdakuCheck
import ArdakuFormat
import ArdakuVolume
import CheckFixtures

/// One test per finding code: the fixture volume (TestVolumes.make plus volume operations)
/// is damaged by a recipe that targets the code, checked read-only (the code must be
/// reported and exit status 4), repaired (exit status 1), checked again (nothing found,
/// exit status 0), and every fixture file the damage did not touch reads back with the
/// same bytes; the files it touched are kept, moved or lost exactly as the recipe says.
@Suite struct FindingCodeTests {
    /// Every code of the table except the fatal ones (A1901, A1902: ModeTests).
    static let allCodes = ArdakuFindings.all.map(\.code.rawValue).filter { !["A1901", "A1902"].contains($0) }

    @Test func everyCodeHasARecipe() {
        for code in Self.allCodes {
            #expect(Recipes.all.contains { $0.targets.contains(code) }, "no recipe targets \(code)")
        }
    }

    @Test func codesAreUniqueAndGroupedByPass() {
        let all = ArdakuFindings.all.map(\.code.rawValue)
        #expect(Set(all).count == all.count)
        for kind in ArdakuFindings.all {
            let code = kind.code.rawValue
            #expect(code.count == 5 && code.hasPrefix("A"))
            #expect(kind.repair != .reportOnly || kind.severity == .info || code.hasPrefix("A19"),
                    "\(code): a problem the repair cannot fix would make every later run exit 4")
            if kind.repair == .reportOnly { #expect(kind.fixDescription.isEmpty) } else { #expect(!kind.fixDescription.isEmpty) }
        }
    }

    @Test(arguments: allCodes)
    func codeIsFoundRepairedAndGone(_ code: String) throws {
        let recipe = try #require(Recipes.all.first { $0.targets.contains(code) })
        let run = RoundTrip(try recipe.store())
        #expect(codes(run.readOnly).contains(code), "\(recipe.name): \(codes(run.readOnly))")
        #expect(run.readOnly.exitStatus == .errorsUncorrected)
        #expect(run.repair.exitStatus == .errorsCorrected, "\(recipe.name): \(run.repair.repairFailure ?? "")")
        #expect(run.repair.findings.allSatisfy { $0.severity == .info || $0.resolution == .fixed })
        // What remains is information the repair recorded (damage it marked, FORMAT.md §7.1)
        // and nothing else; the recipe names it.
        #expect(codes(run.second) == recipe.remains, "\(recipe.name): \(run.second.findings.map(\.description))")
        #expect(run.second.findings.allSatisfy { $0.severity == .info })
        #expect(run.second.exitStatus == .clean)
        try FileExpectations.verify(run.store, effects: recipe.effects ?? [:], recipe: recipe.name)
    }
}

/// What a repaired fixture volume must hold.
enum FileExpectations {
    static func verify(_ store: MemoryPageStore, effects: [String: Recipe.Effect], recipe: String) throws {
        let volume = try Volume(store: store)
        for (name, expected) in FixtureVolume.expectedFiles {
            switch effects[name] {
            case nil:
                let actual = try FixtureVolume.contentCRC(volume, name)
                #expect(actual == expected, "\(recipe): \(name) changed")
            case .changed?:
                // Kept under its name and readable (every page's CRC-32 holds).
                _ = try FixtureVolume.contentCRC(volume, name)
            case .damaged?:
                // Kept under its name, marked damaged, and never read as valid: reading it
                // fails naming the damaged ranges; what lies outside them is the original.
                let file = try Volume.fileName(name)
                #expect(try volume.stat(file).flags.contains(.damagedData), "\(recipe): \(name) is not marked damaged")
                let ranges = try volume.damagedRanges(file)
                #expect(!ranges.isEmpty, "\(recipe): \(name) has no damaged range")
                #expect(throws: VolumeError.self) { _ = try volume.readAll(file) }
                do {
                    var salvaged: [UInt8] = []
                    _ = try volume.readSalvaging(file) { (bytes: UnsafeRawBufferPointer) throws(VolumeError) in salvaged.append(contentsOf: bytes) }
                    let original = name == "/sparse.img" ? FixtureVolume.sparseContent() : FixtureVolume.contents()[name] ?? []
                    // Compare page by page: the damaged ranges are whole pages of the file.
                    var start = 0
                    while start < min(salvaged.count, original.count) {
                        let end = min(start + Geometry.pageSize, salvaged.count, original.count)
                        let damagedPage = ranges.contains { $0.overlaps(UInt64(start)..<UInt64(end)) }
                        if !damagedPage, salvaged[start..<end] != original[start..<end] {
                            Issue.record("\(recipe): \(name) bytes \(start)..<\(end) outside the damaged ranges differ")
                            break
                        }
                        start = end
                    }
                }
            case .lost?:
                #expect(!(try volume.exists(Volume.fileName(name))), "\(recipe): \(name) should be gone")
            case .replaced?:
                // What the name holds now is checked by the effect of the file that took it.
                break
            case .movedTo(let target)?:
                let actual = try FixtureVolume.contentCRC(volume, target)
                #expect(actual == expected, "\(recipe): \(name) moved to \(target) differs")
            case .zest(let lost)?:
                #expect(try FixtureVolume.nestedZestProblems(volume, lost: lost) == [], "\(recipe): \(name)")
            }
        }
    }
}
