import ArdakuFormat
import Testing
@testable import ArdakuCAS

/// A crash at any write or flush, with any subset of the unflushed writes reaching the
/// store (some torn), never loses an object or tag that a finished commit made durable.
@Suite struct CrashTests {
    @Test(arguments: 0..<3)
    func aCrashAnywhereKeepsEverythingCommittedBefore(seed: Int) throws {
        var rng = SeededGenerator(seed: UInt64(seed) &* 7919 &+ 1)
        // A run without a crash, to learn how many operations the script takes.
        let total = try runScript(CrashStore(), crashAt: nil, rng: &rng).operations
        var crashPoint = 0
        while crashPoint < total {
            var scriptRNG = SeededGenerator(seed: UInt64(seed) &* 7919 &+ 1)
            let store = CrashStore()
            let outcome = try runScript(store, crashAt: crashPoint, rng: &scriptRNG)
            for variant in 0..<2 {
                var crashRNG = SeededGenerator(seed: UInt64(crashPoint * 31 + variant + seed * 1000))
                let image = MemoryByteStore(store.crashImage(using: &crashRNG))
                let volume = try CASVolume.open(image)
                // The volume is the last finished commit, or the interrupted one when its
                // header was durable before the crash: never a mix, never less.
                let names = Set(volume.tags.map(\.name))
                let expected = outcome.inFlight.flatMap { Set($0.keys) == names ? $0 : nil } ?? outcome.committedTags
                #expect(names == Set(expected.keys), "crash point \(crashPoint): tags \(names.sorted()), committed \(expected.keys.sorted())")
                for (name, bytes) in expected {
                    let id = try #require(volume.tag(named: name), "tag \(name) lost at crash point \(crashPoint)")
                    #expect(try volume.content(id) == bytes)
                }
                // At worst the interrupted header slot is torn (C1002) and unflushed
                // records are left over (C2005, information).
                let findings = CASChecker.verify(image)
                #expect(findings.problems.allSatisfy { $0.code.rawValue == "C1002" }, "crash point \(crashPoint): \(findings.problems)")
                // Repair of the leftovers gives a clean volume that still has it all.
                try CASChecker.repair(image)
                #expect(CASChecker.verify(image).filter { $0.severity != .info || $0.code.rawValue == "C2005" }.isEmpty)
                let repaired = try CASVolume.open(image)
                for (name, bytes) in expected { #expect(try repaired.content(try #require(repaired.tag(named: name))) == bytes) }
            }
            crashPoint += max(1, total / 30)
        }
    }

    struct Outcome {
        var operations = 0
        var committedTags: [String: [UInt8]] = [:]
        /// The tags of a commit that was under way when the crash came.
        var inFlight: [String: [UInt8]]?
    }

    static func isSimulatedCrash(_ error: any Error) -> Bool {
        guard let error = error as? CASError, case let .store(storeError) = error.kind else { return false }
        if case .simulatedCrash = storeError { return true }
        return false
    }

    /// Puts, tags, untags and collects garbage over several commits; stops at the crash.
    func runScript(_ store: CrashStore, crashAt: Int?, rng: inout SeededGenerator) throws -> Outcome {
        var outcome = Outcome()
        var live: [String: [UInt8]] = [:]
        do {
            let volume = try CASVolume.create(on: store)
            store.operationsUntilCrash = crashAt.map { store.operations + $0 } ?? Int.max
            for round in 0..<6 {
                for n in 0..<4 {
                    let bytes = Bool.random(using: &rng) ? TestData.text(Int.random(in: 1...40_000, using: &rng), seed: rng.next())
                                                         : TestData.random(Int.random(in: 0...3000, using: &rng), seed: rng.next())
                    let id = try volume.putContent(bytes)
                    let name = "r\(round)n\(n)"
                    try volume.setTag(name, to: id)
                    live[name] = bytes
                }
                if let victim = live.keys.sorted().randomElement(using: &rng) {
                    try volume.removeTag(victim)
                    live[victim] = nil
                }
                outcome.inFlight = live
                if round % 2 == 1 { try volume.collectGarbage() } else { try volume.commit() }
                outcome.committedTags = live
                outcome.inFlight = nil
            }
        } catch {
            guard Self.isSimulatedCrash(error) else { throw error }
        }
        outcome.operations = store.operations
        return outcome
    }
}
