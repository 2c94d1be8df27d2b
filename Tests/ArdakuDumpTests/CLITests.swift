import ArdakuFormat
import ArdakuDump
import Foundation
import Testing

/// The `dumpfs` executable: streams, exit codes, and one-line error messages.
@Suite struct CLITests {
    static let image: String = {
        do { return try Fixtures.writeTemporary(Fixtures.golden, name: "cli.img") }
        catch { fatalError("cannot write the CLI image: \(error)") }
    }()

    @Test func summaryOnStdoutBannerOnStderr() throws {
        let result = try Run.dumpfs([Self.image])
        #expect(result.status == 0)
        #expect(result.stderr == ToolVersion.line("dumpfs") + "\n")
        #expect(result.text.hasPrefix("Image:                    \(Self.image) (4194304 bytes, 64 whole pages)\n"))
        #expect(result.text.contains("Problems:                 <none>\n"))
        #expect(try Run.dumpfs(["-q", Self.image]).stderr.isEmpty)
    }

    @Test func everyViewRunsAndSpeaksJSON() throws {
        for arguments in [["--system"], ["--bitmap"], ["--trie"], ["--owners"], ["--file", "/docs/b.bin"], ["--record", "0x11"],
                          ["--page", "4", "--annotate"], ["--bytes", "0x400:16"]] {
            let text = try Run.dumpfs(["-q", Self.image] + arguments)
            #expect(text.status == 0, "\(arguments): \(text.stderr)")
            #expect(!text.stdout.isEmpty)
            let json = try Run.dumpfs(["-q", Self.image, "--json"] + arguments)
            #expect(json.status == 0, "\(arguments) --json: \(json.stderr)")
            let object = try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any]
            #expect(object?["schema"] as? String == StructureDump.schema, "\(arguments)")
        }
    }

    @Test func missingFileIsOneLineAndExit1() throws {
        let result = try Run.dumpfs(["-q", "/nonexistent/image.img"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "dumpfs: /nonexistent/image.img: open failed: No such file or directory\n")
    }

    @Test func directoryIsRefused() throws {
        let result = try Run.dumpfs(["-q", "/tmp"])
        #expect(result.status == 1)
        #expect(result.stderr == "dumpfs: /tmp: not an Ardaku volume: it is a directory\n")
    }

    @Test func rangePastTheEndNamesFileOffsetAndSize() throws {
        let cases: [([String], String)] = [
            (["--page", "64"], "dumpfs: \(Self.image): page 64 starts at byte 0x00400000, past the end of the image (4194304 bytes, ends at 0x00400000)\n"),
            (["--page", "63:2"], "dumpfs: \(Self.image): pages 63:2 (bytes 0x003f0000..<0x00410000) runs past the end of the image at byte 0x00400000 (4194304 bytes)\n"),
            (["--bytes", "0x3ffff0:0x20"], "dumpfs: \(Self.image): bytes 0x3ffff0:0x20 (bytes 0x003ffff0..<0x00400010) runs past the end of the image at byte 0x00400000 (4194304 bytes)\n"),
            (["--sector", "2000"], "dumpfs: \(Self.image): sector 2000 starts at byte 0x007d0000, past the end of the image (4194304 bytes, ends at 0x00400000)\n"),
        ]
        for (arguments, message) in cases {
            let result = try Run.dumpfs(["-q", Self.image] + arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stdout.isEmpty, "\(arguments)")
            #expect(result.stderr == message, "\(arguments)")
        }
    }

    @Test func badRangeSyntaxAndOverflow() throws {
        let syntax = try Run.dumpfs(["-q", Self.image, "--bytes", "12:zz"])
        #expect(syntax.status == 1)
        #expect(syntax.stderr.hasPrefix("dumpfs: \(Self.image): cannot read the range '12:zz': 'zz' is not a number"))
        let overflow = try Run.dumpfs(["-q", Self.image, "--page", "0xffffffffffffffff"])
        #expect(overflow.status == 1)
        #expect(overflow.stderr == "dumpfs: \(Self.image): the range '0xffffffffffffffff' lies beyond 2^64 bytes\n")
    }

    @Test func fileNotInTheTrie() throws {
        let result = try Run.dumpfs(["-q", Self.image, "--file", "/nope"])
        #expect(result.status == 1)
        #expect(result.stderr == "dumpfs: \(Self.image): /nope: not in the trie (it lists 5 files; see --trie)\n")
        let record = try Run.dumpfs(["-q", Self.image, "--record", "256"])
        #expect(record.status == 1)
        #expect(record.stderr == "dumpfs: \(Self.image): subpage 256 (bytes 0x00400000..<0x00404000) lies past the end of the image (4194304 bytes)\n")
    }

    @Test func conflictingOptionsAreUsageErrors() throws {
        for arguments in [["--system", "--trie"], ["--page", "1", "--bytes", "0"], ["--annotate"], ["-v"], ["--record", "x"]] {
            let result = try Run.dumpfs(["-q", Self.image] + arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.hasPrefix("Error: "), "\(arguments)")
        }
    }

    @Test func emptyImageAndEmptyRange() throws {
        let empty = try Fixtures.writeTemporary([], name: "empty.img")
        // What there is is shown; the status says no volume was found (issue 14, item 16).
        let summary = try Run.dumpfs(["-q", empty])
        #expect(summary.status == 1)
        #expect(summary.text.contains("Block in use:             none"))
        #expect(summary.stderr.contains("no Ardaku volume found"))
        let range = try Run.dumpfs(["-q", empty, "--bytes", "0"])
        #expect(range.status == 0)
        #expect(range.stdout.isEmpty)
    }
}
