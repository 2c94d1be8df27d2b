import Foundation
import Testing
import CheckFixtures
import ArdakuCodec

/// Runs the built `fsck.zest` on corpus images written to temporary files: its stdout is
/// the corpus transcript, its exit statuses e2fsck's, -n leaves every byte alone, and the
/// options behave as docs/FSCK.md says.
@Suite(.serialized) struct FsckBinaryTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let binary: String = {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().appendingPathComponent("fsck.zest").path
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs fsck.zest with `arguments` in `directory`.
    static func fsck(_ arguments: [String], in directory: URL) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// A temporary directory holding `test.img`, the corpus image `name` uncompressed.
    static func workspace(_ name: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fsck-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let gz = try Data(contentsOf: URL(fileURLWithPath: "\(root)/images/\(name)/image.gz"))
        try Data(try Gzip.decompress([UInt8](gz))).write(to: directory.appendingPathComponent("test.img"))
        return directory
    }

    static func expected(_ name: String, _ file: String) throws -> (text: String, status: Int32) {
        let text = try String(contentsOfFile: "\(root)/images/\(name)/\(file)", encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while lines.last == "" { lines.removeLast() }
        let status = Int32(lines.removeLast().dropFirst("Exit status is ".count))!
        return (lines.joined(separator: "\n") + "\n", status)
    }

    @Test(arguments: ["trie-page-zeroed", "orphan-record", "data-bitflip", "bitfield-leaked-bit", "sib-primary-zeroed",
                      "page-shared", "sib-both-zeroed", "image-truncated"])
    func outputAndStatusMatchTheCorpus(_ name: String) throws {
        let directory = try Self.workspace(name)
        defer { try? FileManager.default.removeItem(at: directory) }
        let image = directory.appendingPathComponent("test.img")
        let before = try Data(contentsOf: image)

        let readOnly = try Self.fsck(["-fn", "test.img"], in: directory)
        let n = try Self.expected(name, "expect.n")
        #expect(readOnly.status == n.status)
        #expect(readOnly.stdout + readOnly.stderr.replacingOccurrences(of: "fsck.zest 1.0 (Ardaku format 1)\n", with: "") == n.text,
                "\(name): stdout\n\(readOnly.stdout)\nstderr\n\(readOnly.stderr)")
        #expect(try Data(contentsOf: image) == before, "-n changed \(name)")

        let first = try Self.fsck(["-fy", "test.img"], in: directory)
        let one = try Self.expected(name, "expect.1")
        #expect(first.status == one.status)
        if one.status != 8 { #expect(first.stdout == one.text, "\(name): \(first.stdout)") }
        let second = try Self.fsck(["-fy", "test.img"], in: directory)
        #expect(second.status == (try Self.expected(name, "expect.2")).status)
    }

    @Test func preenStopsOnWhatItMayNotFix() throws {
        let directory = try Self.workspace("trie-page-zeroed")
        defer { try? FileManager.default.removeItem(at: directory) }
        let before = try Data(contentsOf: directory.appendingPathComponent("test.img"))
        // Page 0 and its backup agree, so without -f the fast path calls it clean, as e2fsck does.
        #expect(try Self.fsck(["-p", "test.img"], in: directory).status == 0)
        let result = try Self.fsck(["-pf", "test.img"], in: directory)
        #expect(result.status == 4)
        #expect(result.stdout.contains("test.img: UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY.\n\t(i.e., without -a or -p options)"))
        #expect(try Data(contentsOf: directory.appendingPathComponent("test.img")) == before)
    }

    @Test func preenFixesALeakedPageQuietly() throws {
        let directory = try Self.workspace("bitfield-leaked-bit")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Self.fsck(["-a", "-f", "test.img"], in: directory)
        #expect(result.status == 1)
        #expect(!result.stdout.contains("Pass "))
        #expect(result.stdout.contains("test.img: A6002: Bitfield: page 2 marked used but referenced by nothing.  MARKED FREE."))
        #expect(try Self.fsck(["-p", "test.img"], in: directory).stdout.hasPrefix("test.img: clean, 7 files"))
    }

    @Test func jsonReportParses() throws {
        let directory = try Self.workspace("orphan-record")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Self.fsck(["-fy", "--json", "test.img"], in: directory)
        #expect(result.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["schema"] as? String == "ardaku-fsck/2")
        #expect(object["exit_status"] as? Int == 1)
        let findings = try #require(object["findings"] as? [[String: Any]])
        #expect(findings.contains { $0["code"] as? String == "A4002" && $0["resolution"] as? String == "fixed" })
        let passes = try #require(object["passes"] as? [[String: Any]])
        // Pass 7 runs because this build registers a ZEST checker (the fixture holds /nested.zest).
        #expect(passes.map { $0["pass"] as? Int } == [1, 2, 3, 4, 5, 6, 7])
    }

    @Test func progressLinesGoToTheGivenDescriptor() throws {
        let directory = try Self.workspace("data-bitflip")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Self.fsck(["-fn", "-C2", "test.img"], in: directory)
        let lines = result.stderr.split(separator: "\n").filter { $0.hasSuffix(" test.img") }
        #expect(lines.count >= 6)
        var lastPass = 0
        for line in lines {
            let fields = line.split(separator: " ")
            #expect(fields.count == 4)
            let pass = Int(fields[0]) ?? -1, current = Int(fields[1]) ?? -1, total = Int(fields[2]) ?? -1
            #expect(pass >= lastPass && pass >= 1 && pass <= 7 && current >= 0 && current <= total)
            lastPass = pass
        }
        #expect(lastPass == 7)   // pass 7: the fixture's /nested.zest
    }

    @Test func timingPrintsMemoryAndTimePerPass() throws {
        let directory = try Self.workspace("data-bitflip")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Self.fsck(["-fnt", "test.img"], in: directory)
        for pass in 1...6 { #expect(result.stderr.contains("Pass \(pass): Memory used: ")) }
        #expect(result.stderr.contains("Pass 5: verified "))
    }

    @Test func usageErrorsExitSixteen() throws {
        let directory = FileManager.default.temporaryDirectory
        #expect(try Self.fsck(["-n", "-y", "x.img"], in: directory).status == 16)
        #expect(try Self.fsck(["-f"], in: directory).status == 16)
        #expect(try Self.fsck(["--no-such-option", "x.img"], in: directory).status == 16)
        #expect(try Self.fsck(["-V"], in: directory).status == 0)
        #expect(try Self.fsck(["--help"], in: directory).status == 0)
    }

    /// Installed as fsck.ardaku too (tools/install.sh makes the link), util-linux `fsck -t ardaku`
    /// finds the checker on PATH, passes the options through, and returns its exit status.
    @Test func utilLinuxFsckFindsItAsFsckArdaku() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/fsck") || FileManager.default.isExecutableFile(atPath: "/sbin/fsck") else {
            Issue.record("util-linux fsck is missing: tools/setup.sh installs util-linux")
            return
        }
        let directory = try Self.workspace("bitfield-leaked-bit")
        defer { try? FileManager.default.removeItem(at: directory) }
        let link = directory.appendingPathComponent("fsck.ardaku").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: Self.binary)
        let image = directory.appendingPathComponent("test.img").path
        func fsck(_ arguments: [String]) throws -> (status: Int32, output: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["PATH=\(directory.path):/usr/sbin:/sbin:/usr/bin:/bin", "fsck"] + arguments
            let out = Pipe()
            process.standardOutput = out
            process.standardError = out
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
        let check = try fsck(["-V", "-t", "ardaku", "-f", "-n", image])
        #expect(check.output.contains("fsck.ardaku -f -n \(image)"), "\(check.output)")
        #expect(check.status == 4, "\(check.output)")
        #expect(try fsck(["-t", "ardaku", "-f", "-y", image]).status == 1)
        #expect(try fsck(["-t", "ardaku", "-f", "-n", image]).status == 0)
    }

    @Test func missingImageIsAnOperationalError() throws {
        let result = try Self.fsck(["-fn", "/nonexistent/image.img"], in: FileManager.default.temporaryDirectory)
        #expect(result.status == 8)
        #expect(result.stderr.contains("while trying to open /nonexistent/image.img"))
    }

    @Test func interactiveModeNeedsATerminal() throws {
        let directory = try Self.workspace("bitfield-leaked-bit")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Self.fsck(["-f", "test.img"], in: directory)
        #expect(result.status == 8)
        #expect(result.stderr.contains("need terminal for interactive repairs"))
    }

    /// A mounted device is refused for repair (exit 8) and only warned about with -n. Needs
    /// root, mke2fs, losetup and mount; the test says so and stops when one is missing.
    @Test func mountedDeviceIsRefusedForRepair() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fsck-mount-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let image = directory.appendingPathComponent("ext4.img").path
        let mountPoint = directory.appendingPathComponent("mnt").path
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        func sh(_ command: String) -> (Int32, String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", command]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { return (127, "") }
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        guard getuid() == 0, sh("mke2fs -q -F -t ext4 \(image) 8M").0 == 0 else {
            print("mountedDeviceIsRefusedForRepair: needs root and mke2fs; not run here")
            return
        }
        let (attached, device) = sh("losetup -f --show \(image)")
        guard attached == 0, device.hasPrefix("/dev/loop") else {
            print("mountedDeviceIsRefusedForRepair: losetup unavailable; not run here")
            return
        }
        defer { _ = sh("losetup -d \(device)") }
        guard sh("mount \(device) \(mountPoint)").0 == 0 else {
            print("mountedDeviceIsRefusedForRepair: mount unavailable; not run here")
            return
        }
        defer { _ = sh("umount \(mountPoint)") }
        let repair = try Self.fsck(["-fy", device], in: directory)
        #expect(repair.status == 8)
        #expect(repair.stderr.contains("is mounted"))
        #expect(repair.stderr.contains("Cannot continue, aborting."))
        let readOnly = try Self.fsck(["-fn", device], in: directory)
        #expect(readOnly.stderr.contains("Warning: \(device) is mounted"))
        #expect(readOnly.status == 8)   // an ext4 volume is not an Ardaku volume
    }
}
