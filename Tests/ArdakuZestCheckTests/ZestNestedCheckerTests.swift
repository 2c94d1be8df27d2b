import Foundation
import Testing
import ArdakuCheck
import ArdakuFormat
import ArdakuVolume
import ArdakuZest
@testable import ArdakuCheckers
import TestSupport

/// A ZEST volume built in memory and the files it holds.
struct ZestSample {
    /// Two compressible text files, one incompressible file (stored as it is), one empty file.
    static let files: [(name: String, bytes: [UInt8])] = {
        var rng = SeededGenerator(seed: 7)
        let random = (0..<3000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let text = Array(String(repeating: "a ZEST volume keeps many small files in one. ", count: 80).utf8)
        return [("/docs/a.txt", text), ("/docs/b.txt", Array(text.reversed())), ("/random.bin", random), ("/empty", [])]
    }()
    static let damagedName = "/random.bin"

    /// The volume's bytes; with `damageContent`, one byte of /random.bin's stored content is flipped.
    static func bytes(damageContent: Bool = false) throws -> [UInt8] {
        try TestZest.volume(files, damaging: damageContent ? damagedName : nil)
    }

    /// A 64-page Ardaku volume holding `zest` as the file /data.zest of type `zest`, and a plain file.
    static func image(_ zest: [UInt8]) throws -> MemoryPageStore {
        let (store, volume) = try TestVolumes.make(pages: 64)
        try volume.put(TestVolumes.name("/readme.txt"), bytes: Array("plain file\n".utf8))
        var options = PutOptions()
        options.type = .zest
        try volume.put(TestVolumes.name("/data.zest"), bytes: zest, options: options)
        try volume.close()
        return store
    }

    /// The files of the ZEST volume in the Ardaku file /data.zest, by name.
    static func innerFiles(_ store: PageStore) throws -> [String: [UInt8]] {
        try TestZest.files(of: try Volume(store: store).readAll(Volume.fileName("/data.zest")))
    }

    static func options(_ mode: RepairMode) -> CheckOptions {
        var options = CheckOptions(repair: mode, force: true)
        options.nestedCheckers = [ZestNestedChecker()]
        return options
    }
}

@Suite struct ZestNestedCheckerTests {
    @Test func recognizesEitherHeaderCopyOnly() throws {
        let checker = ZestNestedChecker()
        var bytes = try ZestSample.bytes()
        #expect(checker.recognizes(MemoryByteStore(bytes)))
        bytes.replaceSubrange(0..<32, with: [UInt8](repeating: 0, count: 32))
        #expect(checker.recognizes(MemoryByteStore(bytes)), "the backup header still says ZEST")
        #expect(!checker.recognizes(MemoryByteStore(Array("ZES".utf8))))
        #expect(!checker.recognizes(MemoryByteStore([UInt8](repeating: 0x5A, count: 5000))))
    }

    @Test func aHealthyNestedVolumeIsClean() throws {
        let store = try ZestSample.image(try ZestSample.bytes())
        let report = Checker(store: store, options: ZestSample.options(.none)).run()
        #expect(report.findings.isEmpty, "\(report.findings.map(\.finding.description))")
        #expect(report.passes.last?.pass == .nested)
        #expect(report.nestedSkipped.isEmpty)
        #expect(report.exitStatus == .clean)
    }

    @Test func damagedContentIsReportedThenDroppedAndTheOtherFilesKept() throws {
        let store = try ZestSample.image(try ZestSample.bytes(damageContent: true))
        let before = store.snapshot()
        let readOnly = Checker(store: store, options: ZestSample.options(.none)).run()
        #expect(readOnly.findings.map(\.code.rawValue) == ["Z5001"])
        let context = try #require(readOnly.findings.first?.finding.context)
        #expect(context.volume == "/data.zest")
        #expect(context.name == ZestSample.damagedName)
        #expect(readOnly.exitStatus == .errorsUncorrected)
        #expect(store.snapshot() == before, "-n wrote")

        let repair = Checker(store: store, options: ZestSample.options(.all)).run()
        #expect(repair.exitStatus == .errorsCorrected, "\(repair.repairFailure ?? "")")
        #expect(repair.findings.first?.resolution == .fixed)
        let second = Checker(store: store, options: ZestSample.options(.none)).run()
        #expect(second.findings.isEmpty, "\(second.findings.map(\.finding.description))")
        #expect(second.exitStatus == .clean)

        let inner = try ZestSample.innerFiles(store)
        for file in ZestSample.files where file.name != ZestSample.damagedName {
            #expect(inner[file.name] == file.bytes, "\(file.name) changed")
        }
        #expect(inner[ZestSample.damagedName] == nil)
        #expect(try Volume(store: store).readAll(Volume.fileName("/readme.txt")) == Array("plain file\n".utf8))
    }

    @Test func preenFixesAStaleHeaderCopy() throws {
        var zest = try ZestSample.bytes()
        zest[ZestLimits.backupHeaderOffset + 8] ^= 0x01   // the backup's CRC no longer holds
        let store = try ZestSample.image(zest)
        let preen = Checker(store: store, options: ZestSample.options(.preen)).run()
        #expect(preen.findings.map(\.code.rawValue) == ["Z1002"])
        #expect(!preen.preenStopped)
        #expect(preen.findings.first?.resolution == .fixed)
        #expect(preen.exitStatus == .errorsCorrected)
        #expect(Checker(store: store, options: ZestSample.options(.none)).run().exitStatus == .clean)
        #expect(try Volume(store: store).readAll(Volume.fileName("/data.zest")) == (try ZestSample.bytes()))
    }

    @Test func preenWritesNothingWhenAFixMayLoseAFile() throws {
        let store = try ZestSample.image(try ZestSample.bytes(damageContent: true))
        let before = store.snapshot()
        let preen = Checker(store: store, options: ZestSample.options(.preen)).run()
        #expect(preen.findings.map(\.code.rawValue) == ["Z5001"])
        #expect(preen.preenStopped)
        #expect(preen.findings.first?.resolution == .unresolved)
        #expect(preen.exitStatus.contains(.errorsUncorrected))
        #expect(store.snapshot() == before)
    }

    @Test func aStandaloneVolumeIsRepairedInPlace() throws {
        let content = MemoryByteStore(try ZestSample.bytes(damageContent: true))
        let readOnly = try #require(Checker.checkStandalone(MemoryByteStore(content.bytes), name: "v.zest",
                                                            options: ZestSample.options(.none)))
        #expect(readOnly.findings.map(\.code.rawValue) == ["Z5001"])
        #expect(readOnly.findings.first?.finding.context.volume == "v.zest")
        #expect(readOnly.exitStatus == .errorsUncorrected)

        let repaired = try #require(Checker.checkStandalone(content, name: "v.zest", options: ZestSample.options(.all)))
        #expect(repaired.exitStatus == .errorsCorrected)
        let again = try #require(Checker.checkStandalone(content, name: "v.zest", options: ZestSample.options(.none)))
        #expect(again.exitStatus == .clean)
        let volume = try ZestVolume.open(content)
        #expect(volume.fileCount == ZestSample.files.count - 1)
        #expect(try volume.read(try FileName("/docs/a.txt")) == ZestSample.files[0].bytes)
    }

    @Test func namesFromTheVolumeArePrintable() throws {
        let finding = Finding(ZestFindings.contentChecksum, FindingContext(name: "/a\u{1B}[2Jb", detail: "x\ny"))
        let shown = ZestNestedChecker.printable(finding)
        #expect(shown.context.name == "/a\\x1b[2Jb")
        #expect(shown.context.detail == "x\\ny")   // QuotedName: newline as \n
    }
}

/// docs/FORMAT.md §Z11 lists every ZEST code with its severity and repair policy.
@Suite struct ZestCodeTableTests {
    @Test func formatPageListsEveryCode() throws {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let page = try String(contentsOf: root.appendingPathComponent("docs/FORMAT.md"), encoding: .utf8)
        let rows = page.split(separator: "\n").filter { $0.hasPrefix("| Z") }
        let policies: [RepairPolicy: String] = [.preenSafe: "preen", .needsConfirmation: "confirm", .reportOnly: "report only"]
        for kind in ZestFindings.all {
            let row = rows.first { $0.hasPrefix("| \(kind.code) |") }
            let cells = row?.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(cells?[1] == kind.severity.rawValue, "\(kind.code): severity")
            #expect(cells?[2] == policies[kind.repair], "\(kind.code): repair policy")
        }
        #expect(rows.count == ZestFindings.all.count)
    }
}
