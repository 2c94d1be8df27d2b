import Testing
import ArdakuCheck
import ArdakuFormat
import ArdakuVolume
import CheckFixtures

/// A page store that stops (a simulated crash) after a given number of writes. With
/// `losesUnflushed`, every write since the last flush is undone at the crash (none reached
/// the medium); otherwise all of them did. Those are the two ends of PageStore's ordering
/// contract.
final class CrashingStore: PageStore {
    let base: MemoryPageStore
    let crashAfter: Int
    let losesUnflushed: Bool
    private(set) var writes = 0
    private(set) var crashed = false
    private var unflushed: [(page: PageIndex, offset: PageOffset, old: [UInt8])] = []

    init(_ base: MemoryPageStore, crashAfter: Int, losesUnflushed: Bool) {
        self.base = base
        self.crashAfter = crashAfter
        self.losesUnflushed = losesUnflushed
    }

    var pageCount: UInt32 { base.pageCount }
    var isReadOnly: Bool { false }

    func read(_ page: PageIndex) throws(StoreError) -> UnsafeRawBufferPointer { try base.read(page) }

    func write(_ bytes: UnsafeRawBufferPointer, to page: PageIndex, at offset: PageOffset) throws(StoreError) {
        guard !crashed else { throw .simulatedCrash(afterOperations: writes) }
        if writes == crashAfter {
            crashed = true
            if losesUnflushed {
                for write in unflushed.reversed() { try base.write(write.old, to: write.page, at: write.offset) }
            }
            throw .simulatedCrash(afterOperations: writes)
        }
        let start = Int(offset.rawValue)
        unflushed.append((page, offset, Array(try base.read(page)[start..<(start + bytes.count)])))
        try base.write(bytes, to: page, at: offset)
        writes += 1
    }

    func flush() throws(StoreError) {
        guard !crashed else { throw .simulatedCrash(afterOperations: writes) }
        unflushed.removeAll()
    }

    func discard(_ pages: Range<UInt32>) throws(StoreError) -> Bool { false }
}

/// A crash at any write of a repair leaves a volume that the next repair brings to a clean
/// state without losing any file the first repair would have kept.
@Suite struct RepairCrashTests {
    @Test(arguments: ["trie-page-zeroed", "orphan-record", "page-shared", "extension-zeroed", "sib-primary-zeroed",
                      "trie-file-is-directory", "crash-put-before-commit"])
    func crashAtEveryWriteOfARepair(_ name: String) throws {
        let recipe = try #require(Recipes.named(name))
        let image = try recipe.image()
        // How many writes a whole repair makes.
        let counter = CrashingStore(MemoryPageStore(image: image), crashAfter: .max, losesUnflushed: false)
        Checker(store: counter, options: CheckOptions(repair: .all, force: true)).run()
        let total = counter.writes
        #expect(total > 0)
        for losesUnflushed in [false, true] {
            for crashAfter in 0..<total {
                let store = MemoryPageStore(image: image)
                let crashing = CrashingStore(store, crashAfter: crashAfter, losesUnflushed: losesUnflushed)
                let interrupted = Checker(store: crashing, options: CheckOptions(repair: .all, force: true)).run()
                #expect(crashing.crashed)
                #expect(interrupted.exitStatus.contains(.errorsUncorrected) || interrupted.exitStatus.contains(.errorsCorrected))
                let after = RoundTrip(store)
                let context = "\(name), crash after write \(crashAfter) of \(total), unflushed \(losesUnflushed ? "lost" : "kept")"
                #expect(after.readOnly.fatal == nil, "\(context)")
                #expect(after.repair.repairFailure == nil, "\(context): \(after.repair.repairFailure ?? "")")
                #expect(after.second.findings.isEmpty, "\(context): \(after.second.findings.map(\.description))")
                try FileExpectations.verify(store, effects: recipe.effects ?? [:], recipe: context)
            }
        }
    }
}
