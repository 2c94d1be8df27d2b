import Testing
import ArdakuCheck
import ArdakuFormat
import ArdakuVolume
import CheckFixtures
import TestSupport

/// Seeded random damage on the populated fixture volume: byte flips, runs of random bytes
/// and whole-page wipes, mostly in the pages the volume uses. Whatever the damage, the
/// check never traps, -n writes nothing, the repair commits, and a second run finds nothing.
/// A failing seed is printed and can be replayed alone.
@Suite struct RandomDamageTests {
    static let seeds = Array(UInt64(1)...UInt64(96))

    @Test(arguments: seeds)
    func randomDamageNeverCrashesAndRepairsClean(_ seed: UInt64) throws {
        let store = FixtureVolume.fresh()
        let damage = Damage(store)
        var rng = SeededGenerator(seed: seed)
        let used = (0..<UInt32(64)).filter { damage.isMarkedUsed($0) }
        let operations = 1 + Int(rng.next() % 8)
        var description: [String] = []
        for _ in 0..<operations {
            let page = rng.next() % 4 == 0 ? UInt32(rng.next() % 64) : used[Int(rng.next() % UInt64(used.count))]
            switch rng.next() % 10 {
            case 0:
                damage.zero(page: page)
                description.append("wipe \(page)")
            case 1, 2:
                let offset = Int(rng.next() % UInt64(Geometry.pageSize - 64))
                damage.write(rng.bytes(1 + Int(rng.next() % 63)), page: page, offset: offset)
                description.append("bytes \(page)+\(offset)")
            default:
                // Headers are where damage hurts: bias flips to the first bytes of each subpage.
                let offset = rng.next() % 2 == 0 ? Int(rng.next() % 4) * Geometry.subpageSize + Int(rng.next() % 0x100)
                                                 : Int(rng.next() % UInt64(Geometry.pageSize))
                damage.flip(page: page, offset: offset, mask: UInt8(1 << (rng.next() % 8)))
                description.append("flip \(page)+\(offset)")
            }
        }
        store.isReadOnly = true
        let writes = store.writeCount
        let readOnly = Checker(store: store, options: CheckOptions(repair: .none, force: true)).run()
        #expect(store.writeCount == writes)
        store.isReadOnly = false
        let repair = Checker(store: store, options: CheckOptions(repair: .all, force: true)).run()
        let second = Checker(store: store, options: CheckOptions(repair: .none, force: true)).run()
        if readOnly.fatal != nil {
            #expect(repair.fatal != nil && second.fatal != nil, "seed \(seed): \(description)")
            return
        }
        #expect(repair.repairFailure == nil, "seed \(seed) \(description): \(repair.repairFailure ?? "")")
        #expect(second.findings.filter { $0.severity >= .warning }.isEmpty,
                "seed \(seed) \(description): \(second.findings.map(\.description)) after \(readOnly.findings.map(\.description))")
        #expect(second.exitStatus == .clean)
        // Whatever survived either reads back as it was written, or is marked damaged and
        // refused: a repair never makes damaged bytes read as valid.
        let volume = try Volume(store: store)
        for file in try volume.list() {
            let name = try Volume.fileName(file.name)
            if file.flags.contains(.damagedData) {
                #expect(throws: VolumeError.self, "seed \(seed): \(file.name) is marked damaged but reads") { _ = try volume.readAll(name) }
                continue
            }
            let content = try FixtureVolume.contentCRC(volume, file.name)
            let original = file.name.hasPrefix("/lost+found/") ? String(file.name.dropFirst("/lost+found".count)) : file.name
            if let expected = FixtureVolume.expectedFiles[original], original != "/nested.zest" {
                #expect(content == expected, "seed \(seed) \(description): \(file.name) reads back changed, unmarked")
            }
        }
    }
}
