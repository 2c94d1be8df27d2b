import Foundation
import Testing
import ArdakuFormat
import ArdakuVolume
import ArdakuZest
import TestSupport

/// fsck.zest on ZEST volumes: one nested in an Ardaku file (pass 7) and one standalone host
/// file, healthy and with one file's content damaged.
@Suite(.serialized) struct ZestFsckTests {
    /// Two compressible text files, one incompressible file (stored as it is), one empty file.
    static let files: [(name: String, bytes: [UInt8])] = {
        var rng = SeededGenerator(seed: 11)
        let random = (0..<5000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let text = Array(String(repeating: "fsck.zest checks the ZEST volumes nested in an image. ", count: 60).utf8)
        return [("/docs/a.txt", text), ("/docs/b.txt", text + text), ("/random.bin", random), ("/empty", [])]
    }()
    static let damagedName = "/random.bin"

    /// A ZEST volume holding `files`; with `damaged`, one byte of /random.bin's content flipped.
    static func zest(damaged: Bool) throws -> [UInt8] {
        try TestZest.volume(files, damaging: damaged ? damagedName : nil, at: 1234)
    }

    /// A directory holding `test.img`: a 64-page Ardaku volume with the ZEST volume as
    /// /packs/data.zest (type zest) and a plain file.
    static func workspace(damaged: Bool) throws -> URL {
        let (store, volume) = try TestVolumes.make(pages: 64)
        try volume.put(TestVolumes.name("/readme.txt"), bytes: Array("plain file\n".utf8))
        var options = PutOptions()
        options.type = .zest
        try volume.put(TestVolumes.name("/packs/data.zest"), bytes: try zest(damaged: damaged), options: options)
        try volume.close()
        let directory = try emptyDirectory()
        try Data(store.snapshot()).write(to: directory.appendingPathComponent("test.img"))
        return directory
    }

    static func emptyDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fsck-zest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// The files of the ZEST volume in /packs/data.zest of the image, by name.
    static func innerFiles(_ image: URL) throws -> [String: [UInt8]] {
        let store = MemoryPageStore(image: [UInt8](try Data(contentsOf: image)))
        return try TestZest.files(of: try Volume(store: store).readAll(Volume.fileName("/packs/data.zest")))
    }

    @Test func aHealthyNestedVolumeIsCheckedAndClean() throws {
        let directory = try Self.workspace(damaged: false)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try FsckBinaryTests.fsck(["-fn", "test.img"], in: directory)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("Pass 7: "))
        #expect(!result.stdout.contains("not checked"))
    }

    @Test func aDamagedNestedVolumeIsReportedRepairedAndKeepsItsIntactFiles() throws {
        let directory = try Self.workspace(damaged: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let image = directory.appendingPathComponent("test.img")
        let before = try Data(contentsOf: image)

        let readOnly = try FsckBinaryTests.fsck(["-fn", "test.img"], in: directory)
        #expect(readOnly.status == 4)
        #expect(readOnly.stdout.contains("Z5001: /packs/data.zest: \(Self.damagedName): content CRC32 "), "\(readOnly.stdout)")
        #expect(readOnly.stdout.contains("Fix? no"))
        #expect(try Data(contentsOf: image) == before, "-n changed the image")

        let json = try FsckBinaryTests.fsck(["-fn", "--json", "test.img"], in: directory)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let finding = try #require((object["findings"] as? [[String: Any]])?.first)
        let context = try #require(finding["context"] as? [String: Any])
        #expect(finding["code"] as? String == "Z5001")
        #expect(context["volume"] as? String == "/packs/data.zest")
        #expect(context["name"] as? String == Self.damagedName)

        let repair = try FsckBinaryTests.fsck(["-fy", "test.img"], in: directory)
        #expect(repair.status == 1, "\(repair.stdout)\(repair.stderr)")
        #expect(repair.stdout.contains("Z5001: /packs/data.zest: \(Self.damagedName): content CRC32 "))
        #expect(repair.stdout.contains("***** VOLUME WAS MODIFIED *****"))
        let second = try FsckBinaryTests.fsck(["-fy", "test.img"], in: directory)
        #expect(second.status == 0, "\(second.stdout)")
        #expect(!second.stdout.contains("Z5"))

        let inner = try Self.innerFiles(image)
        for file in Self.files where file.name != Self.damagedName {
            #expect(inner[file.name] == file.bytes, "\(file.name) changed")
        }
        #expect(inner[Self.damagedName] == nil, "the damaged file was dropped")
    }

    @Test func preenStopsOnDamagedContent() throws {
        let directory = try Self.workspace(damaged: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let image = directory.appendingPathComponent("test.img")
        let before = try Data(contentsOf: image)
        let result = try FsckBinaryTests.fsck(["-pf", "test.img"], in: directory)
        #expect(result.status == 4)
        #expect(result.stdout.contains("test.img: Z5001: /packs/data.zest: \(Self.damagedName): "))
        #expect(result.stdout.contains("UNEXPECTED INCONSISTENCY"))
        #expect(try Data(contentsOf: image) == before)
    }

    @Test func aStandaloneZestFileIsCheckedAndRepaired() throws {
        let directory = try Self.emptyDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let healthy = directory.appendingPathComponent("good.zest")
        try Data(try Self.zest(damaged: false)).write(to: healthy)
        let clean = try FsckBinaryTests.fsck(["-fn", "good.zest"], in: directory)
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        #expect(clean.stdout.contains("Pass 7: "))
        #expect(clean.stdout.contains("good.zest: ZEST volume"), "\(clean.stdout)")

        let damaged = directory.appendingPathComponent("bad.zest")
        try Data(try Self.zest(damaged: true)).write(to: damaged)
        let before = try Data(contentsOf: damaged)
        let readOnly = try FsckBinaryTests.fsck(["-fn", "bad.zest"], in: directory)
        #expect(readOnly.status == 4, "\(readOnly.stdout)\(readOnly.stderr)")
        #expect(readOnly.stdout.contains("Z5001: bad.zest: \(Self.damagedName): "), "\(readOnly.stdout)")
        #expect(try Data(contentsOf: damaged) == before)

        #expect(try FsckBinaryTests.fsck(["-fy", "bad.zest"], in: directory).status == 1)
        #expect(try FsckBinaryTests.fsck(["-fy", "bad.zest"], in: directory).status == 0)
        let inner = try TestZest.files(of: [UInt8](try Data(contentsOf: damaged)))
        #expect(inner.count == Self.files.count - 1)
        for file in Self.files where file.name != Self.damagedName { #expect(inner[file.name] == file.bytes) }
    }
}
