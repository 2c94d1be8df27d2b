import Testing
import ArdakuCheck
import ArdakuFormat
import ArdakuVolume
import CheckFixtures

/// A nested checker for the test: the "volume" is the fixture's /nested.zest, whose first
/// byte must stay what it is ("Z" of the ZEST magic); its repair writes that byte back and
/// appends a line (a length change too).
struct FirstByteChecker: NestedVolumeChecker {
    static let wrongFirstByte = FindingKind("Z9901", .error, .needsConfirmation, "{volume}: first byte is {actual}, expected 5a.",
                                            fix: "rewritten")
    static let expected = FixtureVolume.contents()["/nested.zest"]![0]
    var fileType: FileType { .zest }
    var displayName: String { "TEST" }

    func recognizes(_ content: ByteStore) -> Bool { (try? content.read(at: 0, count: 1)) == [Self.expected] }

    func check(_ content: ByteStore, request: NestedCheckRequest) -> NestedCheckResult {
        guard let first = try? content.read(at: 0, count: 1).first, first != Self.expected else {
            return NestedCheckResult(itemsChecked: 1)
        }
        let finding = Finding(Self.wrongFirstByte, FindingContext(offset: 0, actual: Hex.format(first, width: 2)))
        guard request.mode == .all else { return NestedCheckResult(items: [.init(finding)], itemsChecked: 1) }
        do {
            try content.write(at: 0, [Self.expected])
            try content.write(at: content.length, Array("#repaired\n".utf8))
            return NestedCheckResult(items: [.init(finding, fixed: true, note: "(first byte restored)")], itemsChecked: 1)
        } catch {
            return NestedCheckResult(items: [.init(finding)], itemsChecked: 1)
        }
    }
}

@Suite struct NestedCheckerTests {
    /// The fixture with /nested.zest's first byte changed and its CRC-32 made to match:
    /// the Ardaku layer is consistent, the nested volume is not.
    static func damagedStore() throws -> MemoryPageStore {
        let store = FixtureVolume.fresh()
        let damage = Damage(store)
        let subpage = try damage.recordSubpage("/nested.zest")
        let page = try damage.dataPages("/nested.zest")[0]
        damage.write([UInt8(ascii: "X")], page: page, offset: 0)
        let length = Int(try damage.status("/nested.zest").byteLength)
        let crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: try store.read(PageIndex(page))[0..<length]))
        try damage.editRecord(subpage) { $0.inlineEntries[0].checksum = crc }
        return store
    }

    static func options(_ mode: RepairMode) -> CheckOptions {
        var options = CheckOptions(repair: mode, force: true)
        options.nestedCheckers = [FirstByteChecker()]
        return options
    }

    @Test func nestedFindingsCarryTheFileAndAreRepairedAsOneCommit() throws {
        let store = try Self.damagedStore()
        let readOnly = Checker(store: store, options: Self.options(.none)).run()
        #expect(codes(readOnly) == ["Z9901"])
        #expect(readOnly.findings.first?.finding.context.volume == "/nested.zest")
        #expect(readOnly.findings.first?.pass == .nested)
        #expect(readOnly.exitStatus == .errorsUncorrected)

        let repair = Checker(store: store, options: Self.options(.all)).run()
        #expect(repair.exitStatus == .errorsCorrected, "\(repair.repairFailure ?? "")")
        #expect(repair.findings.first?.resolution == .fixed)
        #expect(repair.findings.first?.note == "(first byte restored)")

        let content = try Volume(store: store).readAll(Volume.fileName("/nested.zest"))
        let original = FixtureVolume.contents()["/nested.zest"]!
        #expect(content == original + Array("#repaired\n".utf8))

        let second = Checker(store: store, options: Self.options(.none)).run()
        #expect(second.findings.isEmpty, "\(second.findings.map(\.description))")
        #expect(second.exitStatus == .clean)
    }

    @Test func nestedRepairAfterAnArdakuRepairInTheSameRun() throws {
        let store = try Self.damagedStore()
        Damage(store).setBit(Damage(store).firstFreePage(), used: true)
        let repair = Checker(store: store, options: Self.options(.all)).run()
        #expect(Set(codes(repair)) == ["A6002", "Z9901"])
        #expect(repair.exitStatus == .errorsCorrected)
        #expect(Checker(store: store, options: Self.options(.none)).run().exitStatus == .clean)
    }

    @Test func standaloneVolumeIsCheckedAndRepairedInPlace() throws {
        let content = MemoryByteStore(Array("Xile of a standalone volume\n".utf8))
        #expect(Checker.checkStandalone(content, name: "v.zest", options: Self.options(.none)) == nil)   // not recognized
        let recognized = MemoryByteStore([FirstByteChecker.expected] + Array("ile of a standalone volume\n".utf8))
        let clean = try #require(Checker.checkStandalone(recognized, name: "v.zest", options: Self.options(.none)))
        #expect(clean.exitStatus == .clean)
        #expect(clean.passes.map(\.pass) == [.nested])
        let damaged = MemoryByteStore(Array("file of a standalone volume\n".utf8))
        let always = StandaloneChecker()
        var options = Self.options(.all)
        options.nestedCheckers = [always]
        let repaired = try #require(Checker.checkStandalone(damaged, name: "v.zest", options: options))
        #expect(repaired.exitStatus == .errorsCorrected)
        #expect(repaired.findings.first?.finding.context.volume == "v.zest")
        #expect(damaged.bytes.last == UInt8(ascii: "!"))
    }

    @Test func withoutACheckerNestedVolumesAreCountedAsSkipped() {
        let report = Checker(store: FixtureVolume.fresh(), options: CheckOptions(force: true)).run()
        #expect(report.nestedSkipped == ["zest": 1])
        #expect(report.exitStatus == .clean)
    }

    @Test func contentStoreShowsTheFileAndIsReadOnlyUnderDashN() throws {
        var store: MemoryPageStore? = FixtureVolume.fresh()
        let checker = RecordingNested()
        var options = CheckOptions(force: true)
        options.nestedCheckers = [checker]
        _ = Checker(store: store!, options: options).run()
        store = nil
        #expect(checker.box.sawReadOnly)
        #expect(checker.box.firstBytes == Array(FixtureVolume.contents()["/nested.zest"]!.prefix(16)))
    }
}

final class NestedBox: @unchecked Sendable {
    var sawReadOnly = false
    var firstBytes: [UInt8] = []
}

struct RecordingNested: NestedVolumeChecker {
    let box = NestedBox()
    var fileType: FileType { .zest }
    var displayName: String { "REC" }
    func recognizes(_ content: ByteStore) -> Bool { true }
    func check(_ content: ByteStore, request: NestedCheckRequest) -> NestedCheckResult {
        box.sawReadOnly = content.isReadOnly && (try? content.write(at: 0, [1])) == nil
        box.firstBytes = (try? content.read(at: 0, count: 16)) ?? []
        return NestedCheckResult(itemsChecked: 1)
    }
}

/// Recognizes anything starting with "f"; its repair appends "!" when the last byte is not one.
struct StandaloneChecker: NestedVolumeChecker {
    static let kind = FindingKind("Z9902", .warning, .needsConfirmation, "{volume}: no final !.", fix: "appended")
    var fileType: FileType { .zest }
    var displayName: String { "TEST" }
    func recognizes(_ content: ByteStore) -> Bool { (try? content.read(at: 0, count: 1)) == [UInt8(ascii: "f")] }
    func check(_ content: ByteStore, request: NestedCheckRequest) -> NestedCheckResult {
        guard let last = try? content.read(at: content.length - 1, count: 1), last != [UInt8(ascii: "!")] else {
            return NestedCheckResult(itemsChecked: 1)
        }
        let finding = Finding(Self.kind, FindingContext())
        guard request.mode == .all, (try? content.write(at: content.length, [UInt8(ascii: "!")])) != nil else {
            return NestedCheckResult(items: [.init(finding)], itemsChecked: 1)
        }
        return NestedCheckResult(items: [.init(finding, fixed: true)], itemsChecked: 1)
    }
}
