import Testing
import ArdakuCheck
import ArdakuFormat
import ArdakuVolume
import CheckFixtures
import TestSupport

/// A crash at any write or flush of a repair (TestSupport's CrashSimulator, every unflushed
/// write lost or every one kept) leaves a volume that the next repair brings to a clean
/// state without losing any file the first repair would have kept.
@Suite struct RepairCrashTests {
    @Test(arguments: ["trie-page-zeroed", "orphan-record", "page-shared", "extension-zeroed", "sib-primary-zeroed",
                      "trie-file-is-directory", "crash-put-before-commit"])
    func crashAtEveryWriteOfARepair(_ name: String) throws {
        let recipe = try #require(Recipes.named(name))
        let image = try recipe.image()
        // How many writes and flushes a whole repair makes.
        let counter = CrashSimulator(image: image)
        Checker(store: counter, options: CheckOptions(repair: .all, force: true)).run()
        let total = counter.operationCount
        #expect(total > 0)
        for crashPoint in 1...total {
            let crashing = CrashSimulator(image: image)
            crashing.crashAt = crashPoint
            let interrupted = Checker(store: crashing, options: CheckOptions(repair: .all, force: true)).run()
            #expect(crashing.crashed)
            #expect(interrupted.exitStatus.contains(.errorsUncorrected) || interrupted.exitStatus.contains(.errorsCorrected))
            let (allLost, allApplied) = crashing.extremeImages()
            for (unflushed, crashed) in [("lost", allLost), ("kept", allApplied)] {
                let store = MemoryPageStore(image: crashed)
                let context = "\(name), crash at write-or-flush \(crashPoint) of \(total), unflushed \(unflushed)"
                let after = RoundTrip(store)
                #expect(after.readOnly.fatal == nil, "\(context)")
                #expect(after.repair.repairFailure == nil, "\(context): \(after.repair.repairFailure ?? "")")
                // Nothing left but what the recipe says the repair records (FORMAT.md §7.1).
                #expect(codes(after.second) == recipe.remains, "\(context): \(after.second.findings.map(\.description))")
                try FileExpectations.verify(store, effects: recipe.effects ?? [:], recipe: context)
            }
        }
    }
}
