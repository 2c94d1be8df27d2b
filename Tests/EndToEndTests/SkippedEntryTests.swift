import Foundation
import Testing
import TestSupport

/// What the tree imports (mkfs.ardaku -d, ardaku put -r, zest put -r, cas put -r) say about
/// the host entries they leave out: one warning line per entry, naming it and why, in the
/// same words from every tool; -q silences them; counts read as English ("1 file"). An
/// Ardaku volume keeps links and FIFOs (FORMAT §7.2) and leaves out only the socket; ZEST
/// and CAS volumes keep neither yet.
@Suite(.serialized) struct SkippedEntryTests {
    /// The one line an Ardaku import prints for the tree of `tree(_:)`: its socket.
    static func ardakuSkipped(_ source: String) -> [String] { ["\(source)/sock: skipped: socket (not supported)"] }

    /// `dir/src`: one regular file, and what no tree import stores: a symbolic link, a FIFO
    /// and a socket. Returns the lines each import must print for them, without the tool.
    static func tree(_ dir: String) throws -> (source: String, skipped: [String]) {
        let source = "\(dir)/src"
        try Tools.write("\(source)/a/file.txt", "content\n")
        try FileManager.default.createSymbolicLink(atPath: "\(source)/a/link", withDestinationPath: "file.txt")
        #expect(mkfifo("\(source)/fifo", 0o644) == 0)
        #expect(TestSockets.bind("\(source)/sock"))
        return (source, ["\(source)/a/link: skipped: symbolic link (not supported)",
                         "\(source)/fifo: skipped: FIFO (not supported)",
                         "\(source)/sock: skipped: socket (not supported)"])
    }

    /// The warning lines of `stderr` that name a skipped entry, without "TOOL: warning: ".
    static func skipped(_ stderr: String, tool: String) -> [String] {
        let prefix = "\(tool): warning: "
        return stderr.split(separator: "\n").compactMap { line in
            guard line.hasPrefix(prefix), line.contains(": skipped: ") else { return nil }
            return String(line.dropFirst(prefix.count))
        }.sorted()
    }

    /// "1 files", "1 entries" and the like, anywhere in `text`.
    static func pluralMistakes(_ text: String) -> [String] {
        let nouns = ["files", "entries", "directories", "objects", "fragments", "dictionaries", "names", "blobs", "items", "trees"]
        return nouns.filter { noun in
            text.contains(" 1 \(noun)") || text.hasPrefix("1 \(noun)") || text.contains("\n1 \(noun)") || text.contains("(1 \(noun)")
        }
    }

    @Test func mkfsNamesEachSkippedEntryAndQuietSilencesThem() throws {
        try Tools.withTemporaryDirectory { dir in
            let (source, _) = try Self.tree(dir)
            let expected = Self.ardakuSkipped(source)
            let result = try Tools.run("mkfs.ardaku", ["-d", source, "\(dir)/v.img", "4M"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(Self.skipped(result.stderr, tool: "mkfs.ardaku") == expected.sorted(), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == expected.count, "one line per entry, nothing else:\n\(result.stderr)")
            #expect(result.stdout.contains("Stored 1 file (8 bytes) and 3 other entries (directories, links, nodes)")
                    && result.stdout.contains("; skipped 1 entry (named above)"), "\(result.stdout)")
            #expect(result.stdout.contains("; 4 files.\n"), "\(result.stdout)")
            #expect(Self.pluralMistakes(result.stdout).isEmpty, "\(result.stdout)")
            let quiet = try Tools.run("mkfs.ardaku", ["-q", "-d", source, "\(dir)/q.img", "4M"])
            #expect(quiet.status == 0 && quiet.stdout.isEmpty && quiet.stderr.isEmpty, "\(quiet.stdout)\(quiet.stderr)")
        }
    }

    @Test func mkfsZestAndCASPacksWarnUnderMkfsName() throws {
        try Tools.withTemporaryDirectory { dir in
            let (source, expected) = try Self.tree(dir)
            let result = try Tools.run("mkfs.ardaku", ["--zest", "/z.zest=\(source)", "--cas", "/c.cas=\(source)", "\(dir)/v.img", "8M"])
            #expect(result.status == 0, "\(result.stderr)")
            // Each pack names every entry it leaves out, as mkfs.ardaku.
            #expect(Self.skipped(result.stderr, tool: "mkfs.ardaku") == (expected + expected).sorted(), "\(result.stderr)")
            #expect(!result.stderr.split(separator: "\n").contains { $0.hasPrefix("ardaku:") }, "\(result.stderr)")
            #expect(result.stdout.contains("Packed 1 file (") && result.stdout.contains("Stored 1 file ("), "\(result.stdout)")
            #expect(Self.pluralMistakes(result.stdout).isEmpty, "\(result.stdout)")
        }
    }

    @Test func putZestAndCASTreesReportAsMkfsDoes() throws {
        try Tools.withTemporaryDirectory { dir in
            let (source, expected) = try Self.tree(dir)
            let image = "\(dir)/v.img"
            #expect(try Tools.run("mkfs.ardaku", ["-q", image, "4M"]).status == 0)

            let put = try Tools.run("ardaku", ["put", "-r", image, source, "/t"])
            #expect(put.status == 0, "\(put.stderr)")
            #expect(Self.skipped(put.stderr, tool: "ardaku") == Self.ardakuSkipped(source), "\(put.stderr)")
            #expect(put.stderr.hasSuffix("ardaku: warning: skipped 1 entry (named above)\n"), "\(put.stderr)")

            #expect(try Tools.run("ardaku", ["zest", "create", "\(dir)/z.zest"]).status == 0)
            let zest = try Tools.run("ardaku", ["zest", "put", "-r", "\(dir)/z.zest", source, "/"])
            #expect(zest.status == 0, "\(zest.stderr)")
            #expect(Self.skipped(zest.stderr, tool: "ardaku") == expected.sorted(), "\(zest.stderr)")
            #expect(zest.stderr.hasSuffix("ardaku: warning: skipped 3 entries (named above)\n"), "\(zest.stderr)")
            let zestQuiet = try Tools.run("ardaku", ["zest", "put", "-r", "-q", "-f", "\(dir)/z.zest", source, "/"])
            #expect(zestQuiet.status == 0 && zestQuiet.stderr.isEmpty, "\(zestQuiet.stderr)")

            let cas = try Tools.run("ardaku", ["cas", "put", "-r", "\(dir)/c.cas", source])
            #expect(cas.status == 0, "\(cas.stderr)")
            #expect(Self.skipped(cas.stderr, tool: "ardaku") == expected.sorted(), "\(cas.stderr)")
            #expect(cas.stdout.contains("skipped: 3 entries (see the warnings)"), "\(cas.stdout)")
            #expect(cas.stdout.contains("1 file, "), "\(cas.stdout)")
            #expect(Self.pluralMistakes(cas.stdout).isEmpty, "\(cas.stdout)")
            let casQuiet = try Tools.run("ardaku", ["cas", "put", "-r", "-q", "\(dir)/c.cas", source])
            #expect(casQuiet.status == 0 && casQuiet.stderr.isEmpty, "\(casQuiet.stderr)")
        }
    }

    @Test func countsOfOneAreSingular() throws {
        try Tools.withTemporaryDirectory { dir in
            try Tools.write("\(dir)/src/only.txt", "one\n")
            let image = "\(dir)/v.img"
            let mkfs = try Tools.run("mkfs.ardaku", ["-d", "\(dir)/src", image, "4M"])
            #expect(mkfs.status == 0 && Self.pluralMistakes(mkfs.stdout).isEmpty, "\(mkfs.stdout)")
            // One file in a ZEST volume, removed: compact then moves and drops single things.
            #expect(try Tools.run("ardaku", ["zest", "create", "\(dir)/z.zest"]).status == 0)
            #expect(try Tools.run("ardaku", ["zest", "put", "\(dir)/z.zest", "\(dir)/src/only.txt", "/a"]).status == 0)
            #expect(try Tools.run("ardaku", ["zest", "put", "\(dir)/z.zest", "\(dir)/src/only.txt", "/b"]).status == 0)
            #expect(try Tools.run("ardaku", ["zest", "rm", "\(dir)/z.zest", "/a"]).status == 0)
            let compact = try Tools.run("ardaku", ["zest", "compact", "\(dir)/z.zest"])
            #expect(compact.status == 0 && Self.pluralMistakes(compact.stdout).isEmpty, "\(compact.stdout)")
            // A CAS snapshot of one file in one directory, then what info says about it.
            try Tools.write("\(dir)/tree/d/only.txt", "one\n")
            let put = try Tools.run("ardaku", ["cas", "put", "-r", "\(dir)/c.cas", "\(dir)/tree", "--tag", "v1"])
            #expect(put.status == 0 && Self.pluralMistakes(put.stdout).isEmpty, "\(put.stdout)")
            #expect(put.stdout.contains("1 file, 1 directory,"), "\(put.stdout)")
            let info = try Tools.run("ardaku", ["cas", "info", "\(dir)/c.cas"])
            #expect(info.status == 0 && Self.pluralMistakes(info.stdout).isEmpty, "\(info.stdout)")
            let rm = try Tools.run("ardaku", ["rm", image, "/nothing"])
            #expect(rm.status == 1 && rm.stderr.contains("0 of 1 name removed"), "\(rm.stderr)")
        }
    }
}
