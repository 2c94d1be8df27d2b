import Testing
import ArdakuCheck
import ArdakuFormat
import CheckFixtures
import ArdakuCodec

/// Replays images/: every stored image is gunzipped and checked with -fn, -fy and -fy
/// again, and the codes and exit statuses must be those its expect files record; and every
/// recipe, run again, must give byte-identical files (the corpus is reproducible).
@Suite struct CorpusTests {
    static let directories = Files.directories(in: PackagePaths.images).filter { $0 != "fuzz-crashes" }

    @Test func corpusHasEveryRecipeAndEnoughImages() {
        #expect(Self.directories.count >= 40)
        #expect(Self.directories == Recipes.all.map(\.name).sorted())
    }

    @Test(arguments: directories)
    func storedImageReplays(_ name: String) throws {
        let path = "\(PackagePaths.images)/\(name)"
        let image = try Gzip.decompress(try #require(Files.read("\(path)/image.gz")))
        let store = MemoryPageStore(image: image)
        for (file, mode) in [("expect.n", RepairMode.none), ("expect.1", .all), ("expect.2", .all)] {
            let expected = Transcript.parse(try #require(Files.text("\(path)/\(file)")))
            let scratch = file == "expect.n" ? MemoryPageStore(image: image) : store
            let actual = Transcript.run(scratch, mode: mode)
            let parsed = Transcript.parse(actual.text)
            #expect(parsed.codes == expected.codes, "\(name) \(file)")
            #expect(parsed.exitStatus == expected.exitStatus, "\(name) \(file)")
            #expect(actual.report.exitStatus.rawValue == expected.exitStatus, "\(name) \(file)")
        }
        let second = Transcript.parse(try #require(Files.text("\(path)/expect.2")))
        let recipe = Recipes.named(name)
        let fatal = recipe?.fatal ?? false
        // A second run is clean: exit 0, and nothing but what the recipe names.
        let remains = recipe?.remains ?? []
        // A report-only finding no repair removes (Recipe.staysUnresolved) keeps exit 4.
        #expect(second.exitStatus == (fatal ? 8 : recipe?.staysUnresolved == true ? 4 : 0), "\(name)")
        if !fatal {
            if recipe?.effects == nil && remains.isEmpty {
                // Random damage: only what the repair recorded as damaged remains.
                #expect(second.codes.allSatisfy(Recipe.recordedDamageCodes.contains), "\(name): \(second.codes)")
            } else {
                #expect(second.codes == remains)
            }
            // What the repair kept, moved or lost is what the recipe says.
            if let effects = recipe?.effects { try FileExpectations.verify(store, effects: effects, recipe: name) }
        }
    }

    @Test(arguments: Recipes.all.map(\.name))
    func recipeRegeneratesByteIdentical(_ name: String) throws {
        let recipe = try #require(Recipes.named(name))
        let entry = try CorpusEntry.make(recipe)
        for (file, bytes) in entry.fileContents {
            let stored = Files.read("\(PackagePaths.images)/\(name)/\(file)")
            let same = stored == bytes
            let detail = file == "image.gz" || same ? "" : "stored:\n\(String(decoding: stored ?? [], as: UTF8.self))\nnow:\n\(String(decoding: bytes, as: UTF8.self))"
            #expect(same, "\(name)/\(file) differs from a fresh run of tools/make-corpus/run\n\(detail)")
        }
    }
}
