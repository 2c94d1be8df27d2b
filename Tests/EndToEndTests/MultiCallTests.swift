import Foundation
import Testing

/// The installed program is one executable, ardaku; mkfs.ardaku, fsck.zest, fsck.ardaku and
/// dumpfs are links to it and the name chooses the tool (tools/install.sh). Every tool answers
/// -V and --version, and a usage error exits 1 (16 in fsck), as e2fsprogs' tools do.
@Suite struct MultiCallTests {
    static let names = ["mkfs.ardaku", "fsck.zest", "fsck.ardaku", "dumpfs"]

    /// A directory of links to the built ardaku under every installed name.
    static func withLinks<R>(_ body: (String) throws -> R) throws -> R {
        try Tools.withTemporaryDirectory { dir in
            let ardaku = Tools.productsDirectory.appendingPathComponent("ardaku").path
            for name in names + ["ardaku"] {
                try FileManager.default.createSymbolicLink(atPath: "\(dir)/\(name)", withDestinationPath: ardaku)
            }
            return try body(dir)
        }
    }

    @Test func theNameChoosesTheTool() throws {
        try Self.withLinks { dir in
            let image = "\(dir)/disk.img"
            let mkfs = try Tools.run("\(dir)/mkfs.ardaku", ["-q", "-L", "linked", image, "8M"])
            #expect(mkfs.status == 0, "\(mkfs.stderr)")
            for fsck in ["fsck.zest", "fsck.ardaku"] {
                let check = try Tools.run("\(dir)/\(fsck)", ["-fn", image])
                #expect(check.status == 0 && check.stdout.contains("0 files"), "\(fsck): \(check.stdout)\(check.stderr)")
            }
            let dump = try Tools.run("\(dir)/dumpfs", ["-q", image])
            #expect(dump.status == 0 && dump.stdout.contains("linked"), "\(dump.stderr)")
            // The same tools as subcommands of ardaku.
            #expect(try Tools.run("\(dir)/ardaku", ["fsck", "-fn", image]).status == 0)
            #expect(try Tools.run("\(dir)/ardaku", ["dump", "-q", image]).stdout == dump.stdout)
            let again = try Tools.run("\(dir)/ardaku", ["mkfs", "-q", "-f", "-L", "again", image, "8M"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try Tools.run("\(dir)/ardaku", ["label", image]).stdout == "again\n")
        }
    }

    @Test func everyNameAnswersVersion() throws {
        try Self.withLinks { dir in
            for name in Self.names + ["ardaku"] {
                let tool = name == "fsck.ardaku" ? "fsck.zest" : name
                for option in ["-V", "--version"] {
                    let result = try Tools.run("\(dir)/\(name)", [option])
                    #expect(result.status == 0, "\(name) \(option): \(result.stderr)")
                    #expect(result.stdout.hasPrefix("\(tool) 1.0 (Ardaku format 1)"), "\(name) \(option): \(result.stdout)")
                }
            }
        }
    }

    @Test func usageErrorsExitOneAndSixteenInFsck() throws {
        try Self.withLinks { dir in
            for (name, arguments, status) in [("mkfs.ardaku", ["--bogus"], Int32(1)), ("dumpfs", ["--bogus", "x"], 1),
                                              ("ardaku", ["--bogus"], 1), ("ardaku", ["ls"], 1), ("ardaku", ["help", "bogus"], 1),
                                              ("fsck.zest", ["--bogus", "x"], 16), ("fsck.ardaku", [], 16)] {
                let result = try Tools.run("\(dir)/\(name)", arguments)
                #expect(result.status == status, "\(name) \(arguments): \(result.status) \(result.stderr)")
                #expect(!result.stderr.isEmpty, "\(name) \(arguments)")
            }
            #expect(try Tools.run("\(dir)/ardaku", ["help", "ls"]).status == 0)
        }
    }
}
