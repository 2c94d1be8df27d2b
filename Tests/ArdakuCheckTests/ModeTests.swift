import Testing
import ArdakuCheck
import ArdakuFormat
import ArdakuVolume
import CheckFixtures
import TestSupport

/// The e2fsck modes and exit statuses: -n writes nothing, -p fixes only what is preen-safe
/// (else stops with 4 and writes nothing), -y fixes, the fast path without -f, fatal
/// conditions (8), cancellation (32), and a repair that cannot complete (4, nothing committed).
@Suite struct ModeTests {
    static let nonFatal = Recipes.all.filter { !$0.fatal }.map(\.name)
    /// Recipes whose only findings are informational: -n reports them and exits 0.
    static let informational: Set<String> = ["zest-free-space", "zest-seal-copy", "zest-seals-both", "zest-other-slot-damaged", "cas-unreachable",
                                             "cas-lost-recorded", "cas-seal-copy", "cas-seal-both", "cas-put-interrupted"]

    @Test(arguments: nonFatal)
    func readOnlyCheckWritesNothing(_ name: String) throws {
        let store = try #require(Recipes.named(name)).store()
        let before = CRC32.checksum(store.snapshot())
        store.isReadOnly = true
        let writes = store.writeCount
        var options = CheckOptions(repair: .none, force: true)
        options.nestedCheckers = Transcript.nestedCheckers
        let report = Checker(store: store, options: options).run()
        #expect(store.writeCount == writes)
        #expect(CRC32.checksum(store.snapshot()) == before)
        #expect(!report.modified)
        #expect(!report.findings.isEmpty)
        #expect(report.exitStatus == (Self.informational.contains(name) ? .clean : .errorsUncorrected))
        #expect(report.findings.allSatisfy { $0.resolution == .unresolved })
    }

    /// Damage a crash or a lost write can leave: preen repairs it alone.
    @Test(arguments: ["bitfield-leaked-bit", "sib-backup-stale", "sib-primary-torn", "sib-backup-zeroed", "trie-to-tombstone",
                      "crash-put-before-commit", "crash-remove-before-commit", "crash-overwrite-tombstone-lost",
                      "counter-used-pages", "counter-files", "counter-next-file-id", "bitfield-missing-bit"])
    func preenFixesWhatIsPreenSafe(_ name: String) throws {
        let store = try #require(Recipes.named(name)).store()
        let report = Checker(store: store, options: CheckOptions(repair: .preen, force: true, verifyData: false)).run()
        #expect(!report.preenStopped, "\(name): \(report.findings.map(\.description))")
        #expect(report.exitStatus == .errorsCorrected)
        let second = Checker(store: store, options: CheckOptions(repair: .none, force: true)).run()
        #expect(second.findings.isEmpty, "\(name): \(second.findings.map(\.description))")
    }

    @Test(arguments: ["trie-page-zeroed", "record-checksum", "data-out-of-range", "orphan-record", "page-shared", "sib-label-invalid"])
    func preenStopsAndWritesNothingOtherwise(_ name: String) throws {
        let store = try #require(Recipes.named(name)).store()
        let writes = store.writeCount
        let report = Checker(store: store, options: CheckOptions(repair: .preen, force: true, verifyData: false)).run()
        #expect(report.preenStopped)
        #expect(report.exitStatus == .errorsUncorrected)
        #expect(store.writeCount == writes)
        let lines = TextRenderer(device: "test.img", mode: .preen).closingLines(report)
        #expect(lines.contains("test.img: UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY."))
    }

    @Test func cleanVolumeTakesTheFastPathWithoutForce() {
        let report = Checker(store: FixtureVolume.fresh(), options: CheckOptions(repair: .preen)).run()
        #expect(report.skippedAsClean)
        #expect(report.passes.map(\.pass) == [.systemBlock])
        #expect(report.exitStatus == .clean)
        #expect(report.summary.files == 7)
        #expect(TextRenderer(device: "v", mode: .preen).closingLines(report) == ["v: clean, 7 files, 19/64 pages"])
    }

    @Test func stalePageZeroBackupDefeatsTheFastPath() throws {
        let store = try #require(Recipes.named("sib-backup-stale")).store()
        let report = Checker(store: store, options: CheckOptions(repair: .none)).run()
        #expect(!report.skippedAsClean)
        #expect(report.passes.count == 6)
    }

    @Test func forceChecksEvenACleanLookingVolumeWithDamageBehindIt() throws {
        let store = try #require(Recipes.named("data-bitflip")).store()
        #expect(Checker(store: store, options: CheckOptions(repair: .none)).run().exitStatus == .clean)
        #expect(Checker(store: store, options: CheckOptions(repair: .none, force: true)).run().exitStatus == .errorsUncorrected)
    }

    @Test(arguments: ["sib-both-zeroed", "image-truncated"])
    func fatalConditionsExitWithEightInEveryMode(_ name: String) throws {
        for mode in [RepairMode.none, .preen, .all] {
            let store = try #require(Recipes.named(name)).store()
            let writes = store.writeCount
            let report = Checker(store: store, options: CheckOptions(repair: mode, force: true)).run()
            #expect(report.exitStatus == .operationalError)
            #expect(report.fatalFinding != nil)
            #expect(store.writeCount == writes)
        }
    }

    @Test func tinyImageIsFatalNotACrash() {
        let report = Checker(store: MemoryPageStore(pageCount: 2)).run()
        #expect(report.exitStatus == .operationalError)
        #expect(report.fatalFinding?.code.rawValue == "A1901")
    }

    @Test func cancellingStopsBeforeAnyWrite() throws {
        let store = try #require(Recipes.named("trie-page-zeroed")).store()
        let writes = store.writeCount
        let passes = PassCounter()
        var options = CheckOptions(repair: .all, force: true)
        options.isCancelled = { passes.tick() > 4 }
        let report = Checker(store: store, options: options).run()
        #expect(report.cancelled)
        #expect(report.exitStatus.contains(.cancelled))
        #expect(!report.modified)
        #expect(store.writeCount == writes)
    }

    @Test func alternateSystemBlockPage() throws {
        let store = try #require(Recipes.named("sib-primary-zeroed")).store()
        var options = CheckOptions(repair: .all, force: true)
        options.systemBlockPage = 63
        let report = Checker(store: store, options: options).run()
        #expect(codes(report).contains("A1001"))
        #expect(report.exitStatus == .errorsCorrected)
        #expect(Checker(store: store, options: CheckOptions(force: true)).run().exitStatus == .clean)
    }

    /// A volume with (almost) no free page left cannot take a repair that must write a record: the
    /// repair fails, nothing is committed, and the exit status says errors remain.
    @Test func repairWithoutSpaceCommitsNothing() throws {
        let (store, volume) = try TestVolumes.make(pages: 16)
        try volume.put(TestVolumes.name("/a"), bytes: FixtureVolume.text(seed: 1, count: 100))
        var rng = SeededGenerator(seed: 9)
        try volume.put(TestVolumes.name("/fill"), bytes: rng.bytes(Int(volume.freePageCount - 1) * Geometry.pageSize))
        try volume.close()
        // Copy on write leaves the old trie page free after each commit: one page, and the
        // repair needs two (a record page and a trie page).
        #expect(volume.freePageCount <= 1)
        let damage = Damage(store)
        let subpage = try damage.recordSubpage("/a")
        damage.flip(page: subpage >> 2, offset: Int(subpage & 3) * Geometry.subpageSize + 0x38)
        let page0 = Array(try store.read(PageIndex(0)))
        let before = Checker(store: store, options: CheckOptions(force: true)).run()
        let report = Checker(store: store, options: CheckOptions(repair: .all, force: true)).run()
        #expect(report.repairFailure != nil)
        #expect(report.repairLackedSpace)
        #expect(report.repairFailure?.hasPrefix("no free pages left for the repair") == true)
        #expect(report.exitStatus == .errorsUncorrected)
        #expect(report.findings.contains { $0.resolution == .failed })
        #expect(Array(try store.read(PageIndex(0))) == page0)
        // A check after the failed repair finds exactly what it found before.
        let after = Checker(store: store, options: CheckOptions(force: true)).run()
        #expect(after.findings.map(\.description) == before.findings.map(\.description))
    }

    @Test func repairIsDeterministic() throws {
        for name in ["trie-page-zeroed", "page-shared", "orphan-record", "extension-zeroed"] {
            let a = try #require(Recipes.named(name)).store(), b = try #require(Recipes.named(name)).store()
            Checker(store: a, options: CheckOptions(repair: .all, force: true)).run()
            Checker(store: b, options: CheckOptions(repair: .all, force: true)).run()
            #expect(a.snapshot() == b.snapshot(), "\(name)")
        }
    }

    @Test func repairFlushesBeforeAndAfterPageZero() throws {
        let store = try #require(Recipes.named("trie-page-zeroed")).store()
        let flushes = store.flushCount
        Checker(store: store, options: CheckOptions(repair: .all, force: true)).run()
        // bitfield, page 0, backup, then the frees: four flushes, the FORMAT.md §12.2 order.
        #expect(store.flushCount - flushes == 4)
    }

    @Test func exitStatusBits() {
        #expect(ExitStatus.errorsCorrected.rawValue == 1 && ExitStatus.rebootNeeded.rawValue == 2)
        #expect(ExitStatus.errorsUncorrected.rawValue == 4 && ExitStatus.operationalError.rawValue == 8)
        #expect(ExitStatus.usageError.rawValue == 16 && ExitStatus.cancelled.rawValue == 32)
        #expect(ExitStatus.libraryError.rawValue == 128)
    }

    @Test func observerSeesEveryPassInOrderAndProgressStaysInBounds() throws {
        let observer = RecordingObserver()
        Checker(store: try #require(Recipes.named("orphan-record")).store(), options: CheckOptions(repair: .all, force: true),
                observer: observer).run()
        #expect(observer.started == [.systemBlock, .trie, .records, .crossChecks, .data, .bitfield])
        #expect(observer.finished == observer.started)
        #expect(observer.progressOK)
        #expect(observer.found.contains("A4002"))
        #expect(observer.repairs == [true])
    }

    @Test func jsonReportHasTheStableKeys() throws {
        let store = try #require(Recipes.named("orphan-record")).store()
        let report = Checker(store: store, options: CheckOptions(repair: .all, force: true)).run()
        let json = JSONReport.render(report, device: "test.img")
        for key in ["\"schema\": \"ardaku-fsck/2\"", "\"exit_status\": 1", "\"modified\": true", "\"code\": \"A4002\"",
                    "\"resolution\": \"fixed\"", "\"note\": \"as /lost+found/docs/sub/c.dat\"", "\"passes\": [", "\"context\": {"] {
            #expect(json.contains(key), "missing \(key)")
        }
    }
}

final class PassCounter: @unchecked Sendable {
    private var count = 0
    func tick() -> Int {
        count += 1
        return count
    }
}

final class RecordingObserver: CheckObserver {
    var started: [CheckPass] = []
    var finished: [CheckPass] = []
    var found: [String] = []
    var repairs: [Bool] = []
    var progressOK = true

    func passStarted(_ pass: CheckPass) { started.append(pass) }
    func passFinished(_ statistics: PassStatistics) { finished.append(statistics.pass) }
    func progress(_ pass: CheckPass, current: UInt64, total: UInt64) {
        if current > total || started.last != pass { progressOK = false }
    }
    func found(_ finding: ReportedFinding) { found.append(finding.code.rawValue) }
    func repairFinished(committed: Bool) { repairs.append(committed) }
}
